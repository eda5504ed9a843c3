"""`kubectl hpa watch` end to end: --once, --record, explain --timeline, plain lines from a subprocess, exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubectl_hpa.record import Observation, RecordedMetric, RecordedRescale, read_observations
from tests.apiserver import run
from tests.helpers import ROOT, wait_for
from tests.watch.helpers import T0, check_golden
from tests.watch.objects import app, hpa, listing


def test_once_prints_one_frame(api, kubeconfig) -> None:
    now = time.time()
    api.load(listing(app("web", "shop", 3, "150m", now), app("idle", "shop", 2, "100m", now)))
    code, out, err = run(kubeconfig, "watch", "--once")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("kubectl hpa watch: namespace shop, 2 HPAs")
    assert "\033" not in out  # not a terminal: no escape codes
    assert any(line.startswith("web ") and "3 -> 5" in line and "scaling up" in line for line in lines)
    assert not any("watch=true" in path for path in api.paths())  # --once lists, never watches


def test_usage_and_errors(api, kubeconfig, tmp_path) -> None:
    code, _out, err = run(kubeconfig, "watch", "web", "-A")
    assert code == 2 and "across all namespaces" in err
    code, _out, err = run(kubeconfig, "watch", "--interval", "0")
    assert code == 2
    api.load(listing([]))
    api.fault("horizontalpodautoscalers", 403, "forbidden")
    code, _out, err = run(kubeconfig, "watch", "--once")
    assert code == 1 and err.startswith("error: forbidden") and len(err.splitlines()) == 1
    dead = tmp_path / "dead"
    dead.write_text(Path(kubeconfig).read_text().replace(api.url, "http://127.0.0.1:9"))
    code, _out, err = run(dead, "watch", "--once")
    assert code == 1 and "connection refused" in err and "Traceback" not in err


def test_record_is_the_timeline_format(api, kubeconfig, tmp_path) -> None:
    api.load(listing(app("web", "shop", 3, "150m", time.time())))
    record = tmp_path / "run.jsonl"
    code, _out, err = run(kubeconfig, "watch", "--interval", "0.1", "--max-refreshes", "3", "--record", str(record))
    assert code == 0, err
    lines = record.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["hpa"] == {"namespace": "shop", "name": "web"} for line in lines)
    observations = read_observations(record)
    assert [o.current_replicas for o in observations] == [3, 3, 3]
    first = observations[0]
    assert first.metrics[0] == RecordedMetric(name="cpu", type="Resource", current=75, target=50, unit="%")
    assert first.verdict == "scaling up" and first.computed_replicas == 5 and first.target == "Deployment/web"
    assert first.extra == {}  # every field watch writes is one the format knows
    line = json.loads(lines[0])
    assert line["metrics"] == [{"name": "cpu", "type": "Resource", "current": 75, "target": 50, "unit": "%"}]
    assert list(line)[:9] == ["time", "hpa", "currentReplicas", "desiredReplicas", "readyReplicas", "metrics",
                              "conditions", "verdict", "target"]
    assert Observation.from_document(line).to_json() == lines[0]  # read back, written identically
    assert {c["type"] for c in first.conditions} == {"AbleToScale", "ScalingActive", "ScalingLimited"}


def _recording(path: Path) -> None:
    steps = [(0, 3, 3, 40, "holding: within tolerance", None), (15, 3, 5, 75, "scaling up", None),
             (30, 5, 5, 48, "holding: within tolerance", (25, "New size: 5; reason: cpu resource utilization "
                                                             "(percentage of request) above target")),
             (45, 5, 5, 12, "held by the scale-down window until 11:12:10 (max recommendation 5, wants 2)", None),
             (330, 2, 2, 30, "holding: within tolerance", None)]
    with path.open("w") as handle:
        for offset, current, desired, cpu, verdict, event in steps:
            reason = "cpu resource utilization (percentage of request) above target" if desired != current else None
            handle.write(Observation(
                time=T0 + offset, namespace="shop", name="web", current_replicas=current, desired_replicas=desired,
                metrics=(RecordedMetric.measured("cpu", "Resource", cpu, 50, "%"),),
                conditions=({"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale", "message": "m"},),
                verdict=verdict, target="Deployment/web", computed_replicas=desired, rescale_reason=reason,
                last_rescale=RecordedRescale(T0 + event[0], event[1]) if event else None).to_json() + "\n")


def test_explain_timeline_replays_a_recording(kubeconfig, tmp_path) -> None:
    record = tmp_path / "run.jsonl"
    _recording(record)
    code, out, err = run(kubeconfig, "explain", "--timeline", str(record))
    assert code == 0, err
    check_golden("timeline-replay.txt", out)
    assert "3 -> 5 (scale up)" in out and "5 -> 2 (scale down)" in out
    code, _out, err = run(kubeconfig, "explain", "other", "--timeline", str(record))
    assert code == 1 and "no observations of default/other" in err
    code, _out, err = run(kubeconfig, "explain", "--timeline", str(tmp_path / "missing.jsonl"))
    assert code == 1 and err.startswith("error: ")


def test_a_timeline_without_a_verdict_says_so_in_words(kubeconfig, tmp_path) -> None:
    """A recording whose rows had no verdict (an older watch, a row without one) ends in a sentence, not "; -."."""
    for steps in ([(0, 3), (15, 3)], [(0, 3), (15, 5)]):
        record = tmp_path / f"no-verdict-{len(set(r for _t, r in steps))}.jsonl"
        record.write_text("".join(Observation(time=T0 + offset, namespace="shop", name="web", current_replicas=current,
                                              desired_replicas=current).to_json() + "\n" for offset, current in steps))
        code, out, err = run(kubeconfig, "explain", "--timeline", str(record))
        assert code == 0, err
        assert "-." not in out and "; ." not in out, out
        last = out.rstrip("\n").splitlines()[-1]
        assert last.lower().endswith("no verdict recorded."), out


@pytest.mark.process
def test_plain_lines_from_a_pipe_and_ctrl_c(api, kubeconfig) -> None:
    now = time.time()
    api.load(listing(app("web", "shop", 3, "150m", now)))
    process = subprocess.Popen([sys.executable, "-m", "kubectl_hpa", "watch", "--interval", "0.2"], cwd=ROOT,
                               env={**os.environ, "KUBECONFIG": str(kubeconfig), "NO_COLOR": ""},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header = process.stdout.readline()
        assert header.endswith(" watching namespace shop as the HPA controller of Kubernetes 1.37\n"), header
        first = process.stdout.readline()
        assert " shop/web Deployment/web cpu: 75%/50% replicas 3 -> 5 " in first
        wait_for(lambda: api.open_watches >= 4, what="the watches to open")
        api.upsert(hpa("web", "shop", "web", 3, max_replicas=4))
        second = process.stdout.readline()
        assert "replicas 3 -> 4 (min 1, max 4): scaling up" in second
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert process.returncode == 0 and "Traceback" not in err, err


def test_the_header_names_the_controller_of_the_clusters_release(api, kubeconfig) -> None:
    api.load(listing(app("web", "shop", 3, "150m", time.time())))
    api.git_version = "v1.34.2"
    code, out, err = run(kubeconfig, "watch", "--once")
    assert code == 0 and err == "", err
    assert out.splitlines()[0].startswith("kubectl hpa watch: namespace shop, 1 HPA, controller Kubernetes 1.34, ")
    assert api.paths().count("/version") == 1  # read once, at start
    code, out, err = run(kubeconfig, "watch", "--once", "--kubernetes-version", "1.36",
                         "--feature-gates", "HPAScaleToZero=true")
    assert code == 0, err
    assert ", controller Kubernetes 1.36 (HPAScaleToZero=true), " in out.splitlines()[0]
    assert api.paths().count("/version") == 1  # the flag given: no need to ask


def test_an_unreadable_or_unsupported_server_version(api, kubeconfig) -> None:
    api.load(listing(app("web", "shop", 3, "150m", time.time())))
    api.version_fails(403)
    code, out, err = run(kubeconfig, "watch", "--once")
    assert code == 0
    assert err.splitlines() == ["note: the cluster does not say which Kubernetes release it runs; emulating the HPA "
                                "controller of 1.37, the newest release (--kubernetes-version to choose)"]
    assert ", controller Kubernetes 1.37, " in out.splitlines()[0]
    api.faults.clear()
    api.git_version = "v1.22.0"
    code, out, err = run(kubeconfig, "watch", "--once")
    assert code == 2 and out == ""
    assert err.startswith("error: the cluster runs v1.22.0: Kubernetes 1.22 is not supported") and len(err.splitlines()) == 1
