"""Steady syncs: decide()'s answer for a sync whose pods are the last full sync's, without regrouping them.

Over a long simulation most syncs move nothing but metric values: the same pods,
all Running and Ready, each with a sample, and a decision that keeps the count.
For such a sync decide() would select, group and weigh the same pods the same way.
A ``SteadyBasis`` keeps what the last full decide() established about them; a
``SteadyRun`` then re-runs, sync after sync, only what new values can change,
through the functions decide() itself calls: each metric's ratio and proposal, the
windows, the rate limit that keeps the count, the conditions, the stored
recommendation (kept incrementally by window.RecommendationLog).

``SteadyRun.sync`` answers None whenever its claim could fail (other pods or counts,
a young pod whose CPU sample does not count yet, a missing sample, a count that
would change); the caller then runs decide(). That both give the same result is
tested sync by sync and over whole simulations (tests/sim/test_steady.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import mul
from typing import NamedTuple, Optional, Sequence, Union

from .branches import METRICS
from .conditions import READY_FOR_NEW_SCALE, WITHIN_RANGE
from .decide import Conditions, outbids, tolerances_for, write_metrics_conditions
from .gomath import MAX_INT64, go_int64
from .metric_context import MetricContext
from .model import (
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PODS,
    RESOURCE,
    VALUE,
    Behavior,
    Condition,
    Decision,
    MetricSpec,
    Pod,
    PodGroups,
    Recommendation,
    Scale,
    ScaleEvent,
    SyncInput,
)
from .normalize import (
    behavior_rate_limit,
    behavior_stabilized,
    behavior_windows,
    legacy_rate_limit,
    legacy_reason,
)
from .pod_samples import Sample, average_ratio, cpu_unready_reason, pod_requests, utilization_ratio
from .replicas import (
    average_value_proposal,
    describe_metric,
    ready_pods_proposal,
    value_proposal,
)
from .selector import SelectorError, parse_selector
from .versions import EXTERNAL_AVERAGE_CAPPED
from .window import RecommendationLog

MEMO_LIMIT = 4096  # results remembered per metric and basis; a long stretch of noisy values starts over

# How a metric's proposal is recomputed from its new reading.
POD_UTILIZATION = "pod-utilization"  # per-pod samples over per-pod requests
POD_AVERAGE = "pod-average"  # per-pod samples over a per-pod target (Resource AverageValue, Pods)
TOTAL_VALUE = "total-value"  # one value over the target (Object/External Value)
TOTAL_AVERAGE = "total-average"  # one value over target x status replicas (Object/External AverageValue)


class PodSamples(NamedTuple):
    """Every pod's value (milli) in the basis's pod order, taken at one time over one window, as
    metrics-server and one adapter query report them."""

    values: tuple[int, ...]
    timestamp: float
    window: float


# A steady reading: per-pod values, or one total (milli) for Object and External metrics.
SteadyReading = Union[PodSamples, int, None]


@dataclass(frozen=True)
class SteadyMetric:
    """One metric of the basis: how its proposal is recomputed, and what stays fixed meanwhile."""

    spec: MetricSpec
    kind: str
    target: int
    description: str
    request_total: int = 0  # POD_UTILIZATION: every pod's request, weighted by Pod.count
    counted: int = 0  # pod-based: how many pods the samples stand for (all of them)
    cpu: bool = False  # a young pod's CPU sample must postdate one window after it became Ready
    external: bool = False  # the sum of External values is capped at MaxInt64
    # Pod-based results by whole percentage or milli-average, and by total usage in front of that:
    # both repeat for long stretches.
    memo: dict[int, SteadyMetricResult] = field(default_factory=dict, compare=False, repr=False)
    by_total: dict[int, SteadyMetricResult] = field(default_factory=dict, compare=False, repr=False)


class SteadyBasis(NamedTuple):
    """What a full decide() proved about its pods, valid while they and the counts stay the same."""

    pods: tuple[Pod, ...]
    counts: tuple[int, ...]  # Pod.count, in pod order
    spec_replicas: int
    status_replicas: int
    metrics: tuple[SteadyMetric, ...]
    context: MetricContext
    behavior: Optional[Behavior]  # None: the legacy normalizeDesiredReplicas
    min_replicas: int
    max_replicas: int
    up_window: float
    down_window: float
    # The conditions decide() wrote and what they say; a run rewrites them when one of the three changes.
    conditions: tuple[Condition, ...]
    reason: str  # AbleToScale: the stabilization's reason
    proposing: str  # ScalingActive: the metric that proposed
    limit_reason: str  # ScalingLimited: the rate limit's reason (DesiredWithinRange when none applied)
    scale_up_events: tuple[ScaleEvent, ...]  # no rescale, no new event: the policies see the same ones
    scale_down_events: tuple[ScaleEvent, ...]
    young_until: float  # after this no pod is inside the CPU initialization period


class SteadyMetricResult(NamedTuple):
    """A MetricResult's decision fields: the proposal, how it was reached, and the value shown."""

    proposed: int
    path: str
    ratio: float
    utilization: Optional[int] = None  # Utilization targets
    average_value: Optional[int] = None  # AverageValue targets (milli)
    value: Optional[int] = None  # Object/External Value targets (milli)


class SteadySync(NamedTuple):
    """decide()'s answer for a steady sync: the count is kept, no event is written."""

    proposal: int
    stabilized: int  # after the windows; the rate limit or min/max brought it back to the count
    reason: str
    limit_reason: str
    metrics: tuple[SteadyMetricResult, ...]
    conditions: tuple[Condition, ...]  # the previous sync's unless the proposing metric or a reason changed


def steady_basis(inputs: SyncInput, decision: Decision) -> Optional[SteadyBasis]:
    """A basis if the sync ended on the metrics branch keeping the count and every pod counted."""
    scale, state, hpa = inputs.scale, decision.state, inputs.hpa
    stabilization, limit = decision.stabilization, decision.rate_limit
    if (decision.branch != METRICS or decision.rescale or decision.error is not None or decision.events
            or not isinstance(scale, Scale) or state is None or not state.seeded
            or stabilization is None or limit is None):
        return None
    current = scale.spec_replicas
    if current <= 0 or limit.result != current:
        return None
    try:
        selector = parse_selector(scale.selector)
    except SelectorError:
        return None
    pods = inputs.pods
    if len({pod.name for pod in pods}) != len(pods):
        return None  # the controller keys samples by pod name: duplicates would collapse
    if not pods or any(pod.deleted or pod.phase != "Running" or pod.ready != "True" or not selector.matches(pod.labels)
                       for pod in pods):
        return None
    context = MetricContext(spec_replicas=current, status_replicas=scale.status_replicas, pods=pods,
                            now=inputs.now, settings=inputs.settings, tolerances=tolerances_for(inputs),
                            weights={pod.name: pod.count for pod in pods if pod.count != 1})
    metrics: list[SteadyMetric] = []
    for spec, result in zip(hpa.metrics, decision.metrics, strict=True):
        metric = _steady_metric(spec, result.pods, context)
        if metric is None or result.error is not None:
            return None
        metrics.append(metric)
    settings = inputs.settings
    if hpa.behavior is None:
        up_window, down_window = 0.0, settings.downscale_stabilization
    else:
        up_window, down_window = behavior_windows(hpa.behavior, settings.downscale_stabilization)
    return SteadyBasis(pods=pods, counts=tuple(pod.count for pod in pods), spec_replicas=current,
                       status_replicas=scale.status_replicas, metrics=tuple(metrics), context=context,
                       behavior=hpa.behavior, min_replicas=hpa.effective_min_replicas, max_replicas=hpa.max_replicas,
                       up_window=up_window, down_window=down_window, conditions=decision.conditions,
                       reason=stabilization.reason, proposing=decision.proposing_metric or "",
                       limit_reason=limit.reason, scale_up_events=state.scale_up_events,
                       scale_down_events=state.scale_down_events,
                       young_until=max((pod.start_time or 0.0) + settings.cpu_initialization_period for pod in pods))


_SHARED_MEMOS: dict[tuple[object, ...], tuple[dict[int, SteadyMetricResult], dict[int, SteadyMetricResult]]] = {}
SHARED_MEMO_LIMIT = 512  # bases remembered; past it the memos start over


def _shared_memos(kind: str, target: int, requests: int, counted: int,
                  context: MetricContext) -> tuple[dict[int, SteadyMetricResult], dict[int, SteadyMetricResult]]:
    """A pod-based metric's result memos (``SteadyMetric.memo``, ``by_total``), shared by every basis whose
    results are the same function of the usage: the same kind, target, requests, counted pods and what
    ``_pod_based_result`` reads of the context (the count, the tolerances, the saturating conversion).
    A simulation comes back to the same count again and again (every day of a daily wave), and ``tune``
    replays it for a thousand specs in the same process: without sharing, each run starts empty and
    computes most of its results anew. Only memoization: what a result is does not depend on it."""
    full = (kind, target, requests, counted, context.spec_replicas, context.tolerances, context.saturates)
    memos = _SHARED_MEMOS.get(full)
    if memos is None:
        if len(_SHARED_MEMOS) >= SHARED_MEMO_LIMIT:
            _SHARED_MEMOS.clear()
        memos = _SHARED_MEMOS[full] = ({}, {})
    return memos


def _steady_metric(spec: MetricSpec, groups: Optional[PodGroups], context: MetricContext) -> Optional[SteadyMetric]:
    target = spec.target
    description = describe_metric(spec)
    if spec.type in (RESOURCE, CONTAINER_RESOURCE, PODS):
        pods = context.pods
        if (groups is None or groups.unready or groups.missing or groups.ignored
                or len(groups.ready) != len(pods)):
            return None
        counted = context.total(groups.ready)
        # The controller reads the fields, not target.type: a Resource averageValue wins.
        if spec.type == PODS or target.average_value is not None:
            average = target.average_value or 0
            memo, by_total = _shared_memos(POD_AVERAGE, average, 0, counted, context)
            return SteadyMetric(spec, POD_AVERAGE, average, description, counted=counted,
                                cpu=spec.type != PODS and spec.name == "cpu", memo=memo, by_total=by_total)
        requests = pod_requests(pods, spec.name, spec.container, context.settings)
        total = sum(requests[pod.name] * pod.count for pod in pods)
        utilization = target.average_utilization or 0
        memo, by_total = _shared_memos(POD_UTILIZATION, utilization, total, counted, context)
        return SteadyMetric(spec, POD_UTILIZATION, utilization, description, request_total=total,
                            counted=counted, cpu=spec.name == "cpu", memo=memo, by_total=by_total)
    if spec.type == OBJECT:
        if target.type == VALUE:
            return SteadyMetric(spec, TOTAL_VALUE, target.value or 0, description)
        return SteadyMetric(spec, TOTAL_AVERAGE, target.average_value or 0, description)
    if spec.type == EXTERNAL:
        if target.average_value is not None:
            return SteadyMetric(spec, TOTAL_AVERAGE, target.average_value, description, external=True)
        return SteadyMetric(spec, TOTAL_VALUE, target.value or 0, description, external=True)
    return None


class SteadyRun:
    """Consecutive steady syncs on one basis. It keeps the recommendation list incrementally, so
    ``recommendations()`` is the controller's list after the last sync that returned a result."""

    def __init__(self, basis: SteadyBasis, log: RecommendationLog) -> None:
        self.basis = basis
        self._log = log
        self._last: Optional[SteadySync] = None
        # The conditions as the last sync left them, and what they say.
        self._conditions = basis.conditions
        self._said = (basis.proposing, basis.reason, basis.limit_reason)
        # What every sync compares against, read once (sync() is the simulator's hottest function).
        self._expected = (basis.spec_replicas, basis.status_replicas, basis.pods)
        self._metrics, self._counts, self._young_until = basis.metrics, basis.counts, basis.young_until
        self._pod_based = tuple(metric.kind in (POD_UTILIZATION, POD_AVERAGE) for metric in basis.metrics)
        self._pod_count = len(basis.pods)
        # A sample taken one metric window after the last pod became Ready counts for every young pod
        # (cpu_unready_reason; float addition is monotonic, so one comparison stands for all of them).
        self._last_ready = (max(pod.ready_transition_time or 0.0 for pod in basis.pods)
                            if all(pod.start_time is not None and pod.ready == "True" for pod in basis.pods)
                            else math.inf)

    @classmethod
    def start(cls, basis: SteadyBasis, recommendations: tuple[Recommendation, ...], now: float) -> Optional[SteadyRun]:
        log = RecommendationLog.open(recommendations, None if basis.behavior is None else basis.up_window,
                                     basis.down_window, now)
        return None if log is None else cls(basis, log)

    def recommendations(self) -> tuple[Recommendation, ...]:
        return self._log.recommendations()

    def sync(self, now: float, spec_replicas: int, status_replicas: int, pods: tuple[Pod, ...],
             readings: Sequence[SteadyReading], previous_conditions: tuple[Condition, ...]) -> Optional[SteadySync]:
        """decide()'s result for this sync if it keeps the count, else None (and the run is over:
        the caller runs decide() on ``recommendations()``)."""
        expected_spec, expected_status, expected_pods = self._expected
        if (previous_conditions is not self._conditions or spec_replicas != expected_spec
                or status_replicas != expected_status or (pods is not expected_pods and pods != expected_pods)):
            return None
        if len(self._metrics) == 1:  # the common case: no list, and a single proposal always wins
            metric = self._metrics[0]
            reading = readings[0]
            if self._pod_based[0] and now >= self._young_until and type(reading) is PodSamples:
                result = self._pod_result(metric, reading, spec_replicas)  # _metric_result's common case
            else:
                result = self._metric_result(metric, reading, now, spec_replicas, pods)
            if result is None:
                return None
            results: tuple[SteadyMetricResult, ...] = (result,)
            proposal, proposing = result.proposed, metric.description
        else:
            proposal, proposing = 0, ""
            collected: list[SteadyMetricResult] = []
            for metric, reading in zip(self._metrics, readings, strict=False):  # one reading per metric
                result = self._metric_result(metric, reading, now, spec_replicas, pods)
                if result is None:
                    return None
                collected.append(result)
                if outbids(proposal, result.proposed):
                    proposal, proposing = result.proposed, metric.description
            results = tuple(collected)
        return self._settle(now, spec_replicas, proposal, proposing, results)

    def sync_usage(self, now: float, usage: int) -> Optional[SteadySync]:
        """``sync`` for a run of one pod-based metric, given the pods' summed usage (milli, weighted by
        ``Pod.count``) instead of their readings: what a simulation knows when every pod reports the
        same value (sim.world.World.steady_usage). The caller vouches that the sync is the one ``sync``
        would check: the pods, counts, replicas and conditions of the last sync this run answered, every pod
        sampled, every sample counting (``samples_count``).
        None when the run cannot answer (and it is over, as for ``sync``)."""
        result = self.usage_result(usage)
        last = self._last
        results = last.metrics if last is not None and last.metrics[0] is result else (result,)
        return self._settle(now, self._expected[0], result.proposed, self._metrics[0].description, results)

    def usage_result(self, usage: int) -> SteadyMetricResult:
        """The one metric's result for the pods' summed usage (see ``sync_usage``), remembered: the same
        object for the same result."""
        metric = self._metrics[0]
        result = metric.by_total.get(usage)
        if result is None:
            if len(metric.by_total) >= MEMO_LIMIT:
                metric.by_total.clear()
            result = metric.by_total[usage] = _pod_based_result(metric, usage, self._expected[0], self.basis.context)
        return result

    def can_hold(self) -> bool:
        """Whether ``hold`` may stand for the next usage syncs whose result proposes the count: the last
        sync went through ``sync_usage`` (one pod-based metric) and proposed the count itself.

        Each such sync answers what the last one did but for its metric's result (``held_sync``). Its
        proposal is the count, so the windows keep it: with behavior the stabilized count is the proposal
        whenever they are equal, and the legacy window's highest recommendation, already no higher than
        the count at the last sync, only loses entries to time and gains ones equal to the count. No rate
        limit applies, and the conditions say the same (the same metric proposes, for the same reasons).
        What else changes is the stored recommendation."""
        last = self._last
        return (last is not None and self.takes_usage and last.proposal == self._expected[0]
                and last.stabilized == last.proposal)

    def held_sync(self, result: SteadyMetricResult) -> SteadySync:
        """The answer of a held sync whose metric result is ``result`` (its proposal the count; see ``can_hold``)."""
        last = self._last
        assert last is not None and result.proposed == last.proposal
        if last.metrics[0] is result:
            return last
        return SteadySync(last.proposal, last.stabilized, last.reason, last.limit_reason, (result,), last.conditions)

    def hold(self, times: Sequence[float], last: SteadySync) -> None:
        """Syncs at ``times`` (after the last one, in order) that ``can_hold`` allowed, the last of which
        answered ``last`` (``held_sync``): each stored the count as its recommendation."""
        self._log.store_many(times, self._expected[0])
        self._last = last

    @property
    def takes_usage(self) -> bool:
        """Whether ``sync_usage`` applies: one pod-based metric."""
        return len(self._metrics) == 1 and self._pod_based[0]

    def samples_count(self, now: float, sampled_at: float, window: float) -> bool:
        """Whether every pod's sample, taken at ``sampled_at`` over ``window``, counts at ``now`` without a
        look at each pod (what ``sync_usage`` needs): past the CPU initialization period of the youngest
        pod, or a sample one window after the last pod became Ready (see ``_metric_result``), or a
        metric other than CPU. Once true it stays true for later syncs (times and sample times only grow)."""
        return now >= self._young_until or not self._metrics[0].cpu or sampled_at >= self._last_ready + window

    def _settle(self, now: float, spec_replicas: int, proposal: int, proposing: str,
                results: tuple[SteadyMetricResult, ...]) -> Optional[SteadySync]:
        """The windows, the rate limit and the conditions for this sync's proposal, and the stored
        recommendation: decide()'s normalization when the count is kept; None if it changes."""
        basis = self.basis
        behavior = basis.behavior
        up, down, slot = self._log.scan(now, proposal)
        if behavior is None:
            stabilized, stabilization = down, legacy_reason(proposal, down)
        elif proposal == spec_replicas:  # (scan's up <= proposal <= down: the windows keep the count)
            stabilized, stabilization = spec_replicas, READY_FOR_NEW_SCALE  # behavior_stabilized's commonest answer
        else:
            stabilized, stabilization = behavior_stabilized(spec_replicas, proposal, up, down)
        limit: tuple[str, str]  # a condition's (reason, message)
        limit, limited = WITHIN_RANGE, False  # a count the windows keep is within range
        if stabilized != spec_replicas:  # min/max or a policy may still keep it
            if behavior is None:
                rate_limit = legacy_rate_limit(spec_replicas, stabilized, basis.min_replicas, basis.max_replicas)
            else:
                rate_limit = behavior_rate_limit(now, spec_replicas, stabilized, basis.min_replicas,
                                                 basis.max_replicas, behavior, basis.scale_up_events,
                                                 basis.scale_down_events, basis.context.saturates)
            if rate_limit.result != spec_replicas:
                return None  # a rescale: decide() writes its event and conditions
            limit, limited = (rate_limit.reason, rate_limit.message), True
        said = (proposing, stabilization[0], limit[0])
        if said != self._said:  # decide() would write other conditions over the same kinds
            conditions = Conditions(self._conditions)
            write_metrics_conditions(conditions, proposing, stabilization, limited, limit)
            self._conditions, self._said = conditions.ordered(), said
        self._log.store(now, proposal, slot)
        last = self._last
        if (last is None or results != last.metrics or stabilized != last.stabilized
                or last.conditions is not self._conditions):
            self._last = last = SteadySync(proposal, stabilized, stabilization[0], limit[0], results, self._conditions)
        return last  # the same object as the previous sync's when nothing in it changed

    def _metric_result(self, metric: SteadyMetric, reading: SteadyReading, now: float, spec_replicas: int,
                       pods: tuple[Pod, ...]) -> Optional[SteadyMetricResult]:
        """One metric's proposal from its steady reading; None if the reading does not fit the basis."""
        context = self.basis.context
        if metric.kind in (POD_UTILIZATION, POD_AVERAGE):
            if not isinstance(reading, PodSamples) or len(reading.values) != len(pods):
                return None
            if (now < self._young_until and metric.cpu and reading.timestamp < self._last_ready + reading.window
                    and not _young_pods_count(pods, reading, now, context)):
                return None
            return self._pod_result(metric, reading, spec_replicas)
        if not isinstance(reading, int):
            return None
        return _total_result(metric, reading, context)

    def _pod_result(self, metric: SteadyMetric, reading: PodSamples, spec_replicas: int) -> Optional[SteadyMetricResult]:
        """A pod-based metric's result from every pod's value, once the pods' CPU samples all count."""
        values = reading.values
        if len(values) != self._pod_count:
            return None
        # The ratio of sums weighs pods by count.
        counts = self._counts
        total = values[0] * counts[0] if len(values) == 1 else sum(map(mul, values, counts))
        known = metric.by_total.get(total)
        if known is None:
            if len(metric.by_total) >= MEMO_LIMIT:
                metric.by_total.clear()
            known = metric.by_total[total] = _pod_based_result(metric, total, spec_replicas, self.basis.context)
        return known


def _total_result(metric: SteadyMetric, reading: int, context: MetricContext) -> SteadyMetricResult:
    """getUsageRatioReplicaCount and the AverageValue path of Object and External metrics."""
    usage = reading
    if metric.external:  # the sum of the series, as replicas.py's External path takes it
        usage = min(reading, MAX_INT64) if context.settings.has(EXTERNAL_AVERAGE_CAPPED) else go_int64(reading)
    if metric.kind == TOTAL_VALUE:
        fields = value_proposal(usage, metric.target, context, {})
    else:
        fields = average_value_proposal(usage, metric.target, context, {}, external=metric.external)
    return SteadyMetricResult(fields["proposed_replicas"], fields["path"], fields["usage_ratio"],
                              None, fields.get("average_value"), fields["value"])


def _pod_based_result(metric: SteadyMetric, total: int, spec_replicas: int,
                      context: MetricContext) -> SteadyMetricResult:
    """What GetResourceReplicas / calcPlainMetricReplicas compute when every pod is ready and sampled.

    The ratio comes from a whole percentage or a whole milli-average, which changes far less often
    than the total usage: results are remembered by it.
    """
    if metric.kind == POD_UTILIZATION:
        ratio, utilization = utilization_ratio(total, metric.request_total, metric.target)
        key, average = utilization, None  # the raw average is not part of the decision
    else:
        ratio, average = average_ratio(total, metric.counted, metric.target)
        key, utilization = average, None
    known = metric.memo.get(key)
    if known is None:
        if len(metric.memo) >= MEMO_LIMIT:
            metric.memo.clear()
        proposed, path = ready_pods_proposal(ratio, metric.counted, spec_replicas, context.tolerances,
                                             context.saturates)
        known = metric.memo[key] = SteadyMetricResult(proposed, path, ratio, utilization, average)
    return known


def _young_pods_count(pods: tuple[Pod, ...], reading: PodSamples, now: float, context: MetricContext) -> bool:
    """Inside the CPU initialization period a Ready pod counts only once its sample is recent enough."""
    settings = context.settings
    return not any(cpu_unready_reason(pod, Sample(value, reading.timestamp, reading.window), now,
                                      settings.cpu_initialization_period, settings.initial_readiness_delay)
                   for pod, value in zip(pods, reading.values, strict=True))
