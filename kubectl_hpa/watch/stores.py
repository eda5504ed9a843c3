"""What the informers keep of each watched object, and the indexes one refresh builds from them.

The informers convert objects as they arrive (:func:`rescale_event`, :func:`workload_scale`,
the snapshot reader's ``parse_pod``), so a refresh never re-parses a pod or an event. A
refresh then indexes pods by label (:class:`PodIndex`), picks each HPA's pods the way the
controller does (its target's selector), and finds HPAs whose pods overlap (the
controller's AmbiguousSelector check), all in memory.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Optional

from ..core.conditions import SUCCESSFUL_RESCALE
from ..core.model import HPASpec, Pod, Scale
from ..core.selector import Selector, SelectorError, parse_selector
from ..sources.kube import metadata, name_of, namespace_of, workload_selector
from ..timefmt import parse_time
from .informer import Key

EVENTS_QUERY = {"fieldSelector": f"involvedObject.kind=HorizontalPodAutoscaler,reason={SUCCESSFUL_RESCALE}"}
"""The events watch asks for: only rescales of HPAs, so a busy namespace's events cost nothing."""


class RescaleEvent(NamedTuple):
    """A SuccessfulRescale event of an HPA: its message says the new size and why."""

    namespace: str
    hpa: str
    reason: str
    message: str
    time: float  # epoch seconds; 0 when the event carries no timestamp


def rescale_event(obj: dict) -> RescaleEvent:
    """The informer's transform for Events: the newest of its timestamps (a repeated event keeps its first)."""
    involved = obj.get("involvedObject") or {}
    stamp = obj.get("lastTimestamp") or obj.get("eventTime") or obj.get("firstTimestamp") or \
        metadata(obj).get("creationTimestamp")
    return RescaleEvent(str(involved.get("namespace") or namespace_of(obj)), str(involved.get("name", "")),
                        str(obj.get("reason", "")), str(obj.get("message", "")), parse_time(stamp) if stamp else 0.0)


def latest_rescales(events: Iterable[RescaleEvent]) -> dict[Key, RescaleEvent]:
    """The newest SuccessfulRescale per HPA (namespace, name); of equal times, the last one listed."""
    latest: dict[Key, RescaleEvent] = {}
    for event in events:
        key = (event.namespace, event.hpa)
        if event.reason == SUCCESSFUL_RESCALE and (key not in latest or event.time >= latest[key].time):
            latest[key] = event
    return latest


def with_kind(obj: dict, kind: str) -> dict:
    """Watch events carry kind; list items do not. The workload selector needs it for ReplicationControllers."""
    return obj if "kind" in obj else {"kind": kind, **obj}


def workload_scale(obj: dict) -> tuple[Scale, Optional[int]]:
    """A built-in workload as its /scale subresource would answer (and its ready replicas), without the GET."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    scale = Scale(spec_replicas=int(spec.get("replicas", 1)), status_replicas=int(status.get("replicas") or 0),
                  selector=workload_selector(obj))
    ready = status.get("readyReplicas")
    return scale, int(ready) if ready is not None else None


class PodIndex:
    """The pods of one namespace by label pair, so matching a selector does not scan every pod."""

    def __init__(self) -> None:
        self.pods: list[Pod] = []
        self.by_label: dict[tuple[str, str], list[Pod]] = {}

    def add(self, pod: Pod) -> None:
        self.pods.append(pod)
        for pair in pod.labels.items():
            self.by_label.setdefault(pair, []).append(pod)

    def candidates(self, selector: Selector) -> list[Pod]:
        """The pods an equality requirement of ``selector`` narrows to (any one will do), else all of them."""
        for requirement in selector.requirements:
            if requirement.operator in ("=", "in") and len(requirement.values) == 1:
                return self.by_label.get((requirement.key, requirement.values[0]), [])
        return self.pods


NO_PODS = PodIndex()
"""The index of a namespace without pods (never added to: one object, so an HPA there keeps its empty pods)."""


def pod_indexes(pods: dict[Key, Pod]) -> dict[str, PodIndex]:
    """The pods informer's store, indexed per namespace."""
    indexes: dict[str, PodIndex] = {}
    for (namespace, _name), pod in pods.items():
        indexes.setdefault(namespace, PodIndex()).add(pod)
    return indexes


def pods_for(scale: Any, pods: PodIndex) -> tuple[Pod, ...]:
    """The pods the target's ``status.selector`` picks; none when the scale could not be read or has no selector."""
    if not isinstance(scale, Scale) or not scale.selector:
        return ()
    try:
        selector = parse_selector(scale.selector)
    except SelectorError:
        return ()
    return tuple(pod for pod in pods.candidates(selector) if selector.matches(pod.labels))


def overlapping(entries: Iterable[tuple[HPASpec, tuple[Pod, ...]]]) -> dict[str, tuple[str, ...]]:
    """Per HPA, namespace/name of every HPA whose pods overlap its own (the AmbiguousSelector check);
    empty when it is alone."""
    entries = list(entries)
    owners: dict[tuple[str, str], list[str]] = {}
    for spec, pods in entries:
        for pod in pods:
            owners.setdefault((spec.namespace, pod.name), []).append(spec.key)
    out: dict[str, tuple[str, ...]] = {}
    for spec, pods in entries:
        keys = {spec.key}
        for pod in pods:
            keys.update(owners.get((spec.namespace, pod.name), ()))
        out[spec.key] = tuple(sorted(keys)) if len(keys) > 1 else ()
    return out


def hpa_order(obj: dict) -> tuple[str, str]:
    """Rows are sorted by namespace, then name."""
    return namespace_of(obj), name_of(obj)
