"""Live cluster -> snapshot document: what to read for one HPA (:func:`read_hpa`) or for all (:func:`read_all`).

Both return a v1 List document (a dict), loaded with
:func:`~kubectl_hpa.sources.document.load_document` or written as a snapshot file: the HPA(s), the
target's autoscaling/v1 ``Scale`` (or the workload), the pods its ``status.selector`` picks,
PodMetrics, custom and external ``MetricValueList``s, the custom metrics discovery
``APIResourceList``, the HPA's Events, the APIServices of the metric APIs (and of VPA and KEDA, with
their objects when installed). Every read is a GET, done by a :class:`~kubectl_hpa.sources.reader.Reader`;
a read that fails becomes a metav1 ``Status`` annotated with the request it answers
(``kubectl-hpa.io/request: GET /apis/...``) holding the error text the Go client would have produced,
so the snapshot replays the failure offline. Every object is redacted as the reader keeps it
(:mod:`.redact`), and the List says so (``kubectl-hpa.io/redacted``). The API server's version
(``GET /version``, once per read) goes in ``kubectl-hpa.io/kubernetes-version``: the release whose
controller ``explain`` emulates.

Requests per HPA do not depend on the pod count: pods, PodMetrics and custom metrics are listed by
label selector, never fetched one by one. ``-A`` lists HPAs, workloads, pods, PodMetrics and Events
once for all HPAs.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Optional

from ..core.selector import Selector, SelectorError, parse_selector
from ..timefmt import format_time
from .cluster_client import ClusterError, Connection
from .index import LabelIndex
from .kube import (
    APISERVICES_COMPLETE,
    BUILTIN_SCALABLE,
    CAPTURED_AT,
    KUBERNETES_VERSION,
    REDACTED,
    RESOURCE_METRICS_GROUP,
    RESOURCE_METRICS_VERSION,
    SUBJECT,
    api_prefix,
    client_side_status,
    group_version,
    labels_of,
    name_of,
    namespace_of,
    workload_selector,
)
from .reader import RESOURCE_METRICS_API_VERSION, Reader, ServedShapeError, fatal, restore_kinds, served_items
from .redact import REDACTED_NOTE, redact

# Reader and fatal live in reader.py; they stay importable from here for the watch engine's imports.
__all__ = ["Reader", "fatal", "read_all", "read_hpa", "server_version"]

HPA_API_VERSION = "autoscaling/v2"
"""The version the HPAs are read in (the controller's own; v1 objects are served converted)."""
RESOURCE_METRIC_TYPES = ("Resource", "ContainerResource")
VERSION_PATH = "/version"
"""The API server's build information (``gitVersion`` is what ``kubectl version`` prints as the server version)."""


def server_version(connection: Connection) -> Optional[str]:
    """The API server's ``gitVersion`` (``v1.37.2``), or None when ``/version`` cannot be read.

    Not a :class:`Reader` read on purpose: a failed read there becomes a Status in the snapshot, and the
    checks would report it; a cluster that hides its version (403, 404, a timeout) is only a cluster whose
    release the command does not know, which the command says in a note.
    """
    response = connection.get(VERSION_PATH)
    body = response.body if response.ok else None
    version = body.get("gitVersion") if isinstance(body, dict) else None
    return version.strip() if isinstance(version, str) and version.strip() else None


def read_hpa(connection: Connection, name: str, namespace: Optional[str] = None) -> dict[str, Any]:
    """Everything the controller reads for one HPA, as a snapshot document."""
    namespace = namespace or connection.namespace
    reader = Reader(connection)
    hpas = _list_hpas(connection, f"/namespaces/{namespace}", f"in namespace {namespace}")
    subject = next((h for h in hpas if name_of(h) == name), None)
    if subject is None:
        raise ClusterError(f'horizontalpodautoscalers.autoscaling "{name}" not found in namespace "{namespace}"')
    reader.objects.append(subject)
    version = server_version(connection)
    reader.read_apiservices()
    ref = _target_ref(subject)
    scale = reader.read_scale(namespace, ref)
    selector = ((scale or {}).get("status") or {}).get("selector") or None
    pods: list[dict[str, Any]] = []
    if selector:
        items = reader.list_items(f"/api/v1/namespaces/{namespace}/pods", "Pod", "v1", {"labelSelector": selector})
        pods = items or []
        reader.objects.extend(pods)
    if scale is not None:
        _siblings(reader, namespace, subject, hpas, pods)
    reader.read_metrics(subject, selector)
    reader.read_custom_discovery([subject])
    reader.read_events(namespace, name)
    target = (namespace, str(ref.get("kind", "")), str(ref.get("name", "")))
    reader.read_neighbours(namespace, {target})
    reader.read_metrics_server()
    return _document(reader, {SUBJECT: f"{namespace}/{name}"}, version)


def read_all(connection: Connection, namespace: Optional[str]) -> dict[str, Any]:
    """Every HPA in a namespace (or all namespaces with ``namespace=None``), with batched lists."""
    reader = Reader(connection)
    scope = f"/namespaces/{namespace}" if namespace else ""
    hpas = _list_hpas(connection, scope, f"in namespace {namespace}" if namespace else "in all namespaces")
    reader.objects.extend(hpas)
    version = server_version(connection)
    if not hpas:
        return _document(reader, {}, version)
    reader.read_apiservices()
    selectors: dict[tuple[str, str], Optional[str]] = {}
    lists: dict[tuple[str, str], Optional[list[dict[str, Any]]]] = {}
    by_name: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}  # per list: (namespace, name) -> first
    kept: set[tuple[str, str, str]] = set()
    for hpa in hpas:
        ref = _target_ref(hpa)
        group, _version = group_version(str(ref.get("apiVersion", "")))
        resource = BUILTIN_SCALABLE.get((group, str(ref.get("kind", ""))))
        key = (namespace_of(hpa), name_of(hpa))
        if resource is None:  # a custom resource: its /scale, one GET per HPA
            scale = reader.read_scale(namespace_of(hpa), ref)
            selectors[key] = ((scale or {}).get("status") or {}).get("selector") or None
            continue
        if (group, resource) not in lists:
            lists[(group, resource)] = reader.list_items(f"{api_prefix(group, 'v1')}{scope}/{resource}", str(ref["kind"]),
                                                         f"{group}/v1" if group else "v1")
            by_name[(group, resource)] = {}
            for item in reversed(lists[(group, resource)] or ()):  # the first of a name wins, as a scan finds it
                by_name[(group, resource)][(namespace_of(item), name_of(item))] = item
        items = lists[(group, resource)]
        name = ref.get("name")
        workload = by_name[(group, resource)].get((namespace_of(hpa), name)) if isinstance(name, str) else None
        if workload is None:
            if items is not None:  # listed, and not there: what GET /scale would answer
                reader.failures.append(client_side_status(
                    f"{api_prefix(group, 'v1')}/namespaces/{namespace_of(hpa)}/{resource}/{ref.get('name')}/scale",
                    f'{resource}/scale.{group or "core"} "{ref.get("name")}" not found'.replace(".core", "")))
            selectors[key] = None
            continue
        if (namespace_of(workload), workload["kind"], name_of(workload)) not in kept:
            kept.add((namespace_of(workload), workload["kind"], name_of(workload)))
            reader.objects.append(workload)
        selectors[key] = workload_selector(workload)
    pods = reader.list_items(f"/api/v1{scope}/pods", "Pod", "v1", keep=lambda items: selected(items, selectors))
    reader.objects.extend(pods or ())
    if any(m.get("type") in RESOURCE_METRIC_TYPES or not (h.get("spec") or {}).get("metrics")
           for h in hpas for m in ((h.get("spec") or {}).get("metrics") or [{"type": "Resource"}])):
        items = reader.list_items(f"{api_prefix(RESOURCE_METRICS_GROUP, RESOURCE_METRICS_VERSION)}{scope}/pods",
                                  "PodMetrics", RESOURCE_METRICS_API_VERSION)
        reader.objects.extend(items or ())
    for hpa in hpas:  # custom and external metrics: one request per metric, whatever the pod count
        selector = selectors.get((namespace_of(hpa), name_of(hpa)))
        metrics = [m for m in (hpa.get("spec") or {}).get("metrics") or () if m.get("type") not in RESOURCE_METRIC_TYPES]
        if metrics:
            reader.read_metrics({**hpa, "spec": {**hpa["spec"], "metrics": metrics}}, selector)
    reader.read_custom_discovery(hpas)
    reader.read_events(namespace, None)
    targets = {(namespace_of(h), str(_target_ref(h).get("kind", "")), str(_target_ref(h).get("name", ""))) for h in hpas}
    reader.read_neighbours(namespace, targets)
    reader.read_metrics_server()
    return _document(reader, {}, version)


def _list_hpas(connection: Connection, scope: str, where: str) -> list[dict[str, Any]]:
    """The HPAs in ``scope`` (``/namespaces/NS`` or ``""`` for all). Without them there is nothing to explain: fatal."""
    response = connection.get(f"/apis/{HPA_API_VERSION}{scope}/horizontalpodautoscalers")
    if not response.ok:
        raise fatal(response, f"list horizontalpodautoscalers.autoscaling {where}")
    try:
        items = served_items(response.body, f"list horizontalpodautoscalers.autoscaling {where}")
    except ServedShapeError as error:
        raise ClusterError(str(error)) from None
    return [redact(h) for h in restore_kinds(items, "HorizontalPodAutoscaler", HPA_API_VERSION)]


def _target_ref(hpa: Mapping[str, Any]) -> Mapping[str, Any]:
    """An HPA's ``spec.scaleTargetRef`` (empty when it has none)."""
    return (hpa.get("spec") or {}).get("scaleTargetRef") or {}


def _siblings(reader: Reader, namespace: str, subject: Mapping[str, Any], hpas: list[dict[str, Any]],
              pods: list[dict[str, Any]]) -> None:
    """Other HPAs whose targets' selectors pick any of these pods (AmbiguousSelector), with their targets."""
    my_ref = _target_ref(subject)
    others = [h for h in hpas if name_of(h) != name_of(subject)]
    if not others or not pods:
        return
    workloads_by_kind: dict[tuple[str, str], list[dict[str, Any]]] = {}
    labels = [labels_of(p) for p in pods]
    for other in others:
        ref = _target_ref(other)
        if (ref.get("kind"), ref.get("name")) == (my_ref.get("kind"), my_ref.get("name")):
            reader.objects.append(other)  # same target, same scale: the same pods
            continue
        group, _version = group_version(str(ref.get("apiVersion", "")))
        resource = BUILTIN_SCALABLE.get((group, str(ref.get("kind", ""))))
        if resource is not None:
            key = (group, resource)
            if key not in workloads_by_kind:
                items = reader.list_items(f"{api_prefix(group, 'v1')}/namespaces/{namespace}/{resource}", str(ref["kind"]),
                                          f"{group}/v1" if group else "v1")
                workloads_by_kind[key] = items or []
            workload = next((w for w in workloads_by_kind[key] if name_of(w) == ref.get("name")), None)
            if workload is not None and any(_matches(workload_selector(workload))(item) for item in labels):
                reader.objects.extend([other, workload])
            continue
        path, _failure = reader.scale_path(namespace, ref)
        if path is None:
            continue
        response = reader.connection.get(path)
        if response.ok and any(_matches((response.body.get("status") or {}).get("selector"))(item) for item in labels):
            scale = redact({"apiVersion": "autoscaling/v1", "kind": "Scale",
                            **{k: v for k, v in response.body.items() if k not in ("apiVersion", "kind")}})
            reader.objects.extend([other, scale])


def selected(pods: list[dict[str, Any]], selectors: Mapping[tuple[str, str], Optional[str]]) -> list[dict[str, Any]]:
    """The pods any of the HPAs' target selectors picks in its namespace (``selectors``: (namespace, HPA name) ->
    the target's selector), in the order listed. Each distinct selector is looked up in a label index of its
    namespace's pods, so the cost grows with pods plus HPAs, not their product."""
    by_namespace: dict[str, list[int]] = {}
    for position, pod in enumerate(pods):
        by_namespace.setdefault(namespace_of(pod), []).append(position)
    indexes: dict[str, LabelIndex[int]] = {}
    picked: set[int] = set()
    for namespace, selector in {(ns, sel) for (ns, _name), sel in selectors.items() if sel}:
        parsed = _parsed(selector)
        if parsed is None or namespace not in by_namespace:
            continue
        if namespace not in indexes:
            indexes[namespace] = LabelIndex(by_namespace[namespace], lambda position: labels_of(pods[position]))
        picked.update(indexes[namespace].matching(parsed))
    return [pod for position, pod in enumerate(pods) if position in picked]


def selected_by_scan(pods: list[dict[str, Any]],
                     selectors: Mapping[tuple[str, str], Optional[str]]) -> list[dict[str, Any]]:
    """:func:`selected` the straightforward way (every selector on every pod): the reference it is tested against."""
    matchers = [(ns, _matches(sel)) for (ns, _n), sel in selectors.items()]
    return [p for p in pods if any(ns == namespace_of(p) and match(labels_of(p)) for ns, match in matchers)]


def _parsed(selector: str) -> Optional[Selector]:
    try:
        return parse_selector(selector)
    except SelectorError:
        return None


def _matches(selector: Optional[str]) -> Callable[[Optional[Mapping[str, Any]]], bool]:
    """A predicate on labels for a selector string; one that is missing or does not parse picks nothing."""
    if not selector:
        return lambda labels: False
    try:
        parsed = parse_selector(selector)
    except SelectorError:
        return lambda labels: False
    return lambda labels: parsed.matches(labels or {})


def _document(reader: Reader, annotations: dict[str, str], version: Optional[str]) -> dict[str, Any]:
    """The snapshot List: what was read, then the failed reads, stamped with the time of reading, the server's
    version (when it could be read) and redacted."""
    annotations = {CAPTURED_AT: format_time(time.time()), **annotations}
    if version is not None:
        annotations[KUBERNETES_VERSION] = version
    if reader.apiservices is not None:
        annotations[APISERVICES_COMPLETE] = "complete"
    annotations[REDACTED] = REDACTED_NOTE
    return {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": annotations},
            "items": reader.objects + reader.failures}
