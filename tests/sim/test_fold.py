"""Run.fold: held stretches folded whole give the figures, and (expanded) the very steps, of a full run."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_hpa.sim.engine import MetricPoint, Run, Step, Totals
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import parse_scenario
from kubectl_hpa.sim.tuning.objectives import Capacity, TuneFigures
from tests.helpers import ROOT
from tests.sim.test_steady import BEHAVIORS, CASES, METRICS, SCENARIO_FILES, file_document, loads, scenario_document


class Steps:
    """An observer without add_held: the run hands it every step of a held stretch, built one by one."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def reset(self) -> None:
        self.steps = []

    def add(self, step: Step) -> None:
        self.steps.append(step)


def fold_against_full(document: dict, duration: float, capacity: float = 40.0) -> Run:
    """Fold the scenario and run it again with decide() on every sync: the same steps, summary and figures."""
    scenario = parse_scenario(copy.deepcopy(document), "test", ROOT)
    load = build_load(scenario.load)
    folded, full = Run(scenario, load, duration), Run(scenario, load, duration, steady=False)
    seen, held_figures, figures = Steps(), TuneFigures(scenario, duration, Capacity(capacity, "test"), 0.2), \
        TuneFigures(scenario, duration, Capacity(capacity, "test"), 0.2)
    folded.observers += [seen, held_figures]
    full.observers.append(figures)
    summary = folded.fold()
    steps = list(full)
    assert seen.steps == steps
    assert summary == full.summary()
    assert held_figures.figures() == figures.figures()
    return folded


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_folded_run_gives_the_full_runs_steps_and_figures(name: str) -> None:
    fold_against_full(CASES[name], 4 * 3600)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.stem)
def test_the_shipped_scenarios_fold_to_the_same_figures(path: Path) -> None:
    document = file_document(path)
    scenario = parse_scenario(copy.deepcopy(document), str(path), path.parent)
    run = fold_against_full(document, 2 * 86400 if path.stem == "daily-100" else scenario.duration or 900)
    if path.stem == "daily-100":  # most syncs are held, so most take no decide() and no sync of their own
        assert run.decided < run.totals.syncs / 20


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(metrics=st.lists(st.sampled_from(sorted(METRICS)), min_size=1, max_size=2, unique=True),
       behavior=st.sampled_from(sorted(BEHAVIORS)), load=loads,
       startup=st.sampled_from(["0s", "20s", {"distribution": "uniform", "min": "5s", "max": "45s"}]),
       low=st.integers(1, 3), high=st.integers(3, 25), resolution=st.sampled_from(["15s", "30s", "60s"]),
       tolerance=st.sampled_from([0.1, 0.05, 0.0]), replicas=st.integers(1, 6), seed=st.integers(0, 5),
       capacity=st.sampled_from([5.0, 40.0, 1000.0]),
       controller=st.fixed_dictionaries({}, optional={
           "syncPeriod": st.sampled_from(["10s", "15s", "20s", "45s"]),
           "cpuInitializationPeriod": st.sampled_from(["0s", "1m", "5m"]),
           "downscaleStabilization": st.sampled_from(["0s", "1m", "5m"])}))
def test_any_scenario_folds_to_the_full_runs_steps_and_figures(metrics, behavior, load, startup, low, high,
                                                                resolution, tolerance, replicas, seed, capacity,
                                                                controller) -> None:
    document = scenario_document(metrics, BEHAVIORS[behavior], load, startup=startup, low=low, high=high,
                                 resolution=resolution, tolerance=tolerance, replicas=replicas, seed=seed,
                                 controller=controller)
    fold_against_full(document, 3 * 3600, capacity)


# ----------------------------------------------------------------------------- Totals.add_held

POINTS = {ratio: (MetricPoint("cpu", ratio * 60, 60.0, "%", ratio),) for ratio in (0.5, 1.0, 1.05, 1.5)}


@st.composite
def stretches(draw):
    """Steps in stretches: each stretch repeats one step (desired, points, readiness) at later times."""
    period = draw(st.sampled_from([15.0, 10.0, 7.5, 0.1]))
    moment, out = 0.0, []
    for _ in range(draw(st.integers(1, 12))):
        desired = draw(st.integers(0, 6))
        ready = draw(st.integers(0, desired))
        step = Step(0.0, 1.0, desired, ready, desired, POINTS[draw(st.sampled_from(sorted(POINTS)))],
                    draw(st.sampled_from(["", "2 -> 3: cpu above target"])), "")
        times = []
        for _ in range(draw(st.integers(1, 30))):
            times.append(moment)
            moment += period
        out.append((step, times))
    return period, out


@settings(max_examples=300, deadline=None)
@given(stretches(), st.integers(1, 4), st.integers(4, 8), st.booleans())
def test_totals_take_a_held_stretch_as_they_take_its_steps(stretched, minimum, maximum, extended) -> None:
    period, runs = stretched
    document = scenario_document(["cpu"], None, {"type": "constant", "rate": 1}, low=minimum, high=maximum,
                                 controller={"syncPeriod": f"{period}s"} if period != 15.0 else None)
    scenario = parse_scenario(document, "test", ROOT)
    one_by_one, held = Totals(scenario, 3600), Totals(scenario, 3600)
    one_by_one.extended = held.extended = extended  # the newer model's counters too
    for step, times in runs:
        for moment in times:
            one_by_one.add(step._replace(t=moment))
        # a held stretch always follows a step handed out one by one (its first sync), as in the engine
        held.add(step._replace(t=times[0]))
        if not step.event:
            held.add_held(step, times[1:], [1.0] * (len(times) - 1))
        else:  # a rescale is never held
            for moment in times[1:]:
                held.add(step._replace(t=moment))
    assert held.summary() == one_by_one.summary()
    assert vars(held) == vars(one_by_one)
