"""A refresh where nothing changed reuses each HPA's last decision, but only while it provably is the same.

``decide()`` is a pure function of its :class:`~kubectl_hpa.core.model.SyncInput`; of its inputs only ``now``
moves between two refreshes of an unchanged cluster. ``now`` enters a decision in two ways:

- through comparisons of ``now`` with fixed instants, each of the form ``stamp + span`` against ``now``:
  a stored recommendation leaving a stabilization window (``rec.timestamp + window``), a scale event
  leaving a policy period (``event.timestamp + period``; also when it is marked outdated on a rescale),
  a pod leaving the CPU initialization period (``pod.start_time + cpu_initialization_period``). Between
  two consecutive such instants every comparison gives the same answer, so every count, reason, message,
  the recommendations considered and ``allowed_down_at`` are the same;
- as a value stamped into the result: ``Decision.now``, the recommendation stored this sync and the scale
  event recorded on a rescale (both ``now``). The first-sight seeding stamps ``now`` into the considered
  recommendations too, so a decision made on an unseeded state (other than one that stopped before seeding)
  is never reused.

:class:`DecisionMemo` keeps the last decision of one HPA with its inputs and the *horizon*: the first of
those instants at or after the time it was made (less a millisecond, so that float rounding of
``now - window`` can never flip a comparison). A later refresh with the same inputs (the same objects, or
equal values) and a ``now`` before the horizon gets that decision with its stamps moved to ``now``
(:func:`shifted`), which is what decide() would return; anything else is decided anew. The cost of an
unchanged HPA drops from a full decide() (~60 us) to a few identity checks and the shift (~5 us).

Once per controller sync period watch stores the controller's memory (:meth:`Tracked.remember`): that is a new
input, so the refresh after it decides every HPA anew (as every refresh did before).

:class:`HPAMemo` keeps the rest of what a refresh makes of one HPA (its pods, requests, status conditions,
row cells, recorded observation) while what each was made from is the same.

This relies on decide() reading the time only as above (core/decide.py, core/normalize.py,
core/pod_samples.py at the time of writing): a change there that reads ``now`` anew must add its instants to
:func:`critical_instants`. tests/watch/test_reuse.py checks the claim against decide() at times on both sides
of every horizon.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence, Union

from ..core.decide import decide
from ..core.model import (
    Condition,
    ControllerSettings,
    ControllerState,
    Decision,
    FetchError,
    HPASpec,
    Pod,
    Reading,
    Scale,
    SyncInput,
)
from ..core.normalize import behavior_windows
from ..record import Observation
from ..sources.kube import MetricAPIVersions
from .metrics import Requests, requests_for
from .observation import observation_of
from .rows import ReuseCounts, Row, RowCells, Seen, previous_conditions
from .stores import PodIndex, RescaleEvent, pods_for

MARGIN = 1e-3
"""Seconds kept clear on both sides of every instant where a comparison with ``now`` flips: ``now`` is about
1.8e9, where a float's step is 2.4e-7 s, so ``now - window`` is never off by more than that."""

NEVER = float("inf")


def critical_instants(inputs: SyncInput) -> list[float]:
    """Every instant at which a comparison decide() makes between ``now`` and a fixed time can flip."""
    settings, state, behavior = inputs.settings, inputs.state, inputs.hpa.behavior
    instants: list[float] = []
    if state is not None:
        if behavior is None:
            windows: tuple[float, ...] = (settings.downscale_stabilization,)
            periods: tuple[float, ...] = ()
        else:
            windows = behavior_windows(behavior, settings.downscale_stabilization)
            periods = tuple({float(policy.period_seconds)
                             for rules in behavior for policy in rules.policies} | {0.0})
        for recommendation in state.recommendations:
            instants.extend(recommendation.timestamp + window for window in windows)
        for event in state.scale_up_events + state.scale_down_events:
            instants.extend(event.timestamp + period for period in periods)
    period = settings.cpu_initialization_period
    instants.extend(pod.start_time + period for pod in inputs.pods if pod.start_time is not None)
    return instants


def horizon_of(inputs: SyncInput) -> float:
    """Until when (exclusive) a decision made at ``inputs.now`` stays decide()'s answer for the same inputs:
    the first critical instant not clearly before ``inputs.now``, less :data:`MARGIN`; ``inputs.now`` or
    earlier when the decision cannot be reused at all."""
    now = inputs.now
    later = [instant for instant in critical_instants(inputs) if instant >= now - MARGIN]
    return (min(later) if later else NEVER) - MARGIN


def reusable(inputs: SyncInput, decision: Decision) -> bool:
    """Whether the only traces of ``now`` in ``decision`` are the stamps :func:`shifted` moves: the state read
    must be seeded (or left untouched) and older than ``now``, so that a stamp equal to ``now`` in the result
    can only be one this sync wrote."""
    state = inputs.state
    if state is None:
        return True
    if not state.seeded and decision.state is not state:
        return False  # the seed (now, current) is among the recommendations considered
    stamps = [r.timestamp for r in state.recommendations] + \
        [e.timestamp for e in state.scale_up_events + state.scale_down_events]
    return all(stamp < inputs.now for stamp in stamps)


Stamped = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
"""Where a decision's state holds stamps of the time it was made at: recommendations, scale-up, scale-down events."""


def stamped_at(decision: Decision, made_at: float) -> Stamped:
    """The positions :func:`shifted` moves, found once when a decision is kept instead of at every reuse."""
    state = decision.state
    if state is None:
        return (), (), ()
    return (tuple(i for i, r in enumerate(state.recommendations) if r.timestamp == made_at),
            tuple(i for i, e in enumerate(state.scale_up_events) if e.timestamp == made_at),
            tuple(i for i, e in enumerate(state.scale_down_events) if e.timestamp == made_at))


def shifted(decision: Decision, made_at: float, now: float, stamps: Optional[Stamped] = None) -> Decision:
    """``decision`` (made at ``made_at``) as decide() would return it at ``now`` within its horizon: the same,
    with ``now`` in place of ``made_at`` wherever this sync stamped it (``stamps``: :func:`stamped_at`)."""
    if now == made_at:
        return decision
    state = decision.state
    if state is not None:
        recommendations, up, down = stamps if stamps is not None else stamped_at(decision, made_at)
        if recommendations or up or down:
            state = ControllerState(_moved(state.recommendations, recommendations, now),
                                    _moved(state.scale_up_events, up, now), _moved(state.scale_down_events, down, now),
                                    state.seeded)
    # decision._replace(now=now, state=state), without its per-field Python loop (~3 us of the ~5 a reuse costs).
    fields = list(decision)
    fields[_NOW], fields[_STATE] = now, state
    return Decision._make(fields)


_NOW, _STATE = Decision._fields.index("now"), Decision._fields.index("state")


def _moved(items: tuple, positions: tuple[int, ...], now: float) -> tuple:
    """``items`` (Recommendations or ScaleEvents, NamedTuples whose first field is the stamp) with the ones at
    ``positions`` stamped ``now``."""
    if not positions:
        return items
    moved = list(items)
    for position in positions:
        item = moved[position]
        moved[position] = item._make((now, *item[1:]))
    return tuple(moved)


class DecisionMemo:
    """One HPA's last decision, its inputs and horizon (see the module docstring)."""

    __slots__ = ("inputs", "decision", "horizon", "basis", "stamps")

    def __init__(self) -> None:
        self.inputs: Optional[SyncInput] = None
        self.decision: Optional[Decision] = None
        self.horizon = -NEVER
        # The decision the last answer was made from: the reused one, or the fresh one. The same object at two
        # refreshes means everything but the stamps of ``now`` is the same (the recorded observation too).
        self.basis: Optional[Decision] = None
        self.stamps: Stamped = ((), (), ())

    def recall(self, now: float, hpa: HPASpec, scale: Union[Scale, FetchError], pods: tuple[Pod, ...],
               readings: tuple[Reading, ...], settings: ControllerSettings, state: Optional[ControllerState],
               selecting: tuple[str, ...], conditions: tuple[Condition, ...], desired: Optional[int],
               counts: Optional[ReuseCounts] = None) -> Optional[Decision]:
        """The last decision moved to ``now``, when the inputs are those it was made from (the same objects, or
        equal values where objects are rebuilt per refresh: a custom target's Scale, the selecting HPAs, the
        conditions) and ``now`` is before its horizon; else None (then :meth:`decide`). The inputs come as
        fields, so that an unchanged HPA does not even build a SyncInput."""
        before = self.inputs
        if before is None or self.decision is None or not (
                before.now <= now < self.horizon
                and before.hpa is hpa
                and before.settings is settings
                and same_objects(before.pods, pods)
                and same_objects(before.readings, readings)
                and (before.state is state or before.state == state)
                and before.scale == scale
                and before.selecting_hpas == selecting
                and before.previous_desired_replicas == desired
                and (before.previous_conditions is conditions or before.previous_conditions == conditions)):
            return None
        if counts is not None:
            counts.reused += 1
        self.basis = self.decision
        return shifted(self.decision, before.now, now, self.stamps)

    def decide(self, inputs: SyncInput, counts: Optional[ReuseCounts] = None) -> Decision:
        """decide(inputs), kept for :meth:`recall` when it can be (see :func:`reusable`)."""
        decision = self.basis = decide(inputs)
        if counts is not None:
            counts.decided += 1
        if reusable(inputs, decision):
            self.inputs, self.decision, self.horizon = inputs, decision, horizon_of(inputs)
            self.stamps = stamped_at(decision, inputs.now)
        else:
            self.inputs, self.decision, self.horizon = None, None, -NEVER
        return decision


def same_objects(before: Sequence, now: Sequence) -> bool:
    """The same sequence, or sequences of the very same objects (pods and readings are kept as objects while
    unchanged)."""
    return before is now or (len(before) == len(now) and all(a is b for a, b in zip(before, now, strict=True)))



class HPAMemo:
    """What the last refresh read and made of one HPA, each part kept while what it was made from is the same:
    its pods (the target's selector over its namespace's :class:`PodIndex`), its metric requests (its spec),
    its status conditions (its object), its decision (:class:`DecisionMemo`) and its recorded observation."""

    __slots__ = ("selector", "index", "pods", "spec", "versions", "requests", "hpa", "conditions", "decisions",
                 "cells", "observed", "recorded")

    def __init__(self) -> None:
        self.selector: Optional[str] = None
        self.index: Optional[PodIndex] = None
        self.pods: Optional[tuple[Pod, ...]] = None
        self.spec: Optional[HPASpec] = None
        self.versions: Optional[MetricAPIVersions] = None
        self.requests: Requests = ()
        self.hpa: Optional[dict] = None
        self.conditions: tuple[Condition, ...] = ()
        self.decisions = DecisionMemo()
        self.cells: Optional[RowCells] = None  # the last row's cells, and what they were made from
        self.observed: Optional[tuple] = None  # what the recorded observation was made from
        self.recorded: Optional[Observation] = None

    def pods_for(self, scale: Union[Scale, FetchError], index: PodIndex) -> tuple[Pod, ...]:
        """:func:`pods_for`; the same tuple while the selector and the namespace's index stay (or the pods
        selected are the same objects), so the decision memo sees the same pods."""
        selector = scale.selector if isinstance(scale, Scale) else None
        if self.pods is not None and index is self.index and selector == self.selector:
            return self.pods
        pods = pods_for(scale, index)
        if self.pods is not None and same_objects(self.pods, pods):
            pods = self.pods
        self.selector, self.index, self.pods = selector, index, pods
        return pods

    def requests_for(self, spec: HPASpec, versions: MetricAPIVersions) -> Requests:
        """:func:`requests_for`, kept while the spec (parsed once per resourceVersion) is the same object."""
        if spec is not self.spec or versions is not self.versions:
            self.spec, self.versions, self.requests = spec, versions, requests_for(spec, versions)
        return self.requests

    def conditions_of(self, hpa: dict) -> tuple[Condition, ...]:
        """:func:`previous_conditions` of the HPA object, read again only when the informer has a new object."""
        if hpa is not self.hpa:
            self.hpa, self.conditions = hpa, previous_conditions(hpa)
        return self.conditions

    def observation(self, row: Row, seen: Seen, rescale: Optional[RescaleEvent], now: float,
                    counts: Optional[ReuseCounts] = None) -> Optional[Observation]:
        """:func:`observation_of`; the last one with this time when the decision's basis, the HPA object, the
        ready count, the rescale event and what the row shows are the same (it reads nothing else)."""
        if row.decision is None:
            return None
        made_of = (self.decisions.basis, seen.hpa, seen.ready, rescale, row.verdict, row.current,
                   row.live_desired, row.desired, row.target, row.min_replicas, row.max_replicas,
                   tuple((m.name, m.value, m.target, m.unit, m.failure) for m in row.metrics))
        if self.recorded is not None and self.observed is not None and _same_basis(self.observed, made_of):
            self.recorded = _at(self.recorded, now)
            if counts is not None:
                counts.observations_reused += 1
            return self.recorded
        self.observed, self.recorded = made_of, observation_of(row, seen, rescale, now)
        return self.recorded


def _at(observation: Observation, now: float) -> Observation:
    """``dataclasses.replace(observation, time=now)`` in ~1 us instead of ~8 (20 fields through __init__): a copy
    of the instance dictionary (the fields, already converted by __post_init__) with the new time."""
    fields = getattr(observation, "__dict__", None)
    if fields is None:  # a class with __slots__: the slow way
        return replace(observation, time=now)
    moved = object.__new__(Observation)
    moved.__dict__.update(fields)
    moved.__dict__["time"] = now
    return moved


def _same_basis(before: tuple, now: tuple) -> bool:
    """The decision basis, the HPA object and the rescale event are the same objects; the rest equal."""
    return (before[0] is now[0] and before[1] is now[1] and before[3] is now[3] and before[2] == now[2]
            and before[4:] == now[4:])
