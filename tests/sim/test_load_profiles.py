"""Load profiles: the formulas, recorded series, and the loadgen stages file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import LoadSpec, ScenarioError
from tests.conftest import ROOT


def load(kind: str, base_dir: Path = ROOT, **params):
    return build_load(LoadSpec(kind, params, base_dir))


def test_formulas() -> None:
    ramp = load("ramp", **{"from": 10, "to": 110, "start": "1m", "over": "100s"})
    assert [ramp.rate_at(t) for t in (0, 60, 110, 160, 1000)] == [10, 10, 60, 110, 110]
    spike = load("spike", base=5, peak=50, at="2m", duration="30s")
    assert [spike.rate_at(t) for t in (119, 120, 149, 150)] == [5, 50, 50, 5]
    sine = load("sine", min=10, max=30, period="24h")
    assert sine.rate_at(0) == pytest.approx(10)  # a day that starts quiet
    assert sine.rate_at(43200) == pytest.approx(30)
    assert sine.rate_at(21600) == pytest.approx(20)
    step = load("step", steps=[{"at": "5m", "rate": 8}, {"at": "0s", "rate": 2}])
    assert [step.rate_at(t) for t in (0, 299, 300)] == [2, 2, 8]


def test_csv_series_hold_each_value_until_the_next(tmp_path: Path) -> None:
    (tmp_path / "load.csv").write_text("t,rate\n2026-11-30T10:00:00Z,1\n2026-11-30T10:01:00Z,4\n2026-11-30T10:02:00Z,2\n")
    series = load("csv", tmp_path, file="load.csv")
    assert [series.rate_at(t) for t in (0, 59, 60, 120, 179, 181)] == [1, 1, 4, 2, 2, 0]
    assert series.length == 180


def test_the_loadgen_stages_file_drives_the_simulation_too() -> None:
    stages = load("stages", file="loadgen/stages/tutorial.yaml")
    assert [stages.rate_at(t) for t in (0, 179, 180, 359, 360, 719)] == [1, 1, 2, 2, 0, 0]
    assert stages.length == 720
    ramp = load("stages", file="loadgen/stages/ramp-hold-drop.yaml")  # users x 2 req/s, ramped from 0 to 10
    assert ramp.rate_at(60) == pytest.approx(10)  # half way up the 2 minute ramp: 5 users
    assert math.isclose(ramp.rate_at(200), 20)


@pytest.mark.parametrize(("kind", "params", "message"), [
    ("csv", {"file": "missing.csv"}, "load.file"),
    ("ramp", {"to": 5}, "load.over"),
    ("spike", {"peak": -1, "duration": "1m"}, "load.peak"),
    ("step", {"steps": [{"rate": 1}, {"at": "1m"}]}, "load.steps[1].rate"),
])
def test_bad_loads_name_their_field(kind: str, params: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(kind, **params)
