"""The simulation loop: one core decision per sync period, fed by the world model, strung into a timeline.

A sync runs decide() unless it is steady: the same pods as the last sync that ran it, every pod
counted for every metric, and a count the windows, policies and bounds keep. core.steady gives
decide()'s answer for those (tests/sim/test_steady.py checks it sync by sync and row by row),
which is what makes a simulated month take seconds.

The timeline is streamed (:class:`Run`): each step goes to whoever iterates the run and is folded
into the summary as it passes (:class:`Totals`), so a year costs no more memory than an hour unless
a view keeps the steps. :func:`simulate` keeps them all (tests, small runs). :meth:`Run.fold` hands
out no step, only the folds, and so can fold whole stretches of steady syncs at once (``tune``).
"""

from __future__ import annotations

import gc
import math
from array import array
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Callable, Iterator, NamedTuple, Optional, Protocol, Sequence

from ..core import branches
from ..core.branches import REBALANCE_KEPT, REBALANCED, WITHIN_TOLERANCE
from ..core.conditions import TOO_FEW, TOO_MANY
from ..core.decide import decide
from ..core.model import FIRST_SIGHT, Condition, ControllerState, Decision, MetricSpec, SyncInput
from ..core.steady import SteadyBasis, SteadyMetricResult, SteadyRun, SteadySync, steady_basis
from ..core.versions import IMMEDIATE_RECONCILE
from .containers import THROTTLED
from .load import LoadProfile
from .scenario import Scenario
from .world import SteadyUsage, World


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
    """A finished simulation held in memory, every step in a list: for tests and small runs. The CLI
    streams a :class:`Run` instead, so that a month, or a year, costs no more memory than an hour."""

    scenario: Scenario
    load: LoadProfile
    duration: float
    steps: list[Step] = field(default_factory=list)
    inputs: list[SyncInput] = field(default_factory=list)  # kept only when asked for (snapshots, tests)
    decided: int = 0  # syncs that ran decide(); the others were steady (core.steady)
    decisions: list[Decision] = field(default_factory=list)

    def summary(self) -> dict:
        return summarize(self)

    def __iter__(self) -> Iterator[Step]:
        """The steps, as a :class:`Run` hands them out (the renderers take either)."""
        return iter(self.steps)

    @property
    def syncs(self) -> int:
        return len(self.steps)


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


def _with_note(limit: str, note: str) -> str:
    return f"{limit}, {note}" if limit else note


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
        # A point depends on the metric's spec and its result; the bases of one run share their specs (and,
        # through core.steady's shared memos, their result objects), so the texts are kept from basis to basis.
        if basis is not self.basis:
            if (self.basis is None or len(self.points) > 4096 or len(basis.metrics) != len(self.basis.metrics)
                    or any(new.spec is not old.spec for new, old in zip(basis.metrics, self.basis.metrics, strict=True))):
                self.points, self.limits = {}, {}
            self.basis = basis
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
    """Run one sync every ``controller.sync_period`` seconds from the HPA's first sync to ``duration``, and
    keep every step (and, with ``keep_inputs``, every sync's inputs and decision) in a :class:`Result`.

    ``steady=False``, or keeping the inputs (for snapshots), runs decide() on every sync.
    """
    run = Run(scenario, load, duration, keep_inputs=keep_inputs, steady=steady)
    steps = list(run)
    return Result(scenario=scenario, load=load, duration=duration, steps=steps, inputs=run.inputs,
                  decided=run.decided, decisions=run.decisions)


class StepObserver(Protocol):
    """A fold over a run's steps, fed as the run streams (:attr:`Run.observers`). :meth:`Run.fold` also
    hands it whole stretches of steps through ``add_held(step, times, loads)`` where it has one: the
    syncs at ``times`` (with the load at each), each of which is ``step`` but for its time and load;
    without it, each of those steps is built and added."""

    def reset(self) -> None: ...

    def add(self, step: Step) -> None: ...


HeldFold = Callable[[Step, list[float], list[float]], None]
"""How a fold takes a held stretch (see :class:`StepObserver`)."""


def held_fold(observer: StepObserver) -> HeldFold:
    """The observer's own ``add_held``, or one that adds each step of the stretch."""
    own = getattr(observer, "add_held", None)
    if own is not None:
        return own
    add = observer.add

    def each(step: Step, times: list[float], loads: list[float]) -> None:
        for moment, load in zip(times, loads, strict=True):
            add(step._replace(t=moment, load=load))

    return each


class Run:
    """One simulation, streamed: iterate it once for its steps, in time order. Nothing it keeps grows with
    the duration: each step is folded into the summary as it passes (:class:`Totals`), and a view that
    needs more (a table's rows, a chart's series) keeps what it needs itself.

    The HPA appears at t = 0. From 1.37 (kubernetes#138294) the controller reconciles a new HPA at once;
    before, its first sync waited one sync period (the work queue's fixed-interval rate limiter).

    ``steady=False``, or keeping inputs, runs decide() on every sync. ``keep_inputs`` keeps every sync's
    inputs and decision (tests); ``keep_last_inputs`` only the latest (``--snapshot-at``). ``until`` ends
    the run at the last sync at or before that time: ``--snapshot-at`` needs nothing later.
    """

    def __init__(self, scenario: Scenario, load: LoadProfile, duration: float, keep_inputs: bool = False,
                 steady: bool = True, keep_last_inputs: bool = False, until: Optional[float] = None) -> None:
        self.scenario, self.load, self.duration = scenario, load, duration
        self.keep_inputs, self.keep_last_inputs = keep_inputs, keep_last_inputs
        self.steady = steady and not (keep_inputs or keep_last_inputs)
        self.until = until
        self.decided = 0  # syncs that ran decide(); the others were steady (core.steady)
        self.inputs: list[SyncInput] = []
        self.decisions: list[Decision] = []
        self.totals = Totals(scenario, duration)
        self.observers: list[StepObserver] = []  # folds that see every step (a comparison with a recording)

    @property
    def period(self) -> float:
        return self.scenario.controller.sync_period

    @property
    def first_sync(self) -> float:
        """When the HPA's first sync runs (0, or one sync period before 1.37)."""
        return 0.0 if self.scenario.controller.has(IMMEDIATE_RECONCILE) else self.period

    @property
    def syncs(self) -> int:
        """How many syncs the whole duration holds."""
        return max(int(math.floor((self.duration - self.first_sync) / self.period)) + 1, 0)

    def sync_time(self, index: int) -> float:
        """The time of sync ``index``, computed as the loop computes it (the same float)."""
        return self.first_sync + index * self.period

    def summary(self) -> dict:
        """The summary of the steps streamed so far (of the whole run once it has been iterated)."""
        return self.totals.summary()

    def __iter__(self) -> Iterator[Step]:
        """The steps, from the first sync; iterating again runs the simulation again (the same steps)."""
        self.decided = 0
        self.inputs, self.decisions = [], []
        self.totals = Totals(self.scenario, self.duration)
        for observer in self.observers:
            observer.reset()
        return self._stream()

    def fold(self) -> dict:
        """Run the whole simulation for its folds alone (the summary, the observers) and return the summary.

        No step is handed out, so the steady syncs that keep the count by their own proposal
        (core.steady.SteadyRun.can_hold: no window, policy or condition has anything to say) are held:
        the world streams their usage (world.SteadyUsage.stream), the run stores their recommendations in
        one call, and each stretch of them with the same metric result goes to the folds at once
        (:class:`StepObserver`). Of a week of the daily wave's 40,321 syncs ~33,600 are held, in ~2,700
        stretches; each held sync costs a load, a usage and a comparison. This is what ``tune``'s thousand
        replays run on. The figures, and the steps a fold without ``add_held`` is handed, are the ones
        iterating the run gives (tests/sim/test_fold.py)."""
        self.decided = 0
        self.inputs, self.decisions = [], []
        self.totals = Totals(self.scenario, self.duration)
        for observer in self.observers:
            observer.reset()
        adds = [observer.add for observer in self.observers]
        helds = [self.totals.add_held] + [held_fold(observer) for observer in self.observers]

        def held(step: Step, times: list[float], loads: list[float]) -> None:
            for each in helds:
                each(step, times, loads)

        collecting = gc.isenabled()
        gc.disable()
        try:
            for step in self._loop(held):
                for add in adds:
                    add(step)
        finally:
            if collecting:
                gc.enable()
        return self.totals.summary()

    def _stream(self) -> Iterator[Step]:
        # Millions of small objects and no reference cycles: the collector's passes would cost ~5% and free
        # nothing (and over a timeline kept in memory, much more).
        collecting = gc.isenabled()
        gc.disable()
        try:
            if not self.observers:
                yield from self._loop()
                return
            adds = [observer.add for observer in self.observers]
            for step in self._loop():
                for add in adds:
                    add(step)
                yield step
        finally:
            if collecting:
                gc.enable()

    def _loop(self, held: Optional[HeldFold] = None) -> Iterator[Step]:
        """The steps, each folded into the totals; with ``held`` (:meth:`fold`), held stretches go to it
        instead of being handed out one step at a time."""
        scenario = self.scenario
        world = World(scenario, self.load)
        state: ControllerState = FIRST_SIGHT  # a new HPA: the controller seeds its memory at the first sync
        conditions: tuple[Condition, ...] = ()
        period, first, syncs, until = self.period, self.first_sync, self.syncs, self.until
        steady = self.steady
        keep_inputs, keep_last = self.keep_inputs, self.keep_last_inputs
        run: Optional[SteadyRun] = None  # the steady stretch in progress, if any
        view = world.steady_view()  # replaced whenever a run starts
        usage: Optional[SteadyUsage] = None  # the run's numbers-only view
        uniform = False  # the run takes usage (one pod-based metric)
        ready = 0  # Ready pods at the last full sync: a run's usage syncs have the same pods
        rows = _SteadyRows()
        # The loop runs 172,800 times for 30 days: its hot names are bound once.
        advance, observe, rate_at, fold = world.advance, world.observe, world.rate_at, self.totals.add
        moves = world.moves_between_syncs
        hold_into = None if moves else held  # (a world that moves between syncs is not held)
        index = -1
        while index + 1 < syncs:
            index += 1
            now = first + index * period
            if until is not None and now > until:
                return
            if moves:
                advance(now)
            if run is not None:
                got = usage(now) if usage is not None else None
                if got is not None:
                    quick = run.sync_usage(now, got[0])
                    if quick is not None:  # (steady_usage is for the idealized model only: no limits, no throttling)
                        conditions = quick.conditions
                        step = rows.step(run.basis, quick, now, got[1], ready)
                        fold(step)
                        yield step
                        if hold_into is not None and usage is not None:  # (got came from usage)
                            index = _hold(run, usage, rows, ready, index, syncs, first, period, until, hold_into)
                        continue
                else:
                    pods, ready, existing, readings, load_now = view(now)
                    quick = run.sync(now, world.replicas, existing, pods, readings, conditions)
                    # Once a full sync of this run has checked the pods, the later syncs on the same pods
                    # need only their summed usage (World.steady_usage).
                    if quick is not None and uniform:
                        usage = world.steady_usage(run.samples_count)
                        uniform = usage is not None  # (a Pods metric, the per-pod model: not again this run)
                if quick is not None:
                    conditions = quick.conditions
                    step = rows.step(run.basis, quick, now, load_now, ready)
                    if world.throttled:
                        step = step._replace(limit=_with_note(step.limit, THROTTLED))
                    fold(step)
                    yield step
                    continue
                state, run = replace(state, recommendations=run.recommendations()), None  # decide() goes on
            current = world.replicas
            pods, ready, existing = observe(now)
            inputs = SyncInput(hpa=scenario.hpa, scale=world.scale(), pods=pods,
                               readings=world.readings(now), now=now, settings=scenario.controller, state=state,
                               previous_conditions=conditions)
            decision = decide(inputs)
            self.decided += 1
            if decision.rescale:
                world.scale_to(decision.desired_replicas, now)
            state, conditions = decision.state or state, decision.conditions
            basis = steady_basis(inputs, decision) if steady else None
            if basis is not None and state is not None:
                run = SteadyRun.start(basis, state.recommendations, now + period)
                view, usage = world.steady_view(), None
                uniform = run is not None and run.takes_usage
            limit = _limit(decision)
            event = ""
            if decision.rescale:
                event = f"{current} -> {decision.desired_replicas}: {decision.rescale_reason}"
            if keep_inputs:
                self.inputs.append(inputs)
                self.decisions.append(decision)
            elif keep_last:
                self.inputs[:], self.decisions[:] = [inputs], [decision]
            step = Step(t=now, load=rate_at(now), replicas=current, ready=ready, desired=decision.desired_replicas,
                        metrics=_metric_points(decision), event=event,
                        limit=_with_note(limit, THROTTLED) if world.throttled else limit)
            fold(step)
            yield step


def _hold(run: SteadyRun, usage: SteadyUsage, rows: _SteadyRows, ready: int, index: int, syncs: int, first: float,
          period: float, until: Optional[float], held: HeldFold) -> int:
    """Fold the syncs after ``index`` that keep the count by their own proposal (``SteadyRun.can_hold``)
    at once: one call of ``held`` per stretch of them with the same metric result. Returns the index of the
    last sync folded (``index`` when none was)."""
    if not run.can_hold():
        return index
    count, result_for, held_sync = run.basis.spec_replicas, run.usage_result, run.held_sync
    stored: list[float] = []  # every held sync's time
    times: list[float] = []  # the current stretch's, with the load at each
    loads: list[float] = []
    sync: Optional[SteadySync] = None
    last_usage = -1  # the current stretch's usage: the same usage, the same result (no lookup)
    following = index + 1
    for now, used, load in usage.stream(first, period, following, syncs):
        if until is not None and now > until:
            break
        if used != last_usage:
            result = result_for(used)
            if result.proposed != count:
                break
            if sync is None or result is not sync.metrics[0]:
                if sync is not None:
                    held(rows.step(run.basis, sync, times[0], loads[0], ready), times, loads)
                    stored += times
                    times, loads = [], []
                sync = held_sync(result)
            last_usage = used
        times.append(now)
        loads.append(load)
        following += 1
    if sync is not None:
        held(rows.step(run.basis, sync, times[0], loads[0], ready), times, loads)
        stored += times
        run.hold(stored, sync)
    return following - 1


def summarize(result: Result) -> dict:
    """The summary of a run held in memory (see :class:`Totals`)."""
    totals = Totals(result.scenario, result.duration)
    for step in result.steps:
        totals.add(step)
    return totals.summary()


class Totals:
    """The numbers to compare variants by: cost, reaction time, flapping, time over target; folded one
    step at a time (:meth:`add`, the one place a step enters the summary), in memory that does not grow
    with the run.

    Two figures measure the scale-in, both ending at the first sync back at minReplicas after the
    (last) peak: ``timeToReturnToMinSeconds`` starts at the last sync at peak replicas, so it measures
    the last step down (two variants whose windows differ by minutes can show the same 15 s);
    ``timeFromBelowTargetToMinSeconds`` starts when the metrics fell below target for good (the first
    sync after the last one with a metric above target), so it measures how long the pods outlast the
    load: the stabilization window, the scale-down policies and the metric pipeline's lag.

    Sums of seconds add the sync period once per sync, in order, as a sum over the steps would (the same
    float, bit for bit).
    """

    def __init__(self, scenario: Scenario, duration: float) -> None:
        self.period = scenario.controller.sync_period
        self.max_replicas = scenario.hpa.max_replicas
        self.minimum = scenario.hpa.effective_min_replicas
        self.duration = duration
        self.syncs = 0
        self.initial = 0  # replicas at the first sync
        self.first_t = 0.0
        self.first_out: Optional[float] = None
        self.rescales = 0
        self.syncs_above = 0  # syncs with a metric above target
        self.syncs_at_max = 0
        self.desired_total = 0  # pod-syncs: pod-seconds are this times the period when that is whole seconds
        self.whole_period = float(self.period).is_integer()
        self.pod_seconds: array = array("d")  # else each sync's pod-seconds, summed at the end as before
        self.peak: Optional[int] = None
        self.peak_t = 0.0  # the last sync at peak replicas
        self.final = 0
        self.back_t: Optional[float] = None  # the first sync at or below minReplicas after the last at peak
        self.back_calm_t: Optional[float] = None  # the sync after the last one above target, up to back_t
        self.back_calm_pending = False  # back_t's own sync was above target: the calm is the next sync's time
        self.seen_above = False
        self.after_above_t: Optional[float] = None  # the sync after the latest one above target
        self.above_pending = False
        self._points: Optional[tuple[MetricPoint, ...]] = None  # the last step's points, and whether any was above
        self._above = False
        # What the newer model knows (scenario.extended; older scenarios' summaries keep their keys).
        self.extended = scenario.extended
        self.syncs_throttled = self.syncs_unready = 0

    def add(self, step: Step) -> None:
        t, desired = step.t, step.desired
        if not self.syncs:
            self.initial, self.first_t = step.replicas, t
        self.syncs += 1
        if self.first_out is None and desired > self.initial:
            self.first_out = t
        if step.event:
            self.rescales += 1
        points = step.metrics
        if points is not self._points:  # steady stretches hand over the same points, sync after sync
            self._points = points
            self._above = any(p.ratio is not None and p.ratio > 1.0 for p in points)
        above = self._above
        if self.above_pending:
            self.after_above_t, self.above_pending = t, False
        if self.back_calm_pending:
            self.back_calm_t, self.back_calm_pending = t, False
        if above:
            self.syncs_above += 1
            self.seen_above = self.above_pending = True
        if desired >= self.max_replicas:
            self.syncs_at_max += 1
        if self.whole_period:
            self.desired_total += desired
        else:
            self.pod_seconds.append(desired * self.period)
        peak = self.peak
        if peak is None or desired >= peak:
            self.peak, self.peak_t, self.back_t, self.back_calm_pending = desired, t, None, False
        elif self.back_t is None and desired <= self.minimum:
            self.back_t = t
            if not self.seen_above:
                self.back_calm_t = self.first_t
            elif above:
                self.back_calm_t, self.back_calm_pending = None, True
            else:
                self.back_calm_t = self.after_above_t
        self.final = desired
        if self.extended:
            self.syncs_throttled += THROTTLED in step.limit
            self.syncs_unready += step.ready < step.replicas  # every pod of spec.replicas exists in the model

    def add_held(self, step: Step, times: list[float], loads: list[float]) -> None:
        """``add`` of ``step`` at each of ``times``: a held stretch (:meth:`Run.fold`), whose syncs differ from
        ``step`` in time and load alone. After two of them only the counters move: the pending marks (the
        calm after the last sync above target, the sync after reaching minReplicas) settle within two
        identical syncs, and the peak's time follows the last of them if the count is the peak."""
        for moment in times[:2]:
            self.add(step._replace(t=moment))
        rest = len(times) - 2
        if rest <= 0:
            return
        desired = step.desired
        self.syncs += rest
        if self._above:  # the same points as the step just added
            self.syncs_above += rest
            self.after_above_t = times[-1]  # each sync is the one after a sync above target (and marks the next)
        if desired >= self.max_replicas:
            self.syncs_at_max += rest
        if self.whole_period:
            self.desired_total += desired * rest
        else:
            self.pod_seconds.extend(repeat(desired * self.period, rest))
        if self.peak is not None and desired >= self.peak:
            self.peak_t = times[-1]
        if self.extended:
            self.syncs_throttled += rest * (THROTTLED in step.limit)
            self.syncs_unready += rest * (step.ready < step.replicas)

    def summary(self) -> dict:
        if not self.syncs:
            return {}
        period = self.period
        peak = self.peak
        back_from_peak = back_from_target = None
        if self.back_t is not None and peak is not None and peak > self.minimum:
            back_from_peak = self.back_t - self.peak_t
            # None only when the run ended on that sync, above target: no later sync says when it calmed.
            back_from_target = None if self.back_calm_t is None else self.back_t - self.back_calm_t
        pod_seconds = self.desired_total * period if self.whole_period else sum(self.pod_seconds)
        summary = {
            "peakReplicas": peak,
            "finalReplicas": self.final,
            "timeToFirstScaleOutSeconds": self.first_out,
            "timeAboveTargetSeconds": sum(repeat(period, self.syncs_above)),
            "timeAtMaxSeconds": sum(repeat(period, self.syncs_at_max)),
            "podMinutes": round(pod_seconds / 60, 2),
            "rescales": self.rescales,
            "timeToReturnToMinSeconds": back_from_peak,
            "timeFromBelowTargetToMinSeconds": back_from_target,
            "syncs": self.syncs,
            "durationSeconds": self.duration,
        }
        if self.extended:
            summary["timeThrottledSeconds"] = sum(repeat(period, self.syncs_throttled))
            summary["timeWithUnreadyPodsSeconds"] = sum(repeat(period, self.syncs_unready))
        return summary
