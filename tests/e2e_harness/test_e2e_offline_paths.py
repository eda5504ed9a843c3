"""Every harness path that needs no container engine, exercised for real: the conftest under pytest-kind's options,
the skip and its "required" switch, tool downloads (HTTP on 127.0.0.1), kind reuse rules, the teardown's bookkeeping,
results and cluster state on a failure, the stop path, retries, the load checks and the workflow's hardening.

Network: 127.0.0.1 only. The kubectl used against a closed local port is the real binary when it is on PATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from e2e.harness.assertions import check_load_delivered
from e2e.harness.cluster import (
    Cluster,
    DownloadError,
    build_commands,
    checksum_url,
    cluster_pins,
    download_tool,
    parse_checksum,
    reuse_decision,
)
from e2e.harness.load import LocustLoad, expected_requests, wait_reachable
from e2e.harness.manifests import (
    ADAPTER_MANIFEST,
    KIND_CONFIG,
    MANAGED_BY,
    MONITORING_NAMESPACE,
    PROMETHEUS_MANIFEST,
    labelled,
    object_ref,
    read_documents,
    relocate,
)
from e2e.harness.plugin import explain_text
from e2e.harness.results import plan_cut_to, render_run_readme, write_run_readme, write_simulation_inputs
from e2e.harness.scenario import Runner, RunStopped, scenario_named
from e2e.harness.stack import Inventory, classify, live_objects
from e2e.harness.versions import REPO_ROOT, load_versions
from e2e.harness.wait import Waiter, WaitTimeout, retry

# pytest-kind 22.11.1's pytest_addoption (pytest_kind/plugin.py), option for option: a stand-in only when the real
# plugin is not installed (the tox e2e env and CI have it; see e2e/check_pytest_matrix.py for every pytest).
PYTEST_KIND_OPTIONS = '''
def pytest_addoption(parser):
    group = parser.getgroup("kind")
    group.addoption("--cluster-name", default="pytest-kind")
    group.addoption("--keep-cluster", action="store_true")
    group.addoption("--kubeconfig", default=None)
    group.addoption("--kind-image", default=None, action="store", type=str)
    group.addoption("--kind-bin", default=None, action="store", type=str)
    group.addoption("--kind-kubectl-bin", default=None, action="store", type=str)
'''


def _pytest_e2e(tmp_path: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    plugin_args: list[str] = []
    environ = {**os.environ, **(env or {})}
    try:
        import importlib.util

        real = importlib.util.find_spec("pytest_kind") is not None
    except ValueError:
        real = False
    if not real:
        (tmp_path / "kind_options_standin.py").write_text(PYTEST_KIND_OPTIONS)
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), environ.get("PYTHONPATH")]))
        plugin_args = ["-p", "kind_options_standin"]
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *plugin_args, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, env=environ)


# ----------------------------------------------------------------------------- the conftest and the skip

@pytest.mark.process
def test_the_e2e_conftest_loads_next_to_pytest_kinds_options(tmp_path: Path) -> None:
    result = _pytest_e2e(tmp_path, "--collect-only", "-q", "e2e", "--keep-cluster", "--cluster-name", "x")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conflicting option string" not in result.stderr
    assert "3 tests collected" in result.stdout
    help_text = _pytest_e2e(tmp_path, "--help", "e2e/").stdout
    assert help_text.count("--keep-cluster") == 1 and "--require-cluster" in help_text and "--parallel" in help_text


@pytest.mark.process
def test_without_an_engine_the_suite_skips_and_the_switch_makes_that_red(tmp_path: Path) -> None:
    # PATH without docker: the engine check fails the same way on every machine
    env = {"PATH": str(Path(sys.executable).parent), "KUBECTL_HPA_REQUIRE_E2E": ""}
    skipped = _pytest_e2e(tmp_path, "-q", "-rs", "e2e", env=env)
    assert skipped.returncode == 0 and "3 skipped" in skipped.stdout
    assert "`docker` is not on PATH" in skipped.stdout and "--kubeconfig/--context" in skipped.stdout
    required = _pytest_e2e(tmp_path, "-q", "e2e", env={**env, "KUBECTL_HPA_REQUIRE_E2E": "1"})
    assert required.returncode != 0 and "a cluster is required here" in required.stdout
    assert not (tmp_path / "results").exists()


# ----------------------------------------------------------------------------- downloads

class _Files(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.hits.append(self.path)
        answers = self.routes.get(self.path, [(404, b"")])
        status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def files_server():
    _Files.routes, _Files.hits = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_tool_download_is_checked_retried_and_kept(files_server, tmp_path: Path) -> None:
    _, base = files_server
    body = b"#!/bin/sh\necho kind v0.32.0\n"
    digest = hashlib.sha256(body).hexdigest()
    _Files.routes = {"/kind": [(500, b"flaky"), (200, body)], "/kind.sha256sum": [(200, f"{digest}  kind\n".encode())]}
    pauses: list[float] = []
    dest = download_tool(f"{base}/kind", tmp_path / "kind", sha256_url=f"{base}/kind.sha256sum", log=lambda _: None,
                         sleep=pauses.append, timeout=5)
    assert dest.read_bytes() == body and os.access(dest, os.X_OK) and pauses == [2.0]
    before = list(_Files.hits)
    download_tool(f"{base}/kind", dest, sha256_url=f"{base}/kind.sha256sum", log=lambda _: None, sleep=pauses.append)
    assert _Files.hits[len(before):] == ["/kind.sha256sum"], "a file with the right digest is not downloaded again"


def test_a_tool_whose_digest_does_not_match_is_refused(files_server, tmp_path: Path) -> None:
    _, base = files_server
    _Files.routes = {"/kubectl": [(200, b"tampered")], "/kubectl.sha256": [(200, ("0" * 64).encode())]}
    with pytest.raises(DownloadError, match=r"3 attempts.*does not match the published 0000"):
        download_tool(f"{base}/kubectl", tmp_path / "kubectl", sha256_url=f"{base}/kubectl.sha256",
                      log=lambda _: None, sleep=lambda _: None, timeout=5)
    assert not (tmp_path / "kubectl").exists() and _Files.hits.count("/kubectl") == 3


def test_a_stalled_download_times_out(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        started = time.monotonic()
        with pytest.raises(DownloadError, match="2 attempts"):
            download_tool(f"http://127.0.0.1:{listener.getsockname()[1]}/kind", tmp_path / "kind", timeout=0.5,
                          attempts=2, log=lambda _: None, sleep=lambda _: None)
        assert time.monotonic() - started < 10
    finally:
        listener.close()


def test_checksum_locations_and_format() -> None:
    assert checksum_url("https://github.com/kubernetes-sigs/kind/releases/download/v0.32.0/kind-linux-amd64").endswith(
        "kind-linux-amd64.sha256sum")
    assert checksum_url("https://dl.k8s.io/release/v1.36.1/bin/linux/amd64/kubectl").endswith("kubectl.sha256")
    assert parse_checksum("A" * 64 + "  kind-linux-amd64\n") == "a" * 64
    with pytest.raises(ValueError):
        parse_checksum("<html>Not Found</html>")


# ----------------------------------------------------------------------------- kind

def test_kind_clusters_are_reused_only_when_finished_with_the_same_pins(tmp_path: Path) -> None:
    versions = load_versions()
    pins = cluster_pins(versions, KIND_CONFIG)
    assert reuse_decision(False, None, pins) == "create"
    assert reuse_decision(True, pins, pins) == "reuse"
    assert reuse_decision(True, None, pins) == "recreate"  # an interrupted `kind create`, or made by hand
    assert reuse_decision(True, {**pins, "nodeImage": "kindest/node:v1.30.0"}, pins) == "recreate"
    other = tmp_path / "kind.yaml"
    other.write_text(KIND_CONFIG.read_text() + "# changed\n")
    assert cluster_pins(versions, other) != pins


def test_the_app_image_is_built_without_attestations_first() -> None:
    first, fallback = build_commands("docker", "hello-actuator:0.1.0", Path("ctx"))
    assert "--provenance=false" in first and "--sbom=false" in first and "--provenance=false" not in fallback


# ----------------------------------------------------------------------------- namespaces and bookkeeping

def test_monitoring_moves_into_the_harness_namespace() -> None:
    documents = relocate(read_documents(PROMETHEUS_MANIFEST) + read_documents(ADAPTER_MANIFEST), "monitoring",
                         MONITORING_NAMESPACE)
    text = yaml.safe_dump_all(documents)
    assert "namespace: monitoring" not in text and ".monitoring.svc" not in text and "name: monitoring\n" not in text
    assert f"http://prometheus.{MONITORING_NAMESPACE}.svc:9090/" in text
    refs = {object_ref(doc) for doc in documents}
    assert ("rolebinding.rbac.authorization.k8s.io", "kube-system", "prometheus-adapter-auth-reader") in refs
    assert ("namespace", "", MONITORING_NAMESPACE) in refs
    apiservices = [d for d in documents if d["kind"] == "APIService"]
    assert {d["spec"]["service"]["namespace"] for d in apiservices} == {MONITORING_NAMESPACE}
    binding = next(d for d in documents if d["metadata"]["name"] == "hpa-controller-custom-metrics")
    assert binding["subjects"][0]["namespace"] == "kube-system"  # the HPA controller's account stays where it is


def test_teardown_deletes_only_what_the_harness_created(tmp_path: Path) -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": MONITORING_NAMESPACE}}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "prometheus",
                                                                         "namespace": MONITORING_NAMESPACE}}
    theirs = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "metrics-server",
                                                                         "namespace": "kube-system"}}
    ours_before = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                   "metadata": {"name": "kubectl-hpa-prometheus"}}
    live = live_objects({"kind": "List", "items": [{**theirs, "metadata": {**theirs["metadata"], "labels": {}}},
                                                   labelled(ours_before)]})
    assert classify(deploy, live.get(object_ref(deploy))) == "create"
    assert classify(theirs, live[object_ref(theirs)]) == "foreign"
    assert classify(ours_before, live[object_ref(ours_before)]) == "ours"
    inventory = Inventory(path=tmp_path / "installed.json")
    foreign = inventory.record([labelled(ns), labelled(deploy), labelled(ours_before), theirs], live)
    assert foreign == [("deployment.apps", "kube-system", "metrics-server")]
    assert inventory.teardown_order() == [("deployment.apps", MONITORING_NAMESPACE, "prometheus"),
                                          ("namespace", "", MONITORING_NAMESPACE)]
    saved = json.loads((tmp_path / "installed.json").read_text())
    assert saved["foreignLeftAlone"] == [{"kind": "deployment.apps", "namespace": "kube-system", "name": "metrics-server"}]
    assert saved["foundFromAnEarlierRun"][0]["name"] == "kubectl-hpa-prometheus"
    assert labelled(deploy)["metadata"]["labels"] == {MANAGED_BY[0]: MANAGED_BY[1]}
    assert live_objects({}) == {}


# ----------------------------------------------------------------------------- failure paths against a dead API

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_cluster(tmp_path: Path) -> Cluster:
    """A cluster whose API server is a closed port on 127.0.0.1: every kubectl call fails fast."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not on PATH")
    port = _closed_port()
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "dead",
              "clusters": [{"name": "dead", "cluster": {"server": f"https://127.0.0.1:{port}"}}],
              "users": [{"name": "u", "user": {"token": "x"}}],
              "contexts": [{"name": "dead", "context": {"cluster": "dead", "user": "u"}}]}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return Cluster(name="dead", kubeconfig=path, context="dead", kubectl_bin=kubectl, flavour="existing")


@pytest.mark.process
def test_cluster_state_is_collected_even_when_the_api_is_gone(dead_cluster: Cluster, tmp_path: Path) -> None:
    from e2e.harness import diagnostics

    started = time.monotonic()
    out = diagnostics.collect(dead_cluster, tmp_path / "run", "1 failed", log=lambda _: None, timeout=30)
    index = (out / "INDEX.md").read_text()
    assert time.monotonic() - started < 60
    for item in diagnostics.plan():
        assert f"`{item.file}`" in index
    assert "exit 1" in index and "skipped: not a kind cluster" in index
    assert (out / "logs-prometheus-adapter.txt").exists() and (out / "explain-all.txt").read_text().strip()


@pytest.mark.process
def test_a_scenario_that_fails_at_once_still_writes_its_results(dead_cluster: Cluster, tmp_path: Path) -> None:
    runner = Runner(dead_cluster, scenario_named("cpu"), tmp_path / "cpu", echo=lambda _: None)
    report = runner.run()
    assert report.error and "kubectl apply" in report.error and not report.outcomes
    summary = json.loads((tmp_path / "cpu" / "summary.json").read_text())
    assert summary["error"] == report.error and "load" not in summary  # no load was ever started
    assert summary["namespace"] == "kubectl-hpa-e2e"
    readme = render_run_readme(tmp_path, {"errors": []}, [summary])
    assert "FAILED" in readme and "kubectl apply" in readme and "| [cpu](cpu/) | FAIL |" in readme


def test_a_stopped_run_starts_nothing(tmp_path: Path) -> None:
    cluster = Cluster(name="never", kubeconfig=tmp_path / "none", context=None, kubectl_bin="/nonexistent/kubectl",
                      flavour="existing")
    runner = Runner(cluster, scenario_named("custom"), tmp_path / "custom", echo=lambda _: None)
    runner.stop_event.set()
    report = runner.run()  # the only subprocesses are the clean-up's, and they fail: no kubectl binary
    assert report.error and report.error.startswith("interrupted")
    assert json.loads((tmp_path / "custom" / "summary.json").read_text())["error"].startswith("interrupted")
    assert not (tmp_path / "custom" / "locust.log").exists()


def test_waits_end_when_the_run_is_stopped(tmp_path: Path) -> None:
    cluster = Cluster(name="n", kubeconfig=tmp_path / "k", context=None, kubectl_bin="kubectl", flavour="existing")
    runner = Runner(cluster, scenario_named("cpu"), tmp_path / "cpu", echo=lambda _: None)
    timer = threading.Timer(0.3, runner.stop_event.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(RunStopped):
        Waiter(sleep=runner._pause).until(lambda: False, bool, timeout=300, interval=60, what="never")
    assert time.monotonic() - started < 5
    runner._cleanup(None, type("W", (), {"stop": lambda self: "n/a"})())


@pytest.mark.process
def test_a_failed_poll_during_the_load_is_retried_then_tolerated_then_fatal(dead_cluster: Cluster,
                                                                           tmp_path: Path) -> None:
    errors: list[str] = []
    runner = Runner(dead_cluster, scenario_named("cpu"), tmp_path / "cpu", echo=errors.append, retry_delay_s=0.01,
                    max_poll_failures=2)
    assert runner.tolerant_sample("under load") is None
    assert sum("attempt" in line for line in errors) == 3 and len(runner.report.notes) == 1
    with pytest.raises(RuntimeError, match="kubectl"):
        runner.tolerant_sample("under load")


def test_retry_gives_up_after_its_attempts() -> None:
    calls = iter([RuntimeError("etcdserver: leader changed"), RuntimeError("EOF"), {"ok": 1}])

    def flaky():
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    pauses: list[float] = []
    assert retry(flaky, attempts=3, delay=2, sleep=pauses.append) == {"ok": 1} and pauses == [2, 4]
    with pytest.raises(RuntimeError, match="down"):
        retry(lambda: (_ for _ in ()).throw(RuntimeError("down")), attempts=2, delay=0, sleep=lambda _: None)


# ----------------------------------------------------------------------------- explain, plans, load checks

def test_explain_exit_codes_are_read_as_documented() -> None:
    assert explain_text(0, "report\n", "") == "report"
    assert explain_text(3, "report: F12 found\n", "") == "report: F12 found"  # 3 = a problem found: a report
    assert "exit 1, error: Unauthorized" in explain_text(1, "", "Unauthorized")
    assert "exit 2, usage error" in explain_text(2, "", "bad flag")


def test_a_cut_load_is_simulated_as_it_ran(tmp_path: Path) -> None:
    plan = {"version": 1, "stages": [{"name": "ramp", "duration": "60s", "rate": 4, "ramp": True},
                                     {"name": "hold", "duration": "3m", "rate": 4}]}
    assert plan_cut_to(plan, 30)["stages"] == [{"name": "ramp", "duration": "30s", "rate": 2.0, "ramp": True}]
    assert plan_cut_to(plan, 100)["stages"][1] == {"name": "hold", "duration": "40s", "rate": 4}
    assert plan_cut_to(plan, 999)["stages"] == plan["stages"]
    scenario = scenario_named("custom")
    path = write_simulation_inputs(tmp_path, scenario.sim_scenario, scenario.plan, 95, 300)
    stages = yaml.safe_load((tmp_path / "simulate-stages.yaml").read_text())["stages"]
    assert [s["duration"] for s in stages] == ["95s", "205s"] and stages[-1]["rate"] == 0
    assert yaml.safe_load(path.read_text())["duration"] == "300s"


def test_the_load_is_judged_on_its_own() -> None:
    cpu_plan = LocustLoad("h", scenario_named("cpu").plan, Path("x"))
    assert cpu_plan.expected_requests(210) == 1050 and expected_requests(lambda t: 2.5, 10) == 25
    assert check_load_delivered(1040, 0, 1050).passed
    assert "only 100 requests" in check_load_delivered(100, 0, 1050).message
    assert "100 of 1000 requests failed" in check_load_delivered(1000, 100, 1050).message
    assert not check_load_delivered(None, None, 1050).passed


def test_a_node_port_that_never_answers_is_named(files_server) -> None:
    _, base = files_server
    _Files.routes = {"/hello": [(503, b"starting"), (200, b"hello")]}
    assert "answered '200 hello'" in wait_reachable(f"{base}/hello", timeout=10, interval=0.05)
    with pytest.raises(WaitTimeout, match=r"http://127\.0\.0\.1:\d+/absent to answer"):
        wait_reachable(f"{base}/absent", timeout=0.3, interval=0.05)


def test_the_run_readme_from_the_summaries(tmp_path: Path) -> None:
    passed = {"scenario": "custom", "outcomes": [
        {"check": "scale-out", "seconds": 95.2, "notBefore": None, "deadline": 190, "passed": True, "message": "ok"},
        {"check": "scale-in", "seconds": 80, "notBefore": 15, "deadline": 200, "passed": True, "message": "ok"}],
        "load": {"seconds": 210, "delivered": {"requests": 520, "failures": 0, "shareOfPlan": 0.99}},
        "prediction": {"error": {"meanAbsoluteError": 0.2, "maxAbsoluteError": 1, "shareEqual": 0.85}}}
    failed = {"scenario": "cpu", "outcomes": [
        {"check": "scale-out", "seconds": None, "deadline": 200, "passed": False, "message": "never reached 3"}]}
    for summary in (passed, failed):
        (tmp_path / summary["scenario"]).mkdir()
        (tmp_path / summary["scenario"] / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "cluster").mkdir()
    (tmp_path / "cluster" / "INDEX.md").write_text("# state")
    text = write_run_readme(tmp_path, {"cluster": "kind x", "errors": ["teardown: y"]}).read_text()
    assert text.startswith(f"# kubectl-hpa e2e run {tmp_path.name}: FAILED")
    assert "| [custom](custom/) | PASS | PASS 95s (≤ 190s) |" in text and "PASS 80s (≥ 15s, ≤ 200s)" in text
    assert "520 req (0 failed), 99% of plan" in text and "MAE 0.2" in text
    assert "### cpu: what went wrong" in text and "never reached 3" in text and "teardown: y" in text
    assert "cluster/INDEX.md" in text


# ----------------------------------------------------------------------------- locust: the stop path (slow)

class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    log: list = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.log.append((time.time(), self.client_address[1]))
        body = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
@pytest.mark.process
def test_stopping_the_load_stops_locust_and_each_request_has_its_own_connection(tmp_path: Path) -> None:
    _Counting.log = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"http://127.0.0.1:{server.server_address[1]}"
        load = LocustLoad(host, scenario_named("cpu").plan, tmp_path / "locust")  # 5 req/s for 210 s
        load.start()
        deadline = time.monotonic() + 30
        while len(_Counting.log) < 15 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_Counting.log) >= 15, (tmp_path / "locust.log").read_text()
        load.stop()
        stopped = time.time()
        time.sleep(3)
        late = [t for t, _ in _Counting.log if t > stopped + 0.5]
        assert not late, f"{len(late)} requests after the stop: locust was orphaned"
        with pytest.raises(ProcessLookupError):
            os.killpg(load.process.pid, 0)  # nothing of the process group is left
        ports = {port for _, port in _Counting.log}
        assert len(ports) >= 0.9 * len(_Counting.log), "keep-alive: requests shared connections"
        first, last = load.window()
        assert last <= load.stopped_at and last - first < 30
    finally:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- the workflow and tox

def test_the_workflow_is_hardened() -> None:
    text = (REPO_ROOT / ".github" / "workflows" / "e2e.yml").read_text()
    workflow = yaml.safe_load(text)
    job = workflow["jobs"]["e2e"]
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), f"expression expanded into a script: {step.get('name')}"
    assert workflow["permissions"] == {"contents": "read"} and "concurrency" in workflow
    assert job["runs-on"] == "ubuntu-24.04" and job["env"]["KUBECTL_HPA_REQUIRE_E2E"] == "1"
    uses = [step["uses"] for step in job["steps"] if "uses" in step]
    majors = {u.split("@")[0]: int(u.split("@v")[1]) for u in uses}
    assert majors["actions/checkout"] >= 5 and majors["actions/setup-python"] >= 6
    assert majors["actions/upload-artifact"] >= 6  # the first majors that run on Node 24
    paths = workflow[True]["pull_request"]["paths"] if True in workflow else workflow["on"]["pull_request"]["paths"]
    for needed in ("kubectl_hpa/**", "setup.cfg", "tox.ini", "e2e/**", "loadgen/**"):
        assert needed in paths
    run = next(step["run"] for step in job["steps"] if step.get("name") == "Run the e2e suite")
    assert "--junitxml=results/junit.xml" in run and "timeout --signal=INT" in run
    assert all("timeout-minutes" in step for step in job["steps"] if "run" in step)


def test_the_tox_e2e_env_does_not_inherit_the_empty_kubeconfig() -> None:
    import configparser

    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO_ROOT / "tox.ini")
    assert "KUBECONFIG" in tox["testenv"]["setenv"]  # the unit tests must never reach a real cluster
    assert "setenv" in tox["testenv:e2e"] and "KUBECONFIG" not in tox["testenv:e2e"]["setenv"]
    assert tox["testenv:e2e"]["passenv"].strip() == "*"
