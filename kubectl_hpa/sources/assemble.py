"""A snapshot and one of its HPAs -> the core's :class:`SyncInput`: everything one reconcile reads.

:func:`choose_hpa` picks the HPA to explain; :func:`sync_input` gathers, for it, what the controller
would read in one sync (the HPA, its /scale, the pods, a reading per metric, its own memory, the
other HPAs selecting the same pods) and when that sync happens.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple, Optional, Union

from ..core.model import Condition, ControllerSettings, FetchError, HPASpec, Pod, Scale, SyncInput
from ..core.selector import Selector, SelectorError, parse_selector
from .document import Snapshot
from .errors import MALFORMED, SnapshotError, malformed
from .hpa import MIN_REPLICAS_LOWER_BOUND, parse_hpa, refused
from .kube import CAPTURED_AT, describe, group_version, key_of, metadata, name_of, namespace_of
from .pods import namespace_pods, selected_pods
from .readings import newest_metric_time, readings_for
from .state import parse_state
from .workload import parse_scale, scale_failure

NO_SCALE_SUBRESOURCE = "the server could not find the requested resource"
"""The API server's 404 for the /scale of a resource that has none: a HorizontalPodAutoscaler, for one."""


class AmbiguousHPA(Exception):
    """Several HPAs match and none was named."""

    def __init__(self, keys: list[str]):
        super().__init__(", ".join(keys))
        self.keys = keys


def choose_hpa(snapshot: Snapshot, name: Optional[str], namespace: Optional[str]) -> dict[str, Any]:
    """The HPA to explain: by name, or the only one. Several and no name is the caller's choice."""
    candidates = [h for h in snapshot.hpas if namespace is None or namespace_of(h, "default") == namespace]
    if name is None and snapshot.subject and len(candidates) > 1:
        # A `kubectl hpa snapshot NAME` file also carries the HPAs that select the same pods.
        chosen = [h for h in candidates if key_of(h) == snapshot.subject]
        candidates = chosen or candidates
    if name is not None:
        candidates = [h for h in candidates if name_of(h) == name]
        if not candidates:
            where = f" in namespace {namespace}" if namespace else ""
            raise SnapshotError(f"{snapshot.source}: no HorizontalPodAutoscaler named {name!r}{where}")
    if not candidates:
        raise SnapshotError(f"{snapshot.source}: no HorizontalPodAutoscaler in the file")
    if len(candidates) > 1:
        raise AmbiguousHPA([key_of(h) for h in candidates])
    return candidates[0]


def sync_input(snapshot: Snapshot, hpa_object: dict[str, Any], settings: ControllerSettings = ControllerSettings(),
               at: Optional[float] = None, fallback_now: Optional[float] = None) -> SyncInput:
    """Assemble what the controller would read for this HPA at ``at`` (or the snapshot's time)."""
    try:
        return _sync_input(snapshot, hpa_object, settings, at, fallback_now)
    except MALFORMED as error:
        raise malformed(snapshot.source, error) from None


def _sync_input(snapshot: Snapshot, hpa_object: dict[str, Any], settings: ControllerSettings, at: Optional[float],
                fallback_now: Optional[float]) -> SyncInput:
    """:func:`sync_input` without the net: fields nobody checks raise one of ``MALFORMED``."""
    hpa = parse_hpa(hpa_object, snapshot.source)
    check_min_replicas(snapshot, hpa_object, hpa, settings)
    scale = target_scale(snapshot, hpa)
    pods = namespace_pods(snapshot, hpa.namespace)
    now = at if at is not None else snapshot.captured_at
    if now is None:
        now = newest_metric_time(snapshot)
    if now is None:
        now = fallback_now
    if now is None:
        raise SnapshotError(f"{snapshot.source}: no evaluation time: pass --at, or add the annotation {CAPTURED_AT}")
    if isinstance(scale, FetchError):  # the reconcile stops at the scale read
        return SyncInput(hpa=hpa, scale=scale, pods=pods, readings=(), now=now, settings=settings,
                         state=parse_state(snapshot, hpa))
    status = hpa_object.get("status") or {}
    previous = tuple(Condition(str(c.get("type", "")), str(c.get("status", "")), str(c.get("reason", "")),
                               str(c.get("message", "")))
                     for c in status.get("conditions") or () if isinstance(c, dict))
    desired = status.get("desiredReplicas")
    selector = _parsed(scale.selector)
    if selector is not None:  # the core keeps only the pods the selector matches: hand it just those
        pods = selected_pods(snapshot, hpa.namespace, selector)
    return SyncInput(hpa=hpa, scale=scale, pods=pods, readings=readings_for(snapshot, hpa, scale), now=now,
                     settings=settings, state=parse_state(snapshot, hpa),
                     selecting_hpas=selecting_hpas(snapshot, hpa, pods, scale.selector),
                     previous_conditions=previous,
                     previous_desired_replicas=desired if isinstance(desired, int) else None)


def served(obj: Mapping[str, Any]) -> bool:
    """Whether the object was read from an API server (it carries what only the server sets), not written by hand."""
    meta = metadata(obj)
    return any(meta.get(key) for key in ("uid", "resourceVersion", "creationTimestamp"))


def check_min_replicas(snapshot: Snapshot, hpa_object: dict[str, Any], hpa: HPASpec,
                       settings: ControllerSettings) -> None:
    """minReplicas 0 is refused by an API server without the HPAScaleToZero feature gate (off by default before 1.37).

    A manifest asking for it under the default gate could never be applied; an HPA an API server served
    with it (a live read, a ``kubectl hpa snapshot``) shows that the cluster's gate is on, and is explained.
    """
    if hpa.min_replicas == 0 and not settings.scale_to_zero and not served(hpa_object):
        raise refused(snapshot.source, describe(hpa_object),
                      f"spec.minReplicas: Invalid value: 0: must be greater than or equal to {MIN_REPLICAS_LOWER_BOUND} "
                      f"(minReplicas 0 needs the HPAScaleToZero feature gate, off by default on Kubernetes "
                      f"{settings.version.release})")


def target_scale(snapshot: Snapshot, hpa: HPASpec) -> Union[Scale, FetchError]:
    """The target's /scale as the controller reads it (:func:`parse_scale`), or the FetchError it gets.

    The API server accepts an HPA whose scaleTargetRef is a HorizontalPodAutoscaler (its validation checks
    only that kind and name are path segments), but HorizontalPodAutoscalers have no /scale: the controller's
    read fails with a 404 every sync. The HPA object in the file is not a workload to read replicas from.
    """
    target = hpa.scale_target
    if target.kind == "HorizontalPodAutoscaler" and group_version(target.api_version)[0] == "autoscaling":
        return scale_failure(snapshot, hpa) or FetchError(NO_SCALE_SUBRESOURCE)
    return parse_scale(snapshot, hpa)


def selecting_hpas(snapshot: Snapshot, hpa: HPASpec, pods: Iterable[Pod], selector: Optional[str]) -> tuple[str, ...]:
    """HPAs in the namespace whose targets' selectors pick any of this HPA's pods (AmbiguousSelector).

    ``pods`` are the namespace's pods (or any subset holding those ``selector`` matches). The HPAs of the namespace
    are grouped once per snapshot by the pods their targets pick (:func:`_pod_selectors`), so each HPA looks up
    its own pods' owners instead of testing every other HPA's selector on them."""
    mine = _parsed(selector)
    if mine is None:
        return ()
    my_pods = [pod for pod in pods if mine.matches(pod.labels)]
    owners = _pod_selectors(snapshot, hpa.namespace)
    if not all(id(pod) in owners.known for pod in my_pods):  # pods parsed elsewhere: the index does not know them
        return selecting_hpas_by_scan(snapshot, hpa, my_pods, selector)
    for name, error in owners.failures:  # as the scan would, on its way to the other HPAs
        if name != hpa.name:
            raise error
    keys = {hpa.key} if hpa.name in owners.hpas else set()
    for pod in my_pods:
        for other in owners.by_pod.get(id(pod), ()):
            if name_of(other) != hpa.name:
                keys.add(key_of(other))
    return tuple(sorted(keys))  # a file may hold the same HPA twice (two captures merged): one HPA


def selecting_hpas_by_scan(snapshot: Snapshot, hpa: HPASpec, pods: Iterable[Pod],
                           selector: Optional[str]) -> tuple[str, ...]:
    """:func:`selecting_hpas` the straightforward way (every other HPA's selector on every pod): the reference the
    grouped version is tested against."""
    mine = _parsed(selector)
    if mine is None:
        return ()
    my_pods = [pod for pod in pods if mine.matches(pod.labels)]
    keys = []
    for other in snapshot.hpas:
        if namespace_of(other, "default") != hpa.namespace:
            continue
        if name_of(other) == hpa.name:
            keys.append(hpa.key)
            continue
        theirs = _target_selector(snapshot, other)
        if theirs is not None and any(theirs.matches(pod.labels) for pod in my_pods):
            keys.append(key_of(other))
    return tuple(sorted(set(keys)))


class _Owners(NamedTuple):
    """The HPAs of one namespace: by name, and by each parsed pod (its ``id``) their targets' selectors pick."""

    hpas: dict[str, list[dict[str, Any]]]
    by_pod: dict[int, list[dict[str, Any]]]
    known: set[int]  # the ids of the namespace's parsed pods (those by_pod is about)
    failures: list[tuple[str, Exception]]  # (HPA name, why its target could not be read), in file order


def _pod_selectors(snapshot: Snapshot, namespace: str) -> _Owners:
    """Per namespace, once per snapshot: which HPAs' targets pick each of the namespace's parsed pods."""

    def group() -> _Owners:
        owners = _Owners({}, {}, {id(pod) for pod in namespace_pods(snapshot, namespace)}, [])
        for other in snapshot.hpas:
            if namespace_of(other, "default") != namespace:
                continue
            owners.hpas.setdefault(name_of(other), []).append(other)
            try:
                theirs = _target_selector(snapshot, other)
            except MALFORMED as error:  # fails the HPAs of other names only: the scan skips an HPA's own name
                owners.failures.append((name_of(other), error))
                continue
            if theirs is None:
                continue
            for pod in selected_pods(snapshot, namespace, theirs):
                owners.by_pod.setdefault(id(pod), []).append(other)
        return owners

    return snapshot.derived(("pod selectors", namespace), group)


def _parsed(selector: Optional[str]) -> Optional[Selector]:
    """A scale's selector parsed, or None when it is empty or does not parse (the core then stops before the pods)."""
    if not selector:
        return None
    try:
        return parse_selector(selector)
    except SelectorError:
        return None


def hpa_status(hpa_object: Mapping[str, Any]) -> dict[str, Any]:
    """The live status the file carries, for comparing with our result."""
    return dict(hpa_object.get("status") or {})


def _target_selector(snapshot: Snapshot, hpa_object: dict[str, Any]) -> Optional[Selector]:
    """The parsed scale selector of an HPA's target, once per snapshot (None when it has none)."""

    def compute() -> Optional[Selector]:
        try:
            scale = target_scale(snapshot, parse_hpa(hpa_object, snapshot.source))
            if not isinstance(scale, FetchError) and scale.selector:
                return parse_selector(scale.selector)
        except (SnapshotError, SelectorError):
            pass
        return None

    key = ("target selector", namespace_of(hpa_object, "default"), name_of(hpa_object))
    return snapshot.derived(key, compute)
