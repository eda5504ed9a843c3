"""A finding (symptom, cause, fix) and its severities: what every check returns and every view prints.

The severities are the exit code's contract: ``explain`` exits 3 (with ``--exit-code``, or live)
when any finding is an error or a warning; an info finding is a note that explains expected
behaviour and never fails a pipeline.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

ERROR, WARNING, INFO = "error", "warning", "info"
PROBLEM_SEVERITIES = (ERROR, WARNING)
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
"""Within one rank an error is listed before a warning, and a warning before a note."""


# The value classes below are NamedTuples, not frozen dataclasses: the same immutable values (fields,
# defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every start pays (a
# frozen dataclass execs six generated methods; issue 18). Nothing replaces their fields with
# dataclasses.replace or relies on them not being tuples.
class Finding(NamedTuple):
    """One diagnosis, worded in the controller's terms so that a user can grep its logs and docs for it."""

    id: str
    severity: str  # error | warning | info
    title: str
    symptom: str
    cause: str
    fix: str
    details: tuple[str, ...] = ()

    def document(self) -> dict:
        """The finding as ``-o json`` / ``-o yaml`` print it (``details`` only when there are some)."""
        out: dict[str, object] = {"id": self.id, "severity": self.severity, "title": self.title, "symptom": self.symptom,
                                  "cause": self.cause, "fix": self.fix}
        if self.details:
            out["details"] = list(self.details)
        return out


def has_problems(findings: Iterable[Finding]) -> bool:
    """Whether any finding is an error or a warning (the exit code 3 test)."""
    return any(f.severity in PROBLEM_SEVERITIES for f in findings)
