"""Findings that depend on the release say which release they speak for, and change with it."""

from __future__ import annotations

import yaml

from kubectl_hpa.core.model import ControllerSettings
from kubectl_hpa.core.versions import ControllerVersion
from kubectl_hpa.sources.snapshot import load_text
from tests.diagnose.helpers import findings_of, load
from tests.helpers import ROOT, SNAPSHOTS

SUCCEEDED = ROOT / "fixtures" / "versions" / "succeeded-pods.yaml"


def at(minor: int) -> ControllerSettings:
    return ControllerSettings(version=ControllerVersion(minor))


def test_succeeded_pods_are_named_as_the_cause_before_1_38_and_not_after() -> None:
    snapshot = load(SUCCEEDED)
    before = [f for f in findings_of(snapshot, "shop/web", at(37)) if f.id == "F27"]
    assert len(before) == 1
    finding = before[0]
    assert finding.title == "3 Succeeded pods of 7 count as pods without metrics and damp the cpu proposal"
    assert finding.cause.startswith("on Kubernetes 1.37 these 3 Succeeded pods (finished, matched by the target's "
                                    "selector) hold the scale-down: each counts as max(100%, target) of its request;")
    assert "from 1.38 the controller ignores them like Failed pods (kubernetes#141302)" in finding.cause
    assert "--field-selector=status.phase==Succeeded -l app=web" in finding.fix
    assert finding.details == tuple(f"web-migrate-{i}: phase Succeeded, no metric sample" for i in range(3))
    # 1.38 ignores them: nothing damps the proposal, so no F27 at all.
    assert [f for f in findings_of(snapshot, "shop/web", at(38)) if f.id == "F27"] == []


def _only_v1(document: dict) -> dict:
    """The F01 fixture (no metrics-server) on a cluster where something registered metrics.k8s.io/v1 only."""
    v1 = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": "v1.metrics.k8s.io"},
          "spec": {"group": "metrics.k8s.io", "version": "v1", "groupPriorityMinimum": 100, "versionPriority": 200,
                   "service": {"namespace": "kube-system", "name": "metrics-server", "port": 443}},
          "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                     "message": "all checks passed"}]}}
    return {**document, "items": [*document["items"], v1]}


def test_a_cluster_serving_only_metrics_v1_is_told_the_hpa_reads_v1beta1() -> None:
    path = SNAPSHOTS / "diagnostics" / "F01-no-metrics-server.yaml"
    snapshot = load_text(yaml.safe_dump(_only_v1(yaml.safe_load(path.read_text()))), str(path))
    key = f"{snapshot.hpas[0]['metadata']['namespace']}/{snapshot.hpas[0]['metadata']['name']}"
    f01 = [f for f in findings_of(snapshot, key, at(37)) if f.id == "F01"]
    assert [f.title for f in f01] == ["only metrics.k8s.io/v1 is served; the HPA controller reads v1beta1"]
    assert f01[0].cause == ("the APIService v1.metrics.k8s.io is registered but v1beta1.metrics.k8s.io is not; the HPA "
                            "controller of Kubernetes 1.37 reads resource metrics from v1beta1 only")
    older = [f for f in findings_of(snapshot, key, at(36)) if f.id == "F01"]
    assert older[0].cause.endswith("(and 1.36 does not define metrics.k8s.io/v1 at all)")
    # Without the v1 APIService, the finding is the plain "not installed" one.
    plain = [f for f in findings_of(load(path), key, at(37)) if f.id == "F01"]
    assert plain[0].title == "no resource metrics API (metrics-server is not installed)"


ZERO_BY_HAND = ROOT / "fixtures" / "versions" / "zero-by-hand.yaml"
ZERO_BY_THE_HPA = ROOT / "fixtures" / "versions" / "zero-by-the-hpa.yaml"


def test_a_workload_at_zero_is_explained_in_the_terms_of_its_release() -> None:
    """minReplicas 0: 1.36 needs the gate on kube-controller-manager; with it, only the HPA's own zero wakes."""
    gate_off = [f for f in findings_of(load(ZERO_BY_THE_HPA), "shop/web", at(36)) if f.id == "F22"]
    assert "scales up from zero only with the HPAScaleToZero feature gate on kube-controller-manager" in \
        gate_off[0].cause
    assert gate_off[0].fix.startswith("add --feature-gates=HPAScaleToZero=true to kube-controller-manager")
    by_hand = [f for f in findings_of(load(ZERO_BY_HAND), "shop/web", at(37)) if f.id == "F22"]
    assert by_hand[0].cause == ("Deployment/web is at 0, but not because this HPA put it there: from 1.36 the "
                                "controller wakes a workload at zero only when its own ScaledToZero condition is True")
    # 1.35 computes at zero whenever minReplicas is 0: not disabled, no F22.
    assert [f for f in findings_of(load(ZERO_BY_HAND), "shop/web", at(35)) if f.id == "F22"] == []
