"""The figures ``tune`` compares candidates by, computed from one simulated run.

Each candidate's ``summary`` is ``simulate``'s own (engine.summarize) plus these, from the same
steps: cost (pod-hours, core-hours from the pods' CPU request), risk (time the load per Ready pod
was above a pod's capacity, time a metric was above target by more than a margin, time at
maxReplicas, time with pods not Ready, the longest scale-up lag) and churn (rescales per day and in
the busiest hour). Every figure counts whole sync periods, as ``simulate``'s time figures do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..engine import Step
from ..load import LoadProfile
from ..scenario import MetricModel, Scenario, Workload

DEFAULT_MARGIN = 0.2
"""A metric counts as "above target by a margin" past (1 + margin) x target: 20% by default."""


@dataclass(frozen=True)
class Capacity:
    """What one Ready pod serves (requests/s) before it is overloaded, and where that number came from."""

    requests_per_second: Optional[float]  # None: unknown, overload is not measured
    source: str


def capacity_of(workload: Workload, given: Optional[float]) -> Capacity:
    """``--capacity``, else the load at which a pod's CPU use reaches its CPU request (the model's
    ``baseline + perRequest x load``); unknown when the model's CPU does not grow with load."""
    if given is not None:
        return Capacity(given, "--capacity")
    limits = [(request - model.baseline) / model.per_request for request, model in _cpu_parts(workload)
              if request and model.per_request > 0 and request > model.baseline]
    if not limits:
        return Capacity(None, "unknown: the workload's CPU does not grow with load (give --capacity)")
    return Capacity(min(limits), "the load at which a pod's CPU use reaches its CPU request")


def _cpu_parts(workload: Workload) -> list[tuple[float, MetricModel]]:
    """(CPU request, CPU model) of each container: the workload's own, or its ``containers`` when it lists them."""
    containers = getattr(workload, "containers", ())
    if containers:
        return [(container.requests.get("cpu") or 0, container.cpu) for container in containers]
    return [(workload.requests.get("cpu") or 0, workload.cpu)]


def cpu_request(workload: Workload) -> float:
    """A pod's CPU request in millicores (every container's), what core-hours multiply by."""
    return float(sum(request for request, _ in _cpu_parts(workload)))


class TuneFigures:
    """Tune's own figures, folded one step at a time as the run streams (a ``StepObserver`` of the engine's
    run: nothing kept grows with the run but the rescale times)."""

    def __init__(self, scenario: Scenario, duration: float, capacity: Capacity, margin: float) -> None:
        self.period = scenario.controller.sync_period
        self.duration = duration
        self.limit = capacity.requests_per_second
        self.threshold = 1.0 + margin
        self.cpu = cpu_request(scenario.workload)
        self.reset()

    def reset(self) -> None:
        self.desired_total = 0
        self.syncs_over_capacity = self.syncs_over_margin = self.syncs_unready = 0
        self.lag = self.longest_lag = 0
        self.episodes = 0
        self.events: list[float] = []
        self._points: Optional[tuple] = None  # the last step's metric points, and whether one was over the margin
        self._over = False

    def add(self, step: Step) -> None:
        self.desired_total += step.desired
        points = step.metrics
        if points is not self._points:  # steady stretches hand over the same points, sync after sync
            self._points = points
            self._over = any(point.ratio is not None and point.ratio > self.threshold for point in points)
        if self._over:
            self.syncs_over_margin += 1
        if step.ready < step.replicas:
            self.syncs_unready += 1
        if step.event:
            self.events.append(step.t)
        limit = self.limit
        if limit is not None and step.load > 0 and (step.ready == 0 or step.load / step.ready > limit):
            self.syncs_over_capacity += 1
            if self.lag == 0:
                self.episodes += 1
            self.lag += 1
            self.longest_lag = max(self.longest_lag, self.lag)
        else:
            self.lag = 0

    def add_held(self, step: Step, times: list[float], loads: list[float]) -> None:
        """``add`` of ``step`` at each of ``times`` with the load at each: a held stretch (engine.Run.fold), whose
        syncs differ from ``step`` in time and load alone."""
        count = len(times)
        self.desired_total += step.desired * count
        points = step.metrics
        if points is not self._points:
            self._points = points
            self._over = any(point.ratio is not None and point.ratio > self.threshold for point in points)
        if self._over:
            self.syncs_over_margin += count
        if step.ready < step.replicas:
            self.syncs_unready += count
        limit = self.limit
        if limit is None:
            return
        ready = step.ready
        over, lag, longest, episodes = self.syncs_over_capacity, self.lag, self.longest_lag, self.episodes
        for load in loads:  # add()'s capacity test, inlined: this runs for nearly every sync of a replay
            if load > 0 and (ready == 0 or load / ready > limit):
                over += 1
                if lag == 0:
                    episodes += 1
                lag += 1
                if lag > longest:
                    longest = lag
            else:
                lag = 0
        self.syncs_over_capacity, self.lag, self.longest_lag, self.episodes = over, lag, longest, episodes

    def figures(self) -> dict:
        period, known = self.period, self.limit is not None
        pod_seconds = self.desired_total * period
        days = self.duration / 86400 if self.duration > 0 else 1.0
        return {
            "podHours": round(pod_seconds / 3600, 2),
            "coreHours": round(pod_seconds / 3600 * self.cpu / 1000, 2),
            "timeOverCapacitySeconds": self.syncs_over_capacity * period if known else None,
            "overloadEpisodes": self.episodes if known else None,
            "scaleUpLagSeconds": self.longest_lag * period if known else None,
            "timeOverTargetByMarginSeconds": self.syncs_over_margin * period,
            "timeWithUnreadyPodsSeconds": self.syncs_unready * period,
            "rescalesPerDay": round(len(self.events) / days, 2),
            "maxRescalesPerHour": busiest_hour(self.events),
        }


def replay_figures(scenario: Scenario, load: LoadProfile, duration: float, capacity: Capacity,
                   margin: float = DEFAULT_MARGIN) -> dict:
    """One spec's figures: ``simulate``'s summary of the run (the engine's own) plus tune's, from one pass."""
    from .. import engine

    fold = TuneFigures(scenario, duration, capacity, margin)
    run = engine.Run(scenario, load, duration)
    run.observers.append(fold)
    summary = run.fold()  # no step is kept, and held stretches are folded whole
    return {**summary, **fold.figures()}


def busiest_hour(times: list[float]) -> int:
    """The most rescales in any 60 minutes (a sliding window over the rescale times, sorted)."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 3600:
            start += 1
        most = max(most, end - start + 1)
    return most


COST, RISK, CHURN = "cost", "risk", "churn"
OBJECTIVES = (COST, RISK, CHURN)


def objective_vector(summary: dict) -> tuple[float, float, float]:
    """The three axes of the Pareto front: pod-hours, time over capacity (time over target by the margin
    when capacity is unknown), rescales per day. Lower is better on each."""
    risk = summary["timeOverCapacitySeconds"]
    if risk is None:
        risk = summary["timeOverTargetByMarginSeconds"]
    return (float(summary["podHours"]), float(risk), float(summary["rescalesPerDay"]))


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """a is no worse than b on every axis and better on one."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def pareto_front(vectors: Sequence[tuple[float, ...]]) -> list[int]:
    """The indexes of the vectors no other vector dominates (equal vectors: the first only), in input order."""
    order = sorted(range(len(vectors)), key=lambda index: (vectors[index], index))
    front: list[int] = []
    for index in order:
        vector = vectors[index]
        if any(vectors[kept] == vector or dominates(vectors[kept], vector) for kept in front):
            continue
        front.append(index)
    return sorted(front)
