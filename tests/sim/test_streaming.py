"""A simulation streams its steps: the summary and the comparison are folded as they pass, ``--snapshot-at``
stops at its sync, and the output's memory does not grow with the simulated duration (issue 12, item 6;
issue 18)."""

from __future__ import annotations

import bisect
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_hpa.record import Observation
from kubectl_hpa.sim.compare import compare
from kubectl_hpa.sim.engine import MetricPoint, Result, Run, Step, simulate
from kubectl_hpa.sim.export import snapshot_at, snapshot_for
from kubectl_hpa.sim.fields import ScenarioError
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import read_scenario
from tests.helpers import ROOT

HELLO = read_scenario(ROOT / "fixtures" / "scenarios" / "hello-actuator-pods.yaml")
DAILY = ROOT / "benchmarks" / "scenarios" / "daily-100.yaml"


def _summarize_whole(result: Result) -> dict:
    """The summary's definition over the whole list of steps (what the views computed when they held them)."""
    steps = result.steps
    if not steps:
        return {}
    period = result.scenario.controller.sync_period
    hpa = result.scenario.hpa
    replicas = [step.desired for step in steps]
    initial = steps[0].replicas
    above_at = [any(p.ratio is not None and p.ratio > 1.0 for p in step.metrics) for step in steps]
    peak = max(replicas)
    minimum = hpa.effective_min_replicas
    peak_index = max(index for index, step in enumerate(steps) if step.desired == peak)
    back_index = next((index for index in range(peak_index + 1, len(steps)) if steps[index].desired <= minimum),
                      None)
    back_from_peak = back_from_target = None
    if back_index is not None and peak > minimum:
        back = steps[back_index].t
        back_from_peak = back - steps[peak_index].t
        last_above = next((index for index in range(back_index, -1, -1) if above_at[index]), None)
        if last_above is None:
            back_from_target = back - steps[0].t
        elif last_above + 1 < len(steps):
            back_from_target = back - steps[last_above + 1].t
    return {
        "peakReplicas": peak, "finalReplicas": replicas[-1],
        "timeToFirstScaleOutSeconds": next((step.t for step in steps if step.desired > initial), None),
        "timeAboveTargetSeconds": sum(period for flag in above_at if flag),
        "timeAtMaxSeconds": sum(period for step in steps if step.desired >= hpa.max_replicas),
        "podMinutes": round(sum(step.desired * period for step in steps) / 60, 2),
        "rescales": sum(1 for step in steps if step.event),
        "timeToReturnToMinSeconds": back_from_peak, "timeFromBelowTargetToMinSeconds": back_from_target,
        "syncs": len(steps), "durationSeconds": result.duration,
    }


ratios = st.one_of(st.none(), st.sampled_from([0.5, 1.0, 1.0000001, 2.0, float("nan")]))
generated_steps = st.lists(st.tuples(st.integers(0, 12), st.lists(ratios, max_size=2), st.booleans()), max_size=40)


@pytest.mark.parametrize("period", [15.0, 0.1, 7])
@settings(max_examples=200, deadline=None)
@given(timeline=generated_steps)
def test_the_summary_folded_step_by_step_is_the_summary_of_the_whole_list(period: float, timeline: list) -> None:
    from dataclasses import replace

    scenario = replace(HELLO, controller=replace(HELLO.controller, sync_period=period))
    steps = [Step(t=index * period, load=1.0, replicas=3, ready=3, desired=desired,
                  metrics=tuple(MetricPoint("cpu", 1.0, 1.0, "%", ratio) for ratio in metric_ratios),
                  event="x" if event else "")
             for index, (desired, metric_ratios, event) in enumerate(timeline)]
    result = Result(scenario=scenario, load=build_load(scenario.load), duration=600.0, steps=steps)
    assert _summarize_whole(result).items() <= result.summary().items()  # newer models add figures of their own


def test_a_run_streams_the_steps_simulate_keeps() -> None:
    load = build_load(HELLO.load)
    kept = simulate(HELLO, load, 3 * 3600)
    run = Run(HELLO, load, 3 * 3600)
    assert list(run) == kept.steps
    assert run.summary() == kept.summary() and run.decided == kept.decided
    assert _summarize_whole(kept).items() <= run.summary().items()  # newer models add figures of their own
    assert list(run) == kept.steps and run.summary() == kept.summary()  # iterated again: the same run


@pytest.mark.parametrize("at", [0.0, 60.0, 61.0, 1799.0, 3600.0])
def test_snapshot_at_stops_at_its_sync_and_is_that_syncs_snapshot(at: float) -> None:
    load = build_load(HELLO.load)
    whole = simulate(HELLO, load, 3600, keep_inputs=True)
    index = max(i for i, inputs in enumerate(whole.inputs) if inputs.now <= at)
    run = Run(HELLO, load, 3600, keep_last_inputs=True, until=at)
    document, note = snapshot_at(run, at)
    assert document == snapshot_for(whole.inputs[index], HELLO.hpa_manifest)
    assert run.decided == index + 1 and len(run.inputs) == 1  # nothing simulated, nothing kept past it
    assert (note == "") == (whole.inputs[index].now == at)


def test_snapshot_at_a_time_no_sync_answers_is_refused_before_running() -> None:
    run = Run(HELLO, build_load(HELLO.load), 600, keep_last_inputs=True, until=601.0)
    with pytest.raises(ScenarioError, match="past the end of the run"):
        snapshot_at(run, 601.0)
    assert run.totals.syncs == 0


observations = st.lists(st.tuples(st.floats(-100, 2000, allow_nan=False), st.integers(0, 12)), min_size=1,
                        max_size=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recorded=observations)
def test_the_comparison_folded_as_the_run_streams_is_the_comparison_of_the_whole_list(recorded: list) -> None:
    steps = [Step(t=15.0 * index, load=1.0, replicas=1, ready=1, desired=index % 5, metrics=()) for index in range(80)]
    result = Result(scenario=HELLO, load=build_load(HELLO.load), duration=1200.0, steps=steps)
    seen = [Observation(time=1_000_000.0 + offset, namespace="default", name="hello-actuator", current_replicas=count)
            for offset, count in recorded]
    errors, observed = [], []  # the definition: the last sync at or before each observation, in file order
    times = [step.t for step in steps]
    for observation in seen:
        offset = observation.time - seen[0].time
        if offset > result.duration:
            break
        errors.append(steps[max(bisect.bisect_right(times, offset) - 1, 0)].desired - observation.current_replicas)
        observed.append((offset, observation.current_replicas))
    comparison = compare(result, seen)
    assert comparison.samples == len(errors) and comparison.observed == tuple(observed)
    assert comparison.max_absolute_error == max(abs(error) for error in errors)
    assert comparison.mean_absolute_error == sum(abs(error) for error in errors) / len(errors)
    assert comparison.root_mean_square_error == math.sqrt(sum(error * error for error in errors) / len(errors))


def _peak_mib(*args: str) -> float:
    """The simulate process's own peak resident memory (MiB), its output thrown away."""
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "kubectl_hpa", "simulate", *args], cwd=ROOT, stdout=sink,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                pytest.fail(f"simulate {args} ran past 300 s")
            time.sleep(0.02)
    assert os.waitstatus_to_exitcode(status) == 0, args
    return usage.ru_maxrss / 1024


@pytest.mark.process
@pytest.mark.parametrize("output", ["json", "yaml", "wide", "table", "csv"])
def test_output_memory_does_not_grow_with_the_duration(output: str) -> None:
    """Before, a month of -o json peaked at 635 MiB and grew with the duration (a year: MemoryError)."""
    short = _peak_mib(str(DAILY), "--duration", "1d", "-o", output)
    long = _peak_mib(str(DAILY), "--duration", "8d", "-o", output)  # 46,081 syncs: ~16 MB of JSON
    assert long < short + 6, (output, short, long)


@pytest.mark.process
def test_a_plot_too_long_to_hold_is_refused_before_running(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "kubectl_hpa", "simulate", str(DAILY), "--duration", "365d",
                             "--plot", str(tmp_path / "year.png"), "--kubernetes-version", "1.37"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: --plot draws every sync and holds them all: at most 1,000,000 syncs")
    assert result.stderr.count("\n") == 1 and "2,102,401" in result.stderr
    assert not (tmp_path / "year.png").exists()
