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

from .metric_context import MetricContext, MetricError
from .model import Pod, PodGroups, ResourceMetrics
from .quantity import format_duration


def go_div(numerator: int, denominator: int) -> int:
    """Go's integer division: truncates toward zero (Python's // floors)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


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
    for pod in pods:
        if pod.deleted:
            ignored[pod.name] = "being deleted"
            continue
        if pod.phase in ("Failed", "Succeeded"):  # podutil.IsPodTerminal
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


def pod_requests(pods: tuple[Pod, ...], resource: str, container: Optional[str]) -> dict[str, int]:
    """Requests per pod for Utilization targets; a container without one fails the metric."""
    requests: dict[str, int] = {}
    for pod in pods:
        if container is not None:
            named = [c for c in pod.containers + pod.sidecars if c.name == container]
            if not named:
                raise MetricError(f"container {container} not found in Pod {pod.name}")
            if resource not in named[0].requests:
                raise MetricError(f"missing request for {resource} in container {container} of Pod {pod.name}")
            requests[pod.name] = named[0].requests[resource]
            continue
        if pod.pod_requests is not None:
            if resource not in pod.pod_requests:
                raise MetricError(f"missing pod-level request for {resource} in Pod {pod.name}")
            requests[pod.name] = pod.pod_requests[resource]
            continue
        total = 0
        for each in pod.containers + pod.sidecars:
            if resource not in each.requests:
                raise MetricError(f"missing request for {resource} in container {each.name} of Pod {pod.name}")
            total += each.requests[resource]
        requests[pod.name] = total
    return requests


def resource_samples(reading: ResourceMetrics, resource: str, container: Optional[str]) -> dict[str, Sample]:
    """Per-pod usage from PodMetrics; a pod lacking the resource in any container is dropped."""
    samples: dict[str, Sample] = {}
    for item in reading.samples:
        if container is not None:
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
