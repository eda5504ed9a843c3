"""Answers of the wrong shape from a live API server (valid JSON, not what it serves): one line, never a crash.

The HPA list is what the command explains: a malformed one stops it (exit 1, one line). Any other list is
recorded as a failed read, so the diagnosis says which read failed and no check concludes from it.
"""

from __future__ import annotations

import json

import pytest

from tests.apiserver import FakeAPIServer, run
from tests.helpers import SNAPSHOTS

AT = ("--at", "2026-11-30T10:00:00Z")


@pytest.mark.parametrize("args", [("explain", "web"), ("explain", "-A")], ids=["one", "all"])
@pytest.mark.parametrize("items, shown", [(5, "items: 5"), ([None], "an item: None"), (["x"], "an item: 'x'")])
def test_a_malformed_hpa_list_is_one_line(api: FakeAPIServer, kubeconfig, args: tuple[str, ...], items: object,
                                         shown: str) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    api.fault(r"horizontalpodautoscalers", 200, {"kind": "HorizontalPodAutoscalerList", "items": items})
    code, out, err = run(kubeconfig, *args, *AT)
    where = "in namespace shop" if "web" in args else "in all namespaces"
    assert (code, out) == (1, "")
    assert err.strip().splitlines()[-1] == (f"error: the API server's answer to list "
                                            f"horizontalpodautoscalers.autoscaling {where} is not a list of "
                                            f"objects ({shown})")


@pytest.mark.parametrize("path, kind", [(r"/api/v1/namespaces/shop/pods", "PodList"),
                                        (r"/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", "PodMetricsList"),
                                        (r"/apis/apiregistration.k8s.io/v1/apiservices", "APIServiceList")])
def test_another_malformed_list_is_a_failed_read(api: FakeAPIServer, kubeconfig, path: str, kind: str) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    api.fault(path.replace(".", r"\."), 200, {"kind": kind, "items": 5})
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json")
    assert code in (0, 3) and "Traceback" not in err and "internal error" not in err, err
    findings = {f["id"]: f for f in json.loads(out)["findings"]}
    assert "F92" in findings, findings
    assert "is not a list of objects (items: 5)" in json.dumps(findings["F92"])
    assert "F19" not in findings  # nothing concluded from the read that failed


@pytest.mark.parametrize("spec, shown", [("replicas: 3", "spec: expected an object, got str 'replicas: 3'"),
                                         ([3], "spec: expected an object, got list [3]")])
def test_a_scale_of_the_wrong_shape_names_the_scale(api: FakeAPIServer, kubeconfig, spec: object, shown: str) -> None:
    """A /scale answer with a spec that is not an object: the line names the Scale (it named the workload)."""
    api.load(SNAPSHOTS / "diagnostics" / "F19-scale-without-selector.yaml")
    api.fault(r"queueworkers/web/scale", 200, {"kind": "Scale", "apiVersion": "autoscaling/v1",
                                               "metadata": {"name": "web", "namespace": "shop"}, "spec": spec})
    code, out, err = run(kubeconfig, "explain", "web", *AT)
    assert (code, out) == (1, "")
    assert err.strip().splitlines()[-1].endswith(f": Scale/web: {shown}"), err
