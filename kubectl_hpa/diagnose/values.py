"""Value versus AverageValue on Object and External metrics: what the controller divides, and by what.

With ``target.type: Value`` the controller compares the metric (for External: the sum of every series the
selector returns) with the target and multiplies the *current* replicas by the ratio:
``ceil(replicas x value / target)``. A backlog (a queue length, a consumer lag) does not fall in proportion
when pods are added, so a Value target keeps multiplying the count until maxReplicas; what the user wanted
is a backlog per pod: ``type: AverageValue``, which the controller turns into ``ceil(value / averageValue)``
(divided by ``status.replicas`` only to report the current per-pod value). Upstream:
replica_calculator.go GetObjectMetricReplicas / GetExternalMetricReplicas / GetExternalPerPodMetricReplicas.

- F35 (warning): a backlog-like metric (queue, lag, backlog, pending, messages...) has a Value target.
"""

from __future__ import annotations

import math
import re

from ..core.model import EXTERNAL, OBJECT, VALUE, ExternalMetrics, ObjectMetric
from ..core.quantity import format_milli
from .context import Context
from .finding import WARNING, Finding
from .registry import check

BACKLOG = re.compile(r"queue|backlog|lag|pending|messages|depth|unacked|ready_count|waiting|jobs", re.IGNORECASE)
"""Metric names that count work waiting (it falls by draining, not by adding pods): per-pod targets suit them."""


@check(F35=228)
def check_value_target(ctx: Context) -> list[Finding]:
    """F35: a Value target on a backlog scales the replicas by the backlog's ratio, not by the work per pod."""
    if ctx.inputs is None:
        return []
    out = []
    d = ctx.decision
    for index, result in enumerate(d.metrics):
        spec = result.spec
        if spec.type not in (OBJECT, EXTERNAL) or spec.target.type != VALUE or result.error is not None \
                or d.current_replicas <= 0:
            continue  # from zero the controller does not multiply by the current count (F22 explains zero)
        if not BACKLOG.search(spec.name) or spec.target.value is None or spec.target.value <= 0:
            continue
        reading = ctx.inputs.readings[index] if index < len(ctx.inputs.readings) else None
        if isinstance(reading, ExternalMetrics):
            series = len(reading.values)
            total = sum(reading.values)
            used = (f"the sum of {series} series the selector returned "
                    f"({' + '.join(format_milli(v) for v in reading.values[:6])} = {format_milli(total)})"
                    if series > 1 else f"{format_milli(total)} ({series} series)")
        elif isinstance(reading, ObjectMetric):
            total, used = reading.value, f"{format_milli(reading.value)} (the value of the described object)"
        else:
            continue
        target = spec.target.value
        per_pod = max(1, math.ceil(total / target - 1e-9))
        field = "external" if spec.type == EXTERNAL else "object"
        out.append(Finding(
            "F35", WARNING, f"{spec.type} metric {spec.name} has a Value target: replicas grow with the backlog's "
                            "ratio, not the work per pod",
            symptom=f"{spec.name} is {format_milli(total)} for a target value of {format_milli(target)}: the controller "
                    f"wants ceil({d.current_replicas} x {format_milli(total)} / {format_milli(target)}) = "
                    f"{result.proposed_replicas} replicas",
            cause=f"with type: Value the controller uses {used} and multiplies the current {d.current_replicas} "
                  f"replicas by value / target; a backlog does not fall in proportion when pods are added, so each "
                  f"sync multiplies again (toward maxReplicas {d.hpa.max_replicas}); no divisor by pods is applied",
            fix=f"to mean {format_milli(target)} per pod use target: {{type: AverageValue, averageValue: "
                f"{format_milli(target)}}} under {field}: the controller then wants ceil({format_milli(total)} / "
                f"{format_milli(target)}) = {per_pod} replicas, whatever the current count"
                + ("; with several series, narrow metric.selector to the one queue (it sums them)" if
                   isinstance(reading, ExternalMetrics) and len(reading.values) > 1 else "")))
    return out
