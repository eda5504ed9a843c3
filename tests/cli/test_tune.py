"""``kubectl hpa tune`` through the CLI: the report, the JSON document, a recommended manifest that ``simulate``
replays to the same figures, one-line errors, ``--from-cluster``, ``--plot`` and a real Prometheus."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
import yaml

from tests.apiserver import run
from tests.helpers import ROOT, SNAPSHOTS, require_binary
from tests.usecases.test_tune import SIMULATE_KEYS, WAVE

BOOTCAMP = ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml"


@pytest.fixture()
def wave(tmp_path: Path) -> Path:
    path = tmp_path / "wave.yaml"
    path.write_text(yaml.safe_dump(WAVE))
    return path


def test_json_has_current_recommended_and_candidates_and_simulate_agrees(wave: Path, tmp_path: Path) -> None:
    code, out, err = run(tmp_path / "none", "tune", str(wave), "--duration", "12h", "--vary", "target=40..80/10",
                         "--vary", "minReplicas=2,4,6", "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["kind"] == "Tuning"
    for part in ("current", "recommended"):
        manifest = document[part]["hpa"]
        assert manifest["kind"] == "HorizontalPodAutoscaler" and manifest["metadata"]["name"] == "web"
        assert set(SIMULATE_KEYS) <= set(document[part]["summary"])
        assert {"podHours", "coreHours", "timeOverCapacitySeconds", "scaleUpLagSeconds", "rescalesPerDay",
                "maxRescalesPerHour", "timeWithUnreadyPodsSeconds", "timeOverTargetByMarginSeconds"} \
            <= set(document[part]["summary"])
    assert document["recommended"]["changes"] == {"target": 80, "minReplicas": 2}
    assert len(document["candidates"]) == 15 and document["candidates"][0]["changes"] == {}
    assert all(document["candidates"][index]["paretoFront"] for index in document["paretoFront"])
    # The recommended manifest, applied as is to simulate: the same figures, key by key.
    recommended = tmp_path / "recommended.yaml"
    recommended.write_text(yaml.safe_dump(document["recommended"]["hpa"]))
    code, out, err = run(tmp_path / "none", "simulate", str(wave), "--duration", "12h", "--hpa", str(recommended),
                         "-o", "json")
    assert code == 0, err
    simulated = json.loads(out)["summary"]
    assert simulated == {key: document["recommended"]["summary"][key] for key in SIMULATE_KEYS}
    code, out, err = run(tmp_path / "none", "simulate", str(wave), "--duration", "12h", "-o", "json")
    assert json.loads(out)["summary"] == {key: document["current"]["summary"][key] for key in SIMULATE_KEYS}


def test_the_report_shows_the_numbers_the_front_the_manifest_its_diff_and_the_assumptions(tmp_path: Path) -> None:
    code, out, err = run(tmp_path / "none", "tune", str(BOOTCAMP), "--budget", "60", "--workers", "1")
    assert code == 0, err
    assert out.startswith("controller: Kubernetes 1.37\n")
    assert "60 specs replayed" in out
    lines = out.splitlines()
    current = next(line for line in lines if line.startswith("current "))
    recommended = next(line for line in lines if line.startswith("recommended "))
    assert current.split()[1] != recommended.split()[1]  # pod-hours differ: something better was found
    assert "Pareto front (" in out
    assert "Recommended HPA (" in out and "kind: HorizontalPodAutoscaler" in out
    assert "--- current\n+++ recommended\n" in out
    assert "-        averageUtilization: 10" in out
    assert "What the figures assume" in out and "the load does not react to the replicas" in out
    manifest = out[out.index("apiVersion: autoscaling/v2"):out.index("\nDiff against the current spec:")]
    assert yaml.safe_load(manifest)["spec"]["maxReplicas"] == 10


@pytest.mark.parametrize("args, code, message", [
    (("--vary", "replicas=3"), 1, "error: --vary replicas=3: unknown setting 'replicas'"),
    (("--max-overload", "lots"), 2, "'lots': want a duration such as 10m"),
    (("--kubernetes-version", "1.20"), 2, "error: "),
    (("--vary", "scaleUp.tolerance=0.05", "--kubernetes-version", "1.32"), 1, "no per-HPA tolerance"),
    (("--prometheus", "http://127.0.0.1:1"), 1, "--prometheus needs --query"),
    (("--plot", "/nonexistent/dir/out.png"), 1, "no such directory"),
])
def test_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], code: int, message: str) -> None:
    exit_code, out, err = run(tmp_path / "none", "tune", str(BOOTCAMP), "--budget", "3", *args)
    assert exit_code == code, err
    assert message in err
    assert len(err.strip().splitlines()) == 1 or code == 2


def test_plot_draws_cost_against_risk(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    picture = tmp_path / "tune.png"
    code, out, err = run(tmp_path / "none", "tune", str(BOOTCAMP), "--budget", "20", "--workers", "1",
                         "--plot", str(picture))
    assert code == 0, err
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 10_000


def test_from_cluster_tunes_the_live_hpa_with_its_pods_requests(api, kubeconfig, tmp_path: Path) -> None:
    api.load(SNAPSHOTS / "web-scale-down-stabilized.yaml")  # shop/web: min 2, max 12, 6 replicas, 200m CPU
    code, out, err = run(kubeconfig, "tune", str(BOOTCAMP), "--from-cluster", "web", "-n", "shop",
                         "--duration", "10m", "--vary", "target=50,70", "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["hpa"] == {"name": "web", "namespace": "shop"}
    assert document["current"]["hpa"]["spec"]["maxReplicas"] == 12
    assert document["candidates"][0]["summary"]["coreHours"] == pytest.approx(
        document["candidates"][0]["summary"]["podHours"] * 0.2, abs=0.01)  # 200m per pod, from the cluster
    assert {method for method, *_rest in api.requests} == {"GET"}


# ----------------------------------------------------------------------------- a real Prometheus, days of history

HINT = "apt-get install -y prometheus"
DAYS = 3


@pytest.fixture(scope="module")
def prometheus_with_days(tmp_path_factory: pytest.TempPathFactory):
    """Debian's prometheus on 127.0.0.1 holding three days of a daily wave (50 to 350 req/s), backfilled with
    promtool at one sample a minute."""
    from tests.pipeline.pipeline_support import backfilled_prometheus

    prometheus, promtool = require_binary("prometheus", HINT), require_binary("promtool", HINT)
    workdir = tmp_path_factory.mktemp("prometheus-days")
    now = int(time.time()) // 60 * 60
    lines = ["# HELP http_requests Requests served", "# TYPE http_requests counter"]
    value = 0.0
    for stamp in range(now - DAYS * 86400, now - 60, 60):
        rate = 200 - 150 * math.cos(2 * math.pi * (stamp % 86400) / 86400)
        value += rate * 60
        lines.append(f'http_requests_total{{app="web",namespace="shop"}} {value:.0f} {stamp}')
    with backfilled_prometheus(prometheus, promtool, workdir, lines, retention="30d") as url:
        yield url


@pytest.mark.process
def test_tune_end_to_end_over_days_of_prometheus_history(prometheus_with_days: str, wave: Path,
                                                         tmp_path: Path) -> None:
    query = 'sum(rate(http_requests_total{app="web"}[5m]))'
    common = ["--prometheus", prometheus_with_days, "--query", query, "--since", f"{DAYS}d", "--step", "60s",
              "--duration", f"{DAYS}d", "--max-rescales-per-hour", "4"]  # the current spec's busiest hour is 1
    code, out, err = run(tmp_path / "none", "tune", str(wave), *common, "--vary", "target=50..80/10",
                         "--vary", "minReplicas=1,2,6", "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["load"] == f"prometheus {query}"
    assert document["durationSeconds"] == DAYS * 86400
    summary = document["recommended"]["summary"]
    assert summary["syncs"] > DAYS * 86400 / 15 - 10
    # 50..350 req/s at 100 req/s per pod: the HPA follows the wave between about 1 and 5 pods.
    assert 3 <= summary["peakReplicas"] <= 6
    assert document["recommended"]["changes"]["target"] == 80
    assert document["recommended"]["summary"]["podHours"] < document["current"]["summary"]["podHours"]
    # The report over the same history, through the same flags: the same recommendation.
    code, out, err = run(tmp_path / "none", "tune", str(wave), *common, "--vary", "target=50..80/10",
                         "--vary", "minReplicas=1,2,6")
    assert code == 0, err
    assert "averageUtilization: 80" in out and "prometheus " + query in out


def test_timeline_replays_the_load_a_recording_implies(tmp_path: Path) -> None:
    from tests.sim.test_tuning_recorded_load import WAVE as DAILY
    from tests.sim.test_tuning_recorded_load import _recording

    record = tmp_path / "run.jsonl"
    loads = [300.0 + 20 * index for index in range(120)]  # two hours of a slow climb, one observation a minute
    _recording(record, loads, [max(1, round(load / 60)) for load in loads])
    code, out, err = run(tmp_path / "none", "tune", str(DAILY), "--timeline", str(record), "--vary", "target=50,70",
                         "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["load"] == "recorded run.jsonl (120 observations)"
    assert document["durationSeconds"] == 7200
    assert len(document["candidates"]) == 2
    code, _out, err = run(tmp_path / "none", "tune", str(DAILY), "--timeline", str(record), "--prometheus",
                          "http://127.0.0.1:1", "--query", "up")
    assert code == 1 and "choose one" in err


def test_when_nothing_meets_the_constraints_nothing_is_recommended(tmp_path: Path) -> None:
    # The tutorial's load starts and stops: every spec rescales at least twice, none meets "no rescale".
    args = ("tune", str(BOOTCAMP), "--vary", "target=10,50", "--max-rescales-per-hour", "0")
    code, out, err = run(tmp_path / "none", *args)
    assert code == 0, err
    assert "No candidate meets the constraints: keep the current spec" in out
    assert "Recommended HPA" not in out
    code, out, err = run(tmp_path / "none", *args, "-o", "json")
    document = json.loads(out)
    assert document["recommended"]["found"] is False and document["recommended"]["changes"] == {}
    assert document["recommended"]["hpa"] == document["current"]["hpa"]
    assert document["paretoFront"] == []
