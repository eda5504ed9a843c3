"""The exact problems (errors and warnings) every snapshot fixture yields, HPA by HPA, in ranked order.

"The expected id is present" lets a check that fires everywhere pass; this table does not. It was
computed from the code once, reviewed, and written down: a change to it is a change of behaviour that
a reviewer should see. Notes (info findings) are listed in comments only, since they explain expected
behaviour and may be reworded; ``test_each_catalogue_fixture_shows_its_own_finding`` covers them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubectl_hpa.diagnose import PROBLEM_SEVERITIES
from tests.helpers import SNAPSHOTS

from .helpers import findings_of, fixture_files, fixture_name, hpa_keys, load

E, W = "error", "warning"
CONTROL = "control-"
"""``diagnostics/control-*.yaml``: healthy clusters with decoys; their rows above list no problem."""

PROBLEMS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("bootcamp-cpu-219.yaml", "default/kubernetes-bootcamp"): (("F21", W),),
    ("bootcamp-memory-99.yaml", "default/kubernetes-bootcamp-memory"): (("F26", W),),  # notes: F91
    ("bootcamp-no-requests.yaml", "default/kubernetes-bootcamp"): (("F07", E),),
    ("diagnostics/F01-no-metrics-server.yaml", "shop/web"): (("F01", E),),
    ("diagnostics/F02-metrics-apiservice-unavailable.yaml", "shop/web"): (("F02", E),),
    # metrics-server not Ready makes its APIService unavailable too: the symptom comes first.
    ("diagnostics/F03-metrics-server-kubelet-x509.yaml", "shop/web"): (("F02", E), ("F03", E)),
    ("diagnostics/F06-no-pod-metrics.yaml", "shop/web"): (("F06", W),),
    ("diagnostics/F07-sidecar-missing-request.yaml", "shop/web"): (("F07", E),),
    ("diagnostics/F08-selector-foreign-pods.yaml", "shop/web"): (("F08", W),),  # notes: F24
    ("diagnostics/F09-two-hpas-same-pods.yaml", "shop/web"): (("F09", E),),
    ("diagnostics/F09-two-hpas-same-pods.yaml", "shop/web-rps"): (("F09", E),),
    ("diagnostics/F10-container-missing.yaml", "shop/web"): (("F10", E),),
    ("diagnostics/F11-custom-metrics-not-registered.yaml", "shop/web"): (("F11", E),),
    ("diagnostics/F12-custom-apiservice-unavailable.yaml", "shop/web"): (("F12", E),),
    ("diagnostics/F13-adapter-discovery-empty.yaml", "shop/web"): (("F13", E),),
    ("diagnostics/F14-metric-not-exposed.yaml", "shop/web"): (("F14", E),),
    ("diagnostics/F15-metric-renamed-per-second.yaml", "shop/web"): (("F15", E),),
    ("diagnostics/F16-metric-not-associated-with-pods.yaml", "shop/web"): (("F16", E),),
    ("diagnostics/F17-external-metrics-owner.yaml", "shop/keda-hpa-web"): (("F17", E),),  # notes: F31
    ("diagnostics/F18-target-kind-no-match.yaml", "shop/web"): (("F18", E),),
    ("diagnostics/F18-target-not-found.yaml", "shop/web"): (("F18", E),),
    ("diagnostics/F19-scale-without-selector.yaml", "shop/web"): (("F19", E),),
    ("diagnostics/F20-gitops-resets-replicas.yaml", "shop/web"): (("F20", W),),  # notes: F24
    ("diagnostics/F21-at-max.yaml", "shop/web"): (("F21", W),),
    ("diagnostics/F22-target-at-zero.yaml", "shop/web"): (("F22", W),),
    ("diagnostics/F23-scale-down-limit-policy.yaml", "shop/web"): (),  # notes: F23 (behavior.scaleDown policy)
    ("diagnostics/F23-scale-down-stabilized.yaml", "shop/web"): (),  # notes: F23 (expected behaviour)
    ("diagnostics/F23-scale-up-limit-legacy.yaml", "shop/web"): (),  # notes: F23 (max(2 x current, 4), no behavior)
    ("diagnostics/F23-scale-up-limit-policy.yaml", "shop/web"): (),  # notes: F23 (behavior.scaleUp policy)
    ("diagnostics/F24-within-tolerance.yaml", "shop/web"): (),  # notes: F24 (expected behaviour)
    # The failing metric is one the adapter does not expose: its cause first, then what it blocks.
    ("diagnostics/F25-failing-metric-blocks.yaml", "shop/web"): (("F14", E), ("F25", E)),
    ("diagnostics/F26-memory-never-down.yaml", "shop/web"): (("F26", W),),  # notes: F91
    ("diagnostics/F27-unready-missing-pods.yaml", "shop/web"): (),  # notes: F27 (too few pods affected to warn)
    ("diagnostics/F28-removed-api-version.yaml", "shop/web"): (("F28", W),),  # notes: F24
    ("diagnostics/F30-vpa-same-target.yaml", "shop/web"): (("F30", W),),  # notes: F24
    ("diagnostics/F31-keda-scaledobject.yaml", "shop/web"): (("F31", E),),  # notes: F24
    ("diagnostics/F32-failed-rescale.yaml", "shop/web"): (("F32", E),),  # notes: F91
    # helm owns spec.replicas and set it to 0: the disabled HPA first, then who writes the replicas.
    ("diagnostics/F22-zero-set-by-hand.yaml", "shop/web"): (("F22", W), ("F20", W)),
    ("diagnostics/F27-evicted-succeeded-pods.yaml", "shop/web"): (("F27", W),),  # on 1.37, from the file
    ("diagnostics/F33-rollout-start-up-cpu.yaml", "shop/web"): (("F33", W),),  # notes: F23, F40, F91
    ("diagnostics/F33-rollout-surge-external.yaml", "shop/web"): (("F33", W),),  # notes: F40, F91
    # KEDA took the custom API: its cause first, then the adapter finding the metric read's error implies.
    # F34 alone: the discovery list KEDA serves says nothing about adapter rules (no F14)
    ("diagnostics/F34-custom-metrics-served-by-keda.yaml", "shop/web"): (("F34", E),),
    ("diagnostics/F34-metrics-api-two-backends.yaml", "shop/web"): (("F34", W),),  # notes: F24
    ("diagnostics/F35-queue-value-target.yaml", "shop/web"): (("F35", W),),  # notes: F23, F40, F91
    ("diagnostics/F36-target-above-limit.yaml", "shop/web"): (("F36", E),),  # notes: F24
    ("diagnostics/F37-exceeded-quota.yaml", "shop/web"): (("F37", E),),
    ("diagnostics/F37-pods-pending-insufficient-cpu.yaml", "shop/web"): (("F37", E),),  # notes: F27
    ("diagnostics/F38-in-place-resize-pending.yaml", "shop/web"): (("F38", W),),  # notes: F91
    ("diagnostics/F39-load-on-one-pod.yaml", "shop/web"): (("F39", W),),  # notes: F24
    ("diagnostics/F40-time-to-react.yaml", "shop/web"): (),  # notes: F23, F40 (expected behaviour), F91
    # Healthy controls: decoys that look like F33-F41 and must not trigger them.
    ("diagnostics/control-backends-and-per-pod-queue.yaml", "shop/web"): (),  # notes: F24
    ("diagnostics/control-capacity.yaml", "shop/web"): (),  # notes: F24
    ("diagnostics/control-resize-done.yaml", "shop/web"): (),  # notes: F24
    ("diagnostics/control-rollout-finished.yaml", "shop/web"): (),  # notes: F40, F91
    ("diagnostics/control-terminal-pods.yaml", "shop/web"): (),  # notes: F24
    ("hello-actuator-pods-1833m.yaml", "default/hello-actuator"): (),  # notes: F91
    ("hello-actuator-pods-967m.yaml", "default/hello-actuator"): (),  # notes: F24
    ("web-scale-down-stabilized.yaml", "shop/web"): (),  # notes: F23
}

CASES = [(fixture_name(path), key) for path in fixture_files() for key in hpa_keys(load(path))]


def test_the_table_covers_every_fixture_and_nothing_else() -> None:
    assert sorted(CASES) == sorted(PROBLEMS), "add the new fixture (or HPA) to PROBLEMS, or drop a stale row"


@pytest.mark.parametrize(("fixture", "key"), CASES, ids=[f"{f}:{k}" for f, k in CASES])
def test_exact_problems(fixture: str, key: str) -> None:
    findings = findings_of(load(SNAPSHOTS / fixture), key)
    problems = tuple((f.id, f.severity) for f in findings if f.severity in PROBLEM_SEVERITIES)
    assert problems == PROBLEMS[(fixture, key)]


@pytest.mark.parametrize("path", [p for p in fixture_files() if p.parent.name == "diagnostics"
                                  and not p.name.startswith(CONTROL)], ids=lambda p: p.name)
def test_each_catalogue_fixture_shows_its_own_finding(path: Path) -> None:
    """``diagnostics/FNN-*.yaml`` exists to show FNN: as a problem, or (F23, F24, F27) as the note it is."""
    expected = re.match(r"(F\d\d)-", path.name)
    assert expected, path.name
    snapshot = load(path)
    ids = {f.id for key in hpa_keys(snapshot) for f in findings_of(snapshot, key)}
    assert expected.group(1) in ids
