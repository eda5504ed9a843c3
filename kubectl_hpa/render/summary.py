"""One line per decision: the verdict first, then the numbers (``-o table``, ``watch``)."""

from __future__ import annotations

from ..core import branches
from ..core.conditions import SCALE_DOWN_STABILIZED, TOO_FEW, TOO_MANY
from ..core.model import Decision, MetricResult
from ..core.quantity import format_milli


def verdict(decision: Decision) -> str:
    """A few words that say what the controller is doing, in its own terms."""
    branch = decision.branch
    if branch == branches.FAILED_GET_SCALE:
        return "error: cannot read target scale"
    if branch == branches.SCALING_DISABLED:
        return "disabled: target at 0 replicas"
    if branch == branches.ABOVE_MAX:
        return f"scaling down to max {decision.desired_replicas}"
    if branch == branches.BELOW_MIN:
        return f"scaling up to min {decision.desired_replicas}"
    if branch in (branches.INVALID_SELECTOR, branches.AMBIGUOUS_SELECTOR):
        return "error: " + ("ambiguous selector" if branch == branches.AMBIGUOUS_SELECTOR else "invalid selector")
    if branch == branches.INVALID_METRICS:
        return "metric failing: holding"
    stabilization, limit = decision.stabilization, decision.rate_limit
    if decision.rescale:
        direction = "up" if decision.desired_replicas > decision.current_replicas else "down"
        if limit is not None and stabilization is not None and limit.result != stabilization.result:
            bounds = {TOO_MANY.reason: "max", TOO_FEW.reason: "min"}
            if limit.reason in bounds:
                return f"scaling {direction} to {bounds[limit.reason]} {limit.result}"
            return f"scaling {direction} (limited to {limit.result} by {limit.reason})"
        return f"scaling {direction}"
    if limit is not None and stabilization is not None and limit.result != stabilization.result:
        if limit.reason == TOO_MANY.reason:
            return "at max"
        if limit.reason == TOO_FEW.reason:
            return "at min"
        return "limited by policy"
    if stabilization is not None and stabilization.result != decision.proposed_replicas:
        return "holding: scale-down window" if stabilization.reason == SCALE_DOWN_STABILIZED.reason else "holding: scale-up window"
    if decision.metrics and all(m.path == branches.WITHIN_TOLERANCE for m in decision.metrics if m.error is None):
        return "holding: within tolerance"
    return "holding"


def metric_cell(result: MetricResult) -> str:
    """``current/target`` as ``kubectl get hpa`` prints it, ``<unknown>`` when the metric failed."""
    spec = result.spec
    target = spec.target
    if target.average_utilization is not None and target.average_value is None:
        current = "<unknown>" if result.utilization is None or result.error else f"{result.utilization}%"
        wanted = f"{target.average_utilization}%"
    else:
        milli = result.value if (target.type == "Value" and result.value is not None) else result.average_value
        current = "<unknown>" if milli is None or result.error else format_milli(milli)
        wanted_milli = target.value if target.type == "Value" else target.average_value
        wanted = format_milli(wanted_milli) if wanted_milli is not None else "?"
        if target.type == "AverageValue" and spec.type in ("Object", "External"):
            wanted += " (avg)"
    return f"{spec.name}: {current}/{wanted}"


def summary_row(decision: Decision) -> list[str]:
    hpa = decision.hpa
    metrics = ", ".join(metric_cell(result) for result in decision.metrics) or "-"
    replicas = str(decision.current_replicas)
    # After an early stop desiredReplicas is the old status value, not a move: show the count alone.
    if decision.desired_replicas != decision.current_replicas and decision.branch not in branches.ABORTING_BRANCHES:
        replicas += f" -> {decision.desired_replicas}"
    return [verdict(decision), hpa.namespace, hpa.name, f"{hpa.scale_target.kind}/{hpa.scale_target.name}",
            metrics, str(hpa.effective_min_replicas), str(hpa.max_replicas), replicas]


SUMMARY_HEADERS = ["VERDICT", "NAMESPACE", "NAME", "REFERENCE", "METRICS (CURRENT/TARGET)", "MIN", "MAX", "REPLICAS"]
