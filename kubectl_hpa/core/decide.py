"""One reconcile of one HPA (horizontal.go's reconcileAutoscaler), as a pure function.

``decide`` takes what the controller reads at a sync and returns what it would
do and why: every metric's proposal, the branch taken, stabilization and rate
limits, the conditions and events it would write, and its memory afterwards.
It assumes the scale update succeeds (a write we never make).

``steady.py`` mirrors part of this function: for a steady sync (the last full sync's
pods, all counted, and a count that stays) it recomputes the result without
regrouping the pods, through the same helpers (``tolerances_for``, ``outbids``,
``write_metrics_conditions`` and ``Conditions`` here; the ratio and proposal
functions of replicas.py and pod_samples.py; the stabilization and rate-limit functions of
normalize.py, with window.RecommendationLog in place of its scan of the stored
recommendations). Anyone changing decide()'s arithmetic, the conditions it writes or
what it reads from a ``SyncInput`` must keep steady.py's path equal (or make
``steady_basis`` decline such syncs): tests/sim/test_steady.py checks both sync by sync.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Optional, TypedDict

from .branches import (
    ABOVE_MAX,
    AMBIGUOUS_SELECTOR,
    BELOW_MIN,
    FAILED_GET_SCALE,
    INVALID_METRICS,
    INVALID_SELECTOR,
    METRICS,
    SCALING_DISABLED,
)
from .conditions import (
    ABLE_TO_SCALE,
    SCALED_TO_ZERO,
    SCALING_ACTIVE,
    SCALING_LIMITED,
    SUCCEEDED_RESCALE,
    SUCCESSFUL_RESCALE,
    rescale_message,
)
from .metric_context import MetricContext, Tolerances
from .model import (
    EXTERNAL,
    OBJECT,
    Condition,
    ControllerState,
    Decision,
    Event,
    FetchError,
    HPASpec,
    MetricResult,
    RateLimit,
    Recommendation,
    Scale,
    Stabilization,
    SyncInput,
)
from .normalize import normalize_legacy, normalize_with_behavior, record_scale_event
from .replicas import compute_metric
from .selector import SelectorError, parse_selector
from .versions import REPLICAS_CAPPED_AT_INT32, SCALED_TO_ZERO_CONDITION, TWO_SIDED_TOLERANCE

if TYPE_CHECKING:
    from typing_extensions import Unpack


class _Common(TypedDict):
    """The fields every Decision of one sync shares."""

    hpa: HPASpec
    now: float
    tolerance: tuple[float, float]


class _Normalized(TypedDict, total=False):
    """The fields only a sync on the metrics branch fills: the proposal and how it was normalized."""

    proposed_replicas: int
    proposing_metric: str
    stabilization: Stabilization
    rate_limit: RateLimit


@lru_cache(maxsize=512)
def _condition(kind: str, status: bool, reason: str, message: str) -> Condition:
    """Conditions are immutable and a sync writes the same few again and again: one object each."""
    return Condition(kind, "True" if status else "False", reason, message)


class Conditions:
    """setCondition over the HPA's existing conditions: replace a type in place, append a new one."""

    def __init__(self, previous: tuple[Condition, ...] = ()) -> None:
        self._items: dict[str, Condition] = {condition.type: condition for condition in previous}

    def set(self, kind: str, status: bool, reason: str, message: str) -> None:
        self._items[kind] = _condition(kind, status, reason, message)

    def put(self, condition: Condition) -> None:
        """A condition as given, blank fields included (see the ContainerResource gate in decide())."""
        self._items[condition.type] = condition

    def remove(self, kind: str) -> None:
        self._items.pop(kind, None)

    def is_true(self, kind: str) -> bool:
        return kind in self._items and self._items[kind].status == "True"

    def ordered(self) -> tuple[Condition, ...]:
        return tuple(self._items.values())


def tolerances_for(inputs: SyncInput) -> Tolerances:
    """The cluster-wide tolerance, overridden per direction by behavior.*.tolerance when the gate is on."""
    settings = inputs.settings
    down = up = settings.tolerance
    behavior = inputs.hpa.behavior
    if behavior is not None and settings.configurable_tolerance:
        if behavior.scale_down.tolerance is not None:
            down = behavior.scale_down.tolerance
        if behavior.scale_up.tolerance is not None:
            up = behavior.scale_up.tolerance
    return Tolerances(down=down, up=up, legacy=not settings.has(TWO_SIDED_TOLERANCE))


def write_metrics_conditions(conditions: Conditions, proposing: str, stabilization: tuple[str, str], limited: bool,
                             limit: tuple[str, str]) -> None:
    """What a reconcile that computed a replica count writes: the metric it used, the window's
    verdict, and whether a rate limit or min/max changed the count (before any rescale)."""
    conditions.set(SCALING_ACTIVE, True, "ValidMetricFound",
                   f"the HPA was able to successfully calculate a replica count from {proposing}")
    conditions.set(ABLE_TO_SCALE, True, *stabilization)
    conditions.set(SCALING_LIMITED, limited, *limit)


def outbids(best: int, candidate: int) -> bool:
    """The controller keeps the first metric on ties, except that a 0 proposal is replaced by the
    next metric's (its loop tests "replicas == 0 ||"), which only changes the name."""
    return best == 0 or candidate > best


def decide(inputs: SyncInput) -> Decision:
    hpa, now = inputs.hpa, inputs.now
    conditions = Conditions(inputs.previous_conditions)
    # From 1.36 (kubernetes#135118) the HPAScaleToZero gate decides whether the ScaledToZero condition means
    # anything; without it the controller drops the condition. Before, the controller read neither.
    condition_era = inputs.settings.has(SCALED_TO_ZERO_CONDITION)
    scaled_to_zero = condition_era and inputs.settings.scale_to_zero and conditions.is_true(SCALED_TO_ZERO)
    if condition_era and not inputs.settings.scale_to_zero:
        conditions.remove(SCALED_TO_ZERO)
    events: list[Event] = []
    tolerances = tolerances_for(inputs)
    base: _Common = {"hpa": hpa, "now": now, "tolerance": (tolerances.down, tolerances.up)}

    if isinstance(inputs.scale, FetchError):
        message = inputs.scale.message
        conditions.set(ABLE_TO_SCALE, False, "FailedGetScale",
                       f"the HPA controller was unable to get the target's current scale: {message}")
        events.append(Event("Warning", "FailedGetScale", message))
        return Decision(current_replicas=0, desired_replicas=inputs.previous_desired_replicas or 0,
                        branch=FAILED_GET_SCALE,
                        conditions=conditions.ordered(), events=tuple(events), state=inputs.state,
                        error=f"failed to query scale subresource for {hpa.scale_target.kind}/"
                              f"{hpa.scale_target.name}: {message}", **base)
    scale: Scale = inputs.scale
    conditions.set(ABLE_TO_SCALE, True, "SucceededGetScale",
                   "the HPA controller was able to get the target's current scale")
    current = scale.spec_replicas
    state = inputs.state
    if state is not None and not state.seeded:
        # The controller's first sight of this HPA (or its first sync after a restart) seeds the
        # recommendation list with the current count, so it cannot scale down for one window.
        state = replace(state, recommendations=(Recommendation(now, current),), seeded=True)
    min_replicas, max_replicas = hpa.effective_min_replicas, hpa.max_replicas

    metrics: tuple[MetricResult, ...] = ()
    error: Optional[str] = None
    object_or_external = any(spec.type in (OBJECT, EXTERNAL) for spec in hpa.metrics)
    if current == 0:
        # A target someone scaled to zero pauses autoscaling. Only a workload the HPA itself scaled to
        # zero (ScaledToZero=True, gate on) is woken up by its metrics. Before 1.36 the only test was
        # minReplicas != 0: with minReplicas 0 (which the API server allows with the gate) the controller
        # computed the metrics at zero replicas, whoever had put the workload there.
        wakes = (scaled_to_zero and (min_replicas != 0 or object_or_external)) if condition_era else min_replicas == 0
        if not wakes:
            conditions.set(SCALING_ACTIVE, False, "ScalingDisabled",
                           "scaling is disabled since the replica count of the target is zero")
            return Decision(current_replicas=0, desired_replicas=0, branch=SCALING_DISABLED,
                            conditions=conditions.ordered(), events=tuple(events), state=state, **base)
    elif current > max_replicas:
        branch, desired, reason = ABOVE_MAX, max_replicas, "Current number of replicas above Spec.MaxReplicas"
        return _finish(inputs, base, conditions, events, state, branch, current, desired, reason)
    elif current < min_replicas:
        branch, desired, reason = BELOW_MIN, min_replicas, "Current number of replicas below Spec.MinReplicas"
        return _finish(inputs, base, conditions, events, state, branch, current, desired, reason)

    # computeReplicasForMetrics: the selector first, then every metric.
    if not scale.selector:
        events.append(Event("Warning", "SelectorRequired", "selector is required"))
        conditions.set(SCALING_ACTIVE, False, "InvalidSelector", "the HPA target's scale is missing a selector")
        return _abort(inputs, base, conditions, events, state, INVALID_SELECTOR, current, "selector is required")
    try:
        selector = parse_selector(scale.selector)
    except SelectorError as problem:
        message = f"couldn't convert selector into a corresponding internal selector object: {problem}"
        events.append(Event("Warning", "InvalidSelector", message))
        conditions.set(SCALING_ACTIVE, False, "InvalidSelector", message)
        return _abort(inputs, base, conditions, events, state, INVALID_SELECTOR, current, message)
    if len(inputs.selecting_hpas) > 1:
        message = f"pods by selector {selector} are controlled by multiple HPAs: [{' '.join(inputs.selecting_hpas)}]"
        events.append(Event("Warning", "AmbiguousSelector", message))
        conditions.set(SCALING_ACTIVE, False, "AmbiguousSelector", message)
        return _abort(inputs, base, conditions, events, state, AMBIGUOUS_SELECTOR, current, message)

    pods = tuple(pod for pod in inputs.pods if selector.matches(pod.labels))
    ctx = MetricContext(spec_replicas=current, status_replicas=scale.status_replicas, pods=pods, now=now,
                        settings=inputs.settings, tolerances=tolerances,
                        weights={pod.name: pod.count for pod in pods if pod.count != 1})
    readings = tuple(inputs.readings) + (None,) * (len(hpa.metrics) - len(inputs.readings))
    metrics = tuple(compute_metric(spec, reading, ctx, hpa.namespace) for spec, reading in zip(hpa.metrics, readings, strict=False))

    proposal, proposing = 0, ""
    first_failure: Optional[MetricResult] = None
    invalid = 0
    for result in metrics:
        if result.error is not None:
            invalid += 1
            if result.error_reason:  # (a bare error, see below, makes neither)
                events.append(Event("Warning", result.error_reason, result.error))
                conditions.set(SCALING_ACTIVE, False, result.error_reason,
                               f"the HPA was unable to compute the replica count: {result.error}")
            first_failure = first_failure or result
            continue
        if outbids(proposal, result.proposed_replicas or 0):
            proposal, proposing = result.proposed_replicas or 0, result.description
    if first_failure is not None and (invalid >= len(metrics) or proposal < current):
        if first_failure.error_reason:
            conditions.set(SCALING_ACTIVE, False, first_failure.error_reason,
                           f"the HPA was unable to compute the replica count: {first_failure.error}")
        else:
            # The metric failed before the controller made its condition (the ContainerResource gate check
            # of 1.27-1.31): it writes the zero-valued condition, type, status, reason and message all empty.
            conditions.put(Condition("", "", "", ""))
        message = (f"invalid metrics ({invalid} invalid out of {len(metrics)}), "
                   f"first error is: {first_failure.wrapped_error}")
        events.append(Event("Warning", "FailedComputeMetricsReplicas", message))
        return _abort(inputs, base, conditions, events, state, INVALID_METRICS, current, message, metrics)
    if not metrics:
        message = "invalid metrics (0 invalid out of 0), first error is: <nil>"
        return _abort(inputs, base, conditions, events, state, INVALID_METRICS, current, message, metrics)
    if first_failure is not None:
        error = f"invalid metrics ({invalid} invalid out of {len(metrics)}), first error is: {first_failure.wrapped_error}"

    if proposal > current:
        reason = f"{proposing} above target"
    elif proposal < current:
        reason = "All metrics below target"
    else:
        reason = ""
    recommendations = state.recommendations if state is not None else ()
    if hpa.behavior is None:
        normalized = normalize_legacy(recommendations, now, current, proposal, min_replicas, max_replicas,
                                      inputs.settings.downscale_stabilization)
    else:
        normalized = normalize_with_behavior(
            recommendations, now, current, proposal, min_replicas, max_replicas, hpa.behavior,
            inputs.settings.downscale_stabilization,
            state.scale_up_events if state else (), state.scale_down_events if state else (),
            inputs.settings.has(REPLICAS_CAPPED_AT_INT32))
    limit = normalized.rate_limit
    write_metrics_conditions(conditions, proposing, (normalized.stabilization.reason, normalized.stabilization.message),
                             limit.result != normalized.stabilization.result, (limit.reason, limit.message))
    if state is not None:
        state = ControllerState(normalized.recommendations, state.scale_up_events, state.scale_down_events, True)
    return _finish(inputs, base, conditions, events, state, METRICS, current, normalized.desired, reason,
                   metrics=metrics, error=error, proposed_replicas=proposal, proposing_metric=proposing,
                   stabilization=normalized.stabilization, rate_limit=limit)


def _abort(inputs: SyncInput, base: _Common, conditions: Conditions, events: list[Event],
           state: Optional[ControllerState], branch: str, current: int, error: str,
           metrics: tuple[MetricResult, ...] = ()) -> Decision:
    """The reconcile stops before normalizing: nothing is scaled, no recommendation is stored, and
    status.desiredReplicas keeps its previous value."""
    previous = inputs.previous_desired_replicas
    return Decision(current_replicas=current, desired_replicas=current if previous is None else previous,
                    branch=branch, metrics=metrics, conditions=conditions.ordered(), events=tuple(events),
                    state=state, error=error, **base)


def _finish(inputs: SyncInput, base: _Common, conditions: Conditions, events: list[Event],
            state: Optional[ControllerState], branch: str, current: int, desired: int, reason: str,
            metrics: tuple[MetricResult, ...] = (), error: Optional[str] = None,
            **details: Unpack[_Normalized]) -> Decision:
    """Rescale if the count changed (assumed to succeed) and record the scale event."""
    rescale = desired != current
    if rescale:
        conditions.set(ABLE_TO_SCALE, True, SUCCEEDED_RESCALE,
                       f"the HPA controller was able to update the target scale to {desired}")
        events.append(Event("Normal", SUCCESSFUL_RESCALE, rescale_message(desired, reason)))
        hpa = inputs.hpa
        if inputs.settings.has(SCALED_TO_ZERO_CONDITION) and inputs.settings.scale_to_zero:
            if current > 0 and desired == 0 and hpa.effective_min_replicas == 0 and any(
                    spec.type in (OBJECT, EXTERNAL) for spec in hpa.metrics):
                conditions.set(SCALED_TO_ZERO, True, "ScaledToZero", "the HPA controller scaled the workload to zero")
            else:
                conditions.set(SCALED_TO_ZERO, False, "NotScaledToZero",
                               "the HPA controller did not scale the workload to zero")
        behavior = hpa.behavior
        if state is not None and behavior is not None:
            if desired > current:
                state = replace(state, scale_up_events=record_scale_event(
                    state.scale_up_events, behavior.scale_up, inputs.now, desired - current))
            else:
                state = replace(state, scale_down_events=record_scale_event(
                    state.scale_down_events, behavior.scale_down, inputs.now, current - desired))
    return Decision(current_replicas=current, desired_replicas=desired, branch=branch,
                    metrics=metrics, rescale=rescale, rescale_reason=reason if rescale else "",
                    conditions=conditions.ordered(), events=tuple(events), state=state, error=error, **base,
                    **details)
