"""Our ``ControllerState`` object -> the core's :class:`ControllerState`.

The controller keeps its recent recommendations (the stabilization window) and scale events (the
policies' periods) in memory, and no API shows them. A snapshot may carry them in an object of our
own (apiVersion ``kubectl-hpa.io/v1alpha1``, kind ``ControllerState``, named as the HPA); without
it, the core starts as a freshly restarted controller would.
"""

from __future__ import annotations

from typing import Any, Optional

from ..core.model import ControllerState, HPASpec, Recommendation, ScaleEvent
from .document import Snapshot
from .fields import read_int, read_time
from .kube import namespace_of


def parse_state(snapshot: Snapshot, hpa: HPASpec) -> Optional[ControllerState]:
    """Our ControllerState object: the controller's in-memory history, when the snapshot carries it."""
    for item in snapshot.named("ControllerState", hpa.name):
        if namespace_of(item, hpa.namespace) != hpa.namespace:
            continue
        source, where = snapshot.source, f"ControllerState/{hpa.name}"
        recommendations = tuple(
            Recommendation(read_time(entry.get("timestamp"), source, f"{where}: recommendations[{i}].timestamp"),
                           read_int(entry.get("replicas"), source, f"{where}: recommendations[{i}].replicas", 0))
            for i, entry in enumerate(item.get("recommendations") or ()))

        return ControllerState(recommendations=recommendations,
                               scale_up_events=_scale_events(item, "scaleUpEvents", source, where),
                               scale_down_events=_scale_events(item, "scaleDownEvents", source, where),
                               seeded=bool(recommendations))
    return None


def _scale_events(item: dict[str, Any], key: str, source: str, where: str) -> tuple[ScaleEvent, ...]:
    """The scale events of one direction (``scaleUpEvents`` or ``scaleDownEvents``)."""
    return tuple(
        ScaleEvent(read_time(entry.get("timestamp"), source, f"{where}: {key}[{i}].timestamp"),
                   read_int(entry.get("replicaChange"), source, f"{where}: {key}[{i}].replicaChange", 0))
        for i, entry in enumerate(item.get(key) or ()))
