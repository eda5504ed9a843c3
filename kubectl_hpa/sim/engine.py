"""The simulation loop: one core decision per sync period, fed by the world model, strung into a timeline."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from ..core import decide as branches
from ..core import replicas as paths
from ..core.decide import decide
from ..core.model import Condition, ControllerState, Decision, SyncInput
from .load import LoadProfile
from .scenario import Scenario
from .world import World


@dataclass(frozen=True)
class MetricPoint:
    name: str
    current: Optional[float]  # in the target's unit: percent for Utilization, else the value
    target: float
    unit: str  # "%" or "" (a quantity in whole units)
    ratio: Optional[float]
    error: Optional[str] = None


@dataclass(frozen=True)
class Step:
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
    decisions: list[Decision] = field(default_factory=list)

    def summary(self) -> dict:
        return summarize(self)


def _metric_points(decision: Decision) -> tuple[MetricPoint, ...]:
    points = []
    for result in decision.metrics:
        spec = result.spec
        target = spec.target
        if target.average_value is None and target.average_utilization is not None:
            current = float(result.utilization) if result.utilization is not None else None
            points.append(MetricPoint(spec.name, current, float(target.average_utilization), "%", result.usage_ratio,
                                      result.error))
            continue
        wanted = target.value if target.type == "Value" else target.average_value
        milli = result.value if target.type == "Value" else result.average_value
        points.append(MetricPoint(spec.name, None if milli is None else milli / 1000, (wanted or 0) / 1000, "",
                                  result.usage_ratio, result.error))
    return tuple(points)


def _limit(decision: Decision) -> str:
    """The limit that shaped this sync's result, in the controller's words."""
    notes = []
    if any(m.path == paths.REBALANCED or m.path == paths.REBALANCE_KEPT for m in decision.metrics):
        notes.append("unready/missing pods")
    stabilization, limit = decision.stabilization, decision.rate_limit
    if stabilization is not None and stabilization.result != decision.proposed_replicas:
        notes.append(stabilization.reason)
    if limit is not None and stabilization is not None and limit.result != stabilization.result:
        notes.append(limit.reason)
    if decision.branch in (branches.ABOVE_MAX, branches.BELOW_MIN):
        notes.append("TooManyReplicas" if decision.branch == branches.ABOVE_MAX else "TooFewReplicas")
    if decision.branch == branches.INVALID_METRICS:
        notes.append("invalid metrics")
    if not notes and decision.metrics and all(m.path == paths.WITHIN_TOLERANCE for m in decision.metrics
                                              if m.error is None):
        notes.append("within tolerance")
    return ", ".join(notes)


def simulate(scenario: Scenario, load: LoadProfile, duration: float, keep_inputs: bool = False) -> Result:
    """Run one sync every ``controller.sync_period`` seconds from t = 0 to ``duration``."""
    world = World(scenario, load)
    result = Result(scenario=scenario, load=load, duration=duration)
    state = ControllerState()
    conditions: tuple[Condition, ...] = ()
    period = scenario.controller.sync_period
    syncs = int(math.floor(duration / period)) + 1
    for index in range(syncs):
        now = index * period
        world.advance(now)
        current = world.replicas
        inputs = SyncInput(hpa=scenario.hpa, scale=world.scale(), pods=world.core_pods(now),
                           readings=world.readings(now), now=now, settings=scenario.controller, state=state,
                           previous_conditions=conditions)
        decision = decide(inputs)
        ready = world.ready_count(now)
        if decision.rescale:
            world.scale_to(decision.desired_replicas, now)
        state, conditions = decision.state or state, decision.conditions
        limit = _limit(decision)
        event = ""
        if decision.rescale:
            event = f"{current} -> {decision.desired_replicas}: {decision.rescale_reason}"
        result.steps.append(Step(t=now, load=load.rate_at(now), replicas=current, ready=ready,
                                 desired=decision.desired_replicas, metrics=_metric_points(decision),
                                 event=event, limit=limit))
        if keep_inputs:
            result.inputs.append(inputs)
            result.decisions.append(decision)
    return result


def summarize(result: Result) -> dict:
    """The numbers to compare variants by: cost, reaction time, flapping, time over target."""
    steps = result.steps
    if not steps:
        return {}
    period = result.scenario.controller.sync_period
    hpa = result.scenario.hpa
    replicas = [step.desired for step in steps]
    initial = steps[0].replicas
    first_out = next((step.t for step in steps if step.desired > initial), None)
    rescales = sum(1 for step in steps if step.event)
    above = sum(period for step in steps if any(p.ratio is not None and p.ratio > 1.0 for p in step.metrics))
    at_max = sum(period for step in steps if step.desired >= hpa.max_replicas)
    pod_seconds = sum(step.desired * period for step in steps)
    peak = max(replicas)
    peak_at = max(step.t for step in steps if step.desired == peak)
    back = next((step.t for step in steps if step.t > peak_at and step.desired <= hpa.effective_min_replicas), None)
    return {
        "peakReplicas": peak,
        "finalReplicas": replicas[-1],
        "timeToFirstScaleOutSeconds": first_out,
        "timeAboveTargetSeconds": above,
        "timeAtMaxSeconds": at_max,
        "podMinutes": round(pod_seconds / 60, 2),
        "rescales": rescales,
        "timeToReturnToMinSeconds": (back - peak_at) if back is not None and peak > hpa.effective_min_replicas else None,
        "syncs": len(steps),
        "durationSeconds": result.duration,
    }
