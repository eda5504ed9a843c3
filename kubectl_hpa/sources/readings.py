"""Metric API objects -> the core's readings: what the controller's metrics client returns per metric.

The resource metrics API answers with PodMetrics, the custom metrics API with a MetricValueList
(v1beta1 and v1beta2 name the metric and the window differently), the external one with an
ExternalMetricValueList. A read that failed is recorded as a Status annotated with its request; it
is matched here with the very request :func:`~kubectl_hpa.sources.kube.metric_request` builds, and
becomes the FetchError the controller sees, wrapped as its metrics client wraps it.
"""

from __future__ import annotations

import heapq
from typing import Any, Iterable, Iterator, Optional

from ..core.model import (
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PODS,
    RESOURCE,
    ExternalMetrics,
    FetchError,
    HPASpec,
    MetricSpec,
    ObjectMetric,
    PodMetricSample,
    PodResourceSample,
    PodsMetrics,
    Reading,
    ResourceMetrics,
    Scale,
)
from ..core.selector import label_selector_matches, parse_selector
from .document import Snapshot
from .fields import read_duration, read_milli, read_time
from .index import LabelIndex
from .kube import (
    CUSTOM_METRICS_GROUP,
    EXTERNAL_METRICS_GROUP,
    RESOURCE_METRICS_GROUP,
    describe,
    kind_plural,
    labels_of,
    metric_request,
    name_of,
    namespace_of,
    request_matcher,
    status_message,
)

METRIC_API_WRAP = {
    RESOURCE_METRICS_GROUP: "unable to fetch metrics from resource metrics API: ",
    CUSTOM_METRICS_GROUP: "unable to fetch metrics from custom metrics API: ",
    EXTERNAL_METRICS_GROUP: "unable to fetch metrics from external metrics API: ",
}
"""The prefix the controller's metrics client puts before an API's error, by API group."""


def metric_failure(snapshot: Snapshot, hpa: HPASpec, spec: MetricSpec) -> Optional[FetchError]:
    """A failed metrics API read for this metric (whatever version was served), as the metrics client wraps it."""
    request = metric_request(hpa.namespace, spec.type, spec.name, selector=spec.selector,
                             described=spec.described_object)
    if request is None:
        return None
    status = snapshot.failed_read(request_matcher(request))
    if status is None:
        return None
    return FetchError(METRIC_API_WRAP[request.group] + status_message(status))


def readings_for(snapshot: Snapshot, hpa: HPASpec, scale: Scale) -> tuple[Reading, ...]:
    """One reading per metric of the HPA, in spec order: a sample set, a FetchError, or None (unknown type)."""
    readings: list[Reading] = []
    resource_cache: Optional[ResourceMetrics] = None
    for spec in hpa.metrics:
        failure = metric_failure(snapshot, hpa, spec)
        if failure is not None:
            readings.append(failure)
            continue
        if spec.type in (RESOURCE, CONTAINER_RESOURCE):
            if resource_cache is None:  # one PodMetrics list serves every resource metric
                resource_cache = _resource_reading(snapshot, hpa.namespace, scale.selector)
            readings.append(resource_cache)
        elif spec.type == PODS:
            readings.append(_pods_reading(snapshot, hpa.namespace, spec.name))
        elif spec.type == OBJECT:
            target = spec.described_object
            found: Reading = None
            for described, name, stamp, _window_s, value in _custom_items(snapshot, hpa.namespace):
                if target and described.get("kind") == target.kind and described.get("name") == target.name \
                        and name == spec.name:
                    found = ObjectMetric(value, stamp)
                    break
            if found is None and target is not None:
                found = FetchError(f"the server could not find the metric {spec.name} for "
                                   f"{kind_plural(target.kind)} {target.name}")
            readings.append(found)
        elif spec.type == EXTERNAL:
            values, stamp = [], 0.0
            for listing in snapshot.of_kind("ExternalMetricValueList"):
                if namespace_of(listing, hpa.namespace) != hpa.namespace:
                    continue
                for index, item in enumerate(listing.get("items") or ()):
                    labels = {str(k): str(v) for k, v in (item.get("metricLabels") or {}).items()}
                    if item.get("metricName") == spec.name and label_selector_matches(spec.selector, labels):
                        values.append(read_milli(item.get("value"), snapshot.source,
                                                 f"ExternalMetricValueList.items[{index}].value"))
                        stamp = stamp or read_time(item.get("timestamp"), snapshot.source,
                                                   f"ExternalMetricValueList.items[{index}].timestamp")
            readings.append(ExternalMetrics(tuple(values), stamp))
        else:
            readings.append(None)
    return tuple(readings)


def newest_metric_time(snapshot: Snapshot) -> Optional[float]:
    """The newest timestamp of any metric in the file: the evaluation time of a file that does not say when it was read."""
    stamps: list[float] = []
    for item in snapshot.of_kind("PodMetrics"):
        if item.get("timestamp"):
            stamps.append(read_time(item["timestamp"], snapshot.source, f"{describe(item)}: timestamp"))
    for listing in snapshot.of_kind("MetricValueList", "ExternalMetricValueList"):
        for item in listing.get("items") or ():
            if item.get("timestamp"):
                stamps.append(read_time(item["timestamp"], snapshot.source, "metric timestamp"))
    return max(stamps) if stamps else None


def _resource_reading(snapshot: Snapshot, namespace: str, selector: Optional[str]) -> ResourceMetrics:
    """The PodMetrics of the namespace that the target's selector picks (all of them without one).

    Kept per (namespace, selector) for the snapshot: HPAs of one target read the same list, and the PodMetrics are
    found through a label index (:func:`_picked_pod_metrics`), not by a scan of every namespace's per HPA."""
    return snapshot.derived(("resource reading", namespace, selector),
                            lambda: _read_resource(snapshot, _picked_pod_metrics(snapshot, namespace, selector)))


def _picked_pod_metrics(snapshot: Snapshot, namespace: str, selector: Optional[str]) -> list[dict[str, Any]]:
    """The PodMetrics of the namespace (one without a namespace is in every one) that the selector picks, in file
    order; one without labels is always picked (metrics-server lists by the same selector as the pods, so a
    PodMetrics that does not say its labels was picked by it)."""
    matcher = parse_selector(selector) if selector else None
    entries = in_namespace(snapshot, "PodMetrics", namespace)
    if matcher is None:
        return [item for _position, item in entries]
    index = snapshot.derived(("PodMetrics by label", namespace),
                             lambda: LabelIndex(entries, lambda entry: labels_of(entry[1])))
    unlabelled = snapshot.derived(("PodMetrics without labels", namespace),
                                  lambda: [offset for offset, labels in enumerate(index.labels) if not labels])
    picked = index.positions(matcher)
    offsets = sorted(set(picked).union(unlabelled)) if unlabelled else picked
    return [entries[offset][1] for offset in offsets]


def _picked_pod_metrics_by_scan(snapshot: Snapshot, namespace: str, selector: Optional[str]) -> list[dict[str, Any]]:
    """:func:`_picked_pod_metrics` the straightforward way: the reference the indexed one is tested against."""
    matcher = parse_selector(selector) if selector else None
    out = []
    for item in snapshot.of_kind("PodMetrics"):
        if namespace_of(item, namespace) != namespace:
            continue
        labels = labels_of(item)
        if labels and matcher is not None and not matcher.matches(labels):
            continue
        out.append(item)
    return out


def in_namespace(snapshot: Snapshot, kind: str, namespace: str) -> list[tuple[int, dict[str, Any]]]:
    """(file position, object) of the objects of ``kind`` in the namespace, in file order; an object that names no
    namespace is in every one (as :func:`~kubectl_hpa.sources.kube.namespace_of` with that namespace as default
    reads it). Grouped once per snapshot."""

    def group() -> dict[str, list[tuple[int, dict[str, Any]]]]:
        by_namespace: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for position, item in enumerate(snapshot.of_kind(kind)):
            by_namespace.setdefault(namespace_of(item), []).append((position, item))
        return by_namespace

    def merged() -> list[tuple[int, dict[str, Any]]]:
        groups = snapshot.derived(("in namespace", kind), group)
        mine, everywhere = groups.get(namespace, []), groups.get("", []) if namespace else []
        return list(heapq.merge(mine, everywhere, key=lambda entry: entry[0])) if everywhere else mine

    return snapshot.derived(("in namespace", kind, namespace), merged)


def _read_resource(snapshot: Snapshot, items: list[dict[str, Any]]) -> ResourceMetrics:
    """PodMetrics objects -> the resource metrics client's samples."""
    samples = []
    for item in items:
        where = describe(item)
        containers = {
            str(container.get("name", "")): {str(k): read_milli(v, snapshot.source, f"{where}: containers[{i}].usage.{k}")
                                             for k, v in (container.get("usage") or {}).items()}
            for i, container in enumerate(item.get("containers") or ())
        }
        samples.append(PodResourceSample(
            pod=name_of(item), timestamp=read_time(item.get("timestamp"), snapshot.source, f"{where}: timestamp"),
            window=read_duration(item.get("window", "1m0s"), snapshot.source, f"{where}: window"),
            containers=containers))
    return ResourceMetrics(tuple(samples))


def _pods_reading(snapshot: Snapshot, namespace: str, metric: str) -> PodsMetrics:
    """Every sample of a Pods metric in the namespace, once per snapshot: the HPAs of a namespace that scale on one
    metric read the same list (a malformed item fails each of them, as reading it for each would)."""

    def read() -> PodsMetrics:
        return PodsMetrics(tuple(PodMetricSample(str(described.get("name")), value, stamp, window)
                                 for described, name, stamp, window, value in _custom_items(snapshot, namespace)
                                 if described.get("kind") == "Pod" and name == metric))

    return snapshot.derived(("pods metric", namespace, metric), read)


def _custom_items(snapshot: Snapshot, namespace: str) -> Iterator[tuple[dict[str, Any], str, float, float, int]]:
    """Custom metric items of both API versions as (describedObject, metric name, time, window, milli).

    The items are those of :func:`_custom_items_by_scan`, in the same order and read (and failing) the same way;
    each is read once per snapshot (:class:`_Replay`), and the items of other namespaces are skipped without
    being looked at (grouped once per snapshot)."""
    return iter(snapshot.derived(("custom metric items read", namespace),
                                 lambda: _Replay(_read_custom_candidates(snapshot, namespace))))


class _Replay:
    """A generator's items, kept as they come, so that iterating again replays them (and then goes on where the
    generator stopped); an exception it raised is raised again at the same place, every time."""

    def __init__(self, source: Iterator[Any]):
        self.source = source
        self.items: list[Any] = []
        self.error: Optional[BaseException] = None
        self.done = False

    def __iter__(self) -> Iterator[Any]:
        position = 0
        while True:
            if position < len(self.items):
                yield self.items[position]
                position += 1
                continue
            if self.error is not None:
                raise self.error
            if self.done:
                return
            try:
                item = next(self.source)
            except StopIteration:
                self.done = True
                return
            except Exception as error:
                self.error = error
                raise
            self.items.append(item)


def _read_custom_candidates(snapshot: Snapshot, namespace: str) -> Iterator[tuple[dict[str, Any], str, float, float,
                                                                                   int]]:
    """The custom metric items of the namespace, read from :func:`_custom_candidates` as the scan reads them."""
    for entry in _custom_candidates(snapshot, namespace):
        if entry[1] == "listing":  # items not served as a list: read as the scan reads them
            yield from _read_custom(snapshot, namespace, entry[2], enumerate(entry[3].get("items") or ()))
        else:
            yield from _read_custom(snapshot, namespace, entry[2], ((entry[3], entry[4]),))


def _custom_items_by_scan(snapshot: Snapshot, namespace: str) -> Iterator[tuple[dict[str, Any], str, float, float,
                                                                                  int]]:
    """:func:`_custom_items` the straightforward way, every listing's every item: the reference it is tested against."""
    for listing in snapshot.of_kind("MetricValueList"):
        yield from _read_custom(snapshot, namespace, str(listing.get("apiVersion", "")),
                                enumerate(listing.get("items") or ()))


def _read_custom(snapshot: Snapshot, namespace: str, version: str,
                 items: Iterable[tuple[int, Any]]) -> Iterator[tuple[dict[str, Any], str, float, float, int]]:
    """The items of one MetricValueList (``(index, item)``) that are about ``namespace``, read."""
    for index, item in items:
        where = f"MetricValueList.items[{index}]"
        described = item.get("describedObject") or {}
        if str(described.get("namespace") or namespace) != namespace:
            continue
        if version.endswith("v1beta1"):
            name, window = item.get("metricName"), item.get("window")
        else:
            name, window = (item.get("metric") or {}).get("name"), item.get("windowSeconds")
        yield (described, str(name), read_time(item.get("timestamp"), snapshot.source, f"{where}.timestamp"),
               float(window) if window is not None else 60.0,
               read_milli(item.get("value"), snapshot.source, f"{where}.value"))


CustomEntry = tuple[Any, ...]
"""(order, "item", apiVersion, index, item) or (order, "listing", apiVersion, listing)."""


def _custom_candidates(snapshot: Snapshot, namespace: str) -> list[CustomEntry]:
    """The MetricValueList items that may be about ``namespace`` (those of its namespace, those that name none or
    are not shaped to say), in file order; a listing whose items are not a list comes whole."""

    def group() -> dict[Optional[str], list[CustomEntry]]:
        groups: dict[Optional[str], list[CustomEntry]] = {}
        order = 0
        for listing in snapshot.of_kind("MetricValueList"):
            version, items = str(listing.get("apiVersion", "")), listing.get("items") or ()
            if not isinstance(items, (list, tuple)):
                groups.setdefault(None, []).append((order, "listing", version, listing))
                order += 1
                continue
            for index, item in enumerate(items):
                described = item.get("describedObject") if isinstance(item, dict) else None
                key = None  # about every namespace, or not shaped to say: the reader decides
                if isinstance(described, dict) and described.get("namespace"):
                    key = str(described["namespace"])
                groups.setdefault(key, []).append((order, "item", version, index, item))
                order += 1
        return groups

    groups = snapshot.derived(("custom metric items by namespace",), group)
    mine, everywhere = groups.get(namespace, []), groups.get(None, [])
    if not everywhere or not mine:
        return mine or everywhere
    return list(heapq.merge(mine, everywhere, key=lambda entry: entry[0]))
