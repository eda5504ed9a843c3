"""The simulation loop: one core decision per sync period, fed by the world model, strung into a timeline.

A sync runs decide() unless it is steady: the same pods as the last sync that ran it, every pod
counted for every metric, and a count the windows, policies and bounds keep. core.steady gives
decide()'s answer for those (tests/sim/test_steady.py checks it sync by sync and row by row),
which is what makes a simulated month take seconds.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Optional, Sequence

from ..core import branches
from ..core.branches import REBALANCE_KEPT, REBALANCED, WITHIN_TOLERANCE
from ..core.conditions import TOO_FEW, TOO_MANY
from ..core.decide import decide
from ..core.model import Condition, ControllerState, Decision, MetricSpec, SyncInput
from ..core.steady import SteadyBasis, SteadyMetricResult, SteadyRun, SteadySync, steady_basis
from ..core.versions import IMMEDIATE_RECONCILE
from .load import LoadProfile
from .scenario import Scenario
from .world import World


def clock(seconds: float) -> str:
    """Simulated time as the timeline shows it: ``7:30``, ``1:02:03``, ``2d 0:00:00``."""
    whole = int(round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:d}:{minutes:02d}:{secs:02d}" if hours or days else f"{minutes:d}:{secs:02d}"
    return f"{days}d {text}" if days else text


class MetricPoint(NamedTuple):
    name: str
    current: Optional[float]  # in the target's unit: percent for Utilization, else the value
    target: float
    unit: str  # "%" or "" (a quantity in whole units)
    ratio: Optional[float]
    error: Optional[str] = None


class Step(NamedTuple):
    """One sync of the timeline (a tuple: a month of syncs is 172,800 of them)."""

    t: float
    load: float
    replicas: int  # spec.replicas when the sync ran
    ready: int
    desired: int
    metrics: tuple[MetricPoint, ...]
    event: str = ""  # set on a rescale: its reason and the limit that applied
    limit: str = ""


@dataclass
class Result:
    scenario: Scenario
    load: LoadProfile
    duration: float
    steps: list[Step] = field(default_factory=list)
    inputs: list[SyncInput] = field(default_factory=list)  # kept only when asked for (snapshots, tests)
    decided: int = 0  # syncs that ran decide(); the others were steady (core.steady)
    decisions: list[Decision] = field(default_factory=list)

    def summary(self) -> dict:
        return summarize(self)


def _metric_point(spec: MetricSpec, utilization: Optional[int], value: Optional[int], average_value: Optional[int],
                  ratio: Optional[float], error: Optional[str] = None) -> MetricPoint:
    target = spec.target
    current = target.measure(utilization, value, average_value)
    return MetricPoint(spec.name, None if current is None else target.in_units(current), target.in_units(target.wanted or 0),
                       "%" if target.is_utilization else "", ratio, error)


def _metric_points(decision: Decision) -> tuple[MetricPoint, ...]:
    return tuple(_metric_point(result.spec, result.utilization, result.value, result.average_value,
                               result.usage_ratio, result.error) for result in decision.metrics)


def _limit(decision: Decision) -> str:
    """The limit that shaped this sync's result, in the controller's words."""
    stabilization, limit = decision.stabilization, decision.rate_limit
    stabilized = ""
    if stabilization is not None and stabilization.result != decision.proposed_replicas:
        stabilized = stabilization.reason
    limited = ""
    if limit is not None and stabilization is not None and limit.result != stabilization.result:
        limited = limit.reason
    paths = [m.path for m in decision.metrics if m.error is None]
    return _limit_text(bool(decision.metrics), paths, stabilized, limited, decision.branch)


def _limit_text(any_metrics: bool, paths: Sequence[str], stabilized: str = "", limited: str = "",
                branch: str = branches.METRICS) -> str:
    """The notes of a sync: how its metrics proposed, the window's and the rate limit's reasons."""
    notes = []
    if REBALANCED in paths or REBALANCE_KEPT in paths:
        notes.append("unready/missing pods")
    if stabilized:
        notes.append(stabilized)
    if limited:
        notes.append(limited)
    if branch in (branches.ABOVE_MAX, branches.BELOW_MIN):
        notes.append(TOO_MANY.reason if branch == branches.ABOVE_MAX else TOO_FEW.reason)
    if branch == branches.INVALID_METRICS:
        notes.append("invalid metrics")
    if not notes and any_metrics and all(path == WITHIN_TOLERANCE for path in paths):
        notes.append("within tolerance")
    return ", ".join(notes)


class _SteadyRows:
    """Timeline rows of steady syncs. Their metric points and limit text repeat for long stretches,
    so each is built once per basis."""

    def __init__(self) -> None:
        self.basis: Optional[SteadyBasis] = None
        self.points: dict[tuple[SteadyMetricResult, ...], tuple[MetricPoint, ...]] = {}
        self.limits: dict[tuple, str] = {}
        self.last: Optional[SteadySync] = None
        self.last_parts: tuple[tuple[MetricPoint, ...], str] = ((), "")

    def step(self, basis: SteadyBasis, quick: SteadySync, now: float, load: float, ready: int) -> Step:
        current = basis.spec_replicas
        if quick is not self.last:  # a run hands back the same outcome while nothing in it changes
            self.last, self.last_parts = quick, self._parts(basis, quick)
        points, limit = self.last_parts
        # tuple.__new__ skips the generated Python-level __new__: a third of this row's cost.
        return tuple.__new__(Step, (now, load, current, ready, current, points, "", limit))

    def _parts(self, basis: SteadyBasis, quick: SteadySync) -> tuple[tuple[MetricPoint, ...], str]:
        if basis is not self.basis:
            self.basis, self.points, self.limits = basis, {}, {}
        results = quick.metrics
        points = self.points.get(results)
        if points is None:
            points = self.points[results] = tuple(
                _metric_point(metric.spec, result.utilization, result.value, result.average_value, result.ratio)
                for metric, result in zip(basis.metrics, results, strict=True))
        paths = tuple([result.path for result in results])
        stabilized = quick.reason if quick.stabilized != quick.proposal else ""
        limited = quick.limit_reason if quick.stabilized != basis.spec_replicas else ""
        key = (paths, stabilized, limited)
        limit = self.limits.get(key)
        if limit is None:
            limit = self.limits[key] = _limit_text(True, paths, stabilized, limited)
        return points, limit


def simulate(scenario: Scenario, load: LoadProfile, duration: float, keep_inputs: bool = False,
             steady: bool = True) -> Result:
    """Run one sync every ``controller.sync_period`` seconds from the HPA's first sync to ``duration``.

    The HPA appears at t = 0. From 1.37 (kubernetes#138294) the controller reconciles a new HPA at once;
    before, its first sync waited one sync period (the work queue's fixed-interval rate limiter).

    ``steady=False``, or keeping the inputs (for snapshots), runs decide() on every sync.
    """
    # A month is ~1M small objects and no reference cycles: the collector's passes over the
    # growing timeline would cost ~5% and free nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _simulate(scenario, load, duration, keep_inputs, steady)
    finally:
        if collecting:
            gc.enable()


def _simulate(scenario: Scenario, load: LoadProfile, duration: float, keep_inputs: bool, steady: bool) -> Result:
    world = World(scenario, load)
    result = Result(scenario=scenario, load=load, duration=duration)
    state = ControllerState()
    conditions: tuple[Condition, ...] = ()
    period = scenario.controller.sync_period
    first = 0.0 if scenario.controller.has(IMMEDIATE_RECONCILE) else period
    syncs = max(int(math.floor((duration - first) / period)) + 1, 0)
    steady = steady and not keep_inputs
    run: Optional[SteadyRun] = None  # the steady stretch in progress, if any
    view = world.steady_view()  # replaced whenever a run starts
    rows = _SteadyRows()
    # The loop runs 172,800 times for 30 days: its hot names are bound once.
    advance, observe, rate_at, append = world.advance, world.observe, world.rate_at, result.steps.append
    for index in range(syncs):
        now = first + index * period
        advance(now)
        if run is not None:
            pods, ready, existing, readings, load_now = view(now)
            quick = run.sync(now, world.replicas, existing, pods, readings, conditions)
            if quick is not None:
                conditions = quick.conditions
                append(rows.step(run.basis, quick, now, load_now, ready))
                continue
            state, run = replace(state, recommendations=run.recommendations()), None  # decide() goes on from here
        current = world.replicas
        pods, ready, existing = observe(now)
        inputs = SyncInput(hpa=scenario.hpa, scale=world.scale(), pods=pods,
                           readings=world.readings(now), now=now, settings=scenario.controller, state=state,
                           previous_conditions=conditions)
        decision = decide(inputs)
        result.decided += 1
        if decision.rescale:
            world.scale_to(decision.desired_replicas, now)
        state, conditions = decision.state or state, decision.conditions
        basis = steady_basis(inputs, decision) if steady else None
        if basis is not None and state is not None:
            run = SteadyRun.start(basis, state.recommendations, now + period)
            view = world.steady_view()
        limit = _limit(decision)
        event = ""
        if decision.rescale:
            event = f"{current} -> {decision.desired_replicas}: {decision.rescale_reason}"
        result.steps.append(Step(t=now, load=rate_at(now), replicas=current, ready=ready,
                                 desired=decision.desired_replicas, metrics=_metric_points(decision),
                                 event=event, limit=limit))
        if keep_inputs:
            result.inputs.append(inputs)
            result.decisions.append(decision)
    return result


def summarize(result: Result) -> dict:
    """The numbers to compare variants by: cost, reaction time, flapping, time over target.

    Two figures measure the scale-in, both ending at the first sync back at minReplicas after the
    (last) peak: ``timeToReturnToMinSeconds`` starts at the last sync at peak replicas, so it measures
    the last step down (two variants whose windows differ by minutes can show the same 15 s);
    ``timeFromBelowTargetToMinSeconds`` starts when the metrics fell below target for good (the first
    sync after the last one with a metric above target), so it measures how long the pods outlast the
    load: the stabilization window, the scale-down policies and the metric pipeline's lag.
    """
    steps = result.steps
    if not steps:
        return {}
    period = result.scenario.controller.sync_period
    hpa = result.scenario.hpa
    replicas = [step.desired for step in steps]
    initial = steps[0].replicas
    first_out = next((step.t for step in steps if step.desired > initial), None)
    rescales = sum(1 for step in steps if step.event)
    above_at = [any(p.ratio is not None and p.ratio > 1.0 for p in step.metrics) for step in steps]
    above = sum(period for flag in above_at if flag)
    at_max = sum(period for step in steps if step.desired >= hpa.max_replicas)
    pod_seconds = sum(step.desired * period for step in steps)
    peak = max(replicas)
    minimum = hpa.effective_min_replicas
    peak_index = max(index for index, step in enumerate(steps) if step.desired == peak)
    peak_at = steps[peak_index].t
    back_index = next((index for index in range(peak_index + 1, len(steps)) if steps[index].desired <= minimum),
                      None)
    back_from_peak = back_from_target = None
    if back_index is not None and peak > minimum:
        back = steps[back_index].t
        back_from_peak = back - peak_at
        last_above = next((index for index in range(back_index, -1, -1) if above_at[index]), None)
        calm_at = steps[last_above + 1].t if last_above is not None else steps[0].t
        back_from_target = back - calm_at
    return {
        "peakReplicas": peak,
        "finalReplicas": replicas[-1],
        "timeToFirstScaleOutSeconds": first_out,
        "timeAboveTargetSeconds": above,
        "timeAtMaxSeconds": at_max,
        "podMinutes": round(pod_seconds / 60, 2),
        "rescales": rescales,
        "timeToReturnToMinSeconds": back_from_peak,
        "timeFromBelowTargetToMinSeconds": back_from_target,
        "syncs": len(steps),
        "durationSeconds": result.duration,
    }
