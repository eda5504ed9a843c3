"""``tune --timeline``: the load a recording implies, read back through the scenario's workload model."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_hpa.record import Observation, RecordedMetric, write_observations
from kubectl_hpa.sim.fields import ScenarioError
from kubectl_hpa.sim.scenario import read_scenario
from kubectl_hpa.sim.tuning.recorded_load import recorded_load
from tests.helpers import ROOT

WAVE = ROOT / "fixtures" / "tune" / "daily-wave.yaml"  # 500m CPU per pod, 20m + 4m per request/s
T0 = 1_795_000_000.0


def _recording(path: Path, loads: list[float], ready: list[int], metrics: bool = True) -> None:
    observations = []
    for index, (load, pods) in enumerate(zip(loads, ready, strict=True)):
        usage = 20 + 4 * load / pods  # millicores per pod, as the workload model says
        percent = usage / 500 * 100
        observations.append(Observation(
            time=T0 + 60 * index, namespace="shop", name="web", current_replicas=pods, ready_replicas=pods,
            metrics=(RecordedMetric.measured("cpu", "Resource", percent, 50, "%"),) if metrics else ()))
    with path.open("w") as stream:
        write_observations(stream, observations)


def test_the_model_read_backwards_gives_the_load_back(tmp_path: Path) -> None:
    loads, ready = [300.0, 900.0, 1800.0, 600.0], [6, 10, 18, 8]
    path = tmp_path / "run.jsonl"
    _recording(path, loads, ready)
    profile = recorded_load(path, read_scenario(WAVE))
    assert profile.length == 240
    # The recording keeps 3 decimals of a percent: the load comes back within a fraction of a request/s.
    for index, load in enumerate(loads):
        assert profile.rate_at(60 * index) == pytest.approx(load, abs=0.5)
        assert profile.rate_at(60 * index + 59) == pytest.approx(load, abs=0.5)  # holds to the next one
    assert profile.rate_at(241) == 0.0
    assert profile.description == "recorded run.jsonl (4 observations)"


def test_a_recording_without_a_metric_the_model_can_invert_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    _recording(path, [300.0], [6], metrics=False)
    with pytest.raises(ScenarioError, match="no observation has a metric"):
        recorded_load(path, read_scenario(WAVE))
    with pytest.raises(ScenarioError, match="--timeline"):
        recorded_load(tmp_path / "missing.jsonl", read_scenario(WAVE))
