"""The verdict as data: each kind from a fixture that shows it, its words, and its tone."""

from __future__ import annotations

import pytest

from kubectl_hpa.render import verdict
from kubectl_hpa.render.summary import verdict as summary_verdict
from kubectl_hpa.usecases.explain import explain_scope, read_file
from tests.helpers import SNAPSHOTS

CASES = [  # fixture, HPA, kind, words, tone
    ("bootcamp-cpu-219.yaml", "kubernetes-bootcamp", verdict.AT_BOUND, "at max", "warn"),
    ("bootcamp-memory-99.yaml", "kubernetes-bootcamp-memory", verdict.SCALING, "scaling up", "warn"),
    ("bootcamp-no-requests.yaml", "kubernetes-bootcamp", verdict.METRIC_FAILING, "metric failing: holding", "bad"),
    ("diagnostics/F08-selector-foreign-pods.yaml", "web", verdict.WITHIN_TOLERANCE, "holding: within tolerance",
     "good"),
    ("diagnostics/F09-two-hpas-same-pods.yaml", "web-rps", verdict.BAD_SELECTOR, "error: ambiguous selector", "bad"),
    ("diagnostics/F18-target-not-found.yaml", "web", verdict.CANNOT_READ_SCALE, "error: cannot read target scale",
     "bad"),
    ("diagnostics/F22-target-at-zero.yaml", "web", verdict.DISABLED, "disabled: target at 0 replicas", "bad"),
    ("web-scale-down-stabilized.yaml", "web", verdict.SCALE_DOWN_WINDOW, "holding: scale-down window", "warn"),
    ("diagnostics/F27-unready-missing-pods.yaml", "web", verdict.HOLDING, "holding", "good"),
]


@pytest.mark.parametrize("fixture, hpa, kind, words, tone", CASES, ids=[c[0] + ":" + c[1] for c in CASES])
def test_each_kind_of_verdict(fixture: str, hpa: str, kind: str, words: str, tone: str) -> None:
    explanations = {e.decision.hpa.name: e for e in explain_scope(read_file(str(SNAPSHOTS / fixture)), None)}
    decision = explanations[hpa].decision
    judged = verdict.judge(decision)
    assert (judged.kind, judged.text, judged.tone) == (kind, words, tone)
    assert summary_verdict(decision) == words  # the summary row says the verdict's words


def test_every_kind_has_a_tone() -> None:
    kinds = {value for name, value in vars(verdict).items()
             if name.isupper() and isinstance(value, str) and name not in ("GOOD", "WARN", "BAD")}
    assert kinds == set(verdict.TONES)
    assert set(verdict.TONES.values()) == {verdict.GOOD, verdict.WARN, verdict.BAD}
