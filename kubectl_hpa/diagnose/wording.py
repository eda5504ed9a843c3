"""How a metric the controller could not compute is worded, the same way in every check that names it.

The symptom repeats what ``kubectl get hpa`` (TARGETS ``<unknown>/80%``) and ``kubectl describe hpa``
(the ScalingActive condition) show, so that the user recognises the failure they are looking at.
"""

from __future__ import annotations

from ..core.conditions import SCALING_ACTIVE, Reason
from ..core.model import CONTAINER_RESOURCE, RESOURCE, MetricResult
from ..core.quantity import format_milli


def spec_cell(result: MetricResult) -> str:
    """The metric's TARGETS cell as ``kubectl get hpa`` prints it for a failed metric: ``cpu: <unknown>/80%``."""
    target = result.spec.target
    goal = target.wanted
    if target.is_utilization:
        wanted = f"{goal}%"
    else:
        wanted = format_milli(goal) if goal is not None else "?"
    prefix = f"{result.spec.name}: " if result.spec.type in (RESOURCE, CONTAINER_RESOURCE) else ""
    return f"{prefix}<unknown>/{wanted}"


def metric_symptom(result: MetricResult) -> str:
    """A failed metric as the user sees it: the TARGETS cell and the ScalingActive=False condition."""
    return (f"TARGETS {spec_cell(result)}; {SCALING_ACTIVE}=False {result.error_reason}: "
            f"the HPA was unable to compute the replica count: {result.error}")


def metric_label(result: MetricResult) -> str:
    """A metric named for a sentence: ``cpu of container app`` or ``External metric queue_depth``."""
    spec = result.spec
    if spec.type == CONTAINER_RESOURCE:
        return f"{spec.name} of container {spec.container}"
    return f"{spec.type} metric {spec.name}"


def condition(kind: str, status: bool, reason: Reason) -> str:
    """A condition as ``kubectl describe hpa`` shows it: ``ScalingLimited=True TooManyReplicas: <message>``."""
    return f"{kind}={status} {reason.reason}: {reason.message}"
