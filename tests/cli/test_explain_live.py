"""`kubectl hpa explain NAME` / `-A` / `snapshot` against a real HTTP API server, through the real client."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.apiserver import CUSTOM_API, empty_cluster, run, scaled_hpa
from tests.helpers import ROOT, SNAPSHOTS, require_kubectl

DIAGNOSTICS = sorted((SNAPSHOTS / "diagnostics").glob("F*.yaml"))
AT = ("--at", "2026-11-30T10:00:00Z")
INFO_ONLY = {"F23", "F24", "F27", "F40"}  # expected behaviour, explained: exit 0
WARNS = {"F27-evicted-succeeded-pods.yaml"}  # ... but for these cases of those ids (Succeeded pods before 1.38)


def _subject(path: Path) -> str:
    return "keda-hpa-web" if path.name.startswith("F17") else "web"


def _ids(document: dict) -> list[str]:
    return [finding["id"] for finding in document["findings"]]


@pytest.mark.parametrize("fixture", DIAGNOSTICS, ids=lambda p: p.stem)
def test_each_diagnostic_offline_and_live(api, kubeconfig, fixture: Path) -> None:
    expected = fixture.name.split("-", 1)[0]
    info_only = expected in INFO_ONLY and fixture.name not in WARNS
    code, out, err = run(kubeconfig, "explain", "-f", str(fixture), "--exit-code", "-o", "json")
    offline = json.loads(out)
    assert expected in _ids(offline), (offline["findings"], err)
    assert code == (0 if info_only else 3)
    api.load(fixture)
    code, out, err = run(kubeconfig, "explain", _subject(fixture), "-n", "shop", *AT, "-o", "json")
    live = json.loads(out)
    assert code == (0 if info_only else 3), err
    if fixture.name == "F23-scale-down-stabilized.yaml":  # the controller's memory is not in the API: the live
        # replay starts from the controller's first sight, so it holds as the live controller does (no F91), and
        # counts the window from now: an upper bound of the release the file's ControllerState gives (10:02:30)
        assert "F91" not in _ids(live) and live["desiredReplicas"] == offline["desiredReplicas"] == 6
        f23 = next(f for f in live["findings"] if f["id"] == "F23")
        assert f23["title"].endswith("until 2026-11-30T10:05:00Z at the latest"), f23
    else:
        assert expected in _ids(live)
        assert live["desiredReplicas"] == offline["desiredReplicas"]
        assert live["conditions"] == offline["conditions"]
    assert api.methods() == {"GET"}


def test_trace_has_diagnosis_section(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F07-sidecar-missing-request.yaml")
    code, out, err = run(kubeconfig, "explain", "web", *AT)
    assert code == 3, err
    assert "Diagnosis: 1 problem" in out
    assert "F07 ERROR" in out and "istio-proxy" in out and "sidecar.istio.io/proxyCPU" in out


@pytest.mark.parametrize("fixture", sorted(p.name for p in SNAPSHOTS.glob("*.yaml")))
def test_snapshot_roundtrip_gives_the_same_answer(api, kubeconfig, tmp_path, fixture: str) -> None:
    """explain NAME == explain -f (snapshot NAME), document for document."""
    api.load(SNAPSHOTS / fixture)
    api.add(CUSTOM_API)
    name = api.of_kind("HorizontalPodAutoscaler")[0]["metadata"]["name"]
    ns = api.of_kind("HorizontalPodAutoscaler")[0]["metadata"]["namespace"]
    code, live_out, err = run(kubeconfig, "explain", name, "-n", ns, *AT, "-o", "json")
    assert code in (0, 3), err
    code, snap, err = run(kubeconfig, "snapshot", name, "-n", ns)
    assert code == 0, err
    path = tmp_path / "snap.yaml"
    path.write_text(snap)
    document = yaml.safe_load(snap)
    assert document["kind"] == "List" and document["metadata"]["annotations"]["kubectl-hpa.io/subject"] == f"{ns}/{name}"
    assert all("kind" in item and "apiVersion" in item for item in document["items"])
    code, file_out, err = run(kubeconfig, "explain", "-f", str(path), *AT, "-o", "json")
    assert code == 0, err
    assert json.loads(live_out) == json.loads(file_out)
    # and the same decision as the hand-written fixture (history aside)
    code, fixture_out, _ = run(kubeconfig, "explain", "-f", str(SNAPSHOTS / fixture), *AT, "-o", "json")
    fixture_doc, live_doc = json.loads(fixture_out), json.loads(live_out)
    if fixture_doc["controllerHistory"] == "unknown":
        assert live_doc["desiredReplicas"] == fixture_doc["desiredReplicas"]
        assert live_doc["metrics"] == fixture_doc["metrics"]


@pytest.mark.parametrize("pods", [10, 1000])
def test_requests_per_hpa_do_not_grow_with_pods(api, kubeconfig, pods: int) -> None:
    empty_cluster(api)
    scaled_hpa(api, pods)
    api.reset_log()
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json")
    assert code == 0, err
    assert json.loads(out)["currentReplicas"] == pods
    # HPAs, APIServices, /scale, Pods, PodMetrics, Events, and the server's /version once per command
    assert len(api.requests) == 7, api.paths()
    assert api.paths().count("/version") == 1
    assert api.methods() == {"GET"}
    assert not any("/pods/" in p.split("?")[0].split("/namespaces/shop/")[-1] for p in api.paths())


def test_all_namespaces_batches_lists(api, kubeconfig) -> None:
    empty_cluster(api)
    for index in range(8):
        scaled_hpa(api, 3, name=f"app{index}", ns=f"team{index % 3}")
    api.reset_log()
    code, out, err = run(kubeconfig, "explain", "-A", *AT)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("VERDICT") and "PROBLEMS" in lines[0] and len(lines) == 9
    # HPAs, APIServices, Deployments, Pods, PodMetrics, Events: one list each, whatever the HPA count; /version once
    assert len(api.requests) == 7, api.paths()
    assert api.paths().count("/version") == 1
    code, out, err = run(kubeconfig, "explain", "-n", "team1", *AT)
    assert code == 0 and len(out.splitlines()) == 4, err


def test_an_empty_namespace_is_no_resources_as_kubectl_says_it(api, kubeconfig, tmp_path) -> None:
    """kubectl get hpa -n NS with none: "No resources found in NS namespace." on stderr, exit 0; -o json an empty List."""
    empty_cluster(api)
    code, out, err = run(kubeconfig, "explain", "-n", "quiet", *AT)
    assert (code, out, err) == (0, "", "No resources found in quiet namespace.\n")
    code, out, err = run(kubeconfig, "explain", *AT)  # the context's namespace
    assert (code, out, err) == (0, "", "No resources found in shop namespace.\n")
    code, out, err = run(kubeconfig, "explain", "-A", *AT)
    assert (code, out, err) == (0, "", "No resources found\n")
    code, out, err = run(kubeconfig, "explain", "-n", "quiet", *AT, "-o", "json")
    assert code == 0 and err == "", err
    assert json.loads(out)["kind"] == "List" and json.loads(out)["items"] == []
    code, out, err = run(kubeconfig, "explain", "web", *AT)  # a named HPA that is not there stays an error
    assert code == 1 and err.startswith("error: ") and "not found" in err
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    code, out, err = run(kubeconfig, "explain", "-f", str(empty))  # as `kubectl get -f`: an error
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err


def test_failed_reads_are_replayed_from_the_snapshot(api, kubeconfig, tmp_path) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F02-metrics-apiservice-unavailable.yaml")
    code, snap, err = run(kubeconfig, "snapshot", "web")
    statuses = [i for i in yaml.safe_load(snap)["items"] if i["kind"] == "Status"]
    assert statuses and statuses[0]["code"] == 503
    assert statuses[0]["message"] == "the server is currently unable to handle the request (get pods.metrics.k8s.io)"
    assert statuses[0]["metadata"]["annotations"]["kubectl-hpa.io/request"].startswith(
        "GET /apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb")


def test_forbidden_metrics_degrade_gracefully(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "bootcamp-cpu-219.yaml")
    message = ('pods.metrics.k8s.io is forbidden: User "jane" cannot list resource "pods" in API group '
               '"metrics.k8s.io" in the namespace "default"')
    api.fault(r"^/apis/metrics\.k8s\.io/", 403, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                                 "status": "Failure", "message": message, "reason": "Forbidden",
                                                 "code": 403})
    api.fault(r"^/api/v1/namespaces/default/events", 403, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                            "message": 'events is forbidden: User "jane" cannot list '
                                                            'resource "events"', "reason": "Forbidden", "code": 403})
    code, out, err = run(kubeconfig, "explain", "kubernetes-bootcamp", "-n", "default", *AT)
    assert code == 3, err
    assert "Diagnosis" in out and "F90" in out and "kubectl-hpa may not read pods.metrics.k8s.io" in out
    assert "grant list on pods.metrics.k8s.io" in out and "kubectl-hpa may not read events" in out


@pytest.mark.parametrize("code, body, expect", [
    (403, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
           "message": 'horizontalpodautoscalers.autoscaling is forbidden: User "jane" cannot list resource '
                      '"horizontalpodautoscalers" in API group "autoscaling" in the namespace "shop"'},
     "error: forbidden: horizontalpodautoscalers.autoscaling is forbidden"),
    (401, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized", "code": 401,
           "message": "Unauthorized"}, "error: Unauthorized: the server has asked for the client to provide credentials"),
    (500, "etcdserver: request timed out", 'error: an error on the server ("etcdserver: request timed out")'),
    (410, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Expired", "code": 410,
           "message": "The provided continue parameter is too old"}, "error: The provided continue parameter is too old"),
])
def test_fatal_http_errors_are_one_line(api, kubeconfig, code, body, expect) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    api.fault(r"horizontalpodautoscalers", code, body)
    status, out, err = run(kubeconfig, "explain", "web")
    assert status == 1
    assert err.startswith(expect), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_expired_token_is_one_line(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    api.tokens = {"a-fresh-token"}
    code, out, err = run(kubeconfig, "explain", "web")
    assert code == 1 and "credentials" in err and "invalid or expired" in err
    assert len(err.strip().splitlines()) == 1


def test_not_found_hpa(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    code, out, err = run(kubeconfig, "explain", "nope")
    assert code == 1 and err.strip() == 'error: horizontalpodautoscalers.autoscaling "nope" not found in namespace "shop"'


def test_timeout_is_fast_and_one_line(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    api.fault(r"horizontalpodautoscalers", 200, None, delay=2.5)
    started = time.monotonic()
    code, out, err = run(kubeconfig, "explain", "web", "--request-timeout", "1s")
    elapsed = time.monotonic() - started
    assert code == 1 and "context deadline exceeded" in err and "cannot reach the API server" in err
    assert elapsed < 2.4, elapsed  # one attempt, no urllib3 retries


def test_slow_metric_read_is_a_finding_not_a_crash(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    api.fault(r"^/api/v1/namespaces/shop/events", 200, None, delay=1.6)
    code, out, err = run(kubeconfig, "explain", "web", "--request-timeout", "1", *AT)
    assert code == 3 and "F92" in out and "a read failed: GET /api/v1/namespaces/shop/events" in out


def test_unreachable_server(tmp_path) -> None:
    config = tmp_path / "kc"
    config.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "x",
                                      "clusters": [{"name": "x", "cluster": {"server": "http://127.0.0.1:9"}}],
                                      "users": [{"name": "x", "user": {"token": "t"}}],
                                      "contexts": [{"name": "x", "context": {"cluster": "x", "user": "x"}}]}))
    code, out, err = run(config, "explain", "web", "--request-timeout", "2s")
    assert code == 1 and err.startswith("error: cannot reach the API server:") and "connection refused" in err


@pytest.mark.parametrize("content, args, expect", [
    ("clusters: [oops", (), "error: invalid kubeconfig"),
    (None, ("--context", "missing"), 'error: context "missing" does not exist'),
    (None, ("--user", "ghost"), 'error: user "ghost" of context "test" does not exist'),
])
def test_bad_kubeconfig(api, kubeconfig, content, args, expect) -> None:
    if content is not None:
        kubeconfig.write_text(content)
    code, out, err = run(kubeconfig, "explain", "web", *args)
    assert code == 1 and err.startswith(expect), err
    assert "Traceback" not in err


def test_kubeconfig_files_merge_and_flags(api, tmp_path) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    first = api.kubeconfig(tmp_path / "a", name="a", namespace="elsewhere", token="tok-a")
    second = tmp_path / "b"
    second.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "b",
                                      "clusters": [{"name": "a", "cluster": {"server": "http://127.0.0.1:9"}}],
                                      "users": [{"name": "b", "user": {"token": "tok-b"}}],
                                      "contexts": [{"name": "b", "context": {"cluster": "a", "user": "b",
                                                                             "namespace": "shop"}}]}))
    merged = f"{first}:{second}"
    code, out, err = run(merged, "explain", "web", "--context", "b", "--as", "jane", "--as-group", "dev",
                         "--as-group", "ops", *AT)
    assert code == 3, err  # cluster "a" from the first file wins; namespace from context b
    headers = api.requests[0][2]
    assert headers["Authorization"] == "Bearer tok-b" and headers["Impersonate-User"] == "jane"
    assert "dev" in headers["Impersonate-Group"] and "ops" in headers["Impersonate-Group"]
    code, out, err = run(merged, "explain", "web", "--user", "a", "-n", "shop", *AT)
    assert code == 3 and api.requests[-1][2]["Authorization"] == "Bearer tok-a"


def test_name_with_all_namespaces_is_a_usage_error(kubeconfig) -> None:
    code, out, err = run(kubeconfig, "explain", "web", "-A")
    assert code == 2


@pytest.mark.process
def test_cli_start_does_not_import_kubernetes() -> None:
    for args in (["--help"], ["explain", "-f", str(SNAPSHOTS / "bootcamp-cpu-219.yaml")]):
        code = (f"import sys, runpy; sys.argv=['kubectl-hpa', *{args!r}]\ntry:\n runpy.run_module('kubectl_hpa', "
                "run_name='__main__')\nexcept SystemExit: pass\nassert 'kubernetes' not in sys.modules, 'imported'")
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr


@pytest.mark.process
def test_kubectl_reads_the_same_shapes(api, kubeconfig) -> None:
    """The real kubectl binary against the test server: the served JSON and the error wording agree."""
    kubectl = require_kubectl()
    api.load(SNAPSHOTS / "bootcamp-cpu-219.yaml")
    raw = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dkubernetes-bootcamp"
    result = subprocess.run([kubectl, "--kubeconfig", str(kubeconfig), "get", "--raw", raw],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["kind"] == "PodMetricsList" and len(listing["items"]) == 10
    assert "kind" not in listing["items"][0]
    api.load(SNAPSHOTS / "diagnostics" / "F01-no-metrics-server.yaml")
    result = subprocess.run([kubectl, "--kubeconfig", str(kubeconfig), "get", "--raw",
                             "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1
    assert "the server could not find the requested resource" in result.stderr  # client-go's generic 404 text
    api.load(SNAPSHOTS / "diagnostics" / "F02-metrics-apiservice-unavailable.yaml")
    result = subprocess.run([kubectl, "--kubeconfig", str(kubeconfig), "get", "--raw",
                             "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"], capture_output=True, text=True,
                            timeout=30)
    assert "the server is currently unable to handle the request" in result.stderr
