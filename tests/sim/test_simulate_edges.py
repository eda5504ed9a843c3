"""simulate's rough edges (issue 16): snapshots as a cluster serves them, several --hpa, the summary's
scale-in figures, output paths checked before the work, --snapshot-at outside the run, the RMSE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from tests.helpers import ROOT

SCENARIOS = ROOT / "fixtures" / "scenarios"
BOOTCAMP = ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, prog_name="kubectl hpa")
    return result.exit_code, result.stdout, result.stderr


def _snapshot(tmp_path: Path, *args: str) -> Path:
    code, out, err = run("simulate", *args)
    assert code == 0, err
    path = tmp_path / "sync.yaml"
    path.write_text(out)
    return path


# ----------------------------------------------------------------------------- 3: snapshots explain clean

def test_a_simulated_snapshot_has_the_owners_a_cluster_serves(tmp_path: Path) -> None:
    items = yaml.safe_load(_snapshot(tmp_path, "--snapshot-at", "5m").read_text())["items"]
    deployment = next(i for i in items if i["kind"] == "Deployment")
    replica_sets = [i for i in items if i["kind"] == "ReplicaSet"]
    assert len(replica_sets) == 1
    rs = replica_sets[0]
    [rs_owner] = rs["metadata"]["ownerReferences"]
    assert (rs_owner["kind"], rs_owner["name"], rs_owner["uid"], rs_owner["controller"]) == \
        ("Deployment", "kubernetes-bootcamp", deployment["metadata"]["uid"], True)
    template_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"kubernetes-bootcamp-{template_hash}"
    pods = [i for i in items if i["kind"] == "Pod"]
    assert len(pods) == 10
    for pod in pods:
        [owner] = pod["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == \
            ("ReplicaSet", rs["metadata"]["name"], rs["metadata"]["uid"], True)
        assert pod["metadata"]["labels"]["pod-template-hash"] == template_hash
    uids = [i["metadata"]["uid"] for i in [deployment, rs, *pods]]
    assert len(set(uids)) == len(uids)


def test_a_simulated_snapshot_explains_without_f08(tmp_path: Path) -> None:
    at_peak = _snapshot(tmp_path, "--snapshot-at", "5m")
    code, out, err = run("explain", "-f", str(at_peak), "-o", "json")
    assert code == 0, err
    ids = [finding["id"] for finding in json.loads(out)["findings"]]
    # At 5m the metrics want 42 pods and maxReplicas holds 10: F21 is true. Nothing else is.
    assert ids == ["F21"], ids
    calm = _snapshot(tmp_path, "--snapshot-at", "20m")
    code, out, err = run("explain", "-f", str(calm), "--exit-code")
    assert code == 0, out + err
    assert "F08" not in out


@pytest.mark.parametrize("at", ["1m15s", "3m", "7m30s"])
def test_the_other_scenario_snapshots_explain_without_f08(tmp_path: Path, at: str) -> None:
    path = _snapshot(tmp_path, str(SCENARIOS / "hello-actuator-pods.yaml"), "--snapshot-at", at)
    code, out, err = run("explain", "-f", str(path), "-o", "json")
    assert code == 0, err
    assert "F08" not in [finding["id"] for finding in json.loads(out)["findings"]]


# ----------------------------------------------------------------------------- 5: several --hpa

def _hpa_file(tmp_path: Path, name: str, **spec) -> Path:
    hpa = yaml.safe_load(BOOTCAMP.read_text())["hpa"]
    hpa["spec"].update(spec)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(hpa))
    return path


def test_several_hpa_files_compare_exactly_those_manifests(tmp_path: Path) -> None:
    a = _hpa_file(tmp_path, "max3", maxReplicas=3)
    b = _hpa_file(tmp_path, "max5", maxReplicas=5)
    code, out, err = run("simulate", str(SCENARIOS / "hello-actuator-pods.yaml"), "--hpa", str(a), "--hpa", str(b),
                         "-o", "json")
    assert code == 0, err
    items = json.loads(out)["items"]
    assert [item["metadata"]["name"] for item in items] == ["max3", "max5"]
    code, out, err = run("simulate", "--hpa", str(a), "--hpa", str(b))
    assert code == 0, err
    variants = [line.split()[0] for line in out.splitlines()[2:]]
    assert variants == ["max3", "max5"]


def test_compare_with_hpa_files_adds_them_to_the_scenarios_runs(tmp_path: Path) -> None:
    a = _hpa_file(tmp_path, "max3", maxReplicas=3)
    code, out, _ = run("simulate", str(SCENARIOS / "hello-actuator-pods.yaml"), "--hpa", str(a), "--compare",
                       "-o", "json")
    assert [item["metadata"]["name"] for item in json.loads(out)["items"]] == \
        ["hello-actuator-pods", "window-300s", "max3"]


# ----------------------------------------------------------------------------- 6: scale-in figures

def test_the_summary_measures_scale_in_from_the_metrics_falling_below_target() -> None:
    code, out, err = run("simulate", str(SCENARIOS / "hello-actuator-pods.yaml"), "--compare", "-o", "json")
    assert code == 0, err
    summaries = {item["metadata"]["name"]: item["summary"] for item in json.loads(out)["items"]}
    short, long = summaries["hello-actuator-pods"], summaries["window-300s"]
    # The old key keeps its meaning: from the last sync at the peak to the first sync at minReplicas.
    assert short["timeToReturnToMinSeconds"] == long["timeToReturnToMinSeconds"] == 15
    # The new one is what a user compares: how long pods stay after the metrics fell below target.
    new = "timeFromBelowTargetToMinSeconds"
    assert long[new] - short[new] == 240  # the 300 s window holds 4 minutes longer than the 60 s one
    assert short[new] >= 60


def test_the_summary_labels_say_what_they_measure() -> None:
    code, out, _ = run("simulate")
    assert code == 0
    assert "time from last sync at peak to minReplicas" in out
    line = next(line for line in out.splitlines() if "below target to minReplicas" in line)
    assert line.split()[-1] == "10:15"  # metrics below target from 7:00, back at 1 at 17:15
    code, out, _ = run("simulate", str(SCENARIOS / "hello-actuator-pods.yaml"), "--compare")
    header = out.splitlines()[1]
    assert "PEAK END->MIN" in header and "BELOW TARGET->MIN" in header


# ----------------------------------------------------------------------------- 8: outputs checked first

@pytest.mark.parametrize("target", ["/nonexistent-dir/out.png", "{tmp}", "{tmp}/file.txt/out.png"])
def test_an_unwritable_plot_path_is_one_line_before_any_work(tmp_path: Path, target: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file.txt").write_text("x")
    import kubectl_hpa.usecases.simulate as usecase

    def never(*args, **kwargs):
        raise AssertionError("simulated before checking the output path")

    monkeypatch.setattr(usecase, "simulate", never)
    code, out, err = run("simulate", "--plot", target.format(tmp=tmp_path))
    assert code == 1
    assert err.startswith("error: --plot ") and err.count("\n") == 1, err
    assert "internal error" not in err and "Traceback" not in err
    assert out == ""


# ----------------------------------------------------------------------------- 11: --snapshot-at, RMSE

@pytest.mark.parametrize("at", ["99h", "20m1s"])
def test_snapshot_at_past_the_run_is_refused(at: str) -> None:
    code, out, err = run("simulate", "--snapshot-at", at)
    assert code == 1
    assert out == ""
    line = err.splitlines()[-1]
    assert line.startswith("error: --snapshot-at ") and "20:00" in line, err


def test_snapshot_at_between_syncs_says_which_sync_it_took() -> None:
    code, out, err = run("simulate", "--snapshot-at", "7s")
    assert code == 0, err
    assert "note: --snapshot-at 0:07 falls between syncs: the snapshot is of the sync at 0:00" in err
    assert "sync at t=0s" in out
    code, out, err = run("simulate", "--snapshot-at", "75s")
    assert code == 0 and "between syncs" not in err


def test_snapshot_at_before_the_first_sync_is_refused() -> None:
    code, _, err = run("simulate", "--snapshot-at", "7s", "--kubernetes-version", "1.36")
    assert code == 1
    assert err.splitlines()[-1].startswith("error: --snapshot-at 0:07 is before the first sync (0:15)"), err


def test_compare_with_prints_the_rmse(tmp_path: Path) -> None:
    recording = tmp_path / "run.jsonl"
    recording.write_text("".join(json.dumps({"time": f"2026-11-30T10:{s // 60:02d}:{s % 60:02d}Z",
                                             "hpa": {"namespace": "default", "name": "kubernetes-bootcamp"},
                                             "currentReplicas": 1 if s < 75 else 10}) + "\n"
                                 for s in range(0, 1200, 15)))
    code, out, err = run("simulate", "--compare-with", str(recording))
    assert code == 0, err
    line = out.splitlines()[-1]
    assert "RMSE" in line, line
    code, doc, _ = run("simulate", "--compare-with", str(recording), "-o", "json")
    rmse = json.loads(doc)["comparison"]["rootMeanSquareError"]
    assert f"RMSE {rmse:.2f}" in line
