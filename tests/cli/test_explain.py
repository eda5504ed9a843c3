"""``kubectl hpa explain -f``: the JSON document, exit codes and one-line errors (its goldens: test_views.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from tests.helpers import ROOT, SNAPSHOTS, require_kubectl

FIXTURES = sorted(path.name for path in SNAPSHOTS.glob("*.yaml"))


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, env={"NO_COLOR": "1"}, prog_name="kubectl hpa")
    return result.exit_code, result.stdout, result.stderr


EXPECTED = {
    # fixture: (currentReplicas, desiredReplicas, metric proposal, ScalingActive status, ScalingLimited reason)
    # The reconcile stops at the failing metric: status.desiredReplicas keeps its previous value, 0.
    "bootcamp-no-requests.yaml": (1, 0, None, "False", None),
    "bootcamp-cpu-219.yaml": (10, 10, 219, "True", "TooManyReplicas"),
    "bootcamp-memory-99.yaml": (1, 2, 2, "True", "DesiredWithinRange"),
    "hello-actuator-pods-967m.yaml": (1, 1, 1, "True", "DesiredWithinRange"),
    "hello-actuator-pods-1833m.yaml": (1, 2, 2, "True", "DesiredWithinRange"),
    "web-scale-down-stabilized.yaml": (6, 6, 3, "True", "DesiredWithinRange"),
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_json_document(fixture: str) -> None:
    code, out, err = run("explain", "-f", str(SNAPSHOTS / fixture), "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    current, desired, proposal, active, limited = EXPECTED[fixture]
    assert document["currentReplicas"] == current
    assert document["desiredReplicas"] == desired
    metric = document["metrics"][0]
    assert metric["proposedReplicas"] == proposal
    assert {"type", "name", "current", "target", "usageRatio", "proposedReplicas"} <= set(metric)
    conditions = {c["type"]: c for c in document["conditions"]}
    assert conditions["ScalingActive"]["status"] == active
    if limited:
        assert conditions["ScalingLimited"]["reason"] == limited
    else:
        assert "ScalingLimited" not in conditions


def test_missing_request_is_an_explanation_not_an_error() -> None:
    code, out, _ = run("explain", "-f", str(SNAPSHOTS / "bootcamp-no-requests.yaml"), "-o", "json")
    assert code == 0
    metric = json.loads(out)["metrics"][0]
    assert metric["error"].startswith("failed to get cpu utilization: missing request for cpu in container "
                                      "kubernetes-bootcamp of Pod kubernetes-bootcamp-")
    assert metric["reason"] == "FailedGetResourceMetric"


def test_the_fixture_status_agrees_with_the_core() -> None:
    """The no-request fixture carries the controller's own condition text; the core must produce it."""
    snapshot = yaml.safe_load((SNAPSHOTS / "bootcamp-no-requests.yaml").read_text())
    hpa = next(item for item in snapshot["items"] if item["kind"] == "HorizontalPodAutoscaler")
    live = {c["type"]: c["message"] for c in hpa["status"]["conditions"]}
    _, out, _ = run("explain", "-f", str(SNAPSHOTS / "bootcamp-no-requests.yaml"), "-o", "json")
    ours = {c["type"]: c["message"] for c in json.loads(out)["conditions"]}
    assert ours["ScalingActive"] == live["ScalingActive"]


def test_yaml_output_is_the_same_document() -> None:
    path = str(SNAPSHOTS / "web-scale-down-stabilized.yaml")
    _, as_json, _ = run("explain", "-f", path, "-o", "json")
    _, as_yaml, _ = run("explain", "-f", path, "-o", "yaml")
    assert yaml.safe_load(as_yaml) == json.loads(as_json)


def test_reads_standard_input() -> None:
    text = (SNAPSHOTS / "bootcamp-cpu-219.yaml").read_text()
    code, out, _ = run("explain", "-f", "-", "-o", "json", stdin=text)
    assert code == 0
    assert json.loads(out)["desiredReplicas"] == 10


def test_evaluation_time_and_controller_flags() -> None:
    path = str(SNAPSHOTS / "web-scale-down-stabilized.yaml")
    # After the last recommendation of 6 (09:57:30) has aged out of the 300 s window, the scale-down goes
    # ahead, limited by the 1-pod-per-60s policy.
    code, out, _ = run("explain", "-f", path, "-o", "json", "--at", "2026-11-30T10:02:31Z")
    assert code == 0
    document = json.loads(out)
    assert document["desiredReplicas"] == 5
    assert document["limits"]["reason"] == "ScaleDownLimit"
    # --tolerance widens the band: a ratio of 1.65 is inside 1 +- 0.7, so memory at 99%/60% holds.
    code, out, _ = run("explain", "-f", str(SNAPSHOTS / "bootcamp-memory-99.yaml"), "-o", "json",
                       "--tolerance", "0.7")
    assert json.loads(out)["desiredReplicas"] == 1


def test_table_output_lists_every_hpa(tmp_path: Path) -> None:
    combined = tmp_path / "two.yaml"
    combined.write_text((SNAPSHOTS / "bootcamp-cpu-219.yaml").read_text() + "\n---\n"
                        + (SNAPSHOTS / "web-scale-down-stabilized.yaml").read_text())
    code, out, _ = run("explain", "-f", str(combined), "-o", "table")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["VERDICT", "NAMESPACE", "NAME"]
    assert any(line.startswith("at max") and "kubernetes-bootcamp" in line for line in lines)
    assert any(line.startswith("holding: scale-down window") and "shop" in line for line in lines)


def test_several_hpas_without_a_name_exit_2(tmp_path: Path) -> None:
    combined = tmp_path / "two.yaml"
    combined.write_text((SNAPSHOTS / "bootcamp-cpu-219.yaml").read_text() + "\n---\n"
                        + (SNAPSHOTS / "web-scale-down-stabilized.yaml").read_text())
    code, out, err = run("explain", "-f", str(combined))
    assert code == 2
    assert out == ""
    assert "default/kubernetes-bootcamp" in err and "shop/web" in err
    assert len(err.strip().splitlines()) == 1


BAD_INPUTS = {
    "malformed YAML": ("kind: List\nitems: [\n", "malformed YAML"),
    "malformed JSON": ('{"kind": "List", "items": [}', "malformed JSON"),
    "no HPA": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "no HorizontalPodAutoscaler"),
    "target missing": ("""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
""", "the scale target Deployment/web of HorizontalPodAutoscaler/web is not in the file"),
    "unknown metric type": ("""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics: [{type: Queue, queue: {}}]
""", "unknown metric source type 'Queue'"),
    "garbage quantity": ("""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics:
  - type: Pods
    pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: lots}}
""", "spec.metrics[0].pods.target.averageValue: invalid quantity 'lots'"),
    "not objects": ("- 1\n- 2\n", "expected Kubernetes objects"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_1(case: str, tmp_path: Path) -> None:
    text, expected = BAD_INPUTS[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, out, err = run("explain", "-f", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {path}")
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_is_one_line() -> None:
    code, _, err = run("explain", "-f", "/nonexistent/snap.yaml")
    assert code == 1
    assert err.strip() == "error: /nonexistent/snap.yaml: No such file or directory"


def test_usage_errors_exit_2() -> None:
    code, _, err = run("explain", "-f", str(SNAPSHOTS / "bootcamp-cpu-219.yaml"), "-o", "xml")
    assert code == 2
    assert "kubectl hpa explain" in err


@pytest.mark.process
def test_installed_entry_point_and_kubectl_plugin_discovery(tmp_path: Path) -> None:
    """The real console script, found by the real kubectl binary through its plugin mechanism."""
    kubectl_bin = require_kubectl()
    script = tmp_path / "kubectl-hpa"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                      "from kubectl_hpa.cli.main import main\nmain()\n")
    script.chmod(0o755)
    env = {"PATH": f"{tmp_path}:{Path(kubectl_bin).parent}:/usr/bin:/bin", "KUBECONFIG": str(tmp_path / "none"),
           "HOME": str(tmp_path)}
    direct = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert direct.returncode == 0
    assert direct.stdout.startswith("kubectl hpa ")
    kubectl = subprocess.run([kubectl_bin, "hpa", "explain", "-f", str(SNAPSHOTS / "bootcamp-cpu-219.yaml"),
                              "-o", "json"], capture_output=True, text=True, env=env, timeout=60)
    if kubectl.returncode != 0 and "unknown command" in kubectl.stderr:
        pytest.fail(f"kubectl did not discover the plugin: {kubectl.stderr}")
    assert kubectl.returncode == 0, kubectl.stderr
    assert json.loads(kubectl.stdout)["desiredReplicas"] == 10


def test_a_merged_file_with_the_same_hpa_twice_and_two_hpas_on_one_target(tmp_path: Path) -> None:
    """Two captures of one HPA merged into a file are one HPA; two HPAs on one Deployment are F09."""
    items = []
    for name in ("bootcamp-cpu-219.yaml", "bootcamp-memory-99.yaml", "bootcamp-no-requests.yaml"):
        items += yaml.safe_load((SNAPSHOTS / name).read_text())["items"]
    merged = tmp_path / "merged.yaml"
    merged.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
    code, out, err = run("explain", "-f", str(merged), "-o", "table", "--at", "2026-11-30T10:00:00Z")
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows and all(row[-1] == "F09" for row in rows)  # kubernetes-bootcamp and -memory share the pods


def test_an_internal_error_is_one_line_unless_debugging(monkeypatch, capsys) -> None:
    from kubectl_hpa.cli.main import main

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    # The command's own callback fails: no private name of the explain module to follow through a refactor.
    monkeypatch.setattr(cli.get_command(click.Context(cli), "explain"), "callback", broken)
    monkeypatch.setattr("sys.argv", ["kubectl-hpa", "explain", "-f", str(SNAPSHOTS / "bootcamp-cpu-219.yaml")])
    monkeypatch.delenv("KUBECTL_HPA_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.strip() == ("error: internal error (RuntimeError: boom); set KUBECTL_HPA_DEBUG=1 for the traceback "
                           "and please report it")
    monkeypatch.setenv("KUBECTL_HPA_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main()


ALL_SNAPSHOTS = sorted(SNAPSHOTS.glob("*.yaml")) + sorted((SNAPSHOTS / "diagnostics").glob("*.yaml"))


@pytest.mark.parametrize("path", ALL_SNAPSHOTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("output", [None, "wide", "table", "json", "yaml"])
def test_every_snapshot_explains_in_every_output(path: Path, output: str | None) -> None:
    args = ["explain", "-f", str(path), *(["-o", output] if output else [])]
    code, out, err = run(*args)
    assert code in (0, 2), err  # 2: a file with several HPAs and no name (they are listed)
    assert "Traceback" not in err
    assert out if code == 0 else err.startswith("error: ")
