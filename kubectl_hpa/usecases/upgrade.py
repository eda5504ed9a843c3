"""The upgrade-check use case: every HPA of a snapshot explained under two controllers, and what differs.

A cluster upgrade changes the HPA controller under every HPA at once, and nothing in the API says
how: the release notes list the changes (``core.versions.CHANGES``), not which of *your* HPAs they
move. This module answers that from a snapshot (a file, or the cluster read into one): each HPA is
explained exactly as ``explain`` does, once per controller, at one evaluation time, and the two
answers are compared fact by fact (desired replicas, branch, each metric's proposal and pod groups,
conditions, events, findings). Beside that come the controller changes between the two releases,
each marked with the HPAs it touches (:data:`TOUCHES`, the one place that maps a change to what makes
an HPA subject to it), and the notes an upgrade needs that no explanation shows: removed API versions,
feature gates to set or drop.

Nothing here prints or exits; :class:`UpgradeReport` is what the CLI hands to a formatter, and
:meth:`UpgradeReport.document` is the ``-o json|yaml`` document (the text view renders that document,
so the two never disagree).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Optional, Sequence

from ..core.gomath import MAX_INT32
from ..core.model import (
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    RESOURCE,
    UTILIZATION,
    Condition,
    ControllerSettings,
    Event,
    HPASpec,
    MetricResult,
    Scale,
)
from ..core.quantity import format_milli
from ..core.selector import SelectorError, parse_selector
from ..core.versions import (
    AMBIGUOUS_SELECTOR,
    CHANGES,
    CONTAINER_METRICS_GATE_CHECKED,
    EXTERNAL_AVERAGE_CAPPED,
    GATES,
    HPA_SCALE_TO_ZERO,
    IMMEDIATE_RECONCILE,
    METRICS_API_V1,
    MISSING_CONTAINER_IS_MISSING_POD,
    MISSING_PODS_AT_TARGET,
    OBJECT_METRIC_MESSAGE,
    OBSERVED_GENERATION,
    PER_HPA_TOLERANCE,
    POD_LEVEL_REQUESTS,
    POD_OVERHEAD_EXCLUDED,
    REPLICAS_CAPPED_AT_INT32,
    RESCALE_RETRIED_ON_CONFLICT,
    SCALE_TO_ZERO_BY_DEFAULT,
    SCALED_TO_ZERO_CONDITION,
    SIDECAR_REQUESTS,
    SUCCEEDED_PODS_IGNORED,
    TARGETED_PODS_MESSAGE,
    TWO_SIDED_TOLERANCE,
    VALUE_CAPPED,
    Change,
    ControllerVersion,
    changes_between,
)
from ..diagnose.controllers import REMOVED_VERSIONS, last_applied
from ..render.document import API_VERSION
from ..sources.kube import LAST_APPLIED, key_of, labels_of, name_of, namespace_of
from ..sources.snapshot import Snapshot, SnapshotError, newest_metric_time, parse_hpa
from ..timefmt import format_time
from .explain import Explanation, NoHPA, explain_hpa

KIND = "UpgradeCheck"
WARNING, INFO = "warning", "info"
UPGRADE, DOWNGRADE, SAME = "upgrade", "downgrade", "same"

DERIVED_FINDINGS = frozenset({"F91"})
"""Findings left out of the comparison: F91 (the live status differs from the answer) follows from the desired
replicas, which are compared already; listing it again would say every replica change twice."""

# Difference kinds, in the order a report lists them.
REPLICAS, BRANCH, METRIC, CONDITION, EVENT, FINDING, ERROR = (
    "desiredReplicas", "branch", "metric", "condition", "event", "finding", "error")


# ----------------------------------------------------------------------------- one HPA under one controller


@dataclass(frozen=True)
class MetricFacts:
    """One metric's answer, reduced to what an upgrade can move."""

    description: str
    current: Optional[str]
    proposed_replicas: Optional[int]
    path: str
    ready: int = 0
    unready: int = 0
    missing: int = 0
    ignored: int = 0
    error: Optional[str] = None

    def summary(self) -> str:
        """One line: the reading, the proposal and how the pods were counted (or the error)."""
        if self.error:
            return f"fails: {self.error}"
        proposal = "no proposal" if self.proposed_replicas is None else f"proposal {self.proposed_replicas}"
        path = f" ({self.path})" if self.path else ""
        return (f"current {self.current or '<unknown>'}, {proposal}{path}; pods {self.ready} ready, {self.unready} "
                f"unready, {self.missing} missing, {self.ignored} ignored")

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"description": self.description, "current": self.current,
                               "proposedReplicas": self.proposed_replicas, "path": self.path,
                               "pods": {"ready": self.ready, "unready": self.unready, "missing": self.missing,
                                        "ignored": self.ignored}}
        if self.error:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class FindingFacts:
    id: str
    severity: str
    title: str


@dataclass(frozen=True)
class Side:
    """What one controller says about one HPA: the key facts of its explanation, or why it could not explain it."""

    version: ControllerVersion
    desired_replicas: Optional[int] = None
    current_replicas: Optional[int] = None
    branch: str = ""
    metrics: tuple[MetricFacts, ...] = ()
    conditions: tuple[Condition, ...] = ()
    events: tuple[Event, ...] = ()
    findings: tuple[FindingFacts, ...] = ()
    error: Optional[str] = None
    """The HPA could not be explained under this controller (e.g. an API server of this release refuses it)."""
    explanation: Optional[Explanation] = field(default=None, compare=False, repr=False)

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kubernetesVersion": self.version.release}
        if self.error is not None:
            out["error"] = self.error
            return out
        out.update({
            "currentReplicas": self.current_replicas, "desiredReplicas": self.desired_replicas, "branch": self.branch,
            "metrics": [m.document() for m in self.metrics],
            "conditions": [{"type": c.type, "status": c.status, "reason": c.reason, "message": c.message}
                           for c in self.conditions],
            "events": [{"type": e.type, "reason": e.reason, "message": e.message} for e in self.events],
            "findings": [{"id": f.id, "severity": f.severity, "title": f.title} for f in self.findings],
        })
        return out


def _current(result: MetricResult) -> Optional[str]:
    target = result.spec.target
    if target.is_utilization:
        return None if result.utilization is None else f"{result.utilization}%"
    value = result.current
    return None if value is None else format_milli(value)


def _metric_facts(result: MetricResult) -> MetricFacts:
    pods = result.pods
    return MetricFacts(
        description=result.description or f"{result.spec.type} {result.spec.name}", current=_current(result),
        proposed_replicas=result.proposed_replicas, path=result.path,
        ready=len(pods.ready) if pods else 0, unready=len(pods.unready) if pods else 0,
        missing=len(pods.missing) if pods else 0, ignored=len(pods.ignored) if pods else 0, error=result.error)


def explain_side(snapshot: Snapshot, hpa_object: dict[str, Any], settings: ControllerSettings,
                 version: ControllerVersion, at: float) -> Side:
    """One HPA under one controller; an HPA this release cannot hold is an answer (``error``), not a failure."""
    try:
        # Not from first sight: an upgrade restarts kube-controller-manager, whose first sync holds every
        # scale-down for one window under either release; what differs is what each decides after that.
        explanation = explain_hpa(snapshot, hpa_object, replace(settings, version=version), at, first_sight=False)
    except SnapshotError as error:
        message = str(error)
        prefix = f"{snapshot.source}: "
        return Side(version, error=message[len(prefix):] if message.startswith(prefix) else message)
    decision = explanation.decision
    return Side(
        version, desired_replicas=decision.desired_replicas, current_replicas=decision.current_replicas,
        branch=decision.branch, metrics=tuple(_metric_facts(m) for m in decision.metrics),
        conditions=decision.conditions, events=decision.events,
        findings=tuple(FindingFacts(f.id, f.severity, f.title) for f in explanation.findings),
        explanation=explanation)


# ----------------------------------------------------------------------------- what differs


@dataclass(frozen=True)
class Difference:
    """One fact the two controllers disagree on; ``before``/``after`` None: absent on that side."""

    kind: str
    subject: str
    before: Optional[str]
    after: Optional[str]

    def document(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "from": self.before, "to": self.after}


def _condition_text(condition: Condition) -> str:
    return f"{condition.status} {condition.reason}: {condition.message}"


def _keyed_differences(kind: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[Difference]:
    """Differences between two ``subject -> text`` maps, in the order the subjects first appear."""
    subjects = list(dict.fromkeys([*before, *after]))
    return [Difference(kind, subject, before.get(subject), after.get(subject))
            for subject in subjects if before.get(subject) != after.get(subject)]


def _events_by_reason(events: Sequence[Event]) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for event in events:
        out.setdefault(event.reason, []).append(f"{event.type}: {event.message}")
    return {reason: " | ".join(texts) for reason, texts in out.items()}


def _findings(side: Side) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    for finding in side.findings:
        if finding.id not in DERIVED_FINDINGS:
            texts.setdefault(finding.id, []).append(f"{finding.severity}: {finding.title}")
    return {key: " | ".join(values) for key, values in texts.items()}


def _metric_subject(index: int, facts: MetricFacts, count: int) -> str:
    return facts.description if count == 1 else f"metric {index + 1}/{count}: {facts.description}"


def compare_sides(before: Side, after: Side) -> tuple[Difference, ...]:
    """Every fact that differs, in the order a reader needs them: replicas first, findings last."""
    if before.error is not None or after.error is not None:
        if before.error == after.error:
            return ()
        return (Difference(ERROR, "explanation", before.error, after.error),)
    out: list[Difference] = []
    if before.desired_replicas != after.desired_replicas:
        out.append(Difference(REPLICAS, "desiredReplicas", str(before.desired_replicas), str(after.desired_replicas)))
    if before.branch != after.branch:
        out.append(Difference(BRANCH, "branch", before.branch, after.branch))
    count = max(len(before.metrics), len(after.metrics))
    for index in range(count):
        old = before.metrics[index] if index < len(before.metrics) else None
        new = after.metrics[index] if index < len(after.metrics) else None
        if old != new:
            named = old or new
            assert named is not None
            out.append(Difference(METRIC, _metric_subject(index, named, count), old.summary() if old else None,
                                  new.summary() if new else None))
    out += _keyed_differences(CONDITION, {c.type: _condition_text(c) for c in before.conditions},
                              {c.type: _condition_text(c) for c in after.conditions})
    out += _keyed_differences(EVENT, _events_by_reason(before.events), _events_by_reason(after.events))
    out += _keyed_differences(FINDING, _findings(before), _findings(after))
    return tuple(out)


@dataclass(frozen=True)
class HPACheck:
    """One HPA under both controllers, and what differs."""

    namespace: str
    name: str
    target: str
    before: Side
    after: Side
    differences: tuple[Difference, ...]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def changed(self) -> bool:
        return bool(self.differences)

    def document(self) -> dict[str, Any]:
        return {"metadata": {"namespace": self.namespace, "name": self.name}, "scaleTargetRef": self.target,
                "changed": self.changed, "from": self.before.document(), "to": self.after.document(),
                "differences": [d.document() for d in self.differences]}


# ----------------------------------------------------------------------------- which HPAs a release change touches


@dataclass(frozen=True)
class Subject:
    """What the touch checks look at for one HPA: its spec, the pods its target selects, both explanations."""

    hpa_object: Mapping[str, Any]
    spec: Optional[HPASpec]
    pods: tuple[Mapping[str, Any], ...]
    """The Pod objects the target's scale selector picks (raw: the checks read fields the model may not keep)."""
    explanations: tuple[Explanation, ...]

    def utilization_of_pods(self) -> bool:
        """Whether a Resource metric divides by the pods' requests (what sidecar/pod-level/overhead rows change)."""
        return self.spec is not None and any(m.type == RESOURCE and m.target.type == UTILIZATION
                                             for m in self.spec.metrics)

    def metric_results(self) -> list[MetricResult]:
        return [m for e in self.explanations for m in e.decision.metrics]


TouchCheck = Callable[[Subject], Optional[str]]


def _count(pods: Sequence[Mapping[str, Any]], what: str) -> Optional[str]:
    return f"{len(pods)} {what}" if pods else None


def _spec(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return pod.get("spec") or {}


def _succeeded(subject: Subject) -> Optional[str]:
    pods = [p for p in subject.pods if (p.get("status") or {}).get("phase") == "Succeeded"]
    return _count(pods, "Succeeded pod" + ("s" if len(pods) != 1 else ""))


def _sidecars(subject: Subject) -> Optional[str]:
    if not subject.utilization_of_pods():
        return None
    pods = [p for p in subject.pods
            if any(c.get("restartPolicy") == "Always" for c in _spec(p).get("initContainers") or ())]
    return _count(pods, "pods with native sidecars (restartable init containers)")


def _pod_level(subject: Subject) -> Optional[str]:
    if not subject.utilization_of_pods():
        return None
    pods = [p for p in subject.pods if (_spec(p).get("resources") or {}).get("requests")]
    return _count(pods, "pods with pod-level spec.resources.requests")


def _overhead(subject: Subject) -> Optional[str]:
    if not subject.utilization_of_pods():
        return None
    pods = [p for p in subject.pods if _spec(p).get("overhead") and (_spec(p).get("resources") or {}).get("requests")]
    return _count(pods, "pods with spec.overhead and pod-level requests")


def _tolerance(subject: Subject) -> Optional[str]:
    behavior = subject.spec.behavior if subject.spec else None
    if behavior is None:
        return None
    set_ = [f"behavior.{name}.tolerance {rules.tolerance:g}" for name, rules in
            (("scaleUp", behavior.scale_up), ("scaleDown", behavior.scale_down)) if rules.tolerance is not None]
    return ", ".join(set_) or None


def _min_zero(subject: Subject) -> Optional[str]:
    return "minReplicas 0" if subject.spec is not None and subject.spec.min_replicas == 0 else None


def _container_metrics(subject: Subject) -> Optional[str]:
    if subject.spec is None:
        return None
    named = [f"{m.name} of container {m.container}" for m in subject.spec.metrics if m.type == CONTAINER_RESOURCE]
    return f"ContainerResource metric {', '.join(named)}" if named else None


def _missing_pods(subject: Subject) -> Optional[str]:
    missing = max((len(m.pods.missing) for m in subject.metric_results() if m.pods), default=0)
    return f"{missing} pods without metrics" if missing else None


def _ambiguous(subject: Subject) -> Optional[str]:
    selecting = max((e.inputs.selecting_hpas for e in subject.explanations), key=len, default=())
    return f"its pods are selected by {len(selecting)} HPAs" if len(selecting) > 1 else None


def _no_metrics_message(subject: Subject) -> Optional[str]:
    failing = [m for m in subject.metric_results() if m.error and "did not receive metrics for" in m.error]
    return "a metric fails for want of pod metrics (the error text changes)" if failing else None


def _extreme(types: tuple[str, ...] = ()) -> TouchCheck:
    """A metric (of these types; any when empty) proposing more replicas than an int32 holds, or a negative count."""

    def check(subject: Subject) -> Optional[str]:
        extreme = [m for m in subject.metric_results() if (not types or m.spec.type in types)
                   and m.proposed_replicas is not None and not 0 <= m.proposed_replicas < MAX_INT32]
        return f"{extreme[0].description or extreme[0].spec.name} proposes {extreme[0].proposed_replicas}" \
            if extreme else None

    return check


def _band_edge(subject: Subject) -> Optional[str]:
    """A usage ratio the old one-sided test (|1 - ratio| <= tolerance) and the two-sided band judge differently."""
    for explanation in subject.explanations:
        down, up = explanation.decision.tolerance
        for metric in explanation.decision.metrics:
            ratio = metric.usage_ratio
            if ratio is not None and (abs(1.0 - ratio) <= up) != ((1.0 - down) <= ratio <= (1.0 + up)):
                return f"usage ratio {ratio:.3f} at the edge of the tolerance band"
    return None


def _failing_object(subject: Subject) -> Optional[str]:
    failing = [m for m in subject.metric_results() if m.spec.type == OBJECT and m.error]
    return "a failing Object metric (the error text changes)" if failing else None


TOUCHES: Mapping[str, Optional[TouchCheck]] = {
    MISSING_PODS_AT_TARGET: _missing_pods,
    AMBIGUOUS_SELECTOR: _ambiguous,
    TARGETED_PODS_MESSAGE: _no_metrics_message,
    CONTAINER_METRICS_GATE_CHECKED: _container_metrics,
    SIDECAR_REQUESTS: _sidecars,
    TWO_SIDED_TOLERANCE: _band_edge,
    PER_HPA_TOLERANCE: _tolerance,
    MISSING_CONTAINER_IS_MISSING_POD: _container_metrics,
    EXTERNAL_AVERAGE_CAPPED: _extreme((EXTERNAL,)),
    RESCALE_RETRIED_ON_CONFLICT: None,
    POD_LEVEL_REQUESTS: _pod_level,
    VALUE_CAPPED: _extreme((OBJECT, EXTERNAL)),
    SCALED_TO_ZERO_CONDITION: _min_zero,
    SCALE_TO_ZERO_BY_DEFAULT: _min_zero,
    OBSERVED_GENERATION: None,
    IMMEDIATE_RECONCILE: None,
    OBJECT_METRIC_MESSAGE: _failing_object,
    METRICS_API_V1: None,
    REPLICAS_CAPPED_AT_INT32: _extreme(),
    POD_OVERHEAD_EXCLUDED: _overhead,
    SUCCEEDED_PODS_IGNORED: _succeeded,
}
"""Per row of ``core.versions.CHANGES``: what makes an HPA subject to it, as a check returning why (None: not this
HPA); a row mapped to None changes every HPA alike (timing, status fields), so no HPA is singled out. Every row
should have an entry (a test checks it): a new release row is a decision to make here. A row without one is
reported as not checked per HPA, never as touching nothing."""


@dataclass(frozen=True)
class Touch:
    namespace: str
    name: str
    detail: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ReleaseChange:
    """One row of the release table that lies between the two controllers, and the HPAs of the snapshot it touches."""

    change: Change
    in_effect: bool
    """Whether the two controllers really differ on it (a gated change whose gate is off on the newer side does not)."""
    why_not: Optional[str]
    """Why a row between the two releases is not in effect (its gate), for the reader."""
    every_hpa: bool
    """The change applies to every HPA alike: nothing to single out (``touches`` is empty)."""
    touches: tuple[Touch, ...]
    checked: bool = True
    """False for a row :data:`TOUCHES` does not know yet: which HPAs it touches is unknown, not none."""
    gate_flip: Optional[str] = None
    """How the change's gate differs between the two sides (``HPAConfigurableTolerance off in 1.34, on in 1.38``)."""

    @property
    def title(self) -> str:
        """The summary's first clause, without a trailing parenthesis (the gate's stages, what it was before)."""
        return summary_title(self.change.summary)

    def document(self) -> dict[str, Any]:
        change = self.change
        out: dict[str, Any] = {"key": change.key, "release": change.release, "prs": list(change.prs),
                               "title": self.title, "summary": change.summary, "affects": list(change.affects),
                               "gate": change.gate, "emulated": change.emulated, "inEffect": self.in_effect,
                               "everyHPA": self.every_hpa, "checked": self.checked,
                               "touches": [{"namespace": t.namespace, "name": t.name, "detail": t.detail}
                                           for t in self.touches]}
        if self.why_not:
            out["notInEffect"] = self.why_not
        if self.gate_flip:
            out["gateChange"] = self.gate_flip
        return out


def summary_title(summary: str) -> str:
    """A release row's summary up to its first top-level ``;``, trailing parenthesised remarks dropped: one line
    for the text view. Parentheses inside the clause stay (``(1 - down) <= ratio <= (1 + up)``)."""
    depth, end = 0, len(summary)
    for index, char in enumerate(summary):
        depth += char == "("
        depth -= char == ")"
        if char == ";" and depth == 0:
            end = index
            break
    clause = summary[:end].rstrip()
    while clause.endswith(")"):
        depth, start = 0, None
        for index in range(len(clause) - 1, -1, -1):
            depth += clause[index] == ")"
            depth -= clause[index] == "("
            if depth == 0:
                start = index
                break
        if not start:  # unbalanced, or the whole clause is one parenthesis: keep it as it is
            break
        clause = clause[:start].rstrip()
    return clause


def _gate_text(version: ControllerVersion, gate: str) -> str:
    """``HPAScaleToZero is off in 1.36 (alpha, the default)``."""
    stage = GATES[gate].stage(version.minor)
    how = "set so" if any(name == gate for name, _ in version.gate_settings) else "the default"
    return (f"{gate} is {'on' if version.gate(gate) else 'off'} in {version.release} "
            f"({stage.maturity.lower() + ', ' if stage else ''}{how})")


def release_changes(before: ControllerVersion, after: ControllerVersion,
                    subjects: Sequence[tuple[str, str, Subject]]) -> list[ReleaseChange]:
    """The rows between the two releases, plus any row the gates alone turn on or off, in table order."""
    newer = after if after.minor >= before.minor else before
    older = before if newer is after else after
    between = {change.key for change in changes_between(before.minor, after.minor)}
    out = []
    for change in CHANGES:
        differs = before.has(change.key) != after.has(change.key)
        if change.key not in between and not differs:
            continue
        why_not = None
        if not differs:
            gate = change.gate
            why_not = (_gate_text(newer, gate) if gate and not newer.has(change.key)
                       else f"{older.release} behaves so already" if gate and older.has(change.key) else None)
        checked = change.key in TOUCHES
        check = TOUCHES.get(change.key)
        touches = tuple(Touch(ns, name, detail) for ns, name, subject in subjects
                        if check is not None and (detail := check(subject)))
        gate_flip = None
        if change.gate and before.gate(change.gate) != after.gate(change.gate):
            gate_flip = (f"{change.gate} {'on' if before.gate(change.gate) else 'off'} in {before.release}, "
                         f"{'on' if after.gate(change.gate) else 'off'} in {after.release}")
        out.append(ReleaseChange(change, differs, why_not, checked and check is None, touches, checked, gate_flip))
    return out


# ----------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class Note:
    """Something the upgrade needs that no explanation shows; a warning needs action."""

    severity: str
    message: str
    objects: tuple[str, ...] = ()

    def document(self) -> dict[str, Any]:
        return {"severity": self.severity, "message": self.message, "objects": list(self.objects)}


def _removal_minor(api_version: str) -> int:
    """The minor of the release that stopped serving ``api_version`` (older than any release emulated)."""
    return int(REMOVED_VERSIONS[api_version].split(".")[1])


def api_version_notes(snapshot: Snapshot, hpas: Sequence[dict[str, Any]], after: ControllerVersion) -> list[Note]:
    """HPAs written in an autoscaling beta that the new release does not serve: in the file, or last applied so."""
    notes = []
    for api_version in REMOVED_VERSIONS:
        removed = REMOVED_VERSIONS[api_version]
        if after.minor < _removal_minor(api_version):
            continue
        in_file = [key_of(h) for h in hpas if h.get("apiVersion") == api_version]
        if in_file:
            unread = api_version != "autoscaling/v2beta2"
            notes.append(Note(WARNING, (
                f"{len(in_file)} HPA{'s' if len(in_file) > 1 else ''} in {snapshot.source} "
                f"{'are' if len(in_file) > 1 else 'is'} {api_version}, not served since Kubernetes {removed}: rewrite "
                f"as autoscaling/v2 before applying to {after.release} (apply fails with: no matches for kind "
                f'"HorizontalPodAutoscaler" in version "{api_version}")'
                + ("; kubectl-hpa does not read its metrics (another shape), so these HPAs are not checked"
                   if unread else "; same shape as autoscaling/v2: checked as autoscaling/v2")), tuple(in_file)))
        applied = [key_of(h) for h in hpas if h.get("apiVersion") != api_version
                   and str((last_applied(h) or {}).get("apiVersion", "")) == api_version]
        if applied:
            notes.append(Note(WARNING, (
                f"last applied as {api_version} ({LAST_APPLIED}), not served since Kubernetes {removed}: the manifest "
                f"they come from fails on its next apply to {after.release}; rewrite it as autoscaling/v2"),
                tuple(applied)))
    return notes


def scale_to_zero_notes(before: ControllerVersion, after: ControllerVersion, zero: Sequence[str]) -> list[Note]:
    """minReplicas 0 and the HPAScaleToZero gate: on the API server always, on kube-controller-manager from 1.36."""
    if not zero:
        return []
    gate = HPA_SCALE_TO_ZERO
    # From 1.36 kube-controller-manager checks the gate itself (the ScaledToZero condition), not only the API server.
    checked_before = before.has(SCALED_TO_ZERO_CONDITION)
    checked_after = after.has(SCALED_TO_ZERO_CONDITION)
    if not after.gate(gate):
        if before.gate(gate) or checked_before != checked_after:
            components = "kube-apiserver and kube-controller-manager" if checked_after else "kube-apiserver"
            consequence = ("; from 1.36 the controller checks the gate itself: without it a workload at zero replicas "
                           "is ScalingDisabled and never scaled up again" if checked_after else "")
            return [Note(WARNING, (
                f"minReplicas 0 needs --feature-gates={gate}=true on {components}: {_gate_text(after, gate)}"
                f"{consequence} (check with --to-feature-gates {gate}=true)"), tuple(zero))]
        return []
    if not before.gate(gate):
        stage = GATES[gate].stage(after.minor)
        by_default = stage is not None and stage.default
        return [Note(INFO, (f"{_gate_text(after, gate)}: minReplicas 0 and scaling to and from zero work "
                            + ("without setting the gate" if by_default else "with the gate set as given")
                            + (" (kube-controller-manager checks it too from 1.36)" if checked_after else "")),
                     tuple(zero))]
    return []


def gate_setting_notes(before: ControllerVersion, after: ControllerVersion) -> list[Note]:
    """Gates set on the old controller: gone or locked in the new release (kube-controller-manager would refuse
    to start), or not carried over (the new side uses its defaults unless ``--to-feature-gates`` says otherwise)."""
    notes = []
    given_after = dict(after.gate_settings)
    for name, value in before.gate_settings:
        setting = f"{name}={str(value).lower()}"
        stage = GATES[name].stage(after.minor)
        if stage is None:
            removed = GATES[name].removed
            notes.append(Note(WARNING, (
                f"--feature-gates={setting} was given for {before.release}; kube-controller-manager {after.release} "
                f"has no such gate" + (f" (removed in 1.{removed}, always on now)" if removed else "")
                + " and refuses to start with it: remove it from the flags")))
        elif stage.locked and value != stage.default:
            notes.append(Note(WARNING, (
                f"--feature-gates={setting} was given for {before.release}; {name} is {stage.maturity} and locked to "
                f"{str(stage.default).lower()} in {after.release}: kube-controller-manager refuses to start with it")))
        elif name not in given_after and value != after.gate(name):
            notes.append(Note(INFO, (
                f"{setting} was given for {before.release} only; {after.release} is checked with its default "
                f"({name}={str(after.gate(name)).lower()}): give --to-feature-gates {setting} to keep it")))
    return notes


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class UpgradeReport:
    """Everything ``kubectl hpa upgrade-check`` says: per HPA, per release change, and the notes."""

    source: str
    before: ControllerVersion
    after: ControllerVersion
    evaluated_at: float
    hpas: tuple[HPACheck, ...]
    changes: tuple[ReleaseChange, ...]
    notes: tuple[Note, ...]

    @property
    def direction(self) -> str:
        return UPGRADE if self.after.minor > self.before.minor else DOWNGRADE if self.after.minor < self.before.minor \
            else SAME

    @property
    def changed_hpas(self) -> tuple[HPACheck, ...]:
        return tuple(h for h in self.hpas if h.changed)

    @property
    def touching_changes(self) -> tuple[ReleaseChange, ...]:
        """The release changes in effect between the two controllers that single out an HPA of this snapshot."""
        return tuple(c for c in self.changes if c.in_effect and c.touches)

    @property
    def warnings(self) -> tuple[Note, ...]:
        return tuple(n for n in self.notes if n.severity == WARNING)

    @property
    def something_changes(self) -> bool:
        """The exit-code question: an HPA's answer moves, a change touches one, or a note needs action."""
        return bool(self.changed_hpas or self.touching_changes or self.warnings)

    def document(self) -> dict[str, Any]:
        """The ``-o json|yaml`` document (``kind: UpgradeCheck``); its fields are listed in the README."""

        def version(v: ControllerVersion) -> dict[str, Any]:
            return {"kubernetesVersion": v.release, "description": v.describe(), "featureGates": v.gates()}

        return {
            "apiVersion": API_VERSION, "kind": KIND, "source": self.source,
            "from": version(self.before), "to": version(self.after), "direction": self.direction,
            "evaluatedAt": format_time(self.evaluated_at), "changed": self.something_changes,
            "summary": {"hpas": len(self.hpas), "changedHPAs": len(self.changed_hpas),
                        "touchingChanges": len(self.touching_changes), "warnings": len(self.warnings)},
            "hpas": [h.document() for h in self.hpas],
            "changes": [c.document() for c in self.changes],
            "notes": [n.document() for n in self.notes],
        }


def evaluation_time(snapshot: Snapshot, at: Optional[float]) -> float:
    """One time for both controllers (``--at``, the capture time, the newest metric, else now), so that only the
    controller differs between the two answers."""
    for moment in (at, snapshot.captured_at):
        if moment is not None:
            return moment
    newest = newest_metric_time(snapshot)
    return newest if newest is not None else time.time()


def _selected_pods(snapshot: Snapshot, namespace: str, explanations: Sequence[Explanation]) -> tuple[dict, ...]:
    selector = next((e.inputs.scale.selector for e in explanations
                     if isinstance(e.inputs.scale, Scale) and e.inputs.scale.selector), None)
    if selector is None:
        return ()
    try:
        matcher = parse_selector(selector)
    except SelectorError:
        return ()
    return tuple(p for p in snapshot.of_kind("Pod") if namespace_of(p, "default") == namespace
                 and matcher.matches({str(k): str(v) for k, v in labels_of(p).items()}))


def _subject(snapshot: Snapshot, hpa_object: dict[str, Any], check: HPACheck) -> Subject:
    explanations = tuple(e for e in (check.before.explanation, check.after.explanation) if e is not None)
    spec = explanations[0].inputs.hpa if explanations else None
    if spec is None:
        try:
            spec = parse_hpa(hpa_object, snapshot.source)
        except SnapshotError:
            spec = None
    return Subject(hpa_object, spec, _selected_pods(snapshot, check.namespace, explanations), explanations)


def _target(hpa_object: Mapping[str, Any]) -> str:
    ref = (hpa_object.get("spec") or {}).get("scaleTargetRef") or {}
    return f"{ref.get('kind', '?')}/{ref.get('name', '?')}"


def check_upgrade(snapshot: Snapshot, before: ControllerVersion, after: ControllerVersion,
                  settings: ControllerSettings = ControllerSettings(), at: Optional[float] = None,
                  namespace: Optional[str] = None, name: Optional[str] = None, where: str = "") -> UpgradeReport:
    """Every HPA of the snapshot in scope (``namespace`` None: all; ``name``: that one) under both controllers.

    Raises :class:`NoHPA` when the scope holds none. ``settings`` are the controller flags, the same on both
    sides (an upgrade keeps kube-controller-manager's flags); only the version and its gates differ.
    """
    hpas = [h for h in snapshot.hpas if (namespace is None or namespace_of(h, "default") == namespace)
            and (name is None or name_of(h) == name)]
    if not hpas:
        named = f" named {name!r}" if name else ""
        raise NoHPA(f"{snapshot.source}: no HorizontalPodAutoscaler{named} found {where}".rstrip())
    moment = evaluation_time(snapshot, at)
    checks: list[HPACheck] = []
    subjects: list[tuple[str, str, Subject]] = []
    for hpa_object in hpas:
        old = explain_side(snapshot, hpa_object, settings, before, moment)
        new = explain_side(snapshot, hpa_object, settings, after, moment)
        check = HPACheck(namespace_of(hpa_object, "default"), name_of(hpa_object), _target(hpa_object), old, new,
                         compare_sides(old, new))
        checks.append(check)
        subjects.append((check.namespace, check.name, _subject(snapshot, hpa_object, check)))
    notes: list[Note] = []
    if before == after:
        notes.append(Note(INFO, f"both sides are the same controller ({before.describe()}): nothing changes"))
    elif before.minor == after.minor:
        notes.append(Note(INFO, f"same release {after.release}; only the feature gates differ"))
    elif after.minor < before.minor:
        notes.append(Note(INFO, f"this is a downgrade ({before.release} -> {after.release}): the changes listed are "
                                "undone"))
    notes += gate_setting_notes(before, after)
    notes += api_version_notes(snapshot, hpas, after)
    zero = [f"{ns}/{n}" for ns, n, subject in subjects if subject.spec is not None and subject.spec.min_replicas == 0]
    notes += scale_to_zero_notes(before, after, zero)
    removed_in_file = {key_of(h) for h in hpas if h.get("apiVersion") in REMOVED_VERSIONS}
    for check in checks:
        if check.before.error is not None and check.before.error == check.after.error \
                and check.key not in removed_in_file:
            notes.append(Note(WARNING, f"not checked: {check.before.error}", (check.key,)))
    return UpgradeReport(snapshot.source, before, after, moment, tuple(checks),
                         tuple(release_changes(before, after, subjects)), tuple(notes))
