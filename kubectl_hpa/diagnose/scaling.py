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
from ..core.model import CONTAINER_RESOURCE, RESOURCE, SELECT_DISABLED
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
    """F24: near the target nothing happens by design; the note says how near counts as near."""
    d = ctx.decision
    valid = [m for m in d.metrics if m.error is None]
    if d.rescale or not valid or d.branch != branches.METRICS:
        return []
    if not all(m.path == branches.WITHIN_TOLERANCE for m in valid):
        return []
    down, up = d.tolerance
    ratios = ", ".join(f"{m.spec.name} {m.usage_ratio:.3f}" for m in valid if m.usage_ratio is not None)
    return [Finding("F24", INFO, "inside the tolerance: no action near the target",
                    symptom=condition(ABLE_TO_SCALE, True, READY_FOR_NEW_SCALE),
                    cause=f"usage ratio ({ratios}) is within [{1 - down:.2f}, {1 + up:.2f}] "
                          "(--horizontal-pod-autoscaler-tolerance)",
                    fix="expected; lower the target to react sooner, or set behavior.scaleUp.tolerance: 0.05 where "
                        "the HPAConfigurableTolerance gate is on")]


@check(F23=260)
def check_stabilization(ctx: Context) -> list[Finding]:
    """F23: behavior's windows and policies hold the count on purpose; say until when and how to loosen them."""
    d = ctx.decision
    s, r = d.stabilization, d.rate_limit
    out = []
    if s is not None and d.proposed_replicas is not None and s.result != d.proposed_replicas:
        if s.reason == SCALE_DOWN_STABILIZED.reason:
            when = f" from {format_time(s.allowed_down_at)}" if s.allowed_down_at else ""
            until = f" until {format_time(s.allowed_down_at)}" if s.allowed_down_at else ""
            out.append(Finding("F23", INFO, f"scale-down held by the stabilization window{until}",
                               symptom=condition(ABLE_TO_SCALE, True, SCALE_DOWN_STABILIZED),
                               cause=f"the metrics want {d.proposed_replicas}, but a recommendation of "
                                     f"{s.down_recommendation} is still inside the {int(s.down_window)}s scale-down "
                                     "window",
                               fix=f"expected; the scale-down to {d.proposed_replicas} is allowed{when} if the "
                                   "proposal holds. To react faster: behavior: {scaleDown: "
                                   "{stabilizationWindowSeconds: 60}}"))
        else:
            out.append(Finding("F23", INFO, "scale-up held by the scale-up stabilization window",
                               symptom=condition(ABLE_TO_SCALE, True, SCALE_UP_STABILIZED),
                               cause=f"behavior.scaleUp.stabilizationWindowSeconds keeps {s.up_recommendation}",
                               fix="lower behavior.scaleUp.stabilizationWindowSeconds"))
    limits = (SCALE_DOWN_LIMIT.reason, SCALE_UP_LIMIT.reason)
    if r is not None and r.reason in limits and s is not None and r.result != s.result:
        behavior = d.hpa.behavior
        down = r.reason == SCALE_DOWN_LIMIT.reason
        rules = (behavior.scale_down if down else behavior.scale_up) if behavior else None
        disabled = rules is not None and rules.select_policy == SELECT_DISABLED
        direction = "down" if down else "up"
        out.append(Finding("F23", INFO, f"scale-{direction} {'disabled' if disabled else 'limited by policy'}: "
                                        f"{s.result} -> {r.result}",
                           symptom=f"{SCALING_LIMITED}=True {r.reason}: {r.message}",
                           cause=(f"behavior.scale{direction.capitalize()}.selectPolicy: Disabled" if disabled else
                                  f"the scale-{direction} policies allow at most {r.result} now"),
                           fix=(f"remove selectPolicy: Disabled from behavior.scale{direction.capitalize()}" if disabled
                                else "behavior: {scaleDown: {policies: [{type: Percent, value: 50, periodSeconds: "
                                     "60}]}} (or a larger Pods policy)")))
    return out


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
