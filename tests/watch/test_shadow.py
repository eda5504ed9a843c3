"""``watch NAME --shadow candidate.yaml``: a candidate spec decided beside the live one on the same readings,
with its own controller memory, against the test API server with a scripted stream of readings."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from kubectl_hpa.record import read_observations, write_observations
from kubectl_hpa.watch.replay import render_replay
from kubectl_hpa.watch.shadow import Shadow, load_candidate
from tests.apiserver import run
from tests.watch.helpers import T0, engine, relist
from tests.watch.objects import app, deployment, hpa, listing, pod, pod_metrics

# The live HPA: 50% CPU, the default 5-minute scale-down window. The candidate: 80% CPU, no scale-down window.
CANDIDATE = hpa("web", "shop", "web", 4, cpu_percent=80,
                behavior={"scaleDown": {"stabilizationWindowSeconds": 0}})


def _candidate(tmp_path: Path, manifest: dict = CANDIDATE) -> Path:
    path = tmp_path / "tuned.yaml"
    path.write_text(yaml.safe_dump({key: manifest[key] for key in ("apiVersion", "kind", "metadata", "spec")}))
    return path


def _readings(api, replicas: int, cpu: str, at: float) -> None:
    """The scripted stream's next step: the Deployment at ``replicas`` pods, each using ``cpu``."""
    api.upsert(deployment("web", "shop", replicas))
    for index in range(replicas):
        api.upsert(pod(f"web-5d9f8c7b6-{index:05d}", "shop", "web", T0 - 3600))
        api.upsert(pod_metrics(f"web-5d9f8c7b6-{index:05d}", "shop", "web", cpu, at))


def test_the_candidate_decides_on_the_same_readings_with_its_own_memory(api, kubeconfig, tmp_path) -> None:
    api.load(listing(app("web", "shop", 4, "150m", T0)))  # 75% of a 200m request
    now = [T0]
    watcher = engine(kubeconfig, clock=lambda: now[0], shadow=Shadow(load_candidate(_candidate(tmp_path)), "web"))
    frames = [watcher.refresh()]
    first = frames[0].rows[0]
    assert first.desired == 6  # 75% against 50%
    assert first.shadow.desired == 4 and first.shadow.differs  # 75% against 80%: within tolerance, holds
    assert first.shadow.text() == "shadow tuned: 4 (holding: within tolerance), live spec 6"
    # The controller scaled to 6, then the load fell to 5% of request: the live spec's window holds 6 for five
    # minutes; the candidate, without a window, would go down to 1 now.
    now[0] = T0 + 20
    _readings(api, 6, "10m", now[0])
    frames.append(relist(watcher).refresh())
    second = frames[1].rows[0]
    assert second.desired == 6 and second.verdict.startswith("held by the scale-down window")
    assert second.shadow.desired == 1 and second.shadow.differs
    # Six minutes later the live window has let go too: both want 1.
    now[0] = T0 + 380
    _readings(api, 6, "10m", now[0])
    frames.append(relist(watcher).refresh())
    third = frames[2].rows[0]
    assert third.desired == 1 and third.shadow.desired == 1 and not third.shadow.differs
    assert third.shadow.text() == "shadow tuned: same (1)"
    # --record keeps both; explain --timeline shows where they differed.
    record = tmp_path / "run.jsonl"
    with record.open("w") as stream:
        for frame in frames:
            write_observations(stream, frame.observations())
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [line["computedReplicas"] for line in lines] == [6, 6, 1]
    assert [line["shadow"]["computedReplicas"] for line in lines] == [4, 1, 1]
    assert [line["shadow"]["differs"] for line in lines] == [True, True, False]
    assert lines[1]["shadow"]["name"] == "tuned"
    observations = read_observations(record)
    assert observations[1].shadow["computedReplicas"] == 1
    assert observations[1].document() == lines[1]  # read back and written again: the same line
    replay = render_replay(observations)
    assert "Shadow tuned: differs from the live spec at 2 of 3 observations." in replay
    assert "live spec 6, tuned 4:" in replay and "live spec 6, tuned 1:" in replay
    assert "same again: 1" in replay
    assert {method for method, *_rest in api.requests} == {"GET"}  # nothing is written to the cluster


def test_a_recording_without_shadow_is_unchanged(api, kubeconfig, tmp_path) -> None:
    api.load(listing(app("web", "shop", 4, "150m", T0)))
    plain = engine(kubeconfig, clock=lambda: T0).refresh().observations()[0]
    shadowed = engine(kubeconfig, clock=lambda: T0,
                      shadow=Shadow(load_candidate(_candidate(tmp_path)), "web")).refresh().observations()[0]
    assert "shadow" not in plain.document()
    without = dict(shadowed.document())
    del without["shadow"]
    assert without == plain.document()
    replay = render_replay([plain])
    assert "Shadow" not in replay


def test_the_cli_shows_and_records_the_shadow(api, kubeconfig, tmp_path) -> None:
    api.load(listing(app("web", "shop", 4, "150m", T0)))
    candidate = _candidate(tmp_path)
    code, out, err = run(kubeconfig, "watch", "web", "--shadow", str(candidate), "--once")
    assert code == 0, err
    assert "  shadow tuned: 4 (" in out and "live spec 6" in out
    record = tmp_path / "run.jsonl"
    code, out, err = run(kubeconfig, "watch", "web", "--shadow", str(candidate), "--interval", "0.1",
                         "--max-refreshes", "2", "--record", str(record))
    assert code == 0, err
    assert "; shadow tuned: 4 (" in out  # the plain lines say it too
    assert all(json.loads(line)["shadow"]["computedReplicas"] == 4 for line in record.read_text().splitlines())
    code, out, err = run(kubeconfig, "explain", "--timeline", str(record))
    assert code == 0, err
    assert "Shadow tuned: differs from the live spec at 2 of 2 observations." in out


def test_shadow_errors_are_one_line(api, kubeconfig, tmp_path) -> None:
    api.load(listing(app("web", "shop", 4, "150m", T0)))
    candidate = _candidate(tmp_path)
    code, _out, err = run(kubeconfig, "watch", "--shadow", str(candidate), "--once")
    assert code == 2 and "--shadow needs the NAME" in err
    missing = tmp_path / "missing.yaml"
    code, _out, err = run(kubeconfig, "watch", "web", "--shadow", str(missing), "--once")
    assert code == 1 and err.startswith("error: --shadow ") and len(err.splitlines()) == 1
    other = dict(CANDIDATE, spec=dict(CANDIDATE["spec"], metrics=[{"type": "Resource", "resource": {
        "name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}}]))
    code, _out, err = run(kubeconfig, "watch", "web", "--shadow", str(_candidate(tmp_path, other)), "--once")
    assert code == 1 and "must read the same metrics" in err and len(err.splitlines()) == 1
