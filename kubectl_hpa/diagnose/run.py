"""Run every registered check over one HPA and rank what they find.

The subject modules register their checks on import (see :mod:`.registry`); importing them here
is what puts every check in the catalogue. A check that trips over a malformed object must not
hide the other findings, nor the explanation: the error becomes one F93 note and the run goes on.
"""

from __future__ import annotations

from typing import Optional

from ..core.model import Decision, SyncInput
from ..sources.snapshot import MALFORMED, Snapshot, malformed
from . import (
    backends,
    capacity,
    controllers,
    custom_metrics,
    pods,
    reaction,
    reads,
    resize,
    resource_metrics,
    rollouts,
    scaling,
    spread,
    targets,
    values,
)
from .context import Context
from .finding import SEVERITY_ORDER, Finding
from .registry import checks, declare, rank_of

SUBJECTS = (targets, scaling, controllers, resource_metrics, custom_metrics, pods, reads,
            rollouts, backends, values, capacity, resize, spread, reaction)
"""The modules whose checks make up the catalogue (imported for their registrations)."""

declare("F93", reads.READ_PROBLEMS_RANK)


def diagnose(snapshot: Snapshot, hpa_object: dict, inputs: Optional[SyncInput], decision: Decision,
             history_known: bool = True) -> list[Finding]:
    """Every finding for one HPA, ranked as the catalogue's top-12 list (errors first within a rank).

    A finding repeated with the same id and title (two checks, one cause) is listed once.
    """
    ctx = Context(snapshot, hpa_object, inputs, decision, history_known)
    findings: list[Finding] = []
    for registered in checks():
        try:
            findings.extend(registered.function(ctx))
        except MALFORMED as error:  # an odd object must not hide the other findings, nor the explanation
            findings.append(reads.malformed_finding(malformed(snapshot.source, error)))
    seen: set[tuple[str, str]] = set()
    unique = []
    for finding in findings:
        if (finding.id, finding.title) not in seen:
            seen.add((finding.id, finding.title))
            unique.append(finding)
    return sorted(unique, key=lambda f: (rank_of(f.id), SEVERITY_ORDER.get(f.severity, 3)))
