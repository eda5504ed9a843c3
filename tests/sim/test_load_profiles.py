"""Load profiles: the formulas, recorded series, and the loadgen stages file."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from kubectl_hpa.sim.fields import ScenarioError
from kubectl_hpa.sim.load import LoadSpec, build_load, parse_load
from kubectl_hpa.sim.scenario import parse_scenario
from tests.helpers import ROOT


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


def test_reading_a_scenario_builds_its_load_once_and_the_run_reuses_it(tmp_path: Path) -> None:
    (tmp_path / "load.csv").write_text("t,rate\n0,1\n60,4\n")
    document = yaml.safe_load((ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml").read_text())
    document["load"] = {"type": "csv", "file": "load.csv"}
    scenario = parse_scenario(document, "test", tmp_path)
    (tmp_path / "load.csv").unlink()  # read when the scenario was: the run does not read it again
    profile = build_load(scenario.load)
    assert profile is build_load(scenario.load) and profile.rate_at(60) == 4
    with pytest.raises(ScenarioError, match="load.file"):  # a changed spec is a new spec, built anew
        build_load(replace(scenario.load, params={"file": "load.csv", "before": 0}))


def test_a_prometheus_load_is_queried_when_the_run_needs_it_not_when_the_file_is_read() -> None:
    params = {"url": "http://prometheus.invalid", "query": "sum(rate(x[1m]))", "start": "2026-11-30T10:00:00Z",
              "end": "2026-11-30T10:02:00Z", "step": "1m", "before": 0}
    spec = parse_load({"type": "prometheus", **params}, "load", ROOT)  # no request yet

    def fetch(url: str, query: str, start: float, end: float, step: float) -> list[tuple[float, float]]:
        return [(start, 2.0), (start + step, 5.0)]

    profile = build_load(spec, prometheus_fetch=fetch)
    assert [profile.rate_at(t) for t in (0, 60, 121)] == [2, 5, 0]
    assert profile.history_rate_at(-1) == 0  # before: 0 applies to a replayed series too
