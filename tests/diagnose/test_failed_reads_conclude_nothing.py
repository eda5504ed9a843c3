"""A check must not conclude from a read that failed: F19 and F17 beside a failed pods or APIService read.

A pods list that was refused (403) or not answered (code 0) leaves the snapshot without pods; that is
F90/F92's news, not "the selector matches no pods" (F19). An APIService list that was not read leaves
no APIService in the file; that is not "external metrics are served by nobody" (F17's cause).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kubectl_hpa.core.model import ControllerSettings
from kubectl_hpa.sources.kube import Response, status_for
from kubectl_hpa.sources.snapshot import Snapshot, load_document, load_text
from kubectl_hpa.usecases.explain import explain_scope
from tests.diagnose.helpers import findings_of
from tests.helpers import SNAPSHOTS, snapshot_builders

CAPTURED = "2026-11-30T10:00:00Z"
FORBIDDEN = 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "shop"'


def pods_read(code: int, path: str = "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb") -> dict[str, Any]:
    """The Status a failed pods list leaves in the snapshot, annotated with its request."""
    if code == 0:
        return status_for(Response("GET", path, 0, error="context deadline exceeded"))
    return status_for(Response("GET", path, code, text=FORBIDDEN))


def cluster(*names: str, failed: dict[str, Any] | None = None, with_pods: bool = False) -> Snapshot:
    """HPAs ``names`` in shop, each over a 3-replica Deployment at 50% CPU, with its pods' metrics; the pods
    themselves only when ``with_pods`` (else the controller's read finds none: F19, unless that read failed)."""
    build = snapshot_builders()
    items: list[dict[str, Any]] = []
    for name in names:
        deploy = build.deployment(name, name, "nginx:1.27", 3, {"cpu": "200m"}, namespace="shop")
        pods = [build.pod(deploy, i) for i in range(3)]
        items += [build.hpa(name, name, 1, 10, [build.cpu_metric(50)], {}, namespace="shop"), deploy]
        items += [build.pod_metrics(p, {name: {"cpu": "100m"}}) for p in pods]  # the metrics read succeeded
        if with_pods:
            items += pods
    items += build.api_services()
    if failed is not None:
        items.append(failed)
    document = {"apiVersion": "v1", "kind": "List", "items": items,
                "metadata": {"annotations": {"kubectl-hpa.io/captured-at": CAPTURED,
                                             "kubectl-hpa.io/apiservices": "complete"}}}
    return load_document(document, "synthetic.yaml")


def ids(snapshot: Snapshot, key: str = "shop/web") -> list[str]:
    return [f.id for f in findings_of(snapshot, key)]


def test_without_a_failed_read_no_pods_is_f19() -> None:
    """The control case: the pods were listed and none matched, so F19 stands."""
    assert "F19" in ids(cluster("web"))
    assert "F19" not in ids(cluster("web", with_pods=True))


@pytest.mark.parametrize("code, read_finding", [(403, "F90"), (0, "F92")])
def test_a_failed_pods_read_is_reported_not_taken_for_no_pods(code: int, read_finding: str) -> None:
    found = ids(cluster("web", failed=pods_read(code)))
    assert "F19" not in found
    assert read_finding in found


@pytest.mark.parametrize("code, read_finding", [(403, "F90"), (0, "F92")])
def test_with_every_namespace_no_hpa_blames_its_selector(code: int, read_finding: str) -> None:
    """explain -A lists the pods of every namespace once: its failure concerns every HPA."""
    snapshot = cluster("web", "api", "worker", failed=pods_read(code, "/api/v1/pods"))
    explanations = explain_scope(snapshot, None, ControllerSettings())
    assert len(explanations) == 3
    for explanation in explanations:
        found = [f.id for f in explanation.findings]
        assert "F19" not in found and read_finding in found, found


def test_a_failed_pods_read_in_another_namespace_does_not_hide_f19() -> None:
    snapshot = cluster("web", failed=pods_read(403, "/api/v1/namespaces/other/pods?labelSelector=app%3Dweb"))
    assert "F19" in ids(snapshot)


def test_another_failed_read_does_not_hide_f19() -> None:
    events = "/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dweb"
    found = ids(cluster("web", failed=pods_read(0, events)))
    assert "F19" in found and "F92" in found


# ----------------------------------------------------------------------------- F17 and the APIService list

F17_FIXTURE = SNAPSHOTS / "diagnostics" / "F17-external-metrics-owner.yaml"


def external_snapshot(apiservices: str) -> Snapshot:
    """The F17 fixture (a KEDA HPA, its External metric not served) with no APIService in the file, because
    the APIService list was ``forbidden``, timed out (``timeout``), or listed none (``complete``)."""
    document = yaml.safe_load(F17_FIXTURE.read_text(encoding="utf-8"))
    document["items"] = [item for item in document["items"] if item["kind"] != "APIService"]
    path = "/apis/apiregistration.k8s.io/v1/apiservices"
    del document["metadata"]["annotations"]["kubectl-hpa.io/apiservices"]  # set only when the list was read
    if apiservices == "forbidden":
        document["items"].append(status_for(Response("GET", path, 403, text="apiservices is forbidden")))
    elif apiservices == "timeout":
        document["items"].append(status_for(Response("GET", path, 0, error="context deadline exceeded")))
    else:
        document["metadata"]["annotations"]["kubectl-hpa.io/apiservices"] = "complete"
    return load_text(yaml.safe_dump(document), "synthetic.yaml")


@pytest.mark.parametrize("apiservices, read_finding", [("forbidden", "F90"), ("timeout", "F92")])
def test_f17_does_not_say_nobody_serves_external_metrics_when_the_list_was_not_read(
        apiservices: str, read_finding: str) -> None:
    findings = findings_of(external_snapshot(apiservices), "shop/keda-hpa-web")
    f17 = next(f for f in findings if f.id == "F17")
    assert "nobody" not in f17.cause and "not registered" not in f17.cause
    assert "nothing serves" not in f17.cause
    assert "is unknown" in f17.cause
    assert "could not find the requested resource" in f17.symptom  # the metric read's own error stays
    assert read_finding in [f.id for f in findings]


def test_f17_says_nobody_serves_external_metrics_when_the_list_was_read() -> None:
    findings = findings_of(external_snapshot("complete"), "shop/keda-hpa-web")
    f17 = next(f for f in findings if f.id == "F17")
    assert "served by nobody (not registered)" in f17.cause
