"""Metric API objects -> the core's readings: what the controller's metrics client returns per metric.

The resource metrics API answers with PodMetrics, the custom metrics API with a MetricValueList
(v1beta1 and v1beta2 name the metric and the window differently), the external one with an
ExternalMetricValueList. A read that failed is recorded as a Status annotated with its request; it
is matched here with the very request :func:`~kubectl_hpa.sources.kube.metric_request` builds, and
becomes the FetchError the controller sees, wrapped as its metrics client wraps it.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

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
            samples = tuple(PodMetricSample(str(described.get("name")), value, stamp, window)
                            for described, name, stamp, window, value in _custom_items(snapshot, hpa.namespace)
                            if described.get("kind") == "Pod" and name == spec.name)
            readings.append(PodsMetrics(samples))
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
    """The PodMetrics of the namespace that the target's selector picks (all of them without one)."""
    matcher = parse_selector(selector) if selector else None
    samples = []
    for item in snapshot.of_kind("PodMetrics"):
        if namespace_of(item, namespace) != namespace:
            continue
        labels = labels_of(item)
        if labels and matcher is not None and not matcher.matches(labels):
            continue  # metrics-server lists by the same selector as the pods
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


def _custom_items(snapshot: Snapshot, namespace: str) -> Iterator[tuple[dict[str, Any], str, float, float, int]]:
    """Custom metric items of both API versions as (describedObject, metric name, time, window, milli)."""
    for listing in snapshot.of_kind("MetricValueList"):
        version = str(listing.get("apiVersion", ""))
        for index, item in enumerate(listing.get("items") or ()):
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
