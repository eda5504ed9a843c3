"""From the metrics' proposal to the replica count: stabilization, rate limits, min/max.

Two paths, as in horizontal.go: the legacy one (``spec.behavior`` unset: a
downscale window and a scale-up cap of max(2x, 4) per sync) and the behavior one
(two windows over the same recommendation list, then Pods/Percent policies over
scale events inside each policy's period). Both return the controller's new
memory instead of mutating it.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from .conditions import (
    READY_FOR_NEW_SCALE,
    SCALE_DOWN_LIMIT,
    SCALE_DOWN_STABILIZED,
    SCALE_UP_LIMIT,
    SCALE_UP_STABILIZED,
    TOO_FEW,
    TOO_MANY,
    WITHIN_RANGE,
)
from .gomath import MAX_INT32, MIN_INT32, go_ceil_int32
from .model import (
    PERCENT_POLICY,
    PODS_POLICY,
    SELECT_DISABLED,
    SELECT_MIN,
    Behavior,
    PolicyLimit,
    RateLimit,
    Recommendation,
    ScaleEvent,
    ScalingRules,
    Stabilization,
)

SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0



class Normalized(NamedTuple):
    stabilization: Stabilization
    rate_limit: RateLimit
    recommendations: tuple[Recommendation, ...]

    @property
    def desired(self) -> int:
        return self.rate_limit.result


def store_recommendation(recommendations: tuple[Recommendation, ...], stale_index: Optional[int],
                         new: Recommendation) -> tuple[Recommendation, ...]:
    """Reuse the slot of the last expired recommendation, or append, as the controller does."""
    if stale_index is None:
        return recommendations + (new,)
    updated = list(recommendations)
    updated[stale_index] = new
    return tuple(updated)


def stabilize_legacy(recommendations: tuple[Recommendation, ...], cutoff: float, proposal: int,
                     considered: Optional[list[Recommendation]] = None,
                     ) -> tuple[int, Optional[int], tuple[str, str]]:
    """The legacy window: the highest of the proposal and every recommendation not older than the
    cutoff (one exactly at the cutoff still counts, unlike on the behavior path), the slot of the
    last older one, and the AbleToScale reason. ``considered`` collects those inside, for the views."""
    highest = proposal
    stale_index: Optional[int] = None
    for index, item in enumerate(recommendations):
        stamp, replicas = item
        if stamp < cutoff:
            stale_index = index
            continue
        if replicas > highest:
            highest = replicas
        if considered is not None:
            considered.append(item)
    return highest, stale_index, legacy_reason(proposal, highest)


def legacy_reason(proposal: int, highest: int) -> tuple[str, str]:
    """The window kept a higher recommendation, or the proposal stands."""
    return SCALE_DOWN_STABILIZED if highest != proposal else READY_FOR_NEW_SCALE


def legacy_rate_limit(current: int, highest: int, min_replicas: int, max_replicas: int) -> RateLimit:
    """Do not scale up too much in one sync: max(2 x current, 4), with no memory of earlier syncs."""
    scale_up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    if max_replicas > scale_up_limit:
        upper, limit_reason = scale_up_limit, SCALE_UP_LIMIT
    else:
        upper, limit_reason = max_replicas, TOO_MANY
    if highest < min_replicas:
        result, (reason, message) = min_replicas, TOO_FEW
    elif highest > upper:
        result, (reason, message) = upper, limit_reason
    else:
        result, (reason, message) = highest, WITHIN_RANGE
    direction = "up" if highest > current else "down" if highest < current else ""
    return RateLimit(result=result, reason=reason, message=message, lower_bound=min_replicas,
                     upper_bound=upper, direction=direction)


def normalize_legacy(recommendations: tuple[Recommendation, ...], now: float, current: int, proposal: int,
                     min_replicas: int, max_replicas: int, downscale_window: float) -> Normalized:
    """normalizeDesiredReplicas: the path of every HPA without ``behavior``."""
    cutoff = now - downscale_window
    considered: list[Recommendation] = []
    highest, stale_index, (reason, message) = stabilize_legacy(recommendations, cutoff, proposal, considered)
    stabilization = Stabilization(
        result=highest, up_window=None, down_window=downscale_window, up_recommendation=proposal,
        down_recommendation=highest, considered=tuple(considered), reason=reason, message=message,
        allowed_down_at=_allowed_down_at(considered, proposal, downscale_window),
    )
    rate_limit = legacy_rate_limit(current, highest, min_replicas, max_replicas)
    new = Recommendation(now, proposal)
    return Normalized(stabilization, rate_limit, store_recommendation(recommendations, stale_index, new))


def _allowed_down_at(considered: list[Recommendation], proposal: int, window: float) -> Optional[float]:
    """When every recommendation above the proposal will have left the scale-down window."""
    higher = [item.timestamp for item in considered if item.replicas > proposal]
    return max(higher) + window if higher else None


def stabilize_with_behavior(recommendations: tuple[Recommendation, ...], up_cutoff: float, down_cutoff: float,
                            current: int, proposal: int, considered: Optional[list[Recommendation]] = None,
                            ) -> tuple[int, int, int, Optional[int], tuple[str, str]]:
    """stabilizeRecommendationWithBehaviors: the stabilized count, the lowest recommendation inside
    the scale-up window and the highest inside the scale-down window (both counting the proposal),
    the slot of the last recommendation older than both windows, and the AbleToScale reason.
    ``considered`` collects the recommendations inside a window, for the views."""
    up_recommendation = down_recommendation = proposal
    stale_index: Optional[int] = None
    for index, item in enumerate(recommendations):
        stamp, replicas = item
        in_up, in_down = stamp > up_cutoff, stamp > down_cutoff
        if in_up and replicas < up_recommendation:
            up_recommendation = replicas
        if in_down and replicas > down_recommendation:
            down_recommendation = replicas
        if in_up or in_down:
            if considered is not None:
                considered.append(item)
        elif stamp < down_cutoff and stamp < up_cutoff:
            stale_index = index  # older than both windows: its slot is reused
    stabilized, reason = behavior_stabilized(current, proposal, up_recommendation, down_recommendation)
    return stabilized, up_recommendation, down_recommendation, stale_index, reason


def behavior_stabilized(current: int, proposal: int, up_recommendation: int,
                        down_recommendation: int) -> tuple[int, tuple[str, str]]:
    """Start from the current count: scale up to the lowest recent recommendation, down to the highest."""
    stabilized = min(max(current, up_recommendation), down_recommendation)
    if stabilized != proposal:
        return stabilized, SCALE_UP_STABILIZED if proposal >= current else SCALE_DOWN_STABILIZED
    return stabilized, READY_FOR_NEW_SCALE


def behavior_windows(behavior: Behavior, downscale_window: float) -> tuple[float, float]:
    """The scale-up and scale-down windows; an unset scale-down window takes
    --horizontal-pod-autoscaler-downscale-stabilization."""
    down_seconds = behavior.scale_down.stabilization_window_seconds
    return (float(behavior.scale_up.stabilization_window_seconds or 0),
            float(downscale_window if down_seconds is None else down_seconds))


def normalize_with_behavior(recommendations: tuple[Recommendation, ...], now: float, current: int,
                            proposal: int, min_replicas: int, max_replicas: int, behavior: Behavior,
                            downscale_window: float, scale_up_events: tuple[ScaleEvent, ...],
                            scale_down_events: tuple[ScaleEvent, ...], saturate: bool = True) -> Normalized:
    """normalizeDesiredReplicasWithBehaviors: windows first, then rate policies and min/max.

    ``saturate``: a Percent scale-up limit beyond MaxInt32 saturates (1.38) instead of wrapping (see
    replicas.go_ceil_int32)."""
    up_window, down_window = behavior_windows(behavior, downscale_window)
    up_cutoff, down_cutoff = now - up_window, now - down_window
    considered: list[Recommendation] = []
    stabilized, up_recommendation, down_recommendation, stale_index, (reason, message) = stabilize_with_behavior(
        recommendations, up_cutoff, down_cutoff, current, proposal, considered)
    stabilization = Stabilization(
        result=stabilized, up_window=up_window, down_window=down_window, up_recommendation=up_recommendation,
        down_recommendation=down_recommendation, considered=tuple(considered), reason=reason, message=message,
        allowed_down_at=_allowed_down_at([c for c in considered if c.timestamp > down_cutoff], proposal, down_window),
    )
    rate_limit = behavior_rate_limit(now, current, stabilized, min_replicas, max_replicas, behavior,
                                     scale_up_events, scale_down_events, saturate)
    new = Recommendation(now, proposal)
    return Normalized(stabilization, rate_limit, store_recommendation(recommendations, stale_index, new))


def _changes_in_period(now: float, period_seconds: int, events: tuple[ScaleEvent, ...]) -> int:
    cutoff = now - period_seconds
    return sum(event.replica_change for event in events if event.timestamp > cutoff)


def _policy_limits(now: float, current: int, rules: ScalingRules, scale_up_events: tuple[ScaleEvent, ...],
                   scale_down_events: tuple[ScaleEvent, ...], up: bool,
                   saturate: bool = True) -> tuple[int, tuple[PolicyLimit, ...]]:
    """calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors."""
    if rules.select_policy == SELECT_DISABLED:
        return current, ()
    biggest_change = rules.select_policy != SELECT_MIN
    if up:
        pick, result = (max, MIN_INT32) if biggest_change else (min, MAX_INT32)
    else:
        pick, result = (min, MAX_INT32) if biggest_change else (max, MIN_INT32)
    limits: list[PolicyLimit] = []
    for policy in rules.policies:
        added = _changes_in_period(now, policy.period_seconds, scale_up_events)
        removed = _changes_in_period(now, policy.period_seconds, scale_down_events)
        period_start = current - added + removed
        if policy.type == PODS_POLICY:
            proposed = period_start + policy.value if up else period_start - policy.value
        elif policy.type == PERCENT_POLICY:
            if up:  # rounded up, or a small HPA could never grow
                proposed = go_ceil_int32(float(period_start) * (1 + float(policy.value) / 100), saturate)
            else:  # Go's int32(float64) truncates toward zero
                proposed = int(float(period_start) * (1 - float(policy.value) / 100))
        else:
            continue
        limits.append(PolicyLimit(policy, period_start, proposed))
        result = pick(result, proposed)
    return result, tuple(limits)


def behavior_rate_limit(now: float, current: int, desired: int, min_replicas: int, max_replicas: int,
                        behavior: Behavior, scale_up_events: tuple[ScaleEvent, ...],
                        scale_down_events: tuple[ScaleEvent, ...], saturate: bool = True) -> RateLimit:
    """convertDesiredReplicasWithBehaviorRate."""
    if desired > current:
        limit, limits = _policy_limits(now, current, behavior.scale_up, scale_up_events, scale_down_events, True,
                                       saturate)
        limit = max(limit, current)  # no further scale-up until old events leave the period
        if max_replicas > limit:
            upper, (reason, message) = limit, SCALE_UP_LIMIT
        else:
            upper, (reason, message) = max_replicas, TOO_MANY
        if desired > upper:
            return RateLimit(upper, reason, message, min_replicas, upper, limits, "up")
        return RateLimit(desired, *WITHIN_RANGE, min_replicas, upper, limits, "up")
    if desired < current:
        limit, limits = _policy_limits(now, current, behavior.scale_down, scale_up_events, scale_down_events, False)
        limit = min(limit, current)
        if min_replicas < limit:
            lower, (reason, message) = limit, SCALE_DOWN_LIMIT
        else:
            lower, (reason, message) = min_replicas, TOO_FEW
        if desired < lower:
            return RateLimit(lower, reason, message, lower, max_replicas, limits, "down")
        return RateLimit(desired, *WITHIN_RANGE, lower, max_replicas, limits, "down")
    return RateLimit(desired, *WITHIN_RANGE, min_replicas, max_replicas)


def record_scale_event(events: tuple[ScaleEvent, ...], rules: ScalingRules, now: float,
                       change: int) -> tuple[ScaleEvent, ...]:
    """storeScaleEvent: mark events older than the longest period outdated, reuse the last such slot."""
    longest = max((policy.period_seconds for policy in rules.policies), default=0)
    cutoff = now - longest
    marked = [ScaleEvent(e.timestamp, e.replica_change, e.outdated or e.timestamp < cutoff) for e in events]
    stale = [index for index, event in enumerate(marked) if event.outdated]
    new = ScaleEvent(now, change)
    if stale:
        marked[stale[-1]] = new
        return tuple(marked)
    return tuple(marked) + (new,)
