"""pytest wiring for the e2e suite: options, the skip rule, and the session fixtures (cluster, stack, runs).

    tox -e e2e                                   # kind cluster from fixtures/e2e/, deleted afterwards
    tox -e e2e -- --keep-cluster                 # keep it for debugging (re-used by the next run)
    tox -e e2e -- --kubeconfig ~/.kube/config --context minikube   # an existing cluster, no kind
    tox -e e2e -- -k cpu --results out/          # one scenario, results elsewhere

Without a container engine (``docker info`` fails) and without --kubeconfig/--context the tests are skipped with
the reason; plain ``pytest``/``tox`` never collects this folder (testpaths = tests).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from e2e.harness import cluster as clusters  # noqa: E402
from e2e.harness.manifests import (  # noqa: E402
    ADAPTER_MANIFEST,
    KIND_CONFIG,
    METRICS_SERVER_MANIFEST,
    PROMETHEUS_MANIFEST,
    app_variant,
    dump_documents,
    kind_host_ports,
    read_documents,
    with_image,
)
from e2e.harness.results import new_run_dir  # noqa: E402
from e2e.harness.scenario import SCENARIOS, Runner  # noqa: E402
from e2e.harness.stack import Stack, apiservice_available, app_documents  # noqa: E402
from e2e.harness.versions import load_versions  # noqa: E402


def _add(group, *names, **kwargs) -> None:
    """pytest-kind already registers --keep-cluster and --kubeconfig; register them only when it is absent."""
    with contextlib.suppress(ValueError):
        group.addoption(*names, **kwargs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kubectl-hpa e2e")
    _add(group, "--keep-cluster", action="store_true", default=False,
         help="keep the kind cluster after the run (it is re-used by the next run)")
    _add(group, "--kubeconfig", default=None, help="run against an existing cluster from this kubeconfig (no kind)")
    _add(group, "--context", default=None, help="kubeconfig context of an existing cluster (no kind)")
    _add(group, "--results", default="results", help="folder for run results (default: ./results/<UTC time>/)")
    _add(group, "--node-address", default=None, help="existing cluster: host where NodePorts answer "
                                                      "(default: 127.0.0.1 on kind/Docker Desktop, else a node's InternalIP)")
    _add(group, "--app-image", default=None, help="use this hello-actuator image instead of building hello-actuator:0.1.0")
    _add(group, "--serial", action="store_true", default=False,
         help="run the scenarios one after another (default: concurrently, about 10 minutes instead of 20)")


def _existing(config: pytest.Config) -> bool:
    return bool(config.getoption("--kubeconfig") or config.getoption("--context"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    ours = [item for item in items if here in Path(str(item.fspath)).resolve().parents]
    for item in ours:
        item.add_marker(pytest.mark.e2e)
    if not ours or _existing(config):
        return
    ok, reason = clusters.container_engine_status()
    if not ok:
        skip = pytest.mark.skip(reason=f"no container engine for kind ({reason}); install and start Docker, or run "
                                       f"against an existing cluster with --kubeconfig/--context")
        for item in ours:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def versions():
    return load_versions()


@pytest.fixture(scope="session")
def results_dir(request: pytest.FixtureRequest) -> Path:
    path = new_run_dir(Path(request.config.getoption("--results")).resolve())
    print(f"\nresults: {path}")
    return path


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest, versions):
    config = request.config
    if _existing(config):
        made = clusters.existing_cluster(config.getoption("--kubeconfig"), config.getoption("--context"),
                                         config.getoption("--node-address"))
        print(f"\nexisting cluster: context {made.context or '(current)'}, NodePorts at {made.node_address}")
        yield made
        return
    name = config.getoption("--cluster-name", default="kubectl-hpa-e2e")
    name = "kubectl-hpa-e2e" if name in (None, "pytest-kind") else name
    made = clusters.kind_cluster(name, versions, KIND_CONFIG, kind_host_ports(),
                                 kind_bin=config.getoption("--kind-bin", default=None),
                                 kubectl_bin=config.getoption("--kind-kubectl-bin", default=None))
    print(f"\nkind cluster {name} ({versions.kind}, {versions.node_image_tag}), kubeconfig {made.kubeconfig}")
    try:
        made.kubectl("wait", "--for=condition=Ready", "nodes", "--all", "--timeout=180s", timeout=200)
        yield made
    finally:
        if config.getoption("--keep-cluster"):
            print(f"\nkeeping kind cluster {name}: KUBECONFIG={made.kubeconfig} kubectl get pods -A")
        else:
            made.delete()


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, cluster, versions):
    """metrics-server, Prometheus, prometheus-adapter and the three apps, each gated on real readiness."""
    config = request.config
    installed: list[list[dict]] = []
    stack = Stack(cluster)

    def present(name: str) -> bool:
        result = cluster.kubectl("get", "apiservice", name, "-o", "json", check=False)
        return result.returncode == 0 and apiservice_available(json.loads(result.stdout))[0]

    image = config.getoption("--app-image") or versions.app_image
    if not config.getoption("--app-image") and shutil.which("docker"):
        clusters.build_image(image, versions.app_context)
        print(cluster.load_image(image))
    try:
        if cluster.flavour == "kind" or not present("v1beta1.metrics.k8s.io"):
            stack.install_metrics_server()
            installed.append(read_documents(METRICS_SERVER_MANIFEST))
        else:
            print("metrics.k8s.io already served: keeping the cluster's metrics-server")
        if cluster.flavour == "kind" or not present("v1beta1.custom.metrics.k8s.io"):
            stack.install_prometheus_and_adapter()
            installed += [read_documents(PROMETHEUS_MANIFEST), read_documents(ADAPTER_MANIFEST)]
        else:
            print("custom.metrics.k8s.io already served: keeping the cluster's adapter (it needs our rule)")
        base = app_documents(image)
        apps = [(base, "hello-actuator")]
        for scenario in SCENARIOS:
            if scenario.app is not None:
                apps.append((with_image(app_variant(base, scenario.app), image), scenario.app.name))
        for documents, name in apps:
            installed.append(documents)
            stack.install_app(documents, "default", name, f"app {name}")
        stack.wait_custom_metric()
        yield stack
    finally:
        if cluster.flavour == "existing":  # leave an existing cluster as we found it
            for documents in reversed(installed):
                cluster.kubectl("delete", "-f", "-", "--ignore-not-found", "--wait=false",
                                input=dump_documents(documents), check=False)


@pytest.fixture(scope="session")
def scenario_reports(request: pytest.FixtureRequest, cluster, stack, results_dir):
    """Run every selected scenario (concurrently unless --serial); tests then judge their own report."""
    selected = {item.callspec.params.get("name") for item in request.session.items if hasattr(item, "callspec")}
    chosen = [s for s in SCENARIOS if s.name in selected] or list(SCENARIOS)
    runners = [Runner(cluster, s, results_dir / s.name) for s in chosen]
    if request.config.getoption("--serial"):
        return {r.scenario.name: r.run() for r in runners}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(runners)) as pool:
        futures = {r.scenario.name: pool.submit(r.run) for r in runners}
        try:
            return {name: future.result() for name, future in futures.items()}
        except BaseException:
            for runner in runners:
                runner.stop_event.set()
            raise
