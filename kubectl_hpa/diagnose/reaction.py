"""Time to react: from a load step to the first rescale, and to maxReplicas, from what the pipeline shows.

A step in load reaches the HPA through a chain of delays: metrics-server's resolution (its
``--metric-resolution``, also the ``window`` of every PodMetrics), the adapter's rate window for custom
metrics (``windowSeconds``), the controller's sync period (``--horizontal-pod-autoscaler-sync-period``),
the scale-up stabilization window, and then the rate limit, which the controller applies per sync: without
behavior at most ``max(2 x current, 4)`` per sync, with behavior the scaleUp policies per their periods
(horizontal.go, calculateScaleUpLimit / calculateScaleUpLimitWithScalingRules). Read as a step size,
the rate limit says how many syncs the HPA needs to reach maxReplicas.

- F40 (info): while the HPA scales up: the expected delay to the first rescale and the steps to maxReplicas.
"""

from __future__ import annotations

import math
from typing import Optional

from ..core.model import (
    CONTAINER_RESOURCE,
    PERCENT_POLICY,
    PODS,
    RESOURCE,
    SELECT_DISABLED,
    SELECT_MIN,
    ScalingRules,
)
from ..core.quantity import format_duration, parse_duration
from ..sources.kube import RESOURCE_METRICS_GROUP, RESOURCE_METRICS_VERSION
from .apiservices import service_ref
from .context import Context
from .finding import INFO, Finding
from .registry import check
from .usage import workload_named

LEGACY_FACTOR, LEGACY_MINIMUM = 2, 4
"""Without behavior a sync may scale up to max(2 x current, 4) (scaleUpLimitFactor, scaleUpLimitMinimum)."""


def metric_resolution(ctx: Context) -> tuple[Optional[float], str]:
    """metrics-server's resolution in seconds and where it was read; None when nothing shows it."""
    service = service_ref(ctx.apiservice(f"{RESOURCE_METRICS_VERSION}.{RESOURCE_METRICS_GROUP}"))
    server = workload_named(ctx, "Deployment", str(service.get("namespace", "")), str(service.get("name", "")))
    for container in (((server or {}).get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or ():
        for arg in container.get("args") or ():
            if isinstance(arg, str) and arg.startswith("--metric-resolution="):
                return parse_duration(arg.split("=", 1)[1]), f"metrics-server {arg}"
    window = ctx.snapshot.derived(("diagnose.reaction", "PodMetrics window"), lambda: next(
        (str(m["window"]) for m in ctx.snapshot.of_kind("PodMetrics") if m.get("window")), None))
    if window is not None:  # metrics-server's window is its resolution: the first sample says it for all
        return round(parse_duration(window)), f"PodMetrics window {window}"
    return None, ""


def adapter_window(ctx: Context) -> Optional[int]:
    """The custom metrics adapter's rate window (``windowSeconds`` of the values it served), if any."""
    def first() -> Optional[int]:
        for listing in ctx.snapshot.of_kind("MetricValueList"):
            for item in listing.get("items") or ():
                if item.get("windowSeconds"):
                    return int(item["windowSeconds"])
        return None
    return ctx.snapshot.derived(("diagnose.reaction", "adapter window"), first)


def step_limit(rules: Optional[ScalingRules], count: int, initial: int, history: list[tuple[float, int]],
               now: float) -> int:
    """The most replicas the sync at ``now`` may reach: the legacy limit on the current count, or the scaleUp
    policies, each on the count at the start of its period (the controller subtracts the scale-ups inside it)."""
    if rules is None:
        return max(LEGACY_FACTOR * count, LEGACY_MINIMUM)
    limits = []
    for policy in rules.policies:
        base = next((c for at, c in reversed(history) if at <= now - policy.period_seconds), initial)
        if policy.type == PERCENT_POLICY:
            limits.append(math.ceil(base * (1 + policy.value / 100)))
        else:
            limits.append(base + policy.value)
    if not limits:
        return count
    return min(limits) if rules.select_policy == SELECT_MIN else max(limits)


def time_to(rules: Optional[ScalingRules], current: int, goal: int, sync: float) -> Optional[tuple[int, float]]:
    """(syncs, seconds after the first rescale) the rate limit needs from ``current`` to ``goal``; None: never."""
    if rules is not None and rules.select_policy == SELECT_DISABLED:
        return None
    count = current
    history: list[tuple[float, int]] = []
    # Every policy adds at least one pod per period (the API requires value > 0), so this bounds the loop.
    longest = max((p.period_seconds for p in rules.policies), default=sync) if rules is not None else sync
    for step in range((goal - current + 1) * (math.ceil(longest / sync) + 1)):
        now = step * sync
        count = min(goal, max(count, step_limit(rules, count, current, history, now)))
        history.append((now, count))
        if count >= goal:
            return step + 1, now
    return None


def _when(syncs: int, seconds: float) -> str:
    """``at the first rescale`` or ``1m0s after the first rescale (5 syncs)``."""
    if syncs <= 1:
        return "at the first rescale"
    return f"{format_duration(seconds)} after the first rescale ({syncs} syncs)"


@check(F40=265)
def check_reaction(ctx: Context) -> list[Finding]:
    """F40: while scaling up, how long the pipeline takes to react and how many steps the rate limit allows."""
    d = ctx.decision
    if ctx.inputs is None or (d.proposed_replicas or 0) <= d.current_replicas or d.current_replicas <= 0 \
            or d.current_replicas >= d.hpa.max_replicas:
        return []
    sync = ctx.inputs.settings.sync_period
    behavior = d.hpa.behavior
    rules = behavior.scale_up if behavior is not None else None
    window = float(rules.stabilization_window_seconds or 0) if rules is not None else 0.0
    parts, delay, resolution = [], 0.0, None
    if ctx.uses(RESOURCE, CONTAINER_RESOURCE):
        resolution, source = metric_resolution(ctx)
        if resolution is not None:
            parts.append(f"metrics-server resolution {format_duration(resolution)} ({source})")
            delay += resolution
    adapter = adapter_window(ctx) if ctx.uses(PODS) else None
    if adapter:
        parts.append(f"adapter rate window {adapter}s (windowSeconds; Prometheus' scrape interval adds to it)")
        delay += adapter
    parts.append(f"sync period {format_duration(sync)} (--horizontal-pod-autoscaler-sync-period)")
    delay += sync
    if window:
        parts.append(f"scale-up stabilization window {format_duration(window)}")
        delay += window
    goal = d.hpa.max_replicas
    wanted = min(d.proposed_replicas or goal, goal)
    to_max, to_wanted = time_to(rules, d.current_replicas, goal, sync), time_to(rules, d.current_replicas, wanted, sync)
    if rules is None:
        cap = (f"no behavior: at most max(2 x current, 4) per sync, {max(2 * d.current_replicas, 4)} from "
               f"{d.current_replicas} now")
    else:
        policies = ", ".join(f"{p.type} {p.value} per {p.period_seconds}s" for p in rules.policies)
        cap = f"behavior.scaleUp policies {policies} (selectPolicy {rules.select_policy})"
    if to_max is None or to_wanted is None:
        reach = "no scale-up at all: behavior.scaleUp.selectPolicy is Disabled"
    else:
        reach = "" if wanted >= goal else f"{wanted} replicas {_when(*to_wanted)}; "
        reach += f"maxReplicas {goal} {_when(*to_max)} if the load holds"
    knobs = []
    if window:
        knobs.append(f"lower behavior.scaleUp.stabilizationWindowSeconds (now {window:g}s; 0 reacts at the next sync)")
    if rules is None:
        knobs.append("add behavior.scaleUp policies to grow faster than max(2 x current, 4) per sync, e.g. "
                     "policies: [{type: Percent, value: 200, periodSeconds: 15}], selectPolicy: Max")
    elif rules.select_policy != SELECT_DISABLED:
        knobs.append("raise the scaleUp policies' values or shorten their periodSeconds (the cap in force is "
                     f"{cap.split('policies ', 1)[-1]})")
    if resolution is not None and resolution > 15:
        knobs.append(f"metrics-server --metric-resolution=15s (now {format_duration(resolution)})")
    fix = "expected; to react sooner: " + "; ".join(knobs + ["or a lower target for headroom while pods start"])
    return [Finding("F40", INFO, f"time to react: about {format_duration(delay)} to the first rescale, "
                                 f"{'never' if to_max is None else format_duration(to_max[1]) + ' more'} to maxReplicas {goal}",
                    symptom=f"scaling up from {d.current_replicas} toward {d.proposed_replicas}",
                    cause=f"a load step waits for: {'; '.join(parts)}; then the rate limit: {cap}. Expect "
                          f"{reach}",
                    fix=fix)]
