"""One line per decision: the verdict first, then the numbers (``-o table``, ``watch``)."""

from __future__ import annotations

from typing import Optional, Sequence

from ..core import branches
from ..core.model import Decision, MetricResult
from ..core.quantity import format_milli
from ..core.versions import ControllerVersion
from .verdict import judge


def verdict(decision: Decision) -> str:
    """A few words that say what the controller is doing, in its own terms."""
    return judge(decision).text


def metric_cell(result: MetricResult) -> str:
    """``current/target`` as ``kubectl get hpa`` prints it, ``<unknown>`` when the metric failed."""
    spec = result.spec
    target = spec.target
    reading, goal = result.current, target.wanted
    if target.is_utilization:
        current = "<unknown>" if reading is None or result.error else f"{reading}%"
        wanted = f"{goal}%"
    else:
        current = "<unknown>" if reading is None or result.error else format_milli(reading)
        wanted = format_milli(goal) if goal is not None else "?"
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


def render_summary(rows: Sequence[tuple[Decision, Sequence[str]]],
                   controller: Optional[ControllerVersion] = None) -> str:
    """``-o table``: one row per decision, verdict first, and the ids of the problems found (or ``-``); with
    ``controller`` (``-o wide``) a last column says the controller emulated (``Kubernetes 1.37``)."""
    from tabulate import tabulate

    extra = [controller.describe()] if controller is not None else []
    lines = [[*summary_row(decision), ",".join(problems) or "-", *extra] for decision, problems in rows]
    headers = [*SUMMARY_HEADERS, "PROBLEMS", *(["CONTROLLER"] if controller is not None else [])]
    return tabulate(lines, headers=headers, tablefmt="plain", disable_numparse=True) + "\n"
