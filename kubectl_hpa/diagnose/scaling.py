"""What holds the replica count where it is: bounds, tolerance, stabilization, policies, a failing metric.

These findings explain a decision more than they report a fault: the metrics propose a count, and
the controller's rules (min/max, the tolerance band, behavior's windows and policies, its refusal
to scale down on incomplete data) keep another. Most are notes; they are warnings where the
configuration cannot do what it is for.

- F21: minReplicas == maxReplicas, or the count is held at a bound.
- F25: a failing metric blocks the scale-down the other metrics want.
- F24: the usage ratio is inside the tolerance: no action.
- F23: a stabilization window or a rate policy holds the count.
- F26: memory drives the HPA and does not fall when load falls.
"""

from __future__ import annotations

import math

from ..core import branches
from ..core.conditions import (
    ABLE_TO_SCALE,
    READY_FOR_NEW_SCALE,
    SCALE_DOWN_LIMIT,
    SCALE_DOWN_STABILIZED,
    SCALE_UP_LIMIT,
    SCALE_UP_STABILIZED,
    SCALING_LIMITED,
    SUCCESSFUL_RESCALE,
    TOO_FEW,
    TOO_MANY,
    rescale_message,
)
from ..core.model import (
    CONTAINER_RESOURCE,
    PERCENT_POLICY,
    RESOURCE,
    SELECT_DISABLED,
    RateLimit,
    ScalingPolicy,
    Stabilization,
)
from ..core.versions import GATES, HPA_CONFIGURABLE_TOLERANCE, PER_HPA_TOLERANCE
from ..timefmt import format_time
from .context import Context
from .finding import ERROR, INFO, WARNING, Finding
from .registry import check
from .wording import condition, metric_label


@check(F21=60)
def check_bounds(ctx: Context) -> list[Finding]:
    """F21: the bounds win over every metric; say so when they, not the metrics, set the count."""
    d, hpa = ctx.decision, ctx.decision.hpa
    out = []
    if hpa.effective_min_replicas == hpa.max_replicas:
        out.append(Finding("F21", WARNING, f"minReplicas == maxReplicas == {hpa.max_replicas}: nothing to scale",
                           symptom=f"replicas stay at {hpa.max_replicas} whatever the load",
                           cause="with equal bounds every recommendation is clamped to the same count",
                           fix="lower spec.minReplicas or raise spec.maxReplicas"))
        return out
    limit = d.rate_limit
    if limit is not None and limit.reason == TOO_MANY.reason and (d.proposed_replicas or 0) > hpa.max_replicas:
        out.append(Finding("F21", WARNING, f"held at maxReplicas {hpa.max_replicas}; the metrics want "
                                           f"{d.proposed_replicas}",
                           symptom=condition(SCALING_LIMITED, True, TOO_MANY),
                           cause=f"{d.proposing_metric} proposes {d.proposed_replicas} replicas, above maxReplicas",
                           fix=f"raise spec.maxReplicas to at least {d.proposed_replicas} (and check the cluster "
                               "has room: Pending pods with FailedScheduling), or make each pod do more"))
    elif limit is not None and limit.reason == TOO_FEW.reason and (d.proposed_replicas or 0) < hpa.effective_min_replicas:
        out.append(Finding("F21", INFO, f"held at minReplicas {hpa.effective_min_replicas}",
                           symptom=condition(SCALING_LIMITED, True, TOO_FEW),
                           cause=f"the metrics want {d.proposed_replicas}; minReplicas is the floor",
                           fix="lower spec.minReplicas if fewer pods are acceptable"))
    elif d.branch in (branches.ABOVE_MAX, branches.BELOW_MIN):
        bound = "maxReplicas" if d.branch == branches.ABOVE_MAX else "minReplicas"
        out.append(Finding("F21", INFO, f"replicas {d.current_replicas} are outside the bounds: moving to {bound}",
                           symptom=f"{SUCCESSFUL_RESCALE} {rescale_message(d.desired_replicas, str(d.rescale_reason))}",
                           cause=f"the workload's replicas were set outside [{hpa.effective_min_replicas}, "
                                 f"{hpa.max_replicas}] (a deploy or kubectl scale)",
                           fix="drop spec.replicas from the manifests the HPA manages"))
    return out


@check(F25=230)
def check_failing_blocks(ctx: Context) -> list[Finding]:
    """F25: the controller never scales down on incomplete data, so one broken metric pins the count."""
    d = ctx.decision
    failing = [m for m in d.metrics if m.error is not None]
    valid = [m for m in d.metrics if m.error is None]
    if d.branch != branches.INVALID_METRICS or not failing or not valid:
        return []
    low = max((m.proposed_replicas or 0) for m in valid)
    return [Finding("F25", ERROR, "a failing metric blocks the scale-down",
                    symptom=f"{metric_label(failing[0])} is <unknown> while the other metrics propose {low} "
                            f"(below the current {d.current_replicas}); replicas stay",
                    cause="the controller refuses to scale down while any metric is invalid "
                          "(FailedComputeMetricsReplicas)",
                    fix=f"repair {failing[0].spec.name} (see the findings above) or remove it from spec.metrics")]


@check(F24=250)
def check_tolerance(ctx: Context) -> list[Finding]:
    """F24: near the target nothing happens by design; the note says how near counts as near, in which direction."""
    d = ctx.decision
    valid = [m for m in d.metrics if m.error is None]
    if d.rescale or not valid or d.branch != branches.METRICS:
        return []
    if not all(m.path == branches.WITHIN_TOLERANCE for m in valid):
        return []
    down, up = d.tolerance
    ratios = [m.usage_ratio for m in valid if m.usage_ratio is not None]
    listed = ", ".join(f"{m.spec.name} {m.usage_ratio:.3f}" for m in valid if m.usage_ratio is not None)
    version = ctx.decision_version
    behavior = d.hpa.behavior
    per_hpa = version.has(PER_HPA_TOLERANCE)
    sources = []
    for rules, field, flag_value in ((behavior.scale_down if behavior else None, "behavior.scaleDown.tolerance", down),
                                     (behavior.scale_up if behavior else None, "behavior.scaleUp.tolerance", up)):
        if rules is not None and rules.tolerance is not None and per_hpa:
            sources.append(f"{field}: {flag_value:g}")
    source = "; ".join(sources) or "--horizontal-pod-autoscaler-tolerance"
    cause = f"usage ratio ({listed}) is within [{1 - down:.2f}, {1 + up:.2f}] ({source})"
    symptom = condition(ABLE_TO_SCALE, True, READY_FOR_NEW_SCALE)
    title = "inside the tolerance: no action near the target"
    if not ratios or all(abs(ratio - 1.0) < 1e-9 for ratio in ratios):
        return [Finding("F24", INFO, title, symptom=symptom, cause=cause,
                        fix="expected: usage is at the target, so no tolerance would scale; nothing to change")]
    above = max(ratios) > 1.0
    if not above and math.ceil(max(ratios) * d.current_replicas) >= d.current_replicas:
        return [Finding("F24", INFO, title, symptom=symptom, cause=cause,
                        fix=f"expected: even with no tolerance ceil({max(ratios):.3f} x {d.current_replicas}) = "
                            f"{d.current_replicas} replica{'s' if d.current_replicas != 1 else ''}, so no setting would "
                            "scale down; nothing to change")]
    gap = (max(ratios) - 1.0) if above else (1.0 - min(ratios))
    field = "behavior.scaleUp.tolerance" if above else "behavior.scaleDown.tolerance"
    wanted = max(0.01, math.floor(gap * 50) / 100)  # half the gap, rounded down to 0.01
    target = ("lower the target to scale up sooner" if above else "raise the target to scale down sooner")
    if per_hpa:
        knob = f"set {field}: {wanted:g} (below the {gap:.2f} gap)"
    elif GATES[HPA_CONFIGURABLE_TOLERANCE].stage(version.minor) is not None:
        knob = (f"set {field}: {wanted:g} with --feature-gates=HPAConfigurableTolerance=true on "
                f"kube-controller-manager (off by default in Kubernetes {version.release})")
    else:
        knob = (f"lower --horizontal-pod-autoscaler-tolerance below {gap:.2f} (cluster-wide; a per-HPA {field} needs "
                "Kubernetes 1.33 or later)")
    return [Finding("F24", INFO, title, symptom=symptom, cause=cause, fix=f"expected; {target}, or {knob}")]


@check(F23=260)
def check_stabilization(ctx: Context) -> list[Finding]:
    """F23: windows and rate limits hold the count on purpose; say which one, until when, and how to loosen it."""
    d = ctx.decision
    s, r = d.stabilization, d.rate_limit
    out = []
    if s is not None and d.proposed_replicas is not None and s.result != d.proposed_replicas:
        out.append(_window_finding(ctx, s))
    limits = (SCALE_DOWN_LIMIT.reason, SCALE_UP_LIMIT.reason)
    if r is not None and r.reason in limits and s is not None and r.result != s.result:
        out.append(_rate_limit_finding(ctx, s, r))
    return out


def _window_finding(ctx: Context, s: Stabilization) -> Finding:
    """A stabilization window keeps a recommendation other than the proposal."""
    d = ctx.decision
    behavior = d.hpa.behavior
    if s.reason == SCALE_DOWN_STABILIZED.reason:
        when = f" from {format_time(s.allowed_down_at)}" if s.allowed_down_at else ""
        until = f" until {format_time(s.allowed_down_at)}" if s.allowed_down_at else ""
        if s.allowed_down_at and not ctx.history_known:  # counted from our first sight (core.model.FIRST_SIGHT)
            when = f" by {format_time(s.allowed_down_at)} at the latest"
            until += " at the latest"
        window = int(s.down_window)
        if behavior is not None and behavior.scale_down.stabilization_window_seconds is not None:
            source = f"behavior.scaleDown.stabilizationWindowSeconds: {window}"
            loosen = f"lower behavior.scaleDown.stabilizationWindowSeconds (now {window}), e.g. to {min(60, window // 2)}"
        else:
            source = (f"the {window}s --horizontal-pod-autoscaler-downscale-stabilization window "
                      + ("(behavior.scaleDown sets no window)" if behavior is not None else "(the HPA has no behavior)"))
            loosen = (f"set behavior: {{scaleDown: {{stabilizationWindowSeconds: {min(60, window // 2)}}}}} "
                      f"(the cluster-wide {window}s applies otherwise)")
        return Finding("F23", INFO, f"scale-down held by the stabilization window{until}",
                       symptom=condition(ABLE_TO_SCALE, True, SCALE_DOWN_STABILIZED),
                       cause=f"the metrics want {d.proposed_replicas}, but a recommendation of "
                             f"{s.down_recommendation} is still inside {source}"
                             + ("" if ctx.history_known else
                                " (the controller's memory was not read: the window is counted from now, as a "
                                "controller seeing this HPA for the first time counts it)"),
                       fix=f"expected; the scale-down to {d.proposed_replicas} is allowed{when} if the proposal "
                           f"holds. To react faster: {loosen}")
    window = int(s.up_window or 0)
    return Finding("F23", INFO, "scale-up held by the scale-up stabilization window",
                   symptom=condition(ABLE_TO_SCALE, True, SCALE_UP_STABILIZED),
                   cause=f"the metrics want {d.proposed_replicas}, but behavior.scaleUp.stabilizationWindowSeconds: "
                         f"{window} keeps the lowest recent recommendation, {s.up_recommendation}",
                   fix=f"expected; to scale up sooner lower behavior.scaleUp.stabilizationWindowSeconds (now {window}), "
                       "e.g. to 0")


def _policy_text(policy: ScalingPolicy) -> str:
    return f"{{type: {policy.type}, value: {policy.value}, periodSeconds: {policy.period_seconds}}}"


def _value_to_reach(policy: ScalingPolicy, start: int, wanted: int) -> int:
    """The policy value that would let the count go from ``start`` to ``wanted`` within one period."""
    change = abs(wanted - start)
    if policy.type == PERCENT_POLICY and start > 0:
        return max(policy.value + 1, math.ceil(change * 100 / start))
    return max(policy.value + 1, change)


def _rate_limit_finding(ctx: Context, s: Stabilization, r: RateLimit) -> Finding:
    """A rate limit keeps the count short of the stabilized recommendation: legacy max(2x, 4), or a policy."""
    d = ctx.decision
    behavior = d.hpa.behavior
    down = r.reason == SCALE_DOWN_LIMIT.reason
    direction = "down" if down else "up"
    field = f"behavior.scale{direction.capitalize()}"
    symptom = f"{SCALING_LIMITED}=True {r.reason}: {r.message}"
    title = f"scale-{direction} limited by policy: {s.result} -> {r.result}"
    if behavior is None:
        # Only scale-ups are rate-limited without behavior: max(2 x current, 4) per sync.
        current = d.current_replicas
        step = s.result - current
        return Finding("F23", INFO, f"scale-up limited to max(2 x current, 4) per sync: {s.result} -> {r.result}",
                       symptom=symptom,
                       cause=f"the HPA has no behavior, so the controller's legacy scale-up limit applies: at most "
                             f"max(2 x {current}, 4) = {r.upper_bound} replicas after one sync",
                       fix=f"expected; the next syncs continue the scale-up. To grow faster, add behavior.scaleUp "
                           f"policies, e.g. behavior: {{scaleUp: {{policies: [{{type: Pods, value: {step}, "
                           f"periodSeconds: 15}}, {{type: Percent, value: {max(100, math.ceil(step * 100 / max(current, 1)))}, "
                           "periodSeconds: 15}], selectPolicy: Max}}")
    rules = behavior.scale_down if down else behavior.scale_up
    if rules.select_policy == SELECT_DISABLED:
        return Finding("F23", INFO, f"scale-{direction} disabled: {s.result} -> {r.result}",
                       symptom=symptom, cause=f"{field}.selectPolicy: Disabled",
                       fix=f"remove selectPolicy: Disabled from {field} if the HPA should scale {direction}")
    held_at = r.lower_bound if down else r.upper_bound
    bound = [pl for pl in r.policy_limits if pl.limit == held_at]
    if not bound:
        # Every policy's allowance is used up by the scale events inside its period: the limit is the current count.
        policies = ", ".join(_policy_text(pl.policy) for pl in r.policy_limits) or "the default policies"
        return Finding("F23", INFO, title, symptom=symptom,
                       cause=f"the scale-{direction} events inside each policy's period already used {field}.policies "
                             f"({policies}): no further scale-{direction} until they leave the period",
                       fix=f"expected; to allow more per period raise the value of {field}.policies or shorten their "
                           "periodSeconds")
    pl = bound[0]
    policy = pl.policy
    verb = "adds" if not down else "removes"
    amount = (f"{policy.value}%" if policy.type == PERCENT_POLICY else f"{policy.value} pod{'s' if policy.value != 1 else ''}")
    select = f" (selectPolicy {rules.select_policy})" if len(r.policy_limits) > 1 else ""
    value = _value_to_reach(policy, pl.period_start_replicas, s.result)
    return Finding("F23", INFO, title, symptom=symptom,
                   cause=f"{field} policy {_policy_text(policy)}{select} {verb} at most {amount} per "
                         f"{policy.period_seconds}s: from {pl.period_start_replicas} replicas at the start of the "
                         f"period, at most {pl.limit} now",
                   fix=f"expected; the next periods continue the scale-{direction}. To move faster raise that "
                       f"policy's value (value: {value} reaches {s.result} in one period) or shorten its "
                       "periodSeconds")


@check(F26=280)
def check_memory(ctx: Context) -> list[Finding]:
    """F26: a working set rarely shrinks with load, so a memory metric that drives the HPA keeps replicas up."""
    d = ctx.decision
    memory = [m for m in d.metrics if m.spec.name == "memory" and m.spec.type in (RESOURCE, CONTAINER_RESOURCE)
              and m.error is None]
    if not memory:
        return []
    others = [m for m in d.metrics if m not in memory and m.error is None]
    m = memory[0]
    driving = d.proposing_metric == m.description and (m.proposed_replicas or 0) >= d.current_replicas
    if not driving or (m.usage_ratio or 0) < 1 - d.tolerance[0]:
        return []
    return [Finding("F26", WARNING, "memory drives this HPA and rarely falls when load falls",
                    symptom=f"{m.spec.name} at {m.utilization}% of request keeps {m.proposed_replicas} replicas"
                    + (" while the other metrics want fewer" if others else ""),
                    cause="a pod's working set does not shrink when load drops or pods are added (JVM, Node and Go "
                          "runtimes keep their heap), so ceil(replicas x usage / target) does not fall",
                    fix="scale on CPU or a request-rate metric; or raise the memory target / request "
                        "(averageUtilization), or use type: AverageValue; JVM: -XX:MaxRAMPercentage, G1 uncommit")]
