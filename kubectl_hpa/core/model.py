"""What the HPA controller sees at one sync, and what it decides, as plain immutable records.

Most records are NamedTuples: a frozen dataclass costs ~0.5 ms to create at import (six generated methods,
each compiled), a NamedTuple about a fifth of that, and every start of the plugin pays it. The ones other code
copies with ``dataclasses.replace`` (HPASpec, Scale, ScalingRules, ControllerSettings, ControllerState,
SyncInput) and Pod (its ``count`` would hide ``tuple.count``) stay frozen dataclasses.

Times are float seconds since the epoch; quantities are integer milli-units, the
unit the controller computes in (``Quantity.MilliValue()``), memory included.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple, Optional, Union

from .versions import HPA_SCALE_TO_ZERO, PER_HPA_TOLERANCE, ControllerVersion

# Metric source types (autoscaling/v2 MetricSourceType).
RESOURCE = "Resource"
CONTAINER_RESOURCE = "ContainerResource"
PODS = "Pods"
OBJECT = "Object"
EXTERNAL = "External"
METRIC_TYPES = (RESOURCE, CONTAINER_RESOURCE, PODS, OBJECT, EXTERNAL)

# Metric target types.
UTILIZATION = "Utilization"
VALUE = "Value"
AVERAGE_VALUE = "AverageValue"

# Scaling policy types and select policies.
PODS_POLICY = "Pods"
PERCENT_POLICY = "Percent"
SELECT_MAX = "Max"
SELECT_MIN = "Min"
SELECT_DISABLED = "Disabled"

NOTHING: Mapping[Any, Any] = MappingProxyType({})
"""The empty mapping a record's mapping field defaults to (read-only: one object shared by every default)."""


class ObjectReference(NamedTuple):
    kind: str
    name: str
    api_version: str = ""


class LabelSelectorRequirement(NamedTuple):
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: tuple[str, ...] = ()


class LabelSelector(NamedTuple):
    """A metav1.LabelSelector (metric selectors); ``None`` where the spec has none."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()


class MetricTarget(NamedTuple):
    type: str  # Utilization | Value | AverageValue
    average_utilization: Optional[int] = None
    value: Optional[int] = None  # milli
    average_value: Optional[int] = None  # milli

    @property
    def is_utilization(self) -> bool:
        """Whether the target is a percentage of the pods' requests (every view then speaks in percent)."""
        return self.average_utilization is not None and self.average_value is None

    @property
    def wanted(self) -> Optional[int]:
        """The target in its own unit: percent for a utilization target, else milli (value or averageValue)."""
        if self.is_utilization:
            return self.average_utilization
        return self.value if self.type == VALUE else self.average_value

    def in_units(self, amount: int) -> float:
        """An amount in this target's unit (:attr:`wanted`, :meth:`measure`) as people read it: percent as is,
        milli as whole units (what charts, timelines and the watch history plot)."""
        return float(amount) if self.is_utilization else amount / 1000

    def measure(self, utilization: Optional[int], value: Optional[int], average_value: Optional[int]) -> Optional[int]:
        """A reading in this target's unit (as :attr:`wanted`): the utilization, or the value a Value target
        compares (the average otherwise, and when no value was read); None when unknown."""
        if self.is_utilization:
            return utilization
        if self.type == VALUE and value is not None:
            return value
        return average_value


class MetricSpec(NamedTuple):
    """One entry of ``spec.metrics``; ``name`` is the resource name for Resource metrics."""

    type: str
    name: str
    target: MetricTarget
    container: Optional[str] = None
    selector: Optional[LabelSelector] = None
    described_object: Optional[ObjectReference] = None


class ScalingPolicy(NamedTuple):
    type: str  # Pods | Percent
    value: int
    period_seconds: int


@dataclass(frozen=True)
class ScalingRules:
    """``behavior.scaleUp`` / ``scaleDown`` after API defaulting (window may stay None for scale-down)."""

    stabilization_window_seconds: Optional[int]
    select_policy: str
    policies: tuple[ScalingPolicy, ...]
    tolerance: Optional[float] = None


class Behavior(NamedTuple):
    scale_up: ScalingRules
    scale_down: ScalingRules


@dataclass(frozen=True)
class HPASpec:
    name: str
    namespace: str
    scale_target: ObjectReference
    max_replicas: int
    min_replicas: Optional[int] = None  # None means 1
    metrics: tuple[MetricSpec, ...] = ()
    behavior: Optional[Behavior] = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def effective_min_replicas(self) -> int:
        return 1 if self.min_replicas is None else self.min_replicas


class ContainerRequests(NamedTuple):
    """A container's ``resources.requests`` in milli-units; a missing key is a missing request."""

    name: str
    requests: Mapping[str, int] = NOTHING
    restartable: bool = False  # an init container with restartPolicy: Always (a native sidecar)


@dataclass(frozen=True)
class Pod:
    name: str
    phase: str = "Running"
    deleted: bool = False  # metadata.deletionTimestamp is set
    ready: Optional[str] = None  # status of the Ready condition: "True", "False", "Unknown"; None = no condition
    ready_transition_time: Optional[float] = None
    start_time: Optional[float] = None
    containers: tuple[ContainerRequests, ...] = ()
    sidecars: tuple[ContainerRequests, ...] = ()  # init containers with restartPolicy: Always
    pod_requests: Optional[Mapping[str, int]] = None  # spec.resources.requests (pod-level resources)
    # Every init container in spec order (sidecars flagged restartable) and spec.overhead: what a pod-level
    # request is aggregated from (pod_samples.aggregate_container_requests). Empty: the sidecars alone.
    init_containers: tuple[ContainerRequests, ...] = ()
    overhead: Optional[Mapping[str, int]] = None
    labels: Mapping[str, str] = field(default_factory=dict)
    # How many identical pods this entry stands for (same state, same samples). Always 1 for pods read from a
    # cluster; the simulator groups interchangeable pods so that a sync costs O(groups), not O(pods).
    count: int = 1


@dataclass(frozen=True)
class Scale:
    """The target's ``/scale`` subresource: what the controller reads replicas and pods from."""

    spec_replicas: int
    status_replicas: int
    selector: Optional[str]  # status.selector, a label selector string


class FetchError(NamedTuple):
    """A read that failed (metrics API, scale); ``message`` is the error text the controller wraps."""

    message: str


class PodResourceSample(NamedTuple):
    """One PodMetrics item: per-container usage in milli-units."""

    pod: str
    timestamp: float
    window: float
    containers: Mapping[str, Mapping[str, int]]


class ResourceMetrics(NamedTuple):
    """A PodMetrics list from metrics.k8s.io for the HPA's pod selector."""

    samples: tuple[PodResourceSample, ...]


class PodMetricSample(NamedTuple):
    pod: str
    value: int  # milli
    timestamp: float
    window: float = 60.0  # a missing windowSeconds means one minute


class PodsMetrics(NamedTuple):
    """A custom.metrics.k8s.io MetricValueList for pods (the ``*`` query)."""

    samples: tuple[PodMetricSample, ...]


class ObjectMetric(NamedTuple):
    value: int  # milli
    timestamp: float


class ExternalMetrics(NamedTuple):
    values: tuple[int, ...]  # milli, one per returned series
    timestamp: float


Reading = Union[ResourceMetrics, PodsMetrics, ObjectMetric, ExternalMetrics, FetchError, None]


@dataclass(frozen=True)
class ControllerSettings:
    """kube-controller-manager flags (``--horizontal-pod-autoscaler-*``) with their defaults."""

    tolerance: float = 0.1
    cpu_initialization_period: float = 300.0
    initial_readiness_delay: float = 30.0
    downscale_stabilization: float = 300.0
    sync_period: float = 15.0
    version: ControllerVersion = ControllerVersion()
    """The release emulated (the newest controller code unless a caller says which) and its feature gates."""

    @property
    def configurable_tolerance(self) -> bool:
        """Whether behavior.*.tolerance counts (feature gate HPAConfigurableTolerance, from 1.33)."""
        return self.version.has(PER_HPA_TOLERANCE)

    @property
    def scale_to_zero(self) -> bool:
        """Feature gate HPAScaleToZero (alpha, off, until 1.36; beta, on, from 1.37)."""
        return self.version.gate(HPA_SCALE_TO_ZERO)

    def has(self, change: str) -> bool:
        """Whether the emulated controller behaves as row ``change`` of versions.CHANGES says."""
        return self.version.has(change)

    def with_gates(self, gates: Mapping[str, bool]) -> ControllerSettings:
        """These settings with feature gates set on the emulated release (checked as the controller would)."""
        return replace(self, version=self.version.with_gates(gates))

    def with_flags(self, flags: Mapping[str, Optional[float]]) -> ControllerSettings:
        """These settings under the controller flags given on a command line (None: the flag was not given)."""
        given: dict[str, Any] = {name: value for name, value in flags.items() if value is not None}
        return replace(self, **given)


class Recommendation(NamedTuple):
    """One stored recommendation (a tuple: a simulation stores one per sync and scans them all)."""

    timestamp: float
    replicas: int


class ScaleEvent(NamedTuple):
    timestamp: float
    replica_change: int  # always positive; the list says the direction
    outdated: bool = False


@dataclass(frozen=True)
class ControllerState:
    """What the controller keeps in memory per HPA, and loses on restart."""

    recommendations: tuple[Recommendation, ...] = ()
    scale_up_events: tuple[ScaleEvent, ...] = ()
    scale_down_events: tuple[ScaleEvent, ...] = ()
    seeded: bool = False  # the controller has seen this HPA before (its recommendation list exists)


FIRST_SIGHT = ControllerState()
"""The controller's memory when no record of it exists: an HPA seen for the first time, or the first sync after
kube-controller-manager restarted. decide() seeds it with the current count, now, so no scale-down happens for
one scale-down window (the controller creates its recommendation list that way the first time it syncs an HPA).
Every view that has no ControllerState starts here, so ``explain`` and ``watch`` give the same verdict on the
same reads; the live controller, which has been syncing all along, can only release a held scale-down sooner."""


@dataclass(frozen=True)
class SyncInput:
    """Everything one reconcile of one HPA reads.

    ``readings`` is aligned with ``hpa.metrics``: what the metrics APIs returned for
    each metric (a FetchError when the read failed). ``state=None`` means the
    controller's memory is unknown: no seeding, no history.
    """

    hpa: HPASpec
    scale: Union[Scale, FetchError]
    pods: tuple[Pod, ...]
    readings: tuple[Reading, ...]
    now: float
    settings: ControllerSettings = ControllerSettings()
    state: Optional[ControllerState] = None
    selecting_hpas: tuple[str, ...] = ()  # namespace/name of every HPA whose selector picks these pods
    previous_conditions: tuple[Condition, ...] = ()  # the HPA's status.conditions before this sync
    previous_desired_replicas: Optional[int] = None  # status.desiredReplicas before this sync


# ----------------------------------------------------------------------------- results


class Condition(NamedTuple):
    type: str
    status: str
    reason: str
    message: str


class Event(NamedTuple):
    type: str  # Normal | Warning
    reason: str
    message: str


class PodGroups(NamedTuple):
    """How the controller sorted the pods for one metric (its own words)."""

    ready: tuple[str, ...] = ()
    unready: Mapping[str, str] = NOTHING  # name -> why it does not count yet
    missing: tuple[str, ...] = ()  # no metric sample
    ignored: Mapping[str, str] = NOTHING  # deleted or failed: dropped outright


class Rebalance(NamedTuple):
    """The second pass over missing and unready pods (replica_calculator's slow path)."""

    missing_fill: Optional[int]  # milli-value given to each missing pod (None: left out)
    unready_as_zero: bool
    new_ratio: float
    samples: int
    guard: Optional[str]  # why the current count was kept, if it was


class MetricResult(NamedTuple):
    spec: MetricSpec
    proposed_replicas: Optional[int] = None
    usage_ratio: Optional[float] = None
    utilization: Optional[int] = None  # percent of request, truncated
    average_value: Optional[int] = None  # milli
    value: Optional[int] = None  # milli (Object/External Value)
    description: str = ""  # the controller's metric name, e.g. "cpu resource utilization (percentage of request)"
    pods: Optional[PodGroups] = None
    path: str = ""  # how the proposal was reached (the paths in branches.py)
    multiplier: Optional[int] = None  # the pod count the ratio was multiplied by
    rebalance: Optional[Rebalance] = None
    tolerance_band: tuple[float, float] = (0.9, 1.1)
    timestamp: Optional[float] = None
    error: Optional[str] = None  # the error in the ScalingActive condition and the metric's Warning event
    error_reason: Optional[str] = None  # FailedGetResourceMetric, ...
    wrapped_error: Optional[str] = None  # the same error as the reconcile reports it ("failed to get ...: ")

    @property
    def current(self) -> Optional[int]:
        """The current value in the target's unit (:attr:`MetricTarget.wanted`): percent or milli; None if unknown."""
        return self.spec.target.measure(self.utilization, self.value, self.average_value)


class PolicyLimit(NamedTuple):
    policy: ScalingPolicy
    period_start_replicas: int
    limit: int


class Stabilization(NamedTuple):
    result: int
    up_window: Optional[float]  # seconds; None on the legacy path
    down_window: float
    up_recommendation: int
    down_recommendation: int
    considered: tuple[Recommendation, ...]  # stored recommendations inside a window
    reason: str
    message: str
    allowed_down_at: Optional[float] = None  # when the highest recommendation leaves the window


class RateLimit(NamedTuple):
    result: int
    reason: str
    message: str
    lower_bound: int
    upper_bound: int
    policy_limits: tuple[PolicyLimit, ...] = ()
    direction: str = ""  # up | down | ""


class Decision(NamedTuple):
    hpa: HPASpec
    now: float
    current_replicas: int
    desired_replicas: int
    branch: str  # see branches.BRANCHES
    metrics: tuple[MetricResult, ...] = ()
    proposed_replicas: Optional[int] = None  # max over metrics, before stabilization and limits
    proposing_metric: Optional[str] = None
    stabilization: Optional[Stabilization] = None
    rate_limit: Optional[RateLimit] = None
    rescale: bool = False
    rescale_reason: str = ""
    conditions: tuple[Condition, ...] = ()
    events: tuple[Event, ...] = ()
    state: Optional[ControllerState] = None  # the controller's memory after this sync
    error: Optional[str] = None  # the reconcile error (e.g. invalid metrics), if any
    tolerance: tuple[float, float] = (0.1, 0.1)  # (scale-down, scale-up)
