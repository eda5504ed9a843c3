"""Test-data builders that reproduce the fixtures of the upstream HPA controller tests.

Upstream sources transcribed (kubernetes/kubernetes, pkg/controller/podautoscaler):
replica_calculator_test.go and horizontal_test.go, newest text stored (maintainer fork
omerap12/kubernetes, commits a769d588 / 060da168). Only the test DATA is reproduced here.

Two upstream harnesses are modelled:

* replica_calculator_test.go (``rc_*``): pods ``test-pod-<i>`` with two containers
  ``container1``/``container2``, each requesting the per-pod request; the Ready condition has a
  zero ``LastTransitionTime``; ``StartTime`` is the Go zero time unless the case sets one; the
  metrics timestamp is also the Go zero time (``calcScenario.timestamp`` is never set), window 1m.
* horizontal_test.go (``hz_*``): pods whose Ready ``LastTransitionTime`` equals ``StartTime``
  (the Go zero time unless set); each pod requests ``request/2`` per container and reports
  ``level/2`` per container; metrics are stamped ``time.Now()`` with a 1m window.
"""

from __future__ import annotations

from typing import Optional, Sequence

from kubectl_hpa.core.metric_context import MetricContext, Tolerances
from kubectl_hpa.core.model import (
    AVERAGE_VALUE,
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PERCENT_POLICY,
    PODS,
    PODS_POLICY,
    RESOURCE,
    SELECT_MAX,
    UTILIZATION,
    VALUE,
    Behavior,
    ContainerRequests,
    ControllerSettings,
    ExternalMetrics,
    LabelSelector,
    MetricSpec,
    MetricTarget,
    ObjectMetric,
    ObjectReference,
    Pod,
    PodMetricSample,
    PodResourceSample,
    PodsMetrics,
    ResourceMetrics,
    ScaleEvent,
    ScalingPolicy,
    ScalingRules,
)

NOW = 1_700_000_000.0
GO_ZERO = -62135596800.0  # time.Time{} (0001-01-01T00:00:00Z) as epoch seconds
MINUTE = 60.0
HOT = NOW  # hotCPUCreationTime() / timeNow()
COOL = NOW - 3 * MINUTE  # coolCPUCreationTime() / time3MinsAgo()
TOL = 0.1  # defaultTestingTolerance
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1

# defaultTestingCPUInitializationPeriod = 2m, defaultTestingDelayOfInitialReadinessStatus = 10s,
# downscale stabilization 5m in the controller tests.
SETTINGS = ControllerSettings(tolerance=TOL, cpu_initialization_period=120.0, initial_readiness_delay=10.0,
                              downscale_stabilization=300.0)

POD_LABELS = {"name": "test-pod"}
SELECTOR = "name=test-pod"
NAMESPACE = "test-namespace"
DEPLOYMENT = ObjectReference(kind="Deployment", name="some-deployment", api_version="apps/v1")
EXTERNAL_SELECTOR = LabelSelector(match_labels=(("label", "value"),))


def cpu(text: str) -> int:
    """A CPU quantity string ("1.0", "0.9", "100m") in milli-units."""
    if text.endswith("m"):
        return int(text[:-1])
    return round(float(text) * 1000)


# ----------------------------------------------------------------------------- replica_calculator_test.go


def rc_pods(current_replicas: int, requests: Sequence[int] = (), readiness: Optional[Sequence[str]] = None,
            start_times: Optional[Sequence[float]] = None, phases: Optional[Sequence[str]] = None,
            deleted: Optional[Sequence[bool]] = None) -> tuple[Pod, ...]:
    """newFakePodClient/buildFakePod: max(currentReplicas, len(podPhase)) pods."""
    count = current_replicas
    if phases is not None and len(phases) > count:
        count = len(phases)
    pods = []
    for i in range(count):
        ready = readiness[i] if readiness is not None and i < len(readiness) else "True"
        start = start_times[i] if start_times is not None else GO_ZERO
        phase = phases[i] if phases is not None else "Running"
        gone = bool(deleted[i]) if deleted is not None else False
        request = {"cpu": requests[i]} if i < len(requests) else {}
        pods.append(Pod(
            name=f"test-pod-{i}", phase=phase, deleted=gone, ready=ready, ready_transition_time=GO_ZERO,
            start_time=start,
            containers=(ContainerRequests("container1", dict(request)), ContainerRequests("container2", dict(request))),
            labels=dict(POD_LABELS),
        ))
    return tuple(pods)


def pod_levels(*per_pod: int) -> list[list[int]]:
    """makePodMetricLevels: every container of pod i reports per_pod[i]."""
    return [[value, value] for value in per_pod]


def rc_resource_reading(levels: Sequence[Sequence[int]], pod_names: Sequence[str] = (),
                        timestamp: float = GO_ZERO) -> ResourceMetrics:
    """newFakeResourceMetricsClient: two container slots per pod; unfilled slots have no usage."""
    samples = []
    for i, values in enumerate(levels):
        name = pod_names[i] if i < len(pod_names) else f"test-pod-{i}"
        containers: dict[str, dict[str, int]] = {}
        for j in range(2):
            if j < len(values):
                containers[f"container{j + 1}"] = {"cpu": values[j]}
            else:
                containers[""] = {}  # a zero-valued ContainerMetrics: no name, no usage
        samples.append(PodResourceSample(pod=name, timestamp=timestamp, window=MINUTE, containers=containers))
    return ResourceMetrics(samples=tuple(samples))


def rc_pods_reading(levels: Sequence[int], timestamp: float = GO_ZERO) -> PodsMetrics:
    return PodsMetrics(samples=tuple(PodMetricSample(pod=f"test-pod-{i}", value=v, timestamp=timestamp)
                                     for i, v in enumerate(levels)))


def ctx(spec_replicas: int, pods: tuple[Pod, ...], status_replicas: Optional[int] = None,
        tolerances: tuple[float, float] = (TOL, TOL)) -> MetricContext:
    return MetricContext(spec_replicas=spec_replicas,
                         status_replicas=spec_replicas if status_replicas is None else status_replicas,
                         pods=pods, now=NOW, settings=SETTINGS, tolerances=Tolerances(*tolerances))


def cpu_utilization_spec(target: int, container: Optional[str] = None) -> MetricSpec:
    kind = CONTAINER_RESOURCE if container else RESOURCE
    return MetricSpec(type=kind, name="cpu", container=container,
                      target=MetricTarget(type=UTILIZATION, average_utilization=target))


def pods_spec(target_milli: int, name: str = "qps") -> MetricSpec:
    return MetricSpec(type=PODS, name=name, target=MetricTarget(type=AVERAGE_VALUE, average_value=target_milli))


def object_value_spec(target_milli: int) -> MetricSpec:
    return MetricSpec(type=OBJECT, name="qps", described_object=DEPLOYMENT,
                      target=MetricTarget(type=VALUE, value=target_milli))


def object_average_spec(target_milli: int) -> MetricSpec:
    return MetricSpec(type=OBJECT, name="qps", described_object=DEPLOYMENT,
                      target=MetricTarget(type=AVERAGE_VALUE, average_value=target_milli))


def external_value_spec(target_milli: int, selector: Optional[LabelSelector] = EXTERNAL_SELECTOR) -> MetricSpec:
    return MetricSpec(type=EXTERNAL, name="qps", selector=selector, target=MetricTarget(type=VALUE, value=target_milli))


def external_average_spec(target_milli: int, selector: Optional[LabelSelector] = EXTERNAL_SELECTOR) -> MetricSpec:
    return MetricSpec(type=EXTERNAL, name="qps", selector=selector,
                      target=MetricTarget(type=AVERAGE_VALUE, average_value=target_milli))


def object_reading(value: int, timestamp: float = GO_ZERO) -> ObjectMetric:
    return ObjectMetric(value=value, timestamp=timestamp)


def external_reading(*values: int, timestamp: float = GO_ZERO) -> ExternalMetrics:
    return ExternalMetrics(values=tuple(values), timestamp=timestamp)


# ----------------------------------------------------------------------------- horizontal_test.go


def hz_pods(count: int, requests: Optional[Sequence[int]] = None, readiness: Optional[Sequence[str]] = None,
            start_times: Optional[Sequence[float]] = None, phases: Optional[Sequence[str]] = None,
            deleted: Optional[Sequence[bool]] = None, extra_labels: Optional[dict] = None) -> tuple[Pod, ...]:
    """prepareTestClient's pod reactor: len(reportedCPURequests) pods, else statusReplicas pods of 1 CPU."""
    n = len(requests) if requests is not None else count
    pods = []
    for i in range(n):
        request = requests[i] if requests is not None else 1000
        start = start_times[i] if start_times is not None else GO_ZERO
        labels = dict(POD_LABELS)
        labels.update(extra_labels or {})
        pods.append(Pod(
            name=f"test-pod-{i}", phase=phases[i] if phases is not None else "Running",
            deleted=bool(deleted[i]) if deleted is not None else False,
            ready=readiness[i] if readiness is not None else "True",
            ready_transition_time=start, start_time=start,
            containers=(ContainerRequests("container1", {"cpu": request // 2}),
                        ContainerRequests("container2", {"cpu": request // 2})),
            labels=labels,
        ))
    return tuple(pods)


def hz_resource_reading(levels: Sequence[int]) -> ResourceMetrics:
    """The metrics.k8s.io reactor: level/2 cpu per container, stamped now, 1m window."""
    return ResourceMetrics(samples=tuple(
        PodResourceSample(pod=f"test-pod-{i}", timestamp=NOW, window=MINUTE,
                          containers={"container1": {"cpu": level // 2, "memory": 1024 * 1024 // 2 * 1000},
                                      "container2": {"cpu": level // 2, "memory": 1024 * 1024 // 2 * 1000}})
        for i, level in enumerate(levels)))


def hz_pods_reading(levels: Sequence[int]) -> PodsMetrics:
    return PodsMetrics(samples=tuple(PodMetricSample(pod=f"test-pod-{i}", value=v, timestamp=NOW)
                                     for i, v in enumerate(levels)))


# ----------------------------------------------------------------------------- behavior helpers


def scaling_rules(pods: int, pods_period: int, percent: int, percent_period: int,
                  window: Optional[int]) -> ScalingRules:
    """generateScalingRules: select Max, a Pods and/or a Percent policy, an explicit window."""
    policies = []
    if pods:
        policies.append(ScalingPolicy(PODS_POLICY, pods, pods_period))
    if percent:
        policies.append(ScalingPolicy(PERCENT_POLICY, percent, percent_period))
    return ScalingRules(stabilization_window_seconds=window, select_policy=SELECT_MAX, policies=tuple(policies))


DEFAULT_SCALE_UP = ScalingRules(stabilization_window_seconds=0, select_policy=SELECT_MAX,
                                policies=(ScalingPolicy(PODS_POLICY, 4, 15), ScalingPolicy(PERCENT_POLICY, 100, 15)))
DEFAULT_SCALE_DOWN = ScalingRules(stabilization_window_seconds=None, select_policy=SELECT_MAX,
                                  policies=(ScalingPolicy(PERCENT_POLICY, 100, 15),))


def behavior(scale_up: Optional[ScalingRules] = None, scale_down: Optional[ScalingRules] = None) -> Behavior:
    """SetDefaults_HorizontalPodAutoscalerBehavior / GenerateHPAScale{Up,Down}Rules for a nil direction."""
    return Behavior(scale_up=scale_up or DEFAULT_SCALE_UP, scale_down=scale_down or DEFAULT_SCALE_DOWN)


GENERATION_LAG = 1e-3  # upstream builds events with time.Now() a moment before the code under test reads it


def uniform_events(changes: Sequence[int], period_seconds: int) -> tuple[ScaleEvent, ...]:
    """generateEventsUniformDistribution: event i sits mid-segment, ages truncated to whole seconds."""
    segment = period_seconds / len(changes)
    events = []
    for idx, change in enumerate(changes):
        age = int(period_seconds - segment * (idx + 1) + segment / 2)  # time.Duration(float) truncates
        events.append(ScaleEvent(timestamp=NOW - GENERATION_LAG - age, replica_change=change))
    return tuple(events)
