"""The scale target -> the core's :class:`Scale`: what the controller's GET of ``/scale`` would answer.

A snapshot carries either the autoscaling/v1 ``Scale`` itself (what the live reader records) or the
workload (a Deployment, StatefulSet, ReplicaSet or ReplicationController, as ``kubectl get`` gives it),
from which the /scale subresource is derived as the API server derives it. A failed read of the
/scale, recorded as a Status, is the controller's FetchError and ends its reconcile there.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..core.model import FetchError, HPASpec, Scale
from .document import Snapshot
from .errors import SnapshotError
from .fields import read_int
from .kube import SelectorShapeError, namespace_of, status_message, workload_selector


def scale_failure(snapshot: Snapshot, hpa: HPASpec) -> Optional[FetchError]:
    """A failed GET of the target's /scale, recorded as a Status, as the controller's FetchError."""
    ns, name = re.escape(hpa.namespace), re.escape(hpa.scale_target.name)
    pattern = re.compile(rf"^/apis?/.*namespaces/{ns}/[^/]+/{name}/scale$")
    status = snapshot.failed_read(lambda path: pattern.match(path) is not None)
    return FetchError(status_message(status)) if status is not None else None


def parse_scale(snapshot: Snapshot, hpa: HPASpec) -> Scale:
    """The target's /scale: a Scale object if the file has one, else derived from the workload.

    A failed read of it (a Status answering the /scale request) is returned as a FetchError.
    """
    target = hpa.scale_target
    where = f"{target.kind}/{target.name}"
    failure = scale_failure(snapshot, hpa)
    if failure is not None:
        return failure  # type: ignore[return-value]
    scale = _find(snapshot, "Scale", target.name, hpa.namespace)
    if scale is not None:
        where = f"Scale/{target.name}"  # a malformed Scale names itself, not the workload it scales
        spec, status = scale.get("spec") or {}, scale.get("status") or {}
        for field, value in (("spec", spec), ("status", status)):
            if not isinstance(value, dict):
                raise SnapshotError(f"{snapshot.source}: {where}: {field}: expected an object, got "
                                    f"{type(value).__name__} {value!r:.40}")
        return Scale(spec_replicas=read_int(spec.get("replicas", 0), snapshot.source, f"Scale/{target.name}: spec.replicas", 0),
                     status_replicas=read_int(status.get("replicas", 0), snapshot.source,
                                              f"Scale/{target.name}: status.replicas", 0),
                     selector=status.get("selector") or None)
    workload = _find(snapshot, target.kind, target.name, hpa.namespace)
    if workload is None:
        raise SnapshotError(f"{snapshot.source}: the scale target {where} of HorizontalPodAutoscaler/{hpa.name} "
                            f"is not in the file (add the {target.kind} or its autoscaling/v1 Scale)")
    spec, status = workload.get("spec") or {}, workload.get("status") or {}
    try:
        selector_text = workload_selector(workload)
    except SelectorShapeError as error:
        raise SnapshotError(f"{snapshot.source}: {where}: spec.selector: {error}") from None
    replicas = spec.get("replicas", 1)  # the API defaults spec.replicas to 1
    return Scale(spec_replicas=read_int(replicas, snapshot.source, f"{where}: spec.replicas", 0),
                 status_replicas=read_int(status.get("replicas", 0), snapshot.source, f"{where}: status.replicas", 0),
                 selector=selector_text or None)


def _find(snapshot: Snapshot, kind: str, name: str, namespace: str) -> Optional[dict[str, Any]]:
    """The first object of this kind and name in the namespace (one without a namespace is taken to be in it)."""
    for item in snapshot.named(kind, name):
        if namespace_of(item, namespace) == namespace:
            return item
    return None
