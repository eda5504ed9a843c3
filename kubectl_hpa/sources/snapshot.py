"""Snapshot files (what the API serves, as a v1 List or a YAML stream) -> the core's SyncInput.

A snapshot holds the HorizontalPodAutoscaler, its scale target (or an
autoscaling/v1 Scale), the Pods, the metric API objects (PodMetrics,
MetricValueList, ExternalMetricValueList) and optionally Events, APIServices and
our ``ControllerState``. Bad input raises :class:`SnapshotError`, worded as one
line that names the object and field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Optional

from ..core.model import (
    AVERAGE_VALUE,
    CONTAINER_RESOURCE,
    EXTERNAL,
    METRIC_TYPES,
    OBJECT,
    PERCENT_POLICY,
    PODS,
    PODS_POLICY,
    RESOURCE,
    SELECT_DISABLED,
    SELECT_MAX,
    SELECT_MIN,
    UTILIZATION,
    VALUE,
    Behavior,
    Condition,
    ContainerRequests,
    ControllerSettings,
    ControllerState,
    ExternalMetrics,
    FetchError,
    HPASpec,
    LabelSelector,
    MetricSpec,
    MetricTarget,
    ObjectMetric,
    ObjectReference,
    Pod,
    PodMetricSample,
    PodResourceSample,
    PodsMetrics,
    Reading,
    Recommendation,
    ResourceMetrics,
    Scale,
    ScaleEvent,
    ScalingPolicy,
    ScalingRules,
    SyncInput,
)
from ..core.quantity import QuantityError, parse_duration, parse_milli, parse_quantity
from ..core.selector import SelectorError, label_selector_matches, parse_selector
from ..timefmt import parse_time
from .kube import (
    CAPTURED_AT,
    SUBJECT,
    SelectorShapeError,
    describe,
    key_of,
    kind_plural,
    label_selector,
    metric_request,
    name_of,
    namespace_of,
    request_matcher,
    request_of,
    status_message,
    workload_selector,
)


class SnapshotError(ValueError):
    """Input that is not a usable snapshot; the message is one line for the user."""


@dataclass
class Snapshot:
    """The objects of one snapshot file, grouped by kind, in file order."""

    source: str
    objects: list[dict] = field(default_factory=list)
    captured_at: Optional[float] = None
    annotations: dict = field(default_factory=dict)  # of the top-level List(s), first one wins per key

    @property
    def subject(self) -> Optional[str]:
        """``namespace/name`` of the HPA a ``kubectl hpa snapshot`` was taken for, if any."""
        return self.annotations.get(SUBJECT)

    def failed_reads(self) -> list[tuple[str, str, dict]]:
        """Status objects annotated with the request they answer: (method, path without query, Status)."""
        out = []
        for item in self.of_kind("Status"):
            method, path = request_of(item)
            if path:
                out.append((method, path, item))
        return out

    def failed_read(self, match) -> Optional[dict]:
        """The first Status whose request path satisfies ``match(path)``."""
        for _method, path, status in self.failed_reads():
            if match(path):
                return status
        return None

    _kinds: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: int = field(default=-1, init=False, repr=False, compare=False)
    _selectors: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def _index(self) -> dict[str, list[dict]]:
        """Objects by kind, rebuilt when objects were added: explaining N HPAs stays O(N), not O(N^2)."""
        if self._indexed != len(self.objects):
            self._kinds = {}
            for item in self.objects:
                self._kinds.setdefault(item.get("kind"), []).append(item)
            self._indexed = len(self.objects)
            self._selectors = {}
        return self._kinds

    def of_kind(self, *kinds: str) -> list[dict]:
        index = self._index()
        if len(kinds) == 1:
            return list(index.get(kinds[0], ()))
        return [item for item in self.objects if item.get("kind") in kinds]

    @property
    def hpas(self) -> list[dict]:
        return self.of_kind("HorizontalPodAutoscaler")


# ----------------------------------------------------------------------------- reading files


def load_text(text: str, source: str) -> Snapshot:
    """Parse JSON or (multi-document) YAML; flatten Lists and ``*List`` kinds."""
    try:
        return _load_text(text, source)
    except MALFORMED as error:
        raise malformed(source, error) from None


def _load_text(text: str, source: str) -> Snapshot:
    documents = _parse_documents(text, source)
    snapshot = Snapshot(source=source)
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise SnapshotError(f"{source}: expected Kubernetes objects, found a {type(document).__name__}")
        annotations = (document.get("metadata") or {}).get("annotations") or {}
        if CAPTURED_AT in annotations and snapshot.captured_at is None:
            snapshot.captured_at = _time(annotations[CAPTURED_AT], source, f"metadata.annotations[{CAPTURED_AT}]")
        if document.get("kind") == "List":
            for key, value in annotations.items():
                snapshot.annotations.setdefault(str(key), str(value))
        snapshot.objects.extend(_flatten(document, source))
    if not snapshot.objects:
        raise SnapshotError(f"{source}: no Kubernetes objects found")
    return snapshot


def _parse_documents(text: str, source: str) -> list[Any]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            parsed = json.loads(text)
            return parsed if isinstance(parsed, list) else [parsed]
        except json.JSONDecodeError as error:
            raise SnapshotError(f"{source}: malformed JSON at line {error.lineno} column {error.colno}: "
                                f"{error.msg}") from None
    import yaml  # lazily: only snapshots in YAML pay for it

    # libyaml's parser is ~20x faster than PyYAML's pure-Python one; a 10-pod snapshot costs 5 ms, not 100+.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SnapshotError(f"{source}: malformed YAML{where}: {problem}") from None


def _flatten(document: dict, source: str) -> Iterator[dict]:
    raw_kind = document.get("kind", "")
    if not isinstance(raw_kind, str):
        raise SnapshotError(f"{source}: kind must be a string, got {raw_kind!r}")
    kind = raw_kind
    items = document.get("items")
    if kind == "List" or (kind.endswith("List") and kind not in ("MetricValueList", "ExternalMetricValueList",
                                                                  "APIResourceList")):
        if items is None:
            return
        if not isinstance(items, list):
            raise SnapshotError(f"{source}: {kind}.items must be a list")
        item_kind = kind[:-4] if kind != "List" else ""
        item_version = document.get("apiVersion", "")
        for item in items:
            if not isinstance(item, dict):
                raise SnapshotError(f"{source}: {kind}.items holds a {type(item).__name__}, not an object")
            # A real server leaves kind/apiVersion off list items; restore them from the list.
            if item_kind and "kind" not in item:
                item = {"kind": item_kind, "apiVersion": item_version, **item}
            yield from _flatten(item, source)
        return
    if not kind:
        raise SnapshotError(f"{source}: an object has no kind")
    yield document


# ----------------------------------------------------------------------------- small readers


def _time(value: Any, source: str, where: str) -> float:
    try:
        return parse_time(str(value))
    except ValueError:
        raise SnapshotError(f"{source}: {where}: invalid timestamp {value!r} (want RFC 3339)") from None


def _milli(value: Any, source: str, where: str) -> int:
    try:
        return parse_milli(value)
    except QuantityError:
        raise SnapshotError(f"{source}: {where}: invalid quantity {value!r}") from None


def _int(value: Any, source: str, where: str, minimum: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SnapshotError(f"{source}: {where}: expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise SnapshotError(f"{source}: {where}: must be at least {minimum}, got {value}")
    return value


def _label_selector(raw: Any, source: str, where: str) -> Optional[LabelSelector]:
    try:
        return label_selector(raw)
    except SelectorShapeError as error:
        raise SnapshotError(f"{source}: {where}: {error}") from None


# ----------------------------------------------------------------------------- the HPA


def parse_hpa(obj: dict, source: str) -> HPASpec:
    """autoscaling/v2 (v2beta2 has the same shape) or v1, converted to v2 as the API server does."""
    try:
        return _parse_hpa(obj, source)
    except MALFORMED as error:
        raise malformed(source, error) from None


def _parse_hpa(obj: dict, source: str) -> HPASpec:
    where = describe(obj)
    api_version = str(obj.get("apiVersion", "autoscaling/v2"))
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        raise SnapshotError(f"{source}: {where}: spec is missing")
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("kind") or not ref.get("name"):
        raise SnapshotError(f"{source}: {where}: spec.scaleTargetRef needs kind and name")
    target = ObjectReference(str(ref["kind"]), str(ref["name"]), str(ref.get("apiVersion", "")))
    if "maxReplicas" not in spec:
        raise SnapshotError(f"{source}: {where}: spec.maxReplicas is required")
    max_replicas = _int(spec["maxReplicas"], source, f"{where}: spec.maxReplicas", 1)
    min_replicas = spec.get("minReplicas")
    if min_replicas is not None:
        min_replicas = _int(min_replicas, source, f"{where}: spec.minReplicas", 0)
    if api_version == "autoscaling/v1":
        percent = spec.get("targetCPUUtilizationPercentage", 80)
        metrics: tuple[MetricSpec, ...] = (
            MetricSpec(RESOURCE, "cpu", MetricTarget(UTILIZATION, average_utilization=_int(
                percent, source, f"{where}: spec.targetCPUUtilizationPercentage", 1))),)
        behavior = None
    elif api_version in ("autoscaling/v2", "autoscaling/v2beta2"):
        raw_metrics = spec.get("metrics") or []
        if not isinstance(raw_metrics, list):
            raise SnapshotError(f"{source}: {where}: spec.metrics must be a list")
        metrics = tuple(_metric(item, source, f"{where}: spec.metrics[{index}]")
                        for index, item in enumerate(raw_metrics))
        if not metrics:  # API defaulting: no metrics means 80% CPU utilization
            metrics = (MetricSpec(RESOURCE, "cpu", MetricTarget(UTILIZATION, average_utilization=80)),)
        behavior = _behavior(spec.get("behavior"), source, f"{where}: spec.behavior")
    else:
        raise SnapshotError(f"{source}: {where}: apiVersion {api_version} is not supported "
                            "(use autoscaling/v2 or autoscaling/v1)")
    return HPASpec(name=name_of(obj), namespace=namespace_of(obj, "default"), scale_target=target, max_replicas=max_replicas,
                   min_replicas=min_replicas, metrics=metrics, behavior=behavior)


def _target(raw: Any, source: str, where: str, allowed: tuple[str, ...]) -> MetricTarget:
    if not isinstance(raw, dict) or "type" not in raw:
        raise SnapshotError(f"{source}: {where}.target: a target with a type is required")
    kind = raw["type"]
    if kind not in allowed:
        raise SnapshotError(f"{source}: {where}.target.type: {kind!r} is not one of {', '.join(allowed)}")
    utilization = raw.get("averageUtilization")
    if utilization is not None:
        utilization = _int(utilization, source, f"{where}.target.averageUtilization", 1)
    value = _milli(raw["value"], source, f"{where}.target.value") if raw.get("value") is not None else None
    average = (_milli(raw["averageValue"], source, f"{where}.target.averageValue")
               if raw.get("averageValue") is not None else None)
    needed = {UTILIZATION: utilization, VALUE: value, AVERAGE_VALUE: average}[kind]
    if needed is None:
        field_name = {UTILIZATION: "averageUtilization", VALUE: "value", AVERAGE_VALUE: "averageValue"}[kind]
        raise SnapshotError(f"{source}: {where}.target.{field_name}: required for a {kind} target")
    if needed <= 0:
        raise SnapshotError(f"{source}: {where}.target: must be positive")
    return MetricTarget(kind, utilization, value, average)


def _metric(raw: Any, source: str, where: str) -> MetricSpec:
    if not isinstance(raw, dict):
        raise SnapshotError(f"{source}: {where}: expected a metric object")
    kind = raw.get("type")
    if kind not in METRIC_TYPES:
        raise SnapshotError(f"{source}: {where}.type: unknown metric source type {kind!r} "
                            f"(expected one of {', '.join(METRIC_TYPES)})")
    field_name = kind[0].lower() + kind[1:]
    body = raw.get(field_name)
    if not isinstance(body, dict):
        raise SnapshotError(f"{source}: {where}.{field_name}: required for a {kind} metric")
    here = f"{where}.{field_name}"
    if kind in (RESOURCE, CONTAINER_RESOURCE):
        name = body.get("name")
        if not name:
            raise SnapshotError(f"{source}: {here}.name: the resource name is required")
        container = None
        if kind == CONTAINER_RESOURCE:
            container = body.get("container")
            if not container:
                raise SnapshotError(f"{source}: {here}.container: required for a ContainerResource metric")
        target = _target(body.get("target"), source, here, (UTILIZATION, AVERAGE_VALUE))
        return MetricSpec(kind, str(name), target, container=container)
    metric = body.get("metric") or {}
    if not metric.get("name"):
        raise SnapshotError(f"{source}: {here}.metric.name: the metric name is required")
    selector = _label_selector(metric.get("selector"), source, f"{here}.metric.selector")
    if kind == PODS:
        target = _target(body.get("target"), source, here, (AVERAGE_VALUE,))
        return MetricSpec(kind, str(metric["name"]), target, selector=selector)
    if kind == OBJECT:
        described = body.get("describedObject") or {}
        if not described.get("kind") or not described.get("name"):
            raise SnapshotError(f"{source}: {here}.describedObject: kind and name are required")
        target = _target(body.get("target"), source, here, (VALUE, AVERAGE_VALUE))
        reference = ObjectReference(str(described["kind"]), str(described["name"]),
                                    str(described.get("apiVersion", "")))
        return MetricSpec(kind, str(metric["name"]), target, selector=selector, described_object=reference)
    target = _target(body.get("target"), source, here, (VALUE, AVERAGE_VALUE))
    return MetricSpec(kind, str(metric["name"]), target, selector=selector)


DEFAULT_SCALE_UP = ScalingRules(0, SELECT_MAX, (ScalingPolicy(PODS_POLICY, 4, 15), ScalingPolicy(PERCENT_POLICY, 100, 15)))
DEFAULT_SCALE_DOWN = ScalingRules(None, SELECT_MAX, (ScalingPolicy(PERCENT_POLICY, 100, 15),))


def _behavior(raw: Any, source: str, where: str) -> Optional[Behavior]:
    """API defaulting: only when behavior is present, fill each nil field of each direction."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SnapshotError(f"{source}: {where}: expected an object")
    return Behavior(
        scale_up=_rules(raw.get("scaleUp"), DEFAULT_SCALE_UP, source, f"{where}.scaleUp"),
        scale_down=_rules(raw.get("scaleDown"), DEFAULT_SCALE_DOWN, source, f"{where}.scaleDown"),
    )


def _rules(raw: Any, default: ScalingRules, source: str, where: str) -> ScalingRules:
    if raw is None:
        return default
    if not isinstance(raw, dict):
        raise SnapshotError(f"{source}: {where}: expected an object")
    window = raw.get("stabilizationWindowSeconds", default.stabilization_window_seconds)
    if window is not None:
        window = _int(window, source, f"{where}.stabilizationWindowSeconds", 0)
        if window > 3600:
            raise SnapshotError(f"{source}: {where}.stabilizationWindowSeconds: must be at most 3600, got {window}")
    select = raw.get("selectPolicy") or default.select_policy
    if select not in (SELECT_MAX, SELECT_MIN, SELECT_DISABLED):
        raise SnapshotError(f"{source}: {where}.selectPolicy: {select!r} is not one of Max, Min, Disabled")
    policies = default.policies
    if raw.get("policies") is not None:
        if not isinstance(raw["policies"], list) or not raw["policies"]:
            raise SnapshotError(f"{source}: {where}.policies: must specify at least one Policy")
        policies = tuple(_policy(item, source, f"{where}.policies[{index}]")
                         for index, item in enumerate(raw["policies"]))
    tolerance = raw.get("tolerance")
    if tolerance is not None:
        try:
            tolerance = float(parse_quantity(tolerance))
        except QuantityError:
            raise SnapshotError(f"{source}: {where}.tolerance: invalid quantity {tolerance!r}") from None
        if tolerance < 0:
            raise SnapshotError(f"{source}: {where}.tolerance: must be greater than or equal to 0")
    return ScalingRules(window, select, policies, tolerance)


def _policy(raw: Any, source: str, where: str) -> ScalingPolicy:
    if not isinstance(raw, dict):
        raise SnapshotError(f"{source}: {where}: expected an object")
    kind = raw.get("type")
    if kind not in (PODS_POLICY, PERCENT_POLICY):
        raise SnapshotError(f"{source}: {where}.type: {kind!r} is not one of Pods, Percent")
    value = _int(raw.get("value"), source, f"{where}.value", 1)
    period = _int(raw.get("periodSeconds"), source, f"{where}.periodSeconds", 1)
    if period > 1800:
        raise SnapshotError(f"{source}: {where}.periodSeconds: must be at most 1800, got {period}")
    return ScalingPolicy(kind, value, period)


# ----------------------------------------------------------------------------- target, pods, metrics


def _find(snapshot: Snapshot, kind: str, name: str, namespace: str) -> Optional[dict]:
    for item in snapshot.of_kind(kind):
        if name_of(item) == name and namespace_of(item, namespace) == namespace:
            return item
    return None


METRIC_API_WRAP = {
    "metrics.k8s.io": "unable to fetch metrics from resource metrics API: ",
    "custom.metrics.k8s.io": "unable to fetch metrics from custom metrics API: ",
    "external.metrics.k8s.io": "unable to fetch metrics from external metrics API: ",
}


def scale_failure(snapshot: Snapshot, hpa: HPASpec) -> Optional[FetchError]:
    """A failed GET of the target's /scale, recorded as a Status, as the controller's FetchError."""
    ns, name = re.escape(hpa.namespace), re.escape(hpa.scale_target.name)
    pattern = re.compile(rf"^/apis?/.*namespaces/{ns}/[^/]+/{name}/scale$")
    status = snapshot.failed_read(lambda path: pattern.match(path) is not None)
    return FetchError(status_message(status)) if status is not None else None


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
        spec, status = scale.get("spec") or {}, scale.get("status") or {}
        return Scale(spec_replicas=_int(spec.get("replicas", 0), snapshot.source, f"Scale/{target.name}: spec.replicas", 0),
                     status_replicas=_int(status.get("replicas", 0), snapshot.source, f"Scale/{target.name}: status.replicas", 0),
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
    return Scale(spec_replicas=_int(replicas, snapshot.source, f"{where}: spec.replicas", 0),
                 status_replicas=_int(status.get("replicas", 0), snapshot.source, f"{where}: status.replicas", 0),
                 selector=selector_text or None)


def _requests(container: Mapping, source: str, where: str) -> ContainerRequests:
    requests = ((container.get("resources") or {}).get("requests")) or {}
    return ContainerRequests(str(container.get("name", "")),
                             {str(k): _milli(v, source, f"{where}.resources.requests.{k}") for k, v in requests.items()})


def parse_pod(obj: dict, source: str) -> Pod:
    where = describe(obj)
    metadata, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    ready = transition = None
    for condition in status.get("conditions") or ():
        if condition.get("type") == "Ready":
            ready = str(condition.get("status", "Unknown"))
            if condition.get("lastTransitionTime"):
                transition = _time(condition["lastTransitionTime"], source, f"{where}: Ready.lastTransitionTime")
    start = _time(status["startTime"], source, f"{where}: status.startTime") if status.get("startTime") else None
    containers = tuple(_requests(c, source, f"{where}: spec.containers[{i}]")
                       for i, c in enumerate(spec.get("containers") or ()))
    sidecars = tuple(_requests(c, source, f"{where}: spec.initContainers[{i}]")
                     for i, c in enumerate(spec.get("initContainers") or ()) if c.get("restartPolicy") == "Always")
    pod_level = (spec.get("resources") or {}).get("requests")
    pod_requests = ({str(k): _milli(v, source, f"{where}: spec.resources.requests.{k}") for k, v in pod_level.items()}
                    if pod_level else None)
    return Pod(name=name_of(obj), phase=str(status.get("phase", "Pending")),
               deleted=bool(metadata.get("deletionTimestamp")), ready=ready, ready_transition_time=transition,
               start_time=start, containers=containers, sidecars=sidecars, pod_requests=pod_requests,
               labels={str(k): str(v) for k, v in (metadata.get("labels") or {}).items()})


def _resource_reading(snapshot: Snapshot, namespace: str, selector: Optional[str]) -> ResourceMetrics:
    matcher = parse_selector(selector) if selector else None
    samples = []
    for item in snapshot.of_kind("PodMetrics"):
        if namespace_of(item, namespace) != namespace:
            continue
        labels = (item.get("metadata") or {}).get("labels")
        if labels and matcher is not None and not matcher.matches(labels):
            continue  # metrics-server lists by the same selector as the pods
        where = describe(item)
        containers = {
            str(container.get("name", "")): {str(k): _milli(v, snapshot.source, f"{where}: containers[{i}].usage.{k}")
                                             for k, v in (container.get("usage") or {}).items()}
            for i, container in enumerate(item.get("containers") or ())
        }
        samples.append(PodResourceSample(
            pod=name_of(item), timestamp=_time(item.get("timestamp"), snapshot.source, f"{where}: timestamp"),
            window=_window(item.get("window", "1m0s"), snapshot.source, f"{where}: window"), containers=containers))
    return ResourceMetrics(tuple(samples))


def _window(value: Any, source: str, where: str) -> float:
    try:
        return parse_duration(value)
    except ValueError:
        raise SnapshotError(f"{source}: {where}: invalid duration {value!r}") from None


def _custom_items(snapshot: Snapshot, namespace: str) -> Iterator[tuple[dict, str, float, float, int]]:
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
            yield (described, str(name), _time(item.get("timestamp"), snapshot.source, f"{where}.timestamp"),
                   float(window) if window is not None else 60.0,
                   _milli(item.get("value"), snapshot.source, f"{where}.value"))


def readings_for(snapshot: Snapshot, hpa: HPASpec, scale: Scale) -> tuple[Reading, ...]:
    readings: list[Reading] = []
    resource_cache: Optional[ResourceMetrics] = None
    for spec in hpa.metrics:
        failure = metric_failure(snapshot, hpa, spec)
        if failure is not None:
            readings.append(failure)
            continue
        if spec.type in (RESOURCE, CONTAINER_RESOURCE):
            if resource_cache is None:
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
                        values.append(_milli(item.get("value"), snapshot.source,
                                             f"ExternalMetricValueList.items[{index}].value"))
                        stamp = stamp or _time(item.get("timestamp"), snapshot.source,
                                               f"ExternalMetricValueList.items[{index}].timestamp")
            readings.append(ExternalMetrics(tuple(values), stamp))
        else:
            readings.append(None)
    return tuple(readings)


def parse_state(snapshot: Snapshot, hpa: HPASpec) -> Optional[ControllerState]:
    """Our ControllerState object: the controller's in-memory history, when the snapshot carries it."""
    for item in snapshot.of_kind("ControllerState"):
        if name_of(item) != hpa.name or namespace_of(item, hpa.namespace) != hpa.namespace:
            continue
        source, where = snapshot.source, f"ControllerState/{hpa.name}"
        recommendations = tuple(
            Recommendation(_time(entry.get("timestamp"), source, f"{where}: recommendations[{i}].timestamp"),
                           _int(entry.get("replicas"), source, f"{where}: recommendations[{i}].replicas", 0))
            for i, entry in enumerate(item.get("recommendations") or ()))

        return ControllerState(recommendations=recommendations,
                               scale_up_events=_scale_events(item, "scaleUpEvents", source, where),
                               scale_down_events=_scale_events(item, "scaleDownEvents", source, where),
                               seeded=bool(recommendations))
    return None


def _scale_events(item: dict, key: str, source: str, where: str) -> tuple[ScaleEvent, ...]:
    return tuple(
        ScaleEvent(_time(entry.get("timestamp"), source, f"{where}: {key}[{i}].timestamp"),
                   _int(entry.get("replicaChange"), source, f"{where}: {key}[{i}].replicaChange", 0))
        for i, entry in enumerate(item.get(key) or ()))


def selecting_hpas(snapshot: Snapshot, hpa: HPASpec, pods: Iterable[Pod], selector: Optional[str]) -> tuple[str, ...]:
    """HPAs in the namespace whose targets' selectors pick any of this HPA's pods (AmbiguousSelector)."""
    if not selector:
        return ()
    try:
        mine = parse_selector(selector)
    except SelectorError:
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
    return tuple(sorted(set(keys)))  # a file may hold the same HPA twice (two captures merged): one HPA


def _target_selector(snapshot: Snapshot, hpa_object: dict):
    """The parsed scale selector of an HPA's target, once per snapshot (None when it has none)."""
    snapshot._index()
    key = (namespace_of(hpa_object, "default"), name_of(hpa_object))
    if key not in snapshot._selectors:
        selector = None
        try:
            scale = parse_scale(snapshot, parse_hpa(hpa_object, snapshot.source))
            if not isinstance(scale, FetchError) and scale.selector:
                selector = parse_selector(scale.selector)
        except (SnapshotError, SelectorError):
            pass
        snapshot._selectors[key] = selector
    return snapshot._selectors[key]


def newest_metric_time(snapshot: Snapshot) -> Optional[float]:
    stamps: list[float] = []
    for item in snapshot.of_kind("PodMetrics"):
        if item.get("timestamp"):
            stamps.append(_time(item["timestamp"], snapshot.source, f"{describe(item)}: timestamp"))
    for listing in snapshot.of_kind("MetricValueList", "ExternalMetricValueList"):
        for item in listing.get("items") or ():
            if item.get("timestamp"):
                stamps.append(_time(item["timestamp"], snapshot.source, "metric timestamp"))
    return max(stamps) if stamps else None


def choose_hpa(snapshot: Snapshot, name: Optional[str], namespace: Optional[str]) -> dict:
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


class AmbiguousHPA(Exception):
    """Several HPAs match and none was named."""

    def __init__(self, keys: list[str]):
        super().__init__(", ".join(keys))
        self.keys = keys


MALFORMED = (AttributeError, TypeError, KeyError, IndexError, ValueError)


def malformed(source: str, error: Exception) -> SnapshotError:
    """An object whose fields are not shaped as the API serves them, named from where the reading stopped."""
    if isinstance(error, SnapshotError):
        return error
    where = ""
    frame = error.__traceback__
    while frame is not None:  # the innermost of our frames that knows what it was reading wins
        names = frame.tb_frame.f_locals
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith("kubectl_hpa."):
            if isinstance(names.get("where"), str):
                where = names["where"]
            else:
                for key in ("item", "obj", "listing", "document"):
                    candidate = names.get(key)
                    if isinstance(candidate, dict) and candidate.get("kind"):
                        where = describe(candidate)
                        break
        frame = frame.tb_next
    detail = f"{error.__class__.__name__}: {error}"
    return SnapshotError(f"{source}: {where or 'an object'}: not shaped as the API serves it ({detail})")


def sync_input(snapshot: Snapshot, hpa_object: dict, settings: ControllerSettings = ControllerSettings(),
               at: Optional[float] = None, fallback_now: Optional[float] = None) -> SyncInput:
    """Assemble what the controller would read for this HPA at ``at`` (or the snapshot's time)."""
    try:
        return _sync_input(snapshot, hpa_object, settings, at, fallback_now)
    except MALFORMED as error:
        raise malformed(snapshot.source, error) from None


def _sync_input(snapshot: Snapshot, hpa_object: dict, settings: ControllerSettings, at: Optional[float],
                fallback_now: Optional[float]) -> SyncInput:
    hpa = parse_hpa(hpa_object, snapshot.source)
    scale = parse_scale(snapshot, hpa)
    pods = tuple(parse_pod(item, snapshot.source) for item in snapshot.of_kind("Pod")
                 if namespace_of(item, "default") == hpa.namespace)
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
    return SyncInput(hpa=hpa, scale=scale, pods=pods, readings=readings_for(snapshot, hpa, scale), now=now,
                     settings=settings, state=parse_state(snapshot, hpa),
                     selecting_hpas=selecting_hpas(snapshot, hpa, pods, scale.selector),
                     previous_conditions=previous,
                     previous_desired_replicas=desired if isinstance(desired, int) else None)


def hpa_status(hpa_object: Mapping) -> dict:
    """The live status the file carries, for comparing with our result."""
    return dict(hpa_object.get("status") or {})
