"""F90 (forbidden read), F92 (failed read) and F93 (malformed object): three cases, three ids, one rank."""

from __future__ import annotations

import yaml

from kubectl_hpa.diagnose import Finding
from kubectl_hpa.diagnose.registry import rank_of
from kubectl_hpa.sources.kube import Response, status_for
from kubectl_hpa.sources.snapshot import load_text
from tests.diagnose.helpers import findings_of
from tests.helpers import SNAPSHOTS

BASE = SNAPSHOTS / "diagnostics" / "F21-at-max.yaml"


def explain_with(*extra: dict) -> list[Finding]:
    document = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    document["items"] += list(extra)
    return findings_of(load_text(yaml.safe_dump(document), "synthetic.yaml"), "shop/web")


def test_each_read_problem_has_its_own_id_in_the_order_read() -> None:
    findings = explain_with(
        status_for(Response("GET", "/api/v1/namespaces/shop/events", 0, error="context deadline exceeded")),
        status_for(Response("GET", "/apis/apiregistration.k8s.io/v1/apiservices", 403, text="forbidden")),
        status_for(Response("GET", "/api/v1/namespaces/shop/pods", 500, text="boom")),
    )
    assert [(f.id, f.severity) for f in findings][:1] == [("F21", "warning")]
    assert [(f.id, f.severity, f.title) for f in findings[1:]] == [
        ("F92", "warning", "a read failed: GET /api/v1/namespaces/shop/events"),
        ("F90", "warning", "kubectl-hpa may not read apiservices.apiregistration.k8s.io"),
        ("F92", "warning", "a read failed: GET /api/v1/namespaces/shop/pods"),
    ]
    forbidden = findings[2]
    assert forbidden.fix.startswith("grant list on apiservices.apiregistration.k8s.io")


def test_a_client_side_answer_is_left_to_the_checks_that_explain_it() -> None:
    client_side = {"apiVersion": "v1", "kind": "Status", "code": 404, "message": "no matches for kind",
                   "metadata": {"annotations": {"kubectl-hpa.io/request": "GET /apis/apps/v1/namespaces/shop/x",
                                                "kubectl-hpa.io/client-side": "true"}}}
    assert [f.id for f in explain_with(client_side)] == ["F21"]


def test_a_malformed_object_is_one_note_after_the_other_findings() -> None:
    odd_vpa = {"apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscaler",
               "metadata": {"name": "web", "namespace": "shop"}, "spec": "not an object"}
    findings = explain_with(odd_vpa, dict(odd_vpa, metadata={"name": "web2", "namespace": "shop"}))
    assert [(f.id, f.severity) for f in findings] == [("F21", "warning"), ("F93", "info")]
    assert findings[1].title == "a check could not read part of the snapshot"
    assert "not shaped as the API serves it" in findings[1].symptom


def test_read_problems_share_a_rank_warnings_before_the_note() -> None:
    odd_vpa = {"kind": "VerticalPodAutoscaler", "metadata": {"name": "v", "namespace": "shop"}, "spec": "odd"}
    findings = explain_with(odd_vpa, status_for(Response("GET", "/api/v1/namespaces/shop/events", 0, error="t")))
    assert [f.id for f in findings] == ["F21", "F92", "F93"]
    assert rank_of(findings[1].id) == rank_of(findings[2].id)
