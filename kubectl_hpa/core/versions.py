"""Which HPA controller to emulate: what changed from release to release, as one table.

kubectl-hpa's claim is the controller's own answer, and the controller changed under
its users: a cluster on 1.30 counts sidecar requests but not pod-level ones, one on
1.37 counts Succeeded pods as missing, the newest code ignores them. Every such change
is one row of :data:`CHANGES` (the upstream PR that made it, the release it first
shipped in, the feature gate that guards it, if any), and every feature gate that
shapes a decision is one entry of :data:`GATES` (its stage and default in each
release). The rest of the core asks one question, ``settings.version.has(CHANGE)``,
and never compares release numbers itself: a new release is a new row here.

A release is its minor number (26 for 1.26); the patch releases of a minor carry no
HPA change in 1.26-1.38 (the rows were checked against the release notes of each
minor and the controller code at its tag).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Mapping, NamedTuple, Optional

OLDEST = 26
"""The oldest release emulated. Before 1.26 missing pods counted as 100% of their request on a scale-down
(not max(100%, target)) and HPAs sharing pods fought instead of stopping (AmbiguousSelector)."""
NEWEST_RELEASED = 37
"""The newest released minor, assumed when neither the cluster nor the user says which (1.38 is in alpha)."""
NEWEST = 38
"""The newest controller code the table knows (upstream master, unreleased: 1.38)."""

# ----------------------------------------------------------------------------- feature gates

ALPHA, BETA, GA = "Alpha", "Beta", "GA"


class GateStage(NamedTuple):
    """A gate's maturity from one release on (until the next stage), as kube_features.go lists it."""

    since: int
    maturity: str
    default: bool
    locked: bool = False  # GA gates are locked to their default: kube-controller-manager refuses to flip them


class Gate(NamedTuple):
    """A feature gate of kube-controller-manager (and the API server) that changes an HPA decision."""

    name: str
    stages: tuple[GateStage, ...]
    removed: Optional[int]  # the first release without the gate (it is then always on), None while it exists
    effect: str

    def stage(self, minor: int) -> Optional[GateStage]:
        """The gate's stage in release 1.<minor>; None where the gate does not exist (yet, or any more)."""
        if self.removed is not None and minor >= self.removed:
            return None
        current = None
        for stage in self.stages:
            if stage.since <= minor:
                current = stage
        return current

    def enabled_without_gate(self, minor: int) -> bool:
        """What the code does where the gate does not exist: on after its removal, off before it was added."""
        return self.removed is not None and minor >= self.removed


HPA_SCALE_TO_ZERO = "HPAScaleToZero"
HPA_CONFIGURABLE_TOLERANCE = "HPAConfigurableTolerance"
HPA_CONTAINER_METRICS = "HPAContainerMetrics"
POD_LEVEL_RESOURCES = "PodLevelResources"

GATES: Mapping[str, Gate] = {gate.name: gate for gate in (
    Gate(HPA_SCALE_TO_ZERO,
         (GateStage(16, ALPHA, False), GateStage(37, BETA, True)), None,
         "minReplicas 0 with an Object or External metric; from 1.36 the controller's ScaledToZero condition "
         "and scale-from-zero need it on kube-controller-manager too"),
    Gate(HPA_CONFIGURABLE_TOLERANCE,
         (GateStage(33, ALPHA, False), GateStage(35, BETA, True), GateStage(37, GA, True, locked=True)), None,
         "behavior.scaleUp.tolerance and behavior.scaleDown.tolerance override the cluster-wide tolerance"),
    Gate(HPA_CONTAINER_METRICS,
         (GateStage(20, ALPHA, False), GateStage(27, BETA, True), GateStage(30, GA, True, locked=True)), 32,
         "ContainerResource metrics"),
    Gate(POD_LEVEL_RESOURCES,
         (GateStage(32, ALPHA, False), GateStage(34, BETA, True)), None,
         "pod-level spec.resources.requests are the pod's request when set"),
)}


# ----------------------------------------------------------------------------- the changes

# The names the rest of the core asks about (``settings.has(...)``).
MISSING_PODS_AT_TARGET = "missing-pods-at-target"
AMBIGUOUS_SELECTOR = "ambiguous-selector"
TARGETED_PODS_MESSAGE = "targeted-pods-message"
CONTAINER_METRICS_GATE_CHECKED = "container-metrics-gate-checked"
SIDECAR_REQUESTS = "sidecar-requests"
TWO_SIDED_TOLERANCE = "two-sided-tolerance"
PER_HPA_TOLERANCE = "per-hpa-tolerance"
MISSING_CONTAINER_IS_MISSING_POD = "missing-container-is-missing-pod"
EXTERNAL_AVERAGE_CAPPED = "external-average-capped"
RESCALE_RETRIED_ON_CONFLICT = "rescale-retried-on-conflict"
POD_LEVEL_REQUESTS = "pod-level-requests"
VALUE_CAPPED = "value-capped"
SCALED_TO_ZERO_CONDITION = "scaled-to-zero-condition"
SCALE_TO_ZERO_BY_DEFAULT = "scale-to-zero-by-default"
OBSERVED_GENERATION = "observed-generation"
IMMEDIATE_RECONCILE = "immediate-reconcile"
OBJECT_METRIC_MESSAGE = "object-metric-message"
METRICS_API_V1 = "metrics-api-v1"
REPLICAS_CAPPED_AT_INT32 = "replicas-capped-at-int32"
POD_OVERHEAD_EXCLUDED = "pod-overhead-excluded"
SUCCEEDED_PODS_IGNORED = "succeeded-pods-ignored"

REPLICAS, CONDITIONS, EVENTS, TIMING, DIAGNOSTICS = "replicas", "conditions", "events", "timing", "diagnostics"


class Change(NamedTuple):
    """One change to the HPA controller: what it does, from which release, behind which gate, and why we know."""

    key: str
    since: int
    summary: str
    prs: tuple[int, ...]
    affects: tuple[str, ...]
    gate: Optional[str] = None  # the change needs this gate on (its default follows GATES)
    emulated: bool = True  # False: listed for upgrade reports, but nothing kubectl-hpa computes depends on it

    @property
    def release(self) -> str:
        return f"1.{self.since}"


CHANGES: tuple[Change, ...] = (
    # 1.26 is the oldest release emulated; these two rows say why older ones are not.
    Change(MISSING_PODS_AT_TARGET, 26,
           "on a scale-down, a pod without a metric counts as max(100%, target) of its request (was 100%); "
           "for averages it counts as the target", (112178,), (REPLICAS,)),
    Change(AMBIGUOUS_SELECTOR, 26,
           "HPAs whose selectors pick the same pods all stop: ScalingActive=False, reason AmbiguousSelector "
           "(before, they fought)", (112011,), (CONDITIONS, EVENTS, REPLICAS)),
    Change(TARGETED_PODS_MESSAGE, 27,
           'pods without usable metrics: "did not receive metrics for targeted pods (pods might be unready)" '
           '(was "did not receive metrics for any ready pods")', (114740,), (CONDITIONS, EVENTS)),
    Change(CONTAINER_METRICS_GATE_CHECKED, 27,
           "with HPAContainerMetrics off, a ContainerResource metric fails (\"ContainerResource metric type is not "
           "supported: disabled by the feature gate\"; no event, a blank condition); 1.26 computed it anyway",
           (116043,), (REPLICAS, CONDITIONS, EVENTS)),
    Change(SIDECAR_REQUESTS, 29,
           "requests of restartable init containers (native sidecars) are part of the pod's request, and a "
           "sidecar without one fails a Utilization metric", (120001,), (REPLICAS, CONDITIONS)),
    Change(TWO_SIDED_TOLERANCE, 33,
           "the tolerance band is (1 - down) <= ratio <= (1 + up), with or without the gate (was |1 - ratio| <= "
           "tolerance: a ratio of exactly 1.1 with tolerance 0.1 was outside, it is now inside)", (130797,),
           (REPLICAS,)),
    Change(PER_HPA_TOLERANCE, 33,
           "behavior.scaleUp.tolerance / scaleDown.tolerance override the cluster's tolerance (gate "
           "HPAConfigurableTolerance: alpha, off, 1.33; beta, on, 1.35; GA 1.37)", (130797, 133128, 140107),
           (REPLICAS,), gate=HPA_CONFIGURABLE_TOLERANCE),
    Change(MISSING_CONTAINER_IS_MISSING_POD, 33,
           "ContainerResource: a pod whose metrics lack the named container counts as a missing pod (before, the "
           "whole metric failed: \"container C not present in metrics for pod NS/POD\")", (127193,),
           (REPLICAS, CONDITIONS, EVENTS)),
    Change(EXTERNAL_AVERAGE_CAPPED, 34,
           "External metrics: the sum of the series saturates at MaxInt64 and an AverageValue proposal at "
           "MaxInt32 (before, both wrapped)", (127050,), (REPLICAS,)),
    Change(RESCALE_RETRIED_ON_CONFLICT, 34,
           "a scale update that hits a conflict is retried; FailedRescale only once the retries are spent",
           (132007,), (EVENTS,), emulated=False),
    Change(POD_LEVEL_REQUESTS, 34,
           "pod-level spec.resources.requests, when set, are the pod's request for Resource metrics (gate "
           "PodLevelResources, beta, on, 1.34; pod overhead added until 1.38); before, only containers counted",
           (132430,), (REPLICAS,), gate=POD_LEVEL_RESOURCES),
    Change(VALUE_CAPPED, 35,
           "Object and External Value targets: a proposal beyond MaxInt32 saturates (before, it wrapped)",
           (126979,), (REPLICAS,)),
    Change(SCALED_TO_ZERO_CONDITION, 36,
           "the ScaledToZero condition: only a workload the HPA scaled to zero (gate HPAScaleToZero on "
           "kube-controller-manager) is scaled up from zero; before, minReplicas 0 alone made the controller "
           "compute at zero replicas, whoever put the workload there", (135118,), (REPLICAS, CONDITIONS)),
    Change(SCALE_TO_ZERO_BY_DEFAULT, 37,
           "HPAScaleToZero is beta and on by default: minReplicas 0 and scaling to and from zero need no gate",
           (139648,), (REPLICAS, CONDITIONS), gate=HPA_SCALE_TO_ZERO),
    Change(OBSERVED_GENERATION, 37,
           "status.observedGeneration and observedGeneration on each condition (HPAGeneration)", (138228, 138653),
           (CONDITIONS,), emulated=False),
    Change(IMMEDIATE_RECONCILE, 37,
           "a new HPA is reconciled at once instead of one sync period after it appears", (138294,), (TIMING,)),
    Change(OBJECT_METRIC_MESSAGE, 37,
           'a failed Object metric reads "unable to get metric M on KIND NS/NAME: ERROR" (was "unable to get '
           'metric M: KIND on NS NAME/ERROR")', (139029,), (CONDITIONS, EVENTS)),
    Change(METRICS_API_V1, 37,
           "metrics.k8s.io/v1 is served beside v1beta1; the HPA controller still reads v1beta1", (139223,),
           (DIAGNOSTICS,)),
    Change(REPLICAS_CAPPED_AT_INT32, 38,
           "every replica proposal saturates at MaxInt32; before, an out-of-range value became -2147483648 on amd64, "
           "so an extreme metric scaled the workload down to minReplicas", (141397, 140958, 142192), (REPLICAS,)),
    Change(POD_OVERHEAD_EXCLUDED, 38,
           "pod overhead (spec.overhead) is no longer added to pod-level requests", (142154,), (REPLICAS,)),
    Change(SUCCEEDED_PODS_IGNORED, 38,
           "Succeeded pods are ignored like Failed ones; before, they counted (as missing pods when they had no "
           "metrics: 0 on a scale-up, the target or max(100%, target) on a scale-down)", (141302,), (REPLICAS,)),
)

CHANGE_BY_KEY: Mapping[str, Change] = {change.key: change for change in CHANGES}


# ----------------------------------------------------------------------------- one emulated controller


class VersionError(ValueError):
    """A release or gate setting kubectl-hpa cannot emulate; the message is one line for the user."""


@dataclass(frozen=True)
class ControllerVersion:
    """The HPA controller of one release, with feature gates set on top of that release's defaults."""

    minor: int = NEWEST
    gate_settings: tuple[tuple[str, bool], ...] = ()  # as given (--feature-gates), known gates only

    @property
    def release(self) -> str:
        """``1.37``."""
        return f"1.{self.minor}"

    def gate(self, name: str) -> bool:
        """The gate's value in this controller: set explicitly, else the release's default."""
        for given, value in self.gate_settings:
            if given == name:
                return value
        gate = GATES[name]
        stage = gate.stage(self.minor)
        return stage.default if stage is not None else gate.enabled_without_gate(self.minor)

    @cached_property
    def _enabled(self) -> frozenset[str]:
        return frozenset(change.key for change in CHANGES if self.minor >= change.since
                         and (change.gate is None or self.gate(change.gate)))

    def has(self, key: str) -> bool:
        """Whether this controller behaves as :data:`CHANGES` row ``key`` says."""
        if key not in CHANGE_BY_KEY:
            raise KeyError(key)
        return key in self._enabled

    def gates(self) -> dict[str, bool]:
        """Every gate of :data:`GATES` that exists in this release, with its value here (for output)."""
        return {name: self.gate(name) for name, gate in GATES.items() if gate.stage(self.minor) is not None}

    def describe(self) -> str:
        """``Kubernetes 1.37`` and the gates set away from that release's defaults: what every view prints."""
        changed = [f"{name}={str(value).lower()}" for name, value in self.gate_settings
                   if GATES[name].stage(self.minor) is not None and value != _default(name, self.minor)]
        return f"Kubernetes {self.release}" + (f" ({','.join(changed)})" if changed else "")

    def with_gates(self, settings: Mapping[str, bool]) -> ControllerVersion:
        """This release with more gates set (checked as kube-controller-manager checks ``--feature-gates``)."""
        merged = dict(self.gate_settings)
        merged.update(check_gates(settings, self.minor))
        return ControllerVersion(self.minor, tuple(sorted(merged.items())))


def _default(name: str, minor: int) -> bool:
    stage = GATES[name].stage(minor)
    return bool(stage and stage.default)


_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$")


def parse_release(text: str) -> int:
    """A Kubernetes version (``1.37``, ``v1.37.2``, ``v1.37.2-gke.1200``, ``1.37+``) to its minor number.

    Raises :class:`VersionError` for text that is not a version, and for releases older than
    :data:`OLDEST`; a release newer than :data:`NEWEST` is returned as given (see :func:`emulated_minor`).
    """
    match = _VERSION.match(text.strip().rstrip("+"))
    if not match or match.group(1) != "1":
        raise VersionError(f"{text!r} is not a Kubernetes version (want 1.{NEWEST_RELEASED} or v1.{NEWEST_RELEASED}.2)")
    minor = int(match.group(2))
    if minor < OLDEST:
        raise VersionError(f"Kubernetes 1.{minor} is not supported: kubectl-hpa emulates the HPA controller of "
                           f"1.{OLDEST} to 1.{NEWEST}")
    return minor


def emulated_minor(minor: int) -> tuple[int, Optional[str]]:
    """The release emulated for ``minor``, and a note when it is not that one (newer than the table knows)."""
    if minor > NEWEST:
        return NEWEST, (f"Kubernetes 1.{minor} is newer than the newest HPA controller kubectl-hpa knows; "
                        f"emulating 1.{NEWEST}")
    return minor, None


_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False"}


def parse_feature_gates(text: str) -> tuple[dict[str, bool], list[str]]:
    """kube-controller-manager's ``--feature-gates`` syntax (``A=true,B=false``; Go's ParseBool values).

    Returns the gates that shape an HPA decision, and the names of the others (kube-controller-manager
    has hundreds; they are accepted and play no part here, and the caller says so).
    """
    known: dict[str, bool] = {}
    others: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name:
            raise VersionError(f"missing bool value for {name or part}")
        if value in _TRUE:
            flag = True
        elif value in _FALSE:
            flag = False
        else:
            raise VersionError(f"invalid value of {name}={value}, err: strconv.ParseBool: parsing {value!r}: "
                               "invalid syntax")
        if name in GATES:
            known[name] = flag
        else:
            others.append(name)
    return known, others


def check_gates(settings: Mapping[str, bool], minor: int) -> dict[str, bool]:
    """Refuse what kube-controller-manager 1.<minor> refuses: a gate it does not have, a locked one flipped."""
    for name, value in settings.items():
        stage = GATES[name].stage(minor)
        if stage is None:
            raise VersionError(f"unrecognized feature gate: {name} (Kubernetes 1.{minor} has no such gate)")
        if stage.locked and value != stage.default:
            raise VersionError(f"cannot set feature gate {name} to {str(value).lower()}, feature is locked to "
                               f"{str(stage.default).lower()} (Kubernetes 1.{minor})")
    return dict(settings)


def controller_version(minor: int, gates: Optional[Mapping[str, bool]] = None) -> ControllerVersion:
    """Release 1.<minor> (already :func:`emulated_minor`), with ``gates`` checked and set."""
    version = ControllerVersion(minor)
    return version.with_gates(gates) if gates else version


def changes_between(old: int, new: int) -> list[Change]:
    """The rows that take effect after 1.<old> up to and including 1.<new> (an upgrade's changes)."""
    low, high = sorted((old, new))
    return [change for change in CHANGES if low < change.since <= high]
