"""``watch NAME --shadow candidate.yaml``: a dry run of a candidate HPA spec on live traffic.

Beside the live HPA, every refresh runs the candidate through the same decision core on the same
readings (the same scale, pods and metric answers), with a controller memory of its own: its own
recommendations (the stabilization windows it would keep) and the rescales really observed, counted
against its own policies. Nothing is written to the cluster: the candidate never scales anything, so
what it shows is "with these settings, the controller would now want N, because ...", sync after
sync, and where that differs from what the live spec wants.

The candidate must read the same metrics as the live HPA (same types, names, selectors, containers
and objects) and scale the same target; its targets, bounds and behavior may differ. That is what
lets it reuse the live HPA's metric reads, and it is what ``tune`` changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from ..core.decide import decide
from ..core.model import FIRST_SIGHT, Condition, ControllerSettings, Decision, HPASpec, Scale, SyncInput
from ..record import Observation
from .metrics import Answers, readings
from .rows import Seen, Tracked, describe


class ShadowError(ValueError):
    """A candidate that cannot shadow the live HPA; one line naming the file."""


@dataclass(frozen=True)
class Candidate:
    """The candidate spec, from its manifest file."""

    label: str  # the file's stem: how rows and recordings name it
    spec: HPASpec
    manifest: dict


@dataclass(frozen=True)
class ShadowResult:
    """What the candidate would decide at this refresh, beside what the live spec decides."""

    label: str
    desired: int
    live_desired: int  # what the core computes for the live spec at the same refresh
    verdict: str
    decision: Decision

    @property
    def differs(self) -> bool:
        return self.desired != self.live_desired

    def text(self) -> str:
        """``shadow faster.yaml: 4 (scaling down), live spec 6``; or ``shadow faster.yaml: same (6)``."""
        if not self.differs:
            return f"shadow {self.label}: same ({self.desired})"
        return f"shadow {self.label}: {self.desired} ({self.verdict}), live spec {self.live_desired}"

    def document(self) -> dict[str, Any]:
        """The ``shadow`` field of a recorded observation."""
        decision = self.decision
        out: dict[str, Any] = {"name": self.label, "computedReplicas": self.desired, "verdict": self.verdict,
                               "differs": self.differs, "branch": decision.branch,
                               "proposedReplicas": decision.proposed_replicas}
        if decision.rescale_reason:
            out["rescaleReason"] = decision.rescale_reason
        return out


def load_candidate(path: Path) -> Candidate:
    """The first HorizontalPodAutoscaler of ``path`` (ShadowError: one line naming the file)."""
    from ..sim.fields import ScenarioError
    from ..sim.scenario import hpa_spec, load_hpa_file

    try:
        manifest = load_hpa_file(path)
        spec = hpa_spec(manifest, str(path))
    except ScenarioError as error:
        raise ShadowError(f"--shadow {error}") from None
    return Candidate(path.stem, spec, manifest)


def _sources(spec: HPASpec) -> tuple:
    """What the metrics read, without their targets."""
    return tuple((m.type, m.name, m.container, m.selector, m.described_object) for m in spec.metrics)


def incompatible(live: HPASpec, candidate: HPASpec) -> Optional[str]:
    """Why the candidate cannot shadow ``live`` (None when it can)."""
    if candidate.scale_target != live.scale_target:
        return (f"it scales {candidate.scale_target.kind}/{candidate.scale_target.name}, the live HPA "
                f"{live.scale_target.kind}/{live.scale_target.name}")
    if _sources(candidate) != _sources(live):
        return "it must read the same metrics as the live HPA (only their targets may differ)"
    return None


@dataclass
class Shadow:
    """The candidate and its controller memory per live HPA it shadows."""

    candidate: Candidate
    name: str
    """The live HPA it shadows (watch NAME), whatever the candidate's own metadata says."""
    memory: dict[str, Tracked] = field(default_factory=dict)
    conditions: dict[str, tuple[Condition, ...]] = field(default_factory=dict)
    desired: dict[str, int] = field(default_factory=dict)  # its last desired count: its own status.desiredReplicas

    def applies(self, live: HPASpec) -> bool:
        return live.name == self.name

    def decide(self, seen: Seen, answers: Answers, selecting: tuple[str, ...], live: Decision,
               settings: ControllerSettings, now: float) -> Optional[ShadowResult]:
        """The candidate's decision on this refresh's reads; None when the target's scale could not be read."""
        scale = seen.scale
        if not isinstance(scale, Scale):
            return None
        live_spec = seen.spec
        reason = incompatible(live_spec, self.candidate.spec)
        if reason is not None:
            raise ShadowError(f"--shadow {self.candidate.label}: cannot shadow {live_spec.key}: {reason}")
        # The candidate's spec under the live HPA's identity: the same object, other settings.
        spec = replace(self.candidate.spec, name=live_spec.name, namespace=live_spec.namespace)
        tracked = self.memory.get(live_spec.key)
        state_in = tracked.state if tracked is not None else FIRST_SIGHT
        found = readings(live_spec, scale, seen.pods, seen.requests, answers)
        decision = decide(SyncInput(hpa=spec, scale=scale, pods=seen.pods, readings=found, now=now,
                                    settings=settings, state=state_in, selecting_hpas=selecting,
                                    previous_conditions=self.conditions.get(live_spec.key, ()),
                                    previous_desired_replicas=self.desired.get(live_spec.key)))
        current = scale.spec_replicas
        if tracked is None:
            tracked = self.memory[live_spec.key] = Tracked(state=decision.state or state_in, kept_at=now,
                                                           current=current)
        else:
            tracked.remember(decision, spec, current, now, settings.sync_period)
        tracked.state = replace(tracked.state, scale_up_events=tracked.up_events,
                                scale_down_events=tracked.down_events)
        self.conditions[live_spec.key] = decision.conditions
        self.desired[live_spec.key] = decision.desired_replicas
        verdict, _tone = describe(decision)
        return ShadowResult(self.candidate.label, decision.desired_replicas, live.desired_replicas, verdict, decision)


def with_shadow(observation: Optional[Observation], result: Optional[ShadowResult]) -> Optional[Observation]:
    """The observation with the candidate's decision in its ``shadow`` field (``--record`` keeps both)."""
    if observation is None or result is None:
        return observation
    return replace(observation, shadow=result.document())
