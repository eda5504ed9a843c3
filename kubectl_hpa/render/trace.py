"""The default ``explain`` view: the controller's decision as numbered steps a newcomer can follow."""

from __future__ import annotations

import math
from typing import Optional, Sequence

from ..core import branches
from ..core.conditions import SCALE_DOWN_STABILIZED
from ..core.model import (
    AVERAGE_VALUE,
    EXTERNAL,
    OBJECT,
    Decision,
    MetricResult,
    MetricSpec,
)
from ..core.quantity import format_duration, format_milli
from ..core.versions import ControllerVersion
from ..timefmt import format_time
from .style import Style


def _ratio_text(ratio: Optional[float]) -> str:
    if ratio is None:
        return "?"
    if math.isnan(ratio):
        return "NaN"
    if math.isinf(ratio):
        return "+Inf" if ratio > 0 else "-Inf"
    return f"{ratio:.3f}"


def _quantity(milli: Optional[int], spec: MetricSpec) -> str:
    """Controller units (DecimalSI), with a binary reading for memory (``52428800 (50.0Mi)``)."""
    if milli is None:
        return "?"
    if spec.name == "memory" and abs(milli) >= 2**20 * 1000:
        binary = format_milli(milli, binary=True)
        if binary[-1] == "i":
            return binary
        return f"{format_milli(milli)} ({milli / 1000 / 2**20:.1f}Mi)"
    return format_milli(milli)


def target_text(spec: MetricSpec) -> str:
    target = spec.target
    if spec.type in (OBJECT, EXTERNAL):
        if target.type == AVERAGE_VALUE:
            return f"{_quantity(target.average_value, spec)} per pod"
        return _quantity(target.value, spec)
    if target.average_value is not None:
        return f"{_quantity(target.average_value, spec)} per pod"
    return f"{target.average_utilization}% of request"


def current_text(result: MetricResult) -> str:
    spec = result.spec
    if result.utilization is not None:
        return f"{result.utilization}% of request (average {_quantity(result.average_value, spec)} per pod)"
    if spec.type in (OBJECT, EXTERNAL):
        if spec.target.type == AVERAGE_VALUE and result.average_value is not None:
            return f"{_quantity(result.value, spec)} in total, {_quantity(result.average_value, spec)} per pod"
        return _quantity(result.value, spec)
    return f"{_quantity(result.average_value, spec)} per pod"


def _pods_line(result: MetricResult, wide: bool) -> list[str]:
    groups = result.pods
    if groups is None:
        return []
    counts = (f"pods: {len(groups.ready)} ready, {len(groups.unready)} unready, "
              f"{len(groups.missing)} missing metrics, {len(groups.ignored)} ignored")
    lines = [counts]
    limit = None if wide else 3
    for label, names in (("unready", groups.unready), ("ignored", groups.ignored)):
        items = list(names.items())
        shown = items if limit is None else items[:limit]
        for name, why in shown:
            lines.append(f"  {label} {name}: {why}")
        if limit is not None and len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more {label} (-o wide lists them)")
    if groups.missing:
        missing = list(groups.missing) if wide else list(groups.missing)[:limit]
        more = "" if wide or len(groups.missing) <= (limit or 0) else f" and {len(groups.missing) - (limit or 0)} more"
        lines.append(f"  missing metrics: {', '.join(missing)}{more}")
    if wide and groups.ready:
        lines.append(f"  ready: {', '.join(groups.ready)}")
    return lines


def _replicas(count: Optional[int]) -> str:
    return f"{count} replica" if count == 1 else f"{count} replicas"


def _proposal_lines(result: MetricResult, decision: Decision) -> list[str]:
    low, high = result.tolerance_band
    ratio = _ratio_text(result.usage_ratio)
    spec = result.spec
    lines: list[str] = []
    if result.utilization is not None:
        lines.append(f"usage ratio = {result.utilization} / {spec.target.average_utilization} = {ratio}"
                     f"   (utilization is truncated to a whole percent first)")
    elif spec.type in (OBJECT, EXTERNAL) and spec.target.type == AVERAGE_VALUE:
        lines.append(f"usage ratio = {_quantity(result.value, spec)} / ({_quantity(spec.target.average_value, spec)}"
                     f" x {result.multiplier} status replicas) = {ratio}")
    else:
        current = result.value if result.value is not None else result.average_value
        target = spec.target.value if spec.target.type == "Value" else spec.target.average_value
        lines.append(f"usage ratio = {_quantity(current, spec)} / {_quantity(target, spec)} = {ratio}")
    band = f"tolerance band [{low:.3f}, {high:.3f}]"
    if result.path == branches.WITHIN_TOLERANCE:
        lines.append(f"{ratio} is inside the {band}: keep {_replicas(result.proposed_replicas)}")
    elif result.path == branches.READY_PODS:
        what = "ready pods" if spec.type not in (OBJECT, EXTERNAL) else "Running and Ready pods"
        lines.append(f"outside the {band}: proposal = ceil({ratio} x {result.multiplier} {what}) "
                     f"= {result.proposed_replicas}")
    elif result.path == branches.FROM_ZERO:
        lines.append(f"the target is at 0 replicas: proposal = ceil({ratio}) = {result.proposed_replicas} "
                     "(no tolerance, no pod count)")
    elif result.path == branches.TOTAL_OVER_TARGET:
        lines.append(f"outside the {band}: proposal = ceil({_quantity(result.value, spec)} / "
                     f"{_quantity(spec.target.average_value, spec)}) = {result.proposed_replicas}")
    elif result.rebalance is not None:
        rebalance = result.rebalance
        parts = []
        if rebalance.missing_fill is not None and result.pods and result.pods.missing:
            if rebalance.missing_fill == 0:
                parts.append(f"{len(result.pods.missing)} pods without metrics count as 0 (the ratio is >= 1)")
            else:
                fill = (f"{_quantity(rebalance.missing_fill, spec)}"
                        + (" (max(100%, target) of its request)" if result.utilization is not None else
                           " (the target)"))
                parts.append(f"{len(result.pods.missing)} pods without metrics count as {fill} (the ratio is < 1)")
        if rebalance.unready_as_zero and result.pods:
            parts.append(f"{len(result.pods.unready)} unready pods count as 0 (scaling up)")
        lines.append("outside the band with missing or unready pods, so the controller recomputes: "
                     + "; ".join(parts))
        lines.append(f"rebalanced usage ratio = {_ratio_text(rebalance.new_ratio)} over {rebalance.samples} pods")
        if rebalance.guard:
            lines.append(f"keep {_replicas(result.proposed_replicas)}: {rebalance.guard}")
        else:
            lines.append(f"proposal = ceil({_ratio_text(rebalance.new_ratio)} x {rebalance.samples}) "
                         f"= {result.proposed_replicas}")
    return lines


def render_trace(decision: Decision, style: Style, wide: bool = False, history_known: bool = True,
                 live_status: Optional[dict] = None, controller: Optional[ControllerVersion] = None) -> str:
    """The trace; ``controller`` is the release emulated (and its gates), said in the header: the same
    snapshot can decide differently under another release."""
    hpa = decision.hpa
    out: list[str] = []
    head = f"HorizontalPodAutoscaler {hpa.namespace}/{hpa.name} -> {hpa.scale_target.kind}/{hpa.scale_target.name}"
    out.append(style.bold(head))
    down, up = decision.tolerance
    tolerance = f"+-{up:.0%}" if up == down else f"-{down:.0%}/+{up:.0%}"
    out.append(f"evaluated at {format_time(decision.now)} | replicas {decision.current_replicas} "
               f"(min {hpa.effective_min_replicas}, max {hpa.max_replicas}) | tolerance {tolerance} | "
               f"{'behavior set' if hpa.behavior else 'no behavior (legacy path)'}")
    if controller is not None:
        out.append(controller_line(controller))
    out.append("")
    step = 0

    def add(title: str, lines: Sequence[str] = ()) -> None:
        nonlocal step
        step += 1
        out.append(f"{step}. {title}")
        out.extend(f"   {line}" for line in lines)

    if decision.branch == branches.FAILED_GET_SCALE:
        add("Read the target's scale", [style.bad(decision.error or "")])
    elif decision.branch == branches.SCALING_DISABLED:
        add("The target has 0 replicas and minReplicas is not 0",
            ["the controller disables autoscaling for it until someone scales it up"])
    elif decision.branch in (branches.ABOVE_MAX, branches.BELOW_MIN):
        bound = "maxReplicas" if decision.branch == branches.ABOVE_MAX else "minReplicas"
        add(f"Replicas {decision.current_replicas} are outside [{hpa.effective_min_replicas}, {hpa.max_replicas}]",
            [f"the controller moves straight to {bound} = {decision.desired_replicas} without reading metrics"])
    elif decision.branch in (branches.INVALID_SELECTOR, branches.AMBIGUOUS_SELECTOR):
        add("Select the pods", [style.bad(decision.error or "")])
    total = len(decision.metrics)
    for index, result in enumerate(decision.metrics, 1):
        spec = result.spec
        lines = [f"{spec.type} metric, target {target_text(spec)}"]
        if result.error is not None:
            lines.append(style.bad(f"cannot compute: {result.error}"))
            lines.append(f"the controller sets ScalingActive=False ({result.error_reason})")
            lines.extend(_pods_line(result, wide))
        else:
            lines.append(f"current {current_text(result)}")
            lines.extend(_pods_line(result, wide))
            lines.extend(_proposal_lines(result, decision))
        add(f"Metric {index}/{total}: {result.description}", lines)
    if decision.branch == branches.INVALID_METRICS:
        add("Combine the metrics", [style.bad(decision.error or ""),
                                    "a failing metric blocks a scale-down (and all metrics failing blocks "
                                    "everything): the controller changes nothing"])
    elif decision.proposed_replicas is not None:
        lines = [f"the largest proposal wins: {decision.proposed_replicas} ({decision.proposing_metric})"]
        failed = [r for r in decision.metrics if r.error is not None]
        if failed:
            lines.append(f"{len(failed)} metric(s) failed; the controller still acts because this is not a scale-down")
        add("Combine the metrics", lines)
        add("Stabilize", _stabilization_lines(decision, history_known))
        add("Apply limits", _limit_lines(decision))
    verdict = _verdict(decision)
    add("Result", [style.good(verdict) if decision.rescale else verdict])
    out.append("")
    out.append("Conditions the controller would set:")
    width_type = max((len(c.type) for c in decision.conditions), default=0)
    width_reason = max((len(c.reason) for c in decision.conditions), default=0)
    for condition in decision.conditions:
        status = condition.status.ljust(5)
        out.append(f"  {condition.type.ljust(width_type)}  {status}  {condition.reason.ljust(width_reason)}  "
                   f"{condition.message}")
    if decision.events:
        out.append("Events it would emit:")
        for event in decision.events:
            out.append(f"  {event.type:<7}  {event.reason}  {event.message}")
    if live_status and live_status.get("desiredReplicas") is not None:
        live = live_status["desiredReplicas"]
        out.append("")
        if live == decision.desired_replicas:
            out.append(f"Live status: desiredReplicas {live}, matches this explanation.")
        else:
            out.append(style.warn(f"Live status: desiredReplicas {live}, this explanation says "
                                  f"{decision.desired_replicas}.") + " " + divergence_hint(decision, history_known))
    return "\n".join(out) + "\n"


def controller_line(controller: ControllerVersion) -> str:
    """``controller: Kubernetes 1.37`` (with the gates set away from that release's defaults): the header line
    every text view of a decision shares."""
    return f"controller: {controller.describe()}"


def divergence_hint(decision: Decision, history_known: bool) -> str:
    """Why the live status may differ from a decision replayed on the same snapshot."""
    if decision.branch in branches.ABORTING_BRANCHES:
        return "When the reconcile stops early the controller leaves status.desiredReplicas as it was."
    if decision.rescale:
        return ("The status was written at the controller's previous sync; its next sync (every "
                "--horizontal-pod-autoscaler-sync-period, 15s by default) acts on these metrics.")
    if not history_known:
        return ("The controller's stabilization and scale history live only in its memory; "
                "add a ControllerState to the snapshot to replay them.")
    return "The metrics may have moved since the controller's last sync."


def _stabilization_lines(decision: Decision, history_known: bool) -> list[str]:
    s = decision.stabilization
    if s is None:
        return []
    lines: list[str] = []
    if not history_known:
        lines.append("the snapshot carries no controller history (no ControllerState): starting as the controller "
                     "does when it first sees an HPA (the current count, now); the live controller may release "
                     "a held scale-down sooner")
    recent = ", ".join(f"{r.replicas}@{format_time(r.timestamp)[11:19]}" for r in s.considered) or "none"
    if s.up_window is None:
        lines.append(f"legacy path: the highest recommendation of the last {format_duration(s.down_window)} wins "
                     f"(recent: {recent})")
    else:
        lines.append(f"scale-up window {format_duration(s.up_window)} -> at most the lowest recent recommendation "
                     f"{s.up_recommendation}; scale-down window {format_duration(s.down_window)} -> at least the "
                     f"highest {s.down_recommendation} (recent: {recent})")
    if s.result != decision.proposed_replicas:
        lines.append(f"stabilized: {decision.proposed_replicas} -> {s.result}   [{s.reason}]")
        if s.allowed_down_at is not None and s.reason == SCALE_DOWN_STABILIZED.reason and \
                (decision.proposed_replicas or 0) < decision.current_replicas:
            lines.append(f"a scale-down to {decision.proposed_replicas} is allowed from "
                         f"{format_time(s.allowed_down_at)} if the proposal holds")
    else:
        lines.append(f"stabilized: {s.result}   [{s.reason}]")
    return lines


def _limit_lines(decision: Decision) -> list[str]:
    r = decision.rate_limit
    s = decision.stabilization
    if r is None or s is None:
        return []
    lines: list[str] = []
    if decision.hpa.behavior is None:
        lines.append(f"allowed range [{r.lower_bound}, {r.upper_bound}] (scale-up limit max(2 x "
                     f"{decision.current_replicas}, 4), maxReplicas {decision.hpa.max_replicas})")
    else:
        for item in r.policy_limits:
            policy = item.policy
            amount = f"{policy.value}%" if policy.type == "Percent" else f"{policy.value} pods"
            lines.append(f"policy {policy.type} {amount} per {policy.period_seconds}s: from "
                         f"{item.period_start_replicas} at the period's start -> limit {item.limit}")
        if r.direction:
            rules = decision.hpa.behavior.scale_up if r.direction == "up" else decision.hpa.behavior.scale_down
            lines.append(f"selectPolicy {rules.select_policy}: allowed range [{r.lower_bound}, {r.upper_bound}]")
    changed = r.result != s.result
    lines.append(f"{s.result} -> {r.result}   [ScalingLimited={'True' if changed else 'False'}: {r.reason}]")
    return lines


def _verdict(decision: Decision) -> str:
    desired, current = decision.desired_replicas, decision.current_replicas
    if decision.branch in branches.ABORTING_BRANCHES:
        return (f"no change: the target keeps {_replicas(current)}; the controller stops before deciding, so "
                f"status.desiredReplicas keeps its previous value ({desired})")
    if decision.rescale:
        return (f"desired replicas {desired} (from {current}): the controller rescales, "
                f"reason \"{decision.rescale_reason}\"")
    return f"desired replicas {desired}: no change"


def render_diagnosis(findings: list, style: Style, wide: bool = False) -> str:
    """The "Diagnosis" section after the trace: ranked findings with symptom, cause and fix."""
    problems = [f for f in findings if f.severity in ("error", "warning")]
    if not findings:
        return "\nDiagnosis: no problems found.\n"
    head = (f"Diagnosis: {len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems
            else "Diagnosis: no problems found")
    notes = len(findings) - len(problems)
    if notes:
        head += f", {notes} note{'s' if notes != 1 else ''}"
    out = ["", head]
    for finding in findings:
        label = f"{finding.id} {finding.severity.upper():<7}"
        paint = style.bad if finding.severity == "error" else style.warn if finding.severity == "warning" else str
        out.append(f"  {paint(label)} {finding.title}")
        out.append(f"      symptom: {finding.symptom}")
        out.append(f"      cause:   {finding.cause}")
        out.append(f"      fix:     {finding.fix}")
        details = finding.details if wide else finding.details[:3]
        for line in details:
            out.append(f"      - {line}")
        if not wide and len(finding.details) > 3:
            out.append(f"      ... and {len(finding.details) - 3} more (-o wide lists them)")
    return "\n".join(out) + "\n"
