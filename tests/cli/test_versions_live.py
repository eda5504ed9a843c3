"""The cluster's release (``GET /version`` on the test API server, real HTTP) chooses the controller: live
``explain``, ``snapshot`` (recorded in the List, used by ``explain -f``) and ``simulate --from-cluster``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.apiserver import run
from tests.helpers import ROOT, SNAPSHOTS

AT = ("--at", "2026-11-30T10:00:00Z")
FIXTURE = SNAPSHOTS / "web-scale-down-stabilized.yaml"  # shop/web
ASSUMED = ("note: the cluster does not say which Kubernetes release it runs; emulating the HPA controller of 1.37, "
           "the newest release (--kubernetes-version to choose)")


def test_the_server_version_is_in_the_trace_the_document_and_the_wide_rows(api, kubeconfig) -> None:
    api.load(FIXTURE)
    api.git_version = "v1.31.4"
    code, out, err = run(kubeconfig, "explain", "web", *AT)
    assert code in (0, 3) and err == "", err  # the cluster said which release: no note
    assert out.splitlines()[2] == "controller: Kubernetes 1.31"
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json")
    document = json.loads(out)
    assert document["kubernetesVersion"] == "1.31"
    assert document["featureGates"] == {"HPAScaleToZero": False, "HPAContainerMetrics": True}
    code, out, err = run(kubeconfig, "explain", *AT, "-o", "wide")  # every HPA of the namespace: rows
    lines = out.splitlines()
    assert lines[0].split()[-1] == "CONTROLLER" and lines[1].endswith("Kubernetes 1.31"), out
    assert [path for path in api.paths() if path == "/version"] == ["/version"] * 3  # once per command
    assert api.methods() == {"GET"}


def test_the_flag_wins_over_the_server(api, kubeconfig) -> None:
    api.load(FIXTURE)
    api.git_version = "v1.31.4"
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json", "--kubernetes-version", "1.34")
    assert json.loads(out)["kubernetesVersion"] == "1.34" and err == "", err


@pytest.mark.parametrize("status", [403, 404, 500])
def test_a_failed_version_read_is_a_note_and_the_newest_release(api, kubeconfig, status: int) -> None:
    api.load(FIXTURE)
    api.version_fails(status)
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json")
    assert code in (0, 3), err
    assert err.splitlines() == [ASSUMED]
    document = json.loads(out)
    assert document["kubernetesVersion"] == "1.37"
    assert "F92" not in [finding["id"] for finding in document["findings"]]  # not a failed read of the HPA's data


def test_a_version_read_that_times_out_does_not_fail_the_command(api, kubeconfig) -> None:
    api.load(FIXTURE)
    api.version_fails(200, delay=2.0)  # answers, too late
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json", "--request-timeout", "1s")
    assert code in (0, 3), err
    assert err.splitlines() == [ASSUMED]
    assert json.loads(out)["kubernetesVersion"] == "1.37" and json.loads(out)["currentReplicas"] == 6


def test_an_unsupported_server_is_exit_2_unless_a_release_is_given(api, kubeconfig) -> None:
    api.load(FIXTURE)
    api.git_version = "v1.25.16"
    code, out, err = run(kubeconfig, "explain", "web", *AT)
    assert code == 2 and out == ""
    assert err.splitlines() == ["error: the cluster runs v1.25.16: Kubernetes 1.25 is not supported: kubectl-hpa "
                                "emulates the HPA controller of 1.26 to 1.38 (--kubernetes-version emulates another)"]
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json", "--kubernetes-version", "1.26")
    assert code in (0, 3) and json.loads(out)["kubernetesVersion"] == "1.26", err
    code, out, err = run(kubeconfig, "snapshot", "web")
    assert code == 2 and out == "" and "Kubernetes 1.25 is not supported" in err


def test_a_bad_flag_fails_before_any_request(api, kubeconfig) -> None:
    api.load(FIXTURE)
    api.reset_log()
    for verb in (("explain", "web"), ("snapshot", "web"), ("watch", "--once")):
        code, out, err = run(kubeconfig, *verb, "--kubernetes-version", "1.9")
        assert code == 2 and out == "" and err.startswith("error: Kubernetes 1.9 is not supported"), (verb, err)
    assert api.requests == []


def test_snapshot_records_the_server_version_and_explain_f_uses_it(api, kubeconfig, tmp_path: Path) -> None:
    api.load(FIXTURE)
    api.git_version = "v1.33.1"
    code, snap, err = run(kubeconfig, "snapshot", "web")
    assert code == 0 and err == "", err
    annotations = yaml.safe_load(snap)["metadata"]["annotations"]
    assert annotations["kubectl-hpa.io/kubernetes-version"] == "v1.33.1"
    assert "kubectl-hpa.io/feature-gates" not in annotations
    path = tmp_path / "snap.yaml"
    path.write_text(snap)
    code, offline, err = run(kubeconfig, "explain", "-f", str(path), *AT, "-o", "json")
    assert err == "" and json.loads(offline)["kubernetesVersion"] == "1.33"
    code, live, err = run(kubeconfig, "explain", "web", *AT, "-o", "json")
    assert json.loads(live)["kubernetesVersion"] == "1.33"
    assert json.loads(live)["desiredReplicas"] == json.loads(offline)["desiredReplicas"]


def test_snapshot_records_the_flags_instead(api, kubeconfig, tmp_path: Path) -> None:
    api.load(FIXTURE)
    api.git_version = "v1.33.1"
    code, snap, err = run(kubeconfig, "snapshot", "web", "-o", "json", "--kubernetes-version", "1.36",
                          "--feature-gates", "HPAScaleToZero=true,SomeOtherGate=false")
    assert code == 0, err
    assert err.splitlines() == ["note: feature gate SomeOtherGate does not change HPA decisions; ignored"]
    annotations = json.loads(snap)["metadata"]["annotations"]
    assert annotations["kubectl-hpa.io/kubernetes-version"] == "1.36"
    assert annotations["kubectl-hpa.io/feature-gates"] == "HPAScaleToZero=true,SomeOtherGate=false"
    path = tmp_path / "snap.json"
    path.write_text(snap)
    code, out, err = run(kubeconfig, "explain", "-f", str(path), *AT)
    assert "controller: Kubernetes 1.36 (HPAScaleToZero=true)" in out.splitlines()
    # checked against the server's release, as explain -f will check them: 1.33 no longer has this gate
    code, out, err = run(kubeconfig, "snapshot", "web", "--feature-gates", "HPAContainerMetrics=true")
    assert code == 2 and out == ""
    assert err == "error: unrecognized feature gate: HPAContainerMetrics (Kubernetes 1.33 has no such gate)\n"


def test_snapshot_without_a_readable_version_records_none_and_says_so(api, kubeconfig, tmp_path: Path) -> None:
    api.load(FIXTURE)
    api.version_fails(403)
    code, snap, err = run(kubeconfig, "snapshot", "web")
    assert code == 0
    assert "kubectl-hpa.io/kubernetes-version" not in yaml.safe_load(snap)["metadata"]["annotations"]
    assert len(err.splitlines()) == 1 and err.startswith("note: the cluster's version could not be read")
    assert not [i for i in yaml.safe_load(snap)["items"] if i["kind"] == "Status"]  # not a failed read
    path = tmp_path / "snap.yaml"
    path.write_text(snap)
    code, out, err = run(kubeconfig, "explain", "-f", str(path), *AT, "-o", "json")
    assert json.loads(out)["kubernetesVersion"] == "1.37" and err.startswith("note: the snapshot's cluster")


def test_simulate_from_cluster_takes_the_server_version(api, kubeconfig) -> None:
    api.load(FIXTURE)
    api.git_version = "v1.32.0"
    scenario = ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml"
    args = ("simulate", str(scenario), "--from-cluster", "web", "-n", "shop", "--duration", "2m", "-o", "json")
    code, out, err = run(kubeconfig, *args)
    assert code == 0 and err == "", err
    assert json.loads(out)["kubernetesVersion"] == "1.32"
    code, out, err = run(kubeconfig, *args, "--kubernetes-version", "1.35")
    assert json.loads(out)["kubernetesVersion"] == "1.35"
    api.version_fails(404)  # the cluster does not say: the scenario's (here none), so the newest release
    code, out, err = run(kubeconfig, *args)
    assert json.loads(out)["kubernetesVersion"] == "1.37"
    assert err.splitlines() == ["note: the scenario does not say which Kubernetes release it runs; emulating the HPA "
                                "controller of 1.37, the newest release (--kubernetes-version to choose)"]
