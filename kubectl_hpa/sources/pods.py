"""A Pod object -> the core's :class:`Pod`: what the controller looks at when it averages over pods.

The controller counts a pod by phase, deletion, readiness (and when it became ready) and start time,
and computes utilization against its requests: those of the containers, of the sidecars (init
containers with ``restartPolicy: Always``), or the pod-level ``spec.resources`` when set
(aggregated with the init containers and the pod's ``spec.overhead``, as the release does).
"""

from __future__ import annotations

from typing import Any, Mapping

from ..core.model import ContainerRequests, Pod
from ..core.selector import Selector
from .document import Snapshot
from .fields import read_milli, read_time
from .index import LabelIndex
from .kube import describe, labels_of, metadata, name_of, namespace_of


def parse_pod(obj: dict[str, Any], source: str) -> Pod:
    """One Pod as the controller's pod lister gives it to the replica calculator."""
    where = describe(obj)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = transition = None
    for condition in status.get("conditions") or ():
        if condition.get("type") == "Ready":
            ready = str(condition.get("status", "Unknown"))
            if condition.get("lastTransitionTime"):
                transition = read_time(condition["lastTransitionTime"], source, f"{where}: Ready.lastTransitionTime")
    start = read_time(status["startTime"], source, f"{where}: status.startTime") if status.get("startTime") else None
    containers = tuple(_requests(c, source, f"{where}: spec.containers[{i}]")
                       for i, c in enumerate(spec.get("containers") or ()))
    inits = tuple(_requests(c, source, f"{where}: spec.initContainers[{i}]")
                  for i, c in enumerate(spec.get("initContainers") or ()))
    pod_level = (spec.get("resources") or {}).get("requests")
    pod_requests = ({str(k): read_milli(v, source, f"{where}: spec.resources.requests.{k}") for k, v in pod_level.items()}
                    if pod_level else None)
    overhead = ({str(k): read_milli(v, source, f"{where}: spec.overhead.{k}") for k, v in spec["overhead"].items()}
                if spec.get("overhead") else None)
    return Pod(name=name_of(obj), phase=str(status.get("phase", "Pending")),
               deleted=bool(metadata(obj).get("deletionTimestamp")), ready=ready, ready_transition_time=transition,
               start_time=start, containers=containers, sidecars=tuple(c for c in inits if c.restartable),
               pod_requests=pod_requests, init_containers=inits if any(not c.restartable for c in inits) else (),
               overhead=overhead,
               labels={str(k): str(v) for k, v in labels_of(obj).items()})


def _requests(container: Mapping[str, Any], source: str, where: str) -> ContainerRequests:
    """A container's resource requests in milli-units (a resource it does not request is absent)."""
    requests = ((container.get("resources") or {}).get("requests")) or {}
    return ContainerRequests(str(container.get("name", "")),
                             {str(k): read_milli(v, source, f"{where}.resources.requests.{k}") for k, v in requests.items()},
                             restartable=container.get("restartPolicy") == "Always")


# ----------------------------------------------------------------------------- a snapshot's pods, by namespace
# Every HPA of a namespace reads the same pods. Parsed and indexed once per snapshot (Snapshot.derived), they cost
# ``explain -A`` one pass over the pods, not one per HPA; a selector's pods are looked up in the index, and its
# answer is kept per (namespace, selector), since HPAs with one target share it.


def pod_objects(snapshot: Snapshot, namespace: str) -> list[dict[str, Any]]:
    """The Pod objects of the namespace (one without a namespace is in ``default``), in file order."""

    def group() -> dict[str, list[dict[str, Any]]]:
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for item in snapshot.of_kind("Pod"):
            by_namespace.setdefault(namespace_of(item, "default"), []).append(item)
        return by_namespace

    return snapshot.derived(("pods by namespace",), group).get(namespace, [])


def namespace_pods(snapshot: Snapshot, namespace: str) -> tuple[Pod, ...]:
    """Every pod of the namespace, parsed (:func:`parse_pod`) once per snapshot; a malformed one raises each time."""
    return snapshot.derived(("parsed pods", namespace),
                            lambda: tuple(parse_pod(item, snapshot.source) for item in pod_objects(snapshot, namespace)))


def selected_pods(snapshot: Snapshot, namespace: str, selector: Selector) -> tuple[Pod, ...]:
    """The parsed pods of the namespace that ``selector`` matches, in file order."""

    def select() -> tuple[Pod, ...]:
        index = snapshot.derived(("parsed pods by label", namespace),
                                 lambda: LabelIndex(namespace_pods(snapshot, namespace), lambda pod: pod.labels))
        return tuple(index.matching(selector))

    return snapshot.derived(("selected pods", namespace, selector), select)


def selected_pod_objects(snapshot: Snapshot, namespace: str, selector: Selector) -> tuple[dict[str, Any], ...]:
    """The Pod objects of the namespace that ``selector`` matches on their labels as served, in file order."""

    def select() -> tuple[dict[str, Any], ...]:
        index = snapshot.derived(("pod objects by label", namespace),
                                 lambda: LabelIndex(pod_objects(snapshot, namespace), labels_of))
        return tuple(index.matching(selector))

    return snapshot.derived(("selected pod objects", namespace, selector), select)
