"""The HorizontalPodAutoscaler object -> the core's :class:`HPASpec`, with the API server's defaulting.

autoscaling/v2 (and v2beta2, the same shape) is read as served; autoscaling/v1 is converted to v2 as the
API server converts it (one CPU utilization metric, no behavior). Defaulting follows the API: no metrics
means 80% CPU, and a behavior's missing fields take :data:`DEFAULT_SCALE_UP` / :data:`DEFAULT_SCALE_DOWN`.
Only what the controller relies on is validated; each refusal names the field. A spec the API server's
validation refuses (maxReplicas below minReplicas or 1, minReplicas 0 without an Object or External metric,
a metric without a target) is refused with the API server's own message: no cluster could hold it.
"""

from __future__ import annotations

from typing import Any, Optional

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
    HPASpec,
    MetricSpec,
    MetricTarget,
    ObjectReference,
    ScalingPolicy,
    ScalingRules,
)
from ..core.quantity import QuantityError, parse_quantity
from .errors import MALFORMED, SnapshotError, malformed
from .fields import read_int, read_milli, read_selector
from .kube import describe, name_of, namespace_of

DEFAULT_SCALE_UP = ScalingRules(0, SELECT_MAX, (ScalingPolicy(PODS_POLICY, 4, 15), ScalingPolicy(PERCENT_POLICY, 100, 15)))
"""The API's scale-up rules for a behavior that leaves them out: no window, the larger of +4 pods or +100% per 15s."""
DEFAULT_SCALE_DOWN = ScalingRules(None, SELECT_MAX, (ScalingPolicy(PERCENT_POLICY, 100, 15),))
"""The API's scale-down rules: -100% per 15s; no window here means the controller's --downscale-stabilization."""


MIN_REPLICAS_LOWER_BOUND = 1
"""The API server's lowest minReplicas without the HPAScaleToZero feature gate (0 with it)."""


def refused(source: str, who: str, message: str) -> SnapshotError:
    """A spec the API server refuses (pkg/apis/autoscaling/validation), so no cluster can hold it: its error, quoted.

    ``who`` is the HPA as errors name it (``HorizontalPodAutoscaler/web``). Explaining such a spec would
    answer confidently about an HPA that could never have been applied.
    """
    name = who.split("/", 1)[-1]
    return SnapshotError(f"{source}: {who}: the API server refuses this HPA: "
                         f"HorizontalPodAutoscaler.autoscaling \"{name}\" is invalid: {message}")


def parse_hpa(obj: dict[str, Any], source: str) -> HPASpec:
    """autoscaling/v2 (v2beta2 has the same shape) or v1, converted to v2 as the API server does."""
    try:
        return _parse_hpa(obj, source)
    except MALFORMED as error:
        raise malformed(source, error) from None


def _parse_hpa(obj: dict[str, Any], source: str) -> HPASpec:
    """:func:`parse_hpa` without the net: fields it does not check raise one of ``MALFORMED``."""
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
    max_replicas = read_int(spec["maxReplicas"], source, f"{where}: spec.maxReplicas")
    min_replicas = spec.get("minReplicas")
    if min_replicas is not None:
        min_replicas = read_int(min_replicas, source, f"{where}: spec.minReplicas")
        if min_replicas < 0:
            raise refused(source, where, f"spec.minReplicas: Invalid value: {min_replicas}: must be greater than or "
                                       f"equal to {MIN_REPLICAS_LOWER_BOUND}")
    if max_replicas < 1:
        raise refused(source, where, f"spec.maxReplicas: Invalid value: {max_replicas}: must be greater than 0")
    if min_replicas is not None and max_replicas < min_replicas:
        raise refused(source, where, f"spec.maxReplicas: Invalid value: {max_replicas}: must be greater than or equal "
                                   "to `minReplicas`")
    if api_version == "autoscaling/v1":
        percent = spec.get("targetCPUUtilizationPercentage", 80)
        metrics: tuple[MetricSpec, ...] = (
            MetricSpec(RESOURCE, "cpu", MetricTarget(UTILIZATION, average_utilization=read_int(
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
    if min_replicas == 0 and not any(m.type in (OBJECT, EXTERNAL) for m in metrics):
        raise refused(source, where, "spec.metrics: Forbidden: must specify at least one Object or External metric to "
                                   "support scaling to zero replicas")
    return HPASpec(name=name_of(obj), namespace=namespace_of(obj, "default"), scale_target=target, max_replicas=max_replicas,
                   min_replicas=min_replicas, metrics=metrics, behavior=behavior)


def _target(raw: Any, source: str, where: str, allowed: tuple[str, ...]) -> MetricTarget:
    """A metric's target: a type this metric source allows, and the positive value that type needs."""
    if not isinstance(raw, dict) or not raw.get("type"):
        who, _, path = where.partition(": ")  # HorizontalPodAutoscaler/web, spec.metrics[0].resource
        raise refused(source, who, f"{path}.target.type: Required value: must specify a metric target type")
    kind = raw["type"]
    if kind not in allowed:
        raise SnapshotError(f"{source}: {where}.target.type: {kind!r} is not one of {', '.join(allowed)}")
    utilization = raw.get("averageUtilization")
    if utilization is not None:
        utilization = read_int(utilization, source, f"{where}.target.averageUtilization", 1)
    value = read_milli(raw["value"], source, f"{where}.target.value") if raw.get("value") is not None else None
    average = (read_milli(raw["averageValue"], source, f"{where}.target.averageValue")
               if raw.get("averageValue") is not None else None)
    needed = {UTILIZATION: utilization, VALUE: value, AVERAGE_VALUE: average}[kind]
    if needed is None:
        field_name = {UTILIZATION: "averageUtilization", VALUE: "value", AVERAGE_VALUE: "averageValue"}[kind]
        raise SnapshotError(f"{source}: {where}.target.{field_name}: required for a {kind} target")
    if needed <= 0:
        raise SnapshotError(f"{source}: {where}.target: must be positive")
    return MetricTarget(kind, utilization, value, average)


def _metric(raw: Any, source: str, where: str) -> MetricSpec:
    """One entry of ``spec.metrics``: its source type decides which body field (``resource``, ``pods``...) it needs."""
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
    selector = read_selector(metric.get("selector"), source, f"{here}.metric.selector")
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
    """One direction of a behavior, each missing field from ``default``, within the API's validation limits."""
    if raw is None:
        return default
    if not isinstance(raw, dict):
        raise SnapshotError(f"{source}: {where}: expected an object")
    window = raw.get("stabilizationWindowSeconds", default.stabilization_window_seconds)
    if window is not None:
        window = read_int(window, source, f"{where}.stabilizationWindowSeconds", 0)
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
    """One scaling policy (Pods or Percent per period), within the API's validation limits."""
    if not isinstance(raw, dict):
        raise SnapshotError(f"{source}: {where}: expected an object")
    kind = raw.get("type")
    if kind not in (PODS_POLICY, PERCENT_POLICY):
        raise SnapshotError(f"{source}: {where}.type: {kind!r} is not one of Pods, Percent")
    value = read_int(raw.get("value"), source, f"{where}.value", 1)
    period = read_int(raw.get("periodSeconds"), source, f"{where}.periodSeconds", 1)
    if period > 1800:
        raise SnapshotError(f"{source}: {where}.periodSeconds: must be at most 1800, got {period}")
    return ScalingPolicy(kind, value, period)
