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

from typing import Any, Callable, Iterable, Optional

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
        self.cache: Optional[ReadingsCache] = None  # set by ReadingsCache.observe: readings read before are reused
        self._refused: Optional[bool] = None

    def get(self, key: str) -> Optional[Response]:
        return self.responses.get(key)

    def refused(self) -> bool:
        """Whether any read of this refresh was answered 403 (most refreshes: none, and no HPA need look)."""
        if self._refused is None:
            self._refused = any(response.status == 403 for response in self.responses.values())
        return self._refused

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


def read_batched(connection: Connection, requests: Iterable[Requests],
                 cache: Optional[ReadingsCache] = None) -> Answers:
    """One GET per distinct request of this refresh; an answer the same as the last refresh's is not parsed again."""
    wanted: dict[str, MetricRequest] = {}
    for per_hpa in requests:
        for request in per_hpa:
            if request is not None:
                wanted.setdefault(request.key, request)
    last = cache.answers.responses if cache is not None and cache.answers is not None else {}
    return Answers({key: connection.get(request.path, request.query, previous=last.get(key))
                    for key, request in wanted.items()})


def described_pod(item: dict) -> str:
    """The pod a custom metric value of a Pods metric is about."""
    return str((item.get("describedObject") or {}).get("name", ""))


class ReadingsCache:
    """Per HPA, the readings of the last refresh and what they were read from: read again only when that changed.

    Readings are a function of the HPA's spec, its scale, its pods and the answers to its requests. The informers
    keep an object unchanged (the same Python object) until the API server sends a new version, and an answer is
    "the same" when its status and text are byte for byte the previous refresh's; so when nothing an HPA reads
    changed, its readings are the ones read before, and parsing them again (quantities, timestamps) is skipped.
    Entries last one refresh past their last use, so HPAs that went away (or a shadow spec made per refresh) are
    forgotten.
    """

    def __init__(self) -> None:
        self.bodies: dict[str, tuple[int, str, str, int]] = {}  # request key -> (status, text, error, generation)
        self.generation = 0
        self.entries: dict[tuple[str, int], tuple[HPASpec, tuple[Any, ...], tuple[Reading, ...]]] = {}
        self.previous: dict[tuple[str, int], tuple[HPASpec, tuple[Any, ...], tuple[Reading, ...]]] = {}
        self.by_key: dict[str, tuple[HPASpec, tuple[Any, ...], tuple[Reading, ...]]] = {}  # an equal spec, parsed anew
        self.answers: Optional[Answers] = None  # the last refresh's: an answer with the same text is not parsed again
        self.moved = True  # whether an answer changed (or went) at the last observe()

    def observe(self, answers: Answers) -> None:
        """Note which answers changed since the last refresh, and let ``answers`` use this cache."""
        generation = self.generation
        for key, response in answers.responses.items():
            seen = self.bodies.get(key)
            if seen is None or seen[:3] != (response.status, response.text, response.error):
                self.generation += 1
                self.bodies[key] = (response.status, response.text, response.error, self.generation)
        moved = generation != self.generation
        for key in set(self.bodies) - set(answers.responses):
            del self.bodies[key]
            moved = True
        # No answer changed or went: every entry checked at the last refresh has the answers' generations it
        # holds, so readings() need not look them up again (~3 us per HPA).
        self.moved = moved
        self.previous, self.entries = self.entries, {}
        self.by_key = {entry[0].key: entry for entry in self.previous.values()}
        answers.cache = self
        self.answers = answers

    def readings(self, spec: HPASpec, scale: Scale, pods: tuple[Pod, ...], requests: Requests,
                 answers: Answers) -> tuple[Reading, ...]:
        """:func:`read_readings`, or what it gave for the same inputs at the last refresh."""
        key = spec.key
        slot = (key, id(spec))
        cached = self.entries.get(slot) or self.previous.get(slot) or self.by_key.get(key)
        if cached is not None and (cached[0] is spec or cached[0] == spec):
            before = cached[1]
            # The pods are kept in the entry, so their ids cannot be reused by other objects while it lives.
            if before[0] == scale and before[3] == requests and (before[1] is pods or before[2] == tuple(map(id, pods))) \
                    and (not self.moved or before[4] == self._generations(requests)):
                self.entries[slot] = cached
                return cached[2]
        inputs = (scale, pods, tuple(map(id, pods)), requests, self._generations(requests))
        found = read_readings(spec, scale, pods, requests, answers)
        self.entries[slot] = self.by_key[key] = (spec, inputs, found)
        return found

    def _generations(self, requests: Requests) -> tuple[Optional[int], ...]:
        """Per request, the generation of its answer's body (None: no answer)."""
        bodies = self.bodies
        return tuple(bodies[r.key][3] if r is not None and r.key in bodies else None for r in requests)


def readings(spec: HPASpec, scale: Scale, pods: tuple[Pod, ...], requests: Requests,
             answers: Answers) -> tuple[Reading, ...]:
    """The batched answers cut down to this HPA's pods, read as ``explain`` reads a snapshot (from the refresh's
    :class:`ReadingsCache` when the answers have one)."""
    if answers.cache is not None:
        return answers.cache.readings(spec, scale, pods, requests, answers)
    return read_readings(spec, scale, pods, requests, answers)


def read_readings(spec: HPASpec, scale: Scale, pods: tuple[Pod, ...], requests: Requests,
                  answers: Answers) -> tuple[Reading, ...]:
    """:func:`readings`, read from the answers every time."""
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
    if not answers.refused():
        return set()
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
