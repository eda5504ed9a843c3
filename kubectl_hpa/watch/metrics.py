"""Metric reads, batched per refresh: one GET per distinct request, whatever the number of HPAs and pods.

Each metric of each HPA maps to the request the controller's metrics client sends
(:func:`kubectl_hpa.sources.kube.metric_request`), but without a pod selector: PodMetrics
and each custom Pods metric are listed once per namespace, and every HPA's pods are cut
out of that answer here (:class:`Answers` indexes each list by pod once, so cutting costs the
HPA's pods, not the namespace's). Object and External metrics carry their own selector in the
request, so two HPAs share a GET only when they ask for exactly the same thing.

The cut-down answers are handed to the snapshot reader (``readings_for``) that
``explain`` uses, so watch and explain read a metric the same way.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from ..core.model import CONTAINER_RESOURCE, OBJECT, PODS, RESOURCE, HPASpec, Pod, Reading, Scale
from ..sources.cluster_client import Connection
from ..sources.kube import (
    REQUEST,
    MetricAPIVersions,
    MetricRequest,
    Response,
    metadata,
    metric_request,
    name_of,
    status_for,
)
from ..sources.snapshot import Snapshot, readings_for

Requests = tuple[Optional[MetricRequest], ...]
"""Per metric of an HPA (in spec order), the batched request that answers it; None when it cannot be read."""


def requests_for(spec: HPASpec, versions: MetricAPIVersions) -> Requests:
    """The batched requests of one HPA's metrics (per namespace, no pod selector)."""
    return tuple(metric_request(spec.namespace, metric.type, metric.name, selector=metric.selector,
                                described=metric.described_object, versions=versions)
                 for metric in spec.metrics)


class Answers:
    """This refresh's answers by :attr:`MetricRequest.key`; a list is indexed by pod the first time it is cut."""

    def __init__(self, responses: dict[str, Response]) -> None:
        self.responses = responses
        self.indexes: dict[str, dict[str, list[tuple[int, dict]]]] = {}  # key -> pod name -> (position, item)

    def get(self, key: str) -> Optional[Response]:
        return self.responses.get(key)

    def items_for(self, key: str, pods: Iterable[str], pod_of: Callable[[dict], str]) -> list[dict]:
        """The items of a successful list that belong to ``pods``, in the order the server listed them."""
        index = self.indexes.get(key)
        if index is None:
            index = {}
            for position, item in enumerate(self.responses[key].body.get("items") or ()):
                index.setdefault(pod_of(item), []).append((position, item))
            self.indexes[key] = index
        found = [entry for pod in pods for entry in index.get(pod, ())]
        return [item for _position, item in sorted(found, key=lambda entry: entry[0])]


def read_batched(connection: Connection, requests: Iterable[Requests]) -> Answers:
    """One GET per distinct request of this refresh."""
    wanted: dict[str, MetricRequest] = {}
    for per_hpa in requests:
        for request in per_hpa:
            if request is not None:
                wanted.setdefault(request.key, request)
    return Answers({key: connection.get(request.path, request.query) for key, request in wanted.items()})


def described_pod(item: dict) -> str:
    """The pod a custom metric value of a Pods metric is about."""
    return str((item.get("describedObject") or {}).get("name", ""))


def readings(spec: HPASpec, scale: Scale, pods: tuple[Pod, ...], requests: Requests,
             answers: Answers) -> tuple[Reading, ...]:
    """The batched answers cut down to this HPA's pods, read as ``explain`` reads a snapshot."""
    names = {pod.name for pod in pods}
    objects: list[dict] = []
    for metric, request in zip(spec.metrics, requests, strict=True):
        if request is None:
            continue
        response = answers.get(request.key)
        if response is None:
            continue
        if not response.ok:
            objects.append(status_for(response))
            continue
        body = response.body
        if metric.type in (RESOURCE, CONTAINER_RESOURCE):
            objects.extend({"kind": "PodMetrics", **item} for item in answers.items_for(request.key, names, name_of))
        elif metric.type == PODS:
            items = answers.items_for(request.key, names, described_pod)
            objects.append({**body, "kind": "MetricValueList", "items": items})
        elif metric.type == OBJECT:
            objects.append({**body, "kind": "MetricValueList"})
        else:  # External: the snapshot reader matches it to the HPA by namespace and request
            objects.append({**body, "kind": "ExternalMetricValueList",
                            "metadata": {**metadata(body), "namespace": spec.namespace,
                                         "annotations": {REQUEST: f"GET {request.path}"}}})
    return readings_for(Snapshot(source="cluster", objects=objects), spec, scale)


def forbidden(requests: Requests, answers: Answers) -> set[int]:
    """Indexes of the metrics whose read was refused (403): shown as ``<forbidden>``, an RBAC matter."""
    return {index for index, request in enumerate(requests)
            if request is not None and getattr(answers.get(request.key), "status", None) == 403}


def read_problems(answers: Answers) -> list[str]:
    """Failed reads worth a line above the table (403s show in the rows instead), one per distinct failure."""
    return sorted({f"{short_path(path)}: {status_for(response)['message']}"
                   for path, response in answers.responses.items() if not response.ok and response.status != 403})


def unreachable(answers: Answers) -> str:
    """Why the API server could not be reached at all this refresh ("connection refused", "EOF"), or "".

    Only when every read failed before any HTTP answer (status 0): one failing metrics API is a metric
    failing, the API server gone is every metric "failing" at once, and the rows must say so instead."""
    responses = list(answers.responses.values())
    if not responses or any(response.status != 0 for response in responses):
        return ""
    reason = responses[0].error.rsplit(": ", 1)[-1] if responses[0].error else "no answer"
    return reason


def short_path(path: str) -> str:
    """``/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/...`` -> ``custom.metrics.k8s.io shop``."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    return f"{parts[1]} {parts[4]}" if len(parts) > 4 and parts[3] == "namespaces" else path
