"""A row as one line of a ``--record`` file: watch fills :class:`kubectl_hpa.record.Observation`, nothing more.

The recording format (field names, how values are written and read back) belongs to
:mod:`kubectl_hpa.record`; this module only says which of watch's values go where, so
``explain --timeline`` and ``simulate --compare-with`` read what watch saw without
knowing watch.
"""

from __future__ import annotations

from typing import Optional

from ..record import Observation, RecordedMetric, RecordedRescale, recorded_conditions
from .rows import Row, Seen
from .stores import RescaleEvent


def observation_of(row: Row, seen: Seen, rescale: Optional[RescaleEvent], now: float) -> Optional[Observation]:
    """What ``--record`` keeps of this refresh of one HPA (None for a row without a decision)."""
    decision = row.decision
    if decision is None:
        return None
    metrics = []
    for view, result in zip(row.metrics, decision.metrics, strict=False):
        error = None
        if view.failure:
            error = view.failure if view.failure == "forbidden" else (result.error or "unknown")
        metrics.append(RecordedMetric.measured(view.name, result.spec.type, view.value, view.target, view.unit,
                                               error=error))
    status = seen.hpa.get("status") or {}
    conditions = [c for c in status.get("conditions") or () if isinstance(c, dict)]
    stabilization = decision.stabilization
    return Observation(
        time=now, namespace=row.namespace, name=row.name, current_replicas=row.current,
        desired_replicas=row.live_desired if row.live_desired is not None else row.desired,
        ready_replicas=seen.ready, metrics=tuple(metrics), conditions=recorded_conditions(conditions),
        verdict=row.verdict, target=row.target, min_replicas=row.min_replicas, max_replicas=row.max_replicas,
        computed_replicas=decision.desired_replicas, branch=decision.branch,
        proposed_replicas=decision.proposed_replicas, rescale_reason=decision.rescale_reason or None,
        window_max_recommendation=stabilization.down_recommendation if stabilization is not None else None,
        scale_down_allowed_at=stabilization.allowed_down_at if stabilization is not None else None,
        last_scale_time=str(status["lastScaleTime"]) if status.get("lastScaleTime") else None,
        last_rescale=RecordedRescale(rescale.time, rescale.message) if rescale is not None else None)
