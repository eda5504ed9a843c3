"""One metric's replica proposal: the controller's replica_calculator.go, in our words.

Each function mirrors one path of the controller and records how it got there
(pod groups, usage ratio, the rebalance pass and its guards), so the views can
show every step: the two pod-based paths (Utilization; AverageValue and Pods
metrics, with the rebalance pass for unready and missing pods), the Object and
External paths (Value and AverageValue), and ``compute_metric``, which picks the
path for one metric and words its error as the controller does.

What the pod-based paths work on lives in pod_samples.py (per-pod samples, pod
groups, requests, and the utilization or average ratio over them); what every path
is given, and the error it raises, in metric_context.py. Integer arithmetic follows
Go: a proposal is ``int32(math.Ceil(x))`` (``go_ceil_int32``: capped at MaxInt32 where the release caps it,
else what amd64 gives), and sums of External metric values saturate at MaxInt64 (from 1.34).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Mapping, Optional, TypedDict

from .branches import FROM_ZERO, READY_PODS, REBALANCE_KEPT, REBALANCED, TOTAL_OVER_TARGET, WITHIN_TOLERANCE
from .gomath import MAX_INT64, MIN_INT64, go_ceil_int32, go_int64
from .metric_context import MetricContext, MetricError, Tolerances
from .model import (
    AVERAGE_VALUE,
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PODS,
    RESOURCE,
    VALUE,
    ExternalMetrics,
    FetchError,
    MetricResult,
    MetricSpec,
    ObjectMetric,
    Pod,
    PodGroups,
    PodsMetrics,
    Reading,
    Rebalance,
    ResourceMetrics,
)
from .pod_samples import (
    Sample,
    counted_values,
    group_pods,
    pod_requests,
    resource_samples,
    samples_average,
    samples_utilization,
)
from .selector import format_label_selector
from .versions import (
    CONTAINER_METRICS_GATE_CHECKED,
    EXTERNAL_AVERAGE_CAPPED,
    HPA_CONTAINER_METRICS,
    OBJECT_METRIC_MESSAGE,
    TARGETED_PODS_MESSAGE,
    VALUE_CAPPED,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack



class Fields(TypedDict, total=False):
    """A MetricResult being built; constructed once at the end (dataclasses.replace is slow).

    A field is absent until a step sets it (MetricResult's default then applies), so the
    types are narrower than MetricResult's: a proposal, once set, is a number.
    """

    spec: MetricSpec
    proposed_replicas: int
    usage_ratio: float
    utilization: int
    average_value: int
    value: int
    description: str
    pods: PodGroups
    path: str
    multiplier: Optional[int]
    rebalance: Rebalance
    tolerance_band: tuple[float, float]
    timestamp: Optional[float]
    error: str
    error_reason: str
    wrapped_error: str


class _Shown(TypedDict, total=False):
    """What a pod-based ratio shows besides itself: the utilization and/or the average (milli)."""

    utilization: int
    average_value: int


_RatioOf = Callable[[Mapping[str, int]], tuple[float, _Shown]]
"""A pod-based metric's ratio over some samples, and what it shows (see ``_pod_based``)."""


def _update(fields: Fields, **values: Unpack[Fields]) -> Fields:
    fields.update(values)
    return fields


# ----------------------------------------------------------------------------- the two pod paths


def _pod_based(ctx: MetricContext, groups: PodGroups, samples: dict[str, int],
               ratio_of: _RatioOf, missing_fill_down: Mapping[str, int], result: Fields) -> Fields:
    """The fast path and the rebalance pass shared by Utilization, AverageValue and Pods metrics."""
    ratio, current = ratio_of(samples)
    result = _update(result, usage_ratio=ratio, **current)
    tolerances = ctx.tolerances
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        ready = ctx.total(groups.ready)
        proposal, path = ready_pods_proposal(ratio, ready, ctx.spec_replicas, tolerances, ctx.saturates)
        return _update(result, proposed_replicas=proposal, path=path,
                       multiplier=None if path == WITHIN_TOLERANCE else ready)

    filled = dict(samples)
    missing_fill: Optional[int] = None
    if groups.missing:
        if ratio < 1.0:
            for name in groups.missing:
                filled[name] = missing_fill_down[name]
            missing_fill = missing_fill_down[groups.missing[0]]
        elif ratio > 1.0:  # at exactly 1.0 missing pods are left out
            for name in groups.missing:
                filled[name] = 0
            missing_fill = 0
    if scale_up_with_unready:
        for name in groups.unready:
            filled[name] = 0
    new_ratio, _ = ratio_of(filled)
    guard: Optional[str] = None
    if tolerances.within(new_ratio):
        guard = "the rebalanced ratio is within tolerance"
    elif ratio < 1.0 < new_ratio or ratio > 1.0 > new_ratio:
        guard = "the rebalanced ratio crosses 1.0 (it would reverse the direction)"
    proposal = ctx.spec_replicas
    counted = ctx.total(filled)
    if guard is None:
        proposal = go_ceil_int32(new_ratio * counted, ctx.saturates)
        if (new_ratio < 1.0 and proposal > ctx.spec_replicas) or (new_ratio > 1.0 and proposal < ctx.spec_replicas):
            guard = (f"ceil({new_ratio:.3f} x {counted}) = {proposal} moves against the ratio's direction")
            proposal = ctx.spec_replicas
    rebalance = Rebalance(missing_fill=missing_fill, unready_as_zero=scale_up_with_unready,
                          new_ratio=new_ratio, samples=counted, guard=guard)
    return _update(result, proposed_replicas=proposal, rebalance=rebalance,
                   path=REBALANCE_KEPT if guard else REBALANCED,
                   multiplier=None if guard else counted)


def ready_pods_proposal(ratio: float, ready: int, spec_replicas: int, tolerances: Tolerances,
                        saturate: bool = True) -> tuple[int, str]:
    """The fast path, when no pod is unready or missing: hold inside tolerance, else ceil(ratio x ready)."""
    if tolerances.within(ratio):
        return spec_replicas, WITHIN_TOLERANCE
    return go_ceil_int32(ratio * ready, saturate), READY_PODS


def resource_utilization(spec: MetricSpec, reading: Reading, ctx: MetricContext,
                         result: Fields, namespace: str = "") -> Fields:
    """GetResourceReplicas: Utilization targets on Resource and ContainerResource metrics."""
    target = spec.target.average_utilization or 0
    resource_reading = _require_resource_reading(reading, spec.name)
    samples = resource_samples(resource_reading, spec.name, spec.container, ctx.settings, namespace)
    if not ctx.pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    groups = group_pods(ctx.pods, samples, spec.name, ctx)
    result = _update(result, pods=groups, timestamp=_first_timestamp(resource_reading))
    values = counted_values(samples, groups)
    requests = pod_requests(ctx.pods, spec.name, spec.container, ctx.settings)
    if not values:
        raise MetricError(_no_metrics_message(ctx))
    fallback_percent = max(100, target)  # since v1.26 missing pods count as max(100%, target) on a scale-down
    missing_fill = {name: requests[name] * fallback_percent // 100 for name in groups.missing}

    def ratio_of(current: Mapping[str, int]) -> tuple[float, _Shown]:
        ratio, utilization, raw = samples_utilization(current, requests, target, ctx.weights)
        return ratio, {"utilization": utilization, "average_value": raw}

    return _pod_based(ctx, groups, values, ratio_of, missing_fill, result)


def plain_pod_average(samples: Mapping[str, Sample], target: int, resource: str, ctx: MetricContext,
                      result: Fields) -> Fields:
    """calcPlainMetricReplicas: Resource AverageValue and Pods metrics."""
    if not ctx.pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    groups = group_pods(ctx.pods, samples, resource, ctx)
    result = _update(result, pods=groups)
    values = counted_values(samples, groups)
    if not values:
        raise MetricError(_no_metrics_message(ctx))

    def ratio_of(current: Mapping[str, int]) -> tuple[float, _Shown]:
        ratio, usage = samples_average(current, target, ctx.weights)
        return ratio, {"average_value": usage}

    missing_fill = {name: target for name in groups.missing}
    return _pod_based(ctx, groups, values, ratio_of, missing_fill, result)


def _no_metrics_message(ctx: MetricContext) -> str:
    """Every pod was unready or ignored; 1.27 reworded the error (kubernetes#114740)."""
    if ctx.settings.has(TARGETED_PODS_MESSAGE):
        return "did not receive metrics for targeted pods (pods might be unready)"
    return "did not receive metrics for any ready pods"


# ----------------------------------------------------------------------------- Object and External


def ready_running_pods(pods: tuple[Pod, ...]) -> int:
    """getReadyPodsCount: Running and Ready=True; deleting pods still count."""
    if not pods:
        raise MetricError("unable to calculate ready pods: no pods returned by selector while calculating replica count")
    return sum(pod.count for pod in pods if pod.phase == "Running" and pod.ready == "True")


def value_proposal(usage: int, target: int, ctx: MetricContext, result: Fields) -> Fields:
    """getUsageRatioReplicaCount: Object/External Value targets."""
    ratio = usage / target if target else math.inf
    result = _update(result, usage_ratio=ratio, value=usage)
    if ctx.spec_replicas == 0:
        # Scale from (and to) zero: no tolerance, no pod count.
        return _update(result, proposed_replicas=go_ceil_int32(ratio, ctx.saturates), path=FROM_ZERO)
    if ctx.tolerances.within(ratio):
        return _update(result, proposed_replicas=ctx.spec_replicas, path=WITHIN_TOLERANCE)
    ready = ready_running_pods(ctx.pods)
    # Capped since 1.35 (kubernetes#126979; the comparison is made before rounding up, which is the same).
    saturate = ctx.settings.has(VALUE_CAPPED)
    return _update(result, proposed_replicas=go_ceil_int32(ratio * ready, saturate), path=READY_PODS, multiplier=ready)


def per_pod_usage(usage: int, status_replicas: int, guarded: bool = True) -> int:
    """getPerPodUsage: the reported per-pod value, saturating instead of overflowing.

    Before 1.38 (kubernetes#140958) 0 status replicas divided by zero: +Inf, which amd64 turns into MinInt64.
    """
    if float(usage) >= float(MAX_INT64):
        return MAX_INT64
    if status_replicas == 0:
        return 0 if guarded or usage == 0 else MIN_INT64
    return int(math.ceil(float(usage) / float(status_replicas)))


def average_value_proposal(usage: int, target: int, ctx: MetricContext, result: Fields,
                           external: bool = False) -> Fields:
    """Object/External AverageValue: the total over the per-pod target, pods play no role."""
    replicas = ctx.status_replicas
    denominator = float(target) * float(replicas)
    if denominator:
        ratio = float(usage) / denominator
    else:  # the controller has no guard here: 0 status replicas make the ratio Inf or NaN
        ratio = math.nan if usage == 0 else math.copysign(math.inf, usage)
    result = _update(result, usage_ratio=ratio, value=usage, average_value=per_pod_usage(usage, replicas, ctx.saturates),
                     multiplier=replicas)
    if not ctx.tolerances.outside(ratio):
        return _update(result, proposed_replicas=replicas, path=WITHIN_TOLERANCE)
    # External AverageValue was capped first (1.34, kubernetes#127050), Object AverageValue with the rest in 1.38.
    saturate = ctx.saturates or (external and ctx.settings.has(EXTERNAL_AVERAGE_CAPPED))
    return _update(result, proposed_replicas=go_ceil_int32(float(usage) / float(target), saturate),
                   path=TOTAL_OVER_TARGET)


# ----------------------------------------------------------------------------- one metric


def describe_metric(spec: MetricSpec) -> str:
    """The metric name the controller puts in "<name> above target" and ValidMetricFound."""
    target = spec.target
    if spec.type in (RESOURCE, CONTAINER_RESOURCE):
        if target.average_value is not None:
            return f"{spec.name} resource"
        kind = "container resource" if spec.type == CONTAINER_RESOURCE else "resource"
        return f"{spec.name} {kind} utilization (percentage of request)"
    if spec.type == PODS:
        return f"pods metric {spec.name}"
    if spec.type == OBJECT:
        if target.type == AVERAGE_VALUE:
            # The controller reuses the External wording for Object AverageValue metrics.
            return f"external metric {spec.name}({format_label_selector(spec.selector)})"
        kind = spec.described_object.kind if spec.described_object else ""
        return f"{kind} metric {spec.name}"
    if spec.type == EXTERNAL:
        return f"external metric {spec.name}({format_label_selector(spec.selector)})"
    return spec.name


FAILURE_REASONS = {
    RESOURCE: "FailedGetResourceMetric",
    CONTAINER_RESOURCE: "FailedGetContainerResourceMetric",
    PODS: "FailedGetPodsMetric",
    OBJECT: "FailedGetObjectMetric",
    EXTERNAL: "FailedGetExternalMetric",
}


def compute_metric(spec: MetricSpec, reading: Reading, ctx: MetricContext, namespace: str) -> MetricResult:
    """One entry of computeReplicasForMetrics: a proposal, or the error the controller reports."""
    band = (1.0 - ctx.tolerances.down, 1.0 + ctx.tolerances.up)
    fields: Fields = {"spec": spec, "description": describe_metric(spec), "tolerance_band": band}
    if spec.type not in FAILURE_REASONS:
        message = f'unknown metric source type "{spec.type}"'
        return MetricResult(**_update(fields, error=message, wrapped_error=message, error_reason="InvalidMetricSourceType"))
    if (spec.type == CONTAINER_RESOURCE and ctx.settings.has(CONTAINER_METRICS_GATE_CHECKED)
            and not ctx.settings.version.gate(HPA_CONTAINER_METRICS)):
        # 1.27-1.31 with the gate off (kubernetes#116043): the controller returns this error bare, before any
        # per-metric condition is made: no event, and the reason stays empty (decide() writes the blank
        # condition the controller writes). 1.26 never checked the gate and computed the metric.
        message = "ContainerResource metric type is not supported: disabled by the feature gate"
        return MetricResult(**_update(fields, error=message, wrapped_error=message, error_reason=""))
    try:
        return MetricResult(**_compute(spec, reading, ctx, namespace, fields))
    except MetricError as error:
        inner = str(error)
        # What was learnt before the failure (pod groups, the metric's time) stays in the result; a
        # proposal does not (MetricResult's default: None).
        fields.pop("proposed_replicas", None)
        return MetricResult(**_update(fields, error=inner, error_reason=FAILURE_REASONS[spec.type],
                                      wrapped_error=_wrap(spec, inner)))


def _wrap(spec: MetricSpec, inner: str) -> str:
    if inner.startswith("invalid "):
        return inner if spec.type in (OBJECT, EXTERNAL) else f"failed to get {spec.name} resource metric value: {inner}"
    if spec.type == RESOURCE:
        return f"failed to get {spec.name} resource metric value: {inner}"
    if spec.type == CONTAINER_RESOURCE:
        return f"failed to get {spec.container} container metric value: {inner}"
    if spec.type == PODS:
        return f"failed to get pods metric value: {inner}"
    if spec.type == OBJECT:
        return f"failed to get object metric value: {inner}"
    return f"failed to get {spec.name} external metric value: {inner}"


def _compute(spec: MetricSpec, reading: Reading, ctx: MetricContext, namespace: str,
             result: Fields) -> Fields:
    target = spec.target
    if spec.type in (RESOURCE, CONTAINER_RESOURCE):
        # The controller checks the fields, not target.type: an averageValue wins.
        if target.average_value is not None:
            try:
                resource_reading = _require_resource_reading(reading, spec.name)
                samples = resource_samples(resource_reading, spec.name, spec.container, ctx.settings, namespace)
                result = _update(result, timestamp=_first_timestamp(resource_reading))
                return plain_pod_average(samples, target.average_value, spec.name, ctx, result)
            except MetricError as error:
                raise MetricError(f"failed to get {spec.name} usage: {error}") from None
        if target.average_utilization is None:
            raise MetricError("invalid resource metric source: neither an average utilization target "
                              "nor an average value (usage) target was set")
        try:
            return resource_utilization(spec, reading, ctx, result, namespace)
        except MetricError as error:
            raise MetricError(f"failed to get {spec.name} utilization: {error}") from None

    if spec.type == PODS:
        if isinstance(reading, FetchError):
            raise MetricError(f"unable to get metric {spec.name}: {reading.message}")
        if not isinstance(reading, PodsMetrics) or not reading.samples:
            raise MetricError(f"unable to get metric {spec.name}: no metrics returned from custom metrics API")
        samples = {item.pod: Sample(item.value, item.timestamp, item.window) for item in reading.samples}
        result = _update(result, timestamp=reading.samples[0].timestamp)
        return plain_pod_average(samples, target.average_value or 0, "", ctx, result)

    if spec.type == OBJECT:
        kind = spec.described_object.kind if spec.described_object else ""
        name = spec.described_object.name if spec.described_object else ""
        if target.type == VALUE and target.value is not None:
            chosen = target.value
        elif target.type == AVERAGE_VALUE and target.average_value is not None:
            chosen = target.average_value
        else:
            raise MetricError("invalid object metric source: neither a value target nor an average value target was set")
        if not isinstance(reading, ObjectMetric):
            message = reading.message if isinstance(reading, FetchError) else "no metric value returned"
            if ctx.settings.has(OBJECT_METRIC_MESSAGE):
                raise MetricError(f"unable to get metric {spec.name} on {kind} {namespace}/{name}: {message}")
            # Until 1.37 (kubernetes#139029) the format string had its arguments in the wrong order: the
            # message read "unable to get metric M: KIND on NAMESPACE NAME/<error>".
            raise MetricError(f"unable to get metric {spec.name}: {kind} on {namespace} {name}/{message}")
        result = _update(result, timestamp=reading.timestamp)
        if target.type == VALUE:
            return value_proposal(reading.value, chosen, ctx, result)
        return average_value_proposal(reading.value, chosen, ctx, result)

    # External
    selector_text = format_label_selector(spec.selector)
    if target.average_value is not None:
        chosen, per_pod = target.average_value, True
    elif target.value is not None:
        chosen, per_pod = target.value, False
    else:
        raise MetricError("invalid external metric source: neither a value target nor an average value target was set")
    if isinstance(reading, FetchError):
        raise MetricError(f"unable to get external metric {namespace}/{spec.name}/{selector_text}: {reading.message}")
    if not isinstance(reading, ExternalMetrics) or not reading.values:
        raise MetricError(f"unable to get external metric {namespace}/{spec.name}/{selector_text}: "
                          "no metrics returned from external metrics API")
    # The sum saturates since 1.34 (kubernetes#127050 for AverageValue; the Value path's guard arrived with it as
    # far as the sources show); before, int64 wrapped.
    total = sum(reading.values)
    usage = min(total, MAX_INT64) if ctx.settings.has(EXTERNAL_AVERAGE_CAPPED) else go_int64(total)
    result = _update(result, timestamp=reading.timestamp)
    if per_pod:
        return average_value_proposal(usage, chosen, ctx, result, external=True)
    return value_proposal(usage, chosen, ctx, result)


def _require_resource_reading(reading: Reading, resource: str) -> ResourceMetrics:
    if isinstance(reading, FetchError):
        raise MetricError(f"unable to get metrics for resource {resource}: {reading.message}")
    if not isinstance(reading, ResourceMetrics) or not reading.samples:
        raise MetricError(f"unable to get metrics for resource {resource}: no metrics returned from resource metrics API")
    return reading


def _first_timestamp(reading: ResourceMetrics) -> Optional[float]:
    return reading.samples[0].timestamp if reading.samples else None
