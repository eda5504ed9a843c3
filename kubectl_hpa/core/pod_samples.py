"""Per-pod samples, as replica_calculator.go's helpers see them: grouping, requests, ratios.

The part of the controller's replica calculation that works on one value per pod,
before any proposal is made: which pods count (``group_pods``: ready, unready,
missing, ignored), what each pod requests (``pod_requests``), each pod's usage from
PodMetrics (``resource_samples``), and the ratio over the counted samples
(utilization against requests, or a plain average against a target). replicas.py
turns these into a proposal; steady.py reuses them for steady syncs. Integer
arithmetic follows Go (``go_div``): int64 division truncates toward zero, and a
percentage or average is truncated before the ratio is taken.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple, Optional

from .gomath import go_div
from .metric_context import MetricContext, MetricError
from .model import ControllerSettings, Pod, PodGroups, ResourceMetrics
from .quantity import format_duration
from .versions import (
    MISSING_CONTAINER_IS_MISSING_POD,
    POD_LEVEL_REQUESTS,
    POD_OVERHEAD_EXCLUDED,
    SIDECAR_REQUESTS,
    SUCCEEDED_PODS_IGNORED,
)

# ----------------------------------------------------------------------------- pod grouping


class Sample(NamedTuple):
    """One pod's metric value (a tuple: built for every pod at every sync)."""

    value: int
    timestamp: float
    window: float


def group_pods(pods: tuple[Pod, ...], samples: Mapping[str, Sample], resource: str,
               ctx: MetricContext) -> PodGroups:
    """Sort pods into ready / unready / missing / ignored, first match wins, as groupPods does.

    Readiness only matters for CPU: a young pod (inside the CPU initialization
    period) counts only once Ready and once a full metric window has passed since
    it became Ready; an older pod is excluded only if it never became ready.
    """
    ready: list[str] = []
    unready: dict[str, str] = {}
    missing: list[str] = []
    ignored: dict[str, str] = {}
    period = ctx.settings.cpu_initialization_period
    delay = ctx.settings.initial_readiness_delay
    # Until 1.38 (kubernetes#141302) only Failed pods were dropped: a Succeeded pod went on like a running
    # one, so without a sample it counted as missing (issue kubernetes#141298: an HPA pinned for a day).
    terminal = ("Failed", "Succeeded") if ctx.settings.has(SUCCEEDED_PODS_IGNORED) else ("Failed",)
    for pod in pods:
        if pod.deleted:
            ignored[pod.name] = "being deleted"
            continue
        if pod.phase in terminal:
            ignored[pod.name] = f"phase {pod.phase}"
            continue
        if pod.phase == "Pending":
            unready[pod.name] = "phase Pending"
            continue
        sample = samples.get(pod.name)
        if sample is None:
            missing.append(pod.name)
            continue
        if resource == "cpu":
            why = cpu_unready_reason(pod, sample, ctx.now, period, delay)
            if why:
                unready[pod.name] = why
                continue
        ready.append(pod.name)
    return PodGroups(tuple(ready), unready, tuple(missing), ignored)


def counted_values(samples: Mapping[str, Sample], groups: PodGroups) -> dict[str, int]:
    """Drop the metrics of ignored and unready pods (removeMetricsForPods), keep the rest."""
    dropped = set(groups.ignored) | set(groups.unready)
    return {name: sample.value for name, sample in samples.items() if name not in dropped}


def cpu_unready_reason(pod: Pod, sample: Sample, now: float, period: float, delay: float) -> str:
    """Why a pod's CPU sample does not count yet (see ``group_pods``), or "" if it counts."""
    if pod.ready is None:
        return "no Ready condition"
    if pod.start_time is None:
        return "no status.startTime"
    if pod.start_time + period > now:
        if pod.ready == "False":
            return f"not Ready, inside the CPU initialization period ({format_duration(period)})"
        transition = pod.ready_transition_time or 0.0
        if sample.timestamp < transition + sample.window:
            return ("its CPU sample predates one metric window after it became Ready "
                    f"(inside the CPU initialization period, {format_duration(period)})")
        return ""
    transition = pod.ready_transition_time or 0.0
    if pod.ready == "False" and pod.start_time + delay > transition:
        return f"not Ready and never became ready (initial readiness delay {format_duration(delay)})"
    return ""


# ----------------------------------------------------------------------------- requests


SUPPORTED_POD_LEVEL = ("cpu", "memory")
"""Resources the API accepts in pod-level requests (besides ``hugepages-*``): IsSupportedPodLevelResource."""


def pod_requests(pods: tuple[Pod, ...], resource: str, container: Optional[str],
                 settings: ControllerSettings) -> dict[str, int]:
    """Requests per pod for Utilization targets; a container without one fails the metric.

    Which requests count changed with the release: native sidecars from 1.29 (kubernetes#120001), pod-level
    requests from 1.34 (kubernetes#132430, gate PodLevelResources), with the pod's overhead added to them
    until 1.38 (kubernetes#142154).
    """
    with_sidecars = settings.has(SIDECAR_REQUESTS)
    pod_level = settings.has(POD_LEVEL_REQUESTS) and container is None
    requests: dict[str, int] = {}
    for pod in pods:
        counted = pod.containers + pod.sidecars if with_sidecars else pod.containers
        if container is not None:
            named = [c for c in counted if c.name == container]
            if not named:
                raise MetricError(f"container {container} not found in Pod {pod.name}")
            if resource not in named[0].requests:
                raise MetricError(f"missing request for {resource} in container {container} of Pod {pod.name}")
            requests[pod.name] = named[0].requests[resource]
            continue
        if pod_level and _pod_level_requests_set(pod):
            total = _pod_level_request(pod, resource, not settings.has(POD_OVERHEAD_EXCLUDED))
            if total is None:
                raise MetricError(f"missing pod-level request for {resource} in Pod {pod.name}")
            requests[pod.name] = total
            continue
        total = 0
        for each in counted:
            if resource not in each.requests:
                raise MetricError(f"missing request for {resource} in container {each.name} of Pod {pod.name}")
            total += each.requests[resource]
        requests[pod.name] = total
    return requests


def _pod_level_requests_set(pod: Pod) -> bool:
    """IsPodLevelRequestsSet: pod-level requests name at least one resource the API supports there."""
    return bool(pod.pod_requests) and any(
        name in SUPPORTED_POD_LEVEL or name.startswith("hugepages-") for name in pod.pod_requests or {})


def _pod_level_request(pod: Pod, resource: str, with_overhead: bool) -> Optional[int]:
    """resourcehelpers.PodRequests for one resource: the containers' aggregate, replaced by the pod-level
    value where one is set (so a pod with only a memory request at pod level is measured on its containers'
    CPU), plus the pod overhead where the release adds it. None when nothing requests the resource."""
    value = (pod.pod_requests or {}).get(resource)
    if value is None:
        value = aggregate_container_requests(pod).get(resource)
    overhead = (pod.overhead or {}).get(resource) if with_overhead else None
    if overhead is not None:
        value = (value or 0) + overhead
    return value


def aggregate_container_requests(pod: Pod) -> dict[str, int]:
    """AggregateContainerRequests: the containers and sidecars summed, then the larger of that and what any
    init container needs while it runs (itself plus the sidecars started before it)."""
    total: dict[str, int] = {}
    for container in pod.containers:
        _add(total, container.requests)
    sidecars_so_far: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for init in pod.init_containers or tuple(sidecar._replace(restartable=True) for sidecar in pod.sidecars):
        if init.restartable:
            _add(total, init.requests)
            _add(sidecars_so_far, init.requests)
            running = dict(sidecars_so_far)
        else:
            running = dict(init.requests)
            _add(running, sidecars_so_far)
        for name, amount in running.items():
            init_peak[name] = max(init_peak.get(name, amount), amount)
    for name, amount in init_peak.items():
        total[name] = max(total.get(name, amount), amount)
    return total


def _add(into: dict[str, int], requests: Mapping[str, int]) -> None:
    for name, amount in requests.items():
        into[name] = into.get(name, 0) + amount


def resource_samples(reading: ResourceMetrics, resource: str, container: Optional[str],
                     settings: ControllerSettings, namespace: str = "") -> dict[str, Sample]:
    """Per-pod usage from PodMetrics; a pod lacking the resource in any container is dropped.

    A pod whose metrics lack the named container is dropped too (a missing pod) since 1.33
    (kubernetes#127193); before, the metrics client failed the whole metric.
    """
    samples: dict[str, Sample] = {}
    container_may_be_absent = container is None or settings.has(MISSING_CONTAINER_IS_MISSING_POD)
    for item in reading.samples:
        if container is not None:
            if not container_may_be_absent and container not in item.containers:
                raise MetricError(f"unable to get metrics for resource {resource}: failed to get container metrics: "
                                  f"container {container} not present in metrics for pod {namespace}/{item.pod}")
            usage = item.containers.get(container, {})
            if resource in usage:
                samples[item.pod] = Sample(usage[resource], item.timestamp, item.window)
            continue
        if not item.containers or any(resource not in usage for usage in item.containers.values()):
            continue
        total = sum(usage[resource] for usage in item.containers.values())
        samples[item.pod] = Sample(total, item.timestamp, item.window)
    return samples


def samples_utilization(samples: Mapping[str, int], requests: Mapping[str, int],
                        target: int, weights: Mapping[str, int]) -> tuple[float, int, int]:
    """GetResourceUtilizationRatio: a ratio of sums over pods that have a request.

    Returns the ratio, the utilization (a whole percentage) and the raw per-pod
    average usage (milli); each sample counts ``weights.get(name, 1)`` times.
    """
    usage_total = request_total = entries = 0
    for name, value in samples.items():
        if name not in requests:
            continue  # extraneous metrics: a sample for a pod the selector did not list
        weight = weights.get(name, 1)
        usage_total += value * weight
        request_total += requests[name] * weight
        entries += weight
    ratio, utilization = utilization_ratio(usage_total, request_total, target)
    return ratio, utilization, go_div(usage_total, entries)


def utilization_ratio(usage_total: int, request_total: int, target: int) -> tuple[float, int]:
    """The percentage is truncated to a whole number before the ratio is taken, as in Go."""
    if request_total == 0:
        raise MetricError("no metrics returned matched known pods")
    utilization = go_div(usage_total * 100, request_total)
    return utilization / target, utilization


def samples_average(samples: Mapping[str, int], target: int, weights: Mapping[str, int]) -> tuple[float, int]:
    """GetMetricUsageRatio: the plain average over every sample, listed pod or not.

    Returns the ratio and the average (a whole milli-unit); each sample counts
    ``weights.get(name, 1)`` times.
    """
    if weights:
        total = sum(value * weights.get(name, 1) for name, value in samples.items())
        count = sum(weights.get(name, 1) for name in samples)
    else:
        total, count = sum(samples.values()), len(samples)
    return average_ratio(total, count, target)


def average_ratio(total: int, count: int, target: int) -> tuple[float, int]:
    """The average is truncated to a whole milli-unit before the ratio is taken."""
    usage = go_div(total, count)
    return usage / target, usage
