"""pytest wiring for the e2e suite: options, the skip rule, the session fixtures (cluster, stack, runs), and the
results folder (created first, summarised last, with the cluster's state on a failure or interrupt).

    tox -e e2e                                   # kind cluster from fixtures/e2e/, deleted afterwards
    tox -e e2e -- --keep-cluster                 # keep it for debugging (re-used by the next run with the same pins)
    tox -e e2e -- --kubeconfig ~/.kube/config --context minikube   # an existing cluster, no kind
    tox -e e2e -- -k cpu --results out/          # one scenario, results elsewhere
    tox -e e2e -- --parallel                     # the three scenarios at once (needs 4+ CPUs; default: one by one)

Without a container engine (``docker info`` fails) and without --kubeconfig/--context the tests are skipped with
the reason, unless ``--require-cluster`` (or KUBECTL_HPA_REQUIRE_E2E=1, as CI sets) turns that skip into a failure.
Plain ``pytest``/``tox`` never collects this folder (testpaths = tests).

pytest-kind (the e2e extra) registers --cluster-name, --keep-cluster, --kubeconfig, --kind-image, --kind-bin and
--kind-kubectl-bin in its own option group; pytest checks name conflicts only inside one group, so registering them
again here crashes argparse at start-up. They are registered here only when no plugin did.
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from e2e.harness import cluster as clusters  # noqa: E402
from e2e.harness import diagnostics  # noqa: E402
from e2e.harness.manifests import (  # noqa: E402
    APP_NAMESPACE,
    KIND_CONFIG,
    app_variant,
    kind_host_ports,
    with_image,
)
from e2e.harness.results import new_run_dir, write_run_readme  # noqa: E402
from e2e.harness.scenario import SCENARIOS, Runner  # noqa: E402
from e2e.harness.stack import Inventory, Stack, apiservice_available, app_documents  # noqa: E402
from e2e.harness.versions import load_versions  # noqa: E402

REQUIRE_ENV = "KUBECTL_HPA_REQUIRE_E2E"
DEFAULT_CLUSTER_NAME = "kubectl-hpa-e2e"


@dataclass
class SessionState:
    """What the run's README needs, gathered across fixtures and hooks."""

    run_dir: Optional[Path] = None
    started: float = field(default_factory=time.time)
    errors: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    interrupted: bool = False
    collected: bool = False
    _log: Optional[object] = None

    def log(self, text: str) -> None:
        print(text, flush=True)
        if self.run_dir is not None:
            with (self.run_dir / "session.log").open("a") as handle:
                handle.write(f"{time.strftime('%H:%M:%SZ', time.gmtime())} {text}\n")


STATE = pytest.StashKey[SessionState]()


def state_of(config: pytest.Config) -> SessionState:
    if STATE not in config.stash:
        config.stash[STATE] = SessionState()
    return config.stash[STATE]


def registered_options(parser: pytest.Parser) -> set[str]:
    """Every option string already registered, in any group (pytest only checks conflicts inside one group)."""
    names: set[str] = set()
    groups = [getattr(parser, "_anonymous", None), *getattr(parser, "_groups", [])]
    for group in groups:
        for option in getattr(group, "options", []) if group is not None else []:
            names.update(option.names())
    return names


OPTIONS: tuple[tuple[tuple[str, ...], dict], ...] = (
    # pytest-kind 22.11.1's own options (pytest_kind/plugin.py), with its defaults, for runs without it
    (("--cluster-name",), {"default": "pytest-kind", "help": "name of the kind cluster (default here: kubectl-hpa-e2e)"}),
    (("--keep-cluster",), {"action": "store_true", "default": False,
                           "help": "keep the kind cluster after the run (reused by the next run with the same pins)"}),
    (("--kubeconfig",), {"default": None, "help": "run against an existing cluster from this kubeconfig (no kind)"}),
    (("--kind-image",), {"default": None, "help": "kind node image instead of the pinned one"}),
    (("--kind-bin",), {"default": None, "help": "kind binary instead of downloading the pinned one"}),
    (("--kind-kubectl-bin",), {"default": None, "help": "kubectl binary instead of downloading the pinned one"}),
    # the harness's own
    (("--context",), {"default": None, "help": "kubeconfig context of an existing cluster (no kind)"}),
    (("--results",), {"default": "results", "help": "folder for run results (default: ./results/<UTC time>/)"}),
    (("--node-address",), {"default": None, "help": "existing cluster: host where NodePorts answer "
                                                   "(default: 127.0.0.1 on kind/Docker Desktop, else a node's InternalIP)"}),
    (("--app-image",), {"default": None, "help": "use this hello-actuator image instead of building hello-actuator:0.1.0"}),
    (("--parallel",), {"action": "store_true", "default": False,
                       "help": "run the scenarios at the same time (needs 4+ CPUs; default: one after another)"}),
    (("--serial",), {"action": "store_true", "default": False, "help": "one scenario after another (the default)"}),
    (("--require-cluster",), {"action": "store_true", "default": False,
                              "help": f"fail instead of skipping when no cluster can be had (also {REQUIRE_ENV}=1)"}),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kubectl-hpa e2e")
    known = registered_options(parser)
    for names, kwargs in OPTIONS:
        if not known.intersection(names):
            group.addoption(*names, **kwargs)


def _existing(config: pytest.Config) -> bool:
    return bool(config.getoption("--kubeconfig") or config.getoption("--context"))


def _required(config: pytest.Config) -> bool:
    return bool(config.getoption("--require-cluster") or os.environ.get(REQUIRE_ENV, "") not in ("", "0"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    ours = [item for item in items if here in Path(str(item.fspath)).resolve().parents]
    for item in ours:
        item.add_marker(pytest.mark.e2e)
    if not ours or _existing(config):
        return
    ok, reason = clusters.container_engine_status()
    if ok:
        return
    text = (f"no container engine for kind ({reason}); install and start Docker, or run against an existing "
            f"cluster with --kubeconfig/--context")
    for item in ours:
        if _required(config):
            item.add_marker(pytest.mark.e2e_unavailable(text))
        else:
            item.add_marker(pytest.mark.skip(reason=text))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e_unavailable(reason): a required cluster cannot be had (fails the test)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("e2e_unavailable")
    if marker is not None:
        pytest.fail(f"{marker.args[0]} (a cluster is required here: --require-cluster or {REQUIRE_ENV}=1)",
                    pytrace=False)


def pytest_keyboard_interrupt(excinfo) -> None:
    # called before the session fixtures are torn down: they collect the cluster's state before deleting it
    for state in _STATES:
        state.interrupted = True


_STATES: list[SessionState] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.run_dir is None:
        return
    state.facts["duration"] = f"{time.time() - state.started:.0f}s"
    verdict = "INTERRUPTED" if state.interrupted else ("PASSED" if exitstatus == 0 and not state.errors else "FAILED")
    readme = write_run_readme(state.run_dir, {**state.facts, "errors": state.errors, "verdict": verdict})
    print(f"\ne2e results: {readme}")


def _failed(request: pytest.FixtureRequest, state: SessionState) -> Optional[str]:
    if state.interrupted:
        return "interrupted"
    if request.session.testsfailed:
        return f"{request.session.testsfailed} failed"
    if state.errors:
        return "set-up error"
    return None


def _collect_once(cluster, state: SessionState, reason: str) -> None:
    if state.collected or state.run_dir is None:
        return
    state.collected = True
    diagnostics.collect(cluster, state.run_dir, reason, namespaces=(APP_NAMESPACE,), log=state.log)


@pytest.fixture(scope="session")
def e2e_state(request: pytest.FixtureRequest) -> SessionState:
    state = state_of(request.config)
    _STATES.append(state)
    return state


@pytest.fixture(scope="session")
def versions():
    return load_versions()


@pytest.fixture(scope="session")
def results_dir(request: pytest.FixtureRequest, e2e_state: SessionState) -> Path:
    """Made before anything else, so a run that fails in its set-up still leaves a folder with its log."""
    path = new_run_dir(Path(request.config.getoption("--results")).resolve())
    e2e_state.run_dir = path
    e2e_state.facts["command"] = "pytest " + " ".join(request.config.invocation_params.args)
    e2e_state.log(f"results: {path}")
    return path


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest, versions, results_dir: Path, e2e_state: SessionState):
    config = request.config
    state = e2e_state
    state.facts["versions"] = (f"kind {versions.kind}, node {versions.node_image_tag}, kubectl {versions.kubectl}, "
                               f"metrics-server {versions.metrics_server}")
    if _existing(config):
        try:
            existing = clusters.existing_cluster(config.getoption("--kubeconfig"), config.getoption("--context"),
                                                 config.getoption("--node-address"))
        except Exception as error:
            state.errors.append(f"existing cluster: {error}")
            raise
        state.facts["cluster"] = (f"existing, context {existing.context or '(current)'}, "
                                  f"NodePorts at {existing.node_address}")
        state.log(state.facts["cluster"])
        try:
            yield existing
        finally:
            reason = _failed(request, state)
            if reason:
                _collect_once(existing, state, reason)
        return
    name = config.getoption("--cluster-name")
    name = DEFAULT_CLUSTER_NAME if name in (None, "pytest-kind") else name
    made: Optional[clusters.Cluster] = None
    try:
        made, what = clusters.kind_cluster(name, versions, KIND_CONFIG, kind_host_ports(),
                                           kind_bin=config.getoption("--kind-bin"),
                                           kubectl_bin=config.getoption("--kind-kubectl-bin"),
                                           node_image=config.getoption("--kind-image"), log=state.log)
        state.facts["cluster"] = f"kind {name} ({what}), kubeconfig {made.kubeconfig}"
        state.log(state.facts["cluster"])
        made.kubectl("wait", "--for=condition=Ready", "nodes", "--all", "--timeout=180s", timeout=200)
        assert made.kind is not None
        made.kind.mark_finished(clusters.cluster_pins(versions, KIND_CONFIG) | (
            {"nodeImage": config.getoption("--kind-image")} if config.getoption("--kind-image") else {}))
        yield made
    except Exception as error:
        state.errors.append(f"kind cluster {name}: {error.__class__.__name__}: {error}")
        raise
    finally:
        if made is not None:
            reason = _failed(request, state)
            if reason:
                _collect_once(made, state, reason)
            if config.getoption("--keep-cluster") and not state.interrupted:
                state.log(f"keeping kind cluster {name}: KUBECONFIG={made.kubeconfig} kubectl get pods -A")
            else:
                state.log(f"deleting kind cluster {name}")
                made.delete()


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, cluster, versions, results_dir: Path, e2e_state: SessionState):
    """metrics-server, Prometheus, prometheus-adapter and the three apps, each gated on real readiness, in namespaces
    the harness owns; on an existing cluster, teardown deletes exactly what it created."""
    config = request.config
    state = e2e_state
    stack = Stack(cluster, log=state.log, inventory=Inventory(path=results_dir / "installed.json"))

    def present(name: str) -> bool:
        result = cluster.kubectl("get", "apiservice", name, "-o", "json", check=False)
        import json

        return result.returncode == 0 and apiservice_available(json.loads(result.stdout))[0]

    try:
        image = config.getoption("--app-image") or versions.app_image
        if not config.getoption("--app-image") and clusters.container_engine_status()[0]:
            clusters.build_image(image, versions.app_context, log=state.log)
            state.log(cluster.load_image(image, results_dir / ".images"))
        if cluster.flavour == "kind" or not present("v1beta1.metrics.k8s.io"):
            stack.install_metrics_server()
        else:
            state.log("metrics.k8s.io already served: keeping the cluster's metrics-server")
        if cluster.flavour == "kind" or not present("v1beta1.custom.metrics.k8s.io"):
            stack.install_prometheus_and_adapter()
        else:
            state.log("custom.metrics.k8s.io already served: keeping the cluster's adapter (it needs our rule)")
        base = app_documents(image)
        apps = [(base, "hello-actuator")]
        for scenario in SCENARIOS:
            if scenario.app is not None:
                apps.append((with_image(app_variant(base, scenario.app), image), scenario.app.name))
        for documents, name in apps:
            stack.install_app(documents, APP_NAMESPACE, name, f"app {name} in {APP_NAMESPACE}")
        stack.wait_custom_metric()
    except Exception as error:
        state.errors.append(f"stack set-up: {error.__class__.__name__}: {error}")
        state.log(traceback.format_exc())
        _collect_once(cluster, state, "set-up error")
        _teardown_stack(cluster, stack, state)
        raise
    try:
        yield stack
    finally:
        reason = _failed(request, state)
        if reason:
            _collect_once(cluster, state, reason)
        _teardown_stack(cluster, stack, state)


def _teardown_stack(cluster, stack: Stack, state: SessionState) -> None:
    if cluster.flavour != "existing":  # kind: the cluster itself goes (or is kept as it is)
        return
    for line in stack.teardown():
        state.log(f"teardown: {line}")


@pytest.fixture(scope="session")
def scenario_reports(request: pytest.FixtureRequest, cluster, stack, results_dir: Path, e2e_state: SessionState):
    """Run every selected scenario (one after another unless --parallel); tests then judge their own report."""
    selected = {item.callspec.params.get("name") for item in request.session.items if hasattr(item, "callspec")}
    chosen = [s for s in SCENARIOS if s.name in selected] or list(SCENARIOS)
    release = load_versions().kubernetes if cluster.flavour == "kind" else None  # existing: simulate asks no one
    runners = [Runner(cluster, s, results_dir / s.name, echo=e2e_state.log, kubernetes_version=release)
               for s in chosen]
    if not request.config.getoption("--parallel"):
        reports = {}
        for runner in runners:
            reports[runner.scenario.name] = runner.run()
            if e2e_state.interrupted or runner.stop_event.is_set():
                break
        return reports
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(runners)) as pool:
        futures = {r.scenario.name: pool.submit(r.run) for r in runners}
        try:
            return {name: future.result() for name, future in futures.items()}
        except BaseException:
            for runner in runners:
                runner.stop_event.set()
            raise
