"""Specs the API server refuses are refused, in its words, not explained as if a cluster could hold them.

The messages are those of Kubernetes' pkg/apis/autoscaling/validation/validation.go, as the API server
returns them (``HorizontalPodAutoscaler.autoscaling "web" is invalid: <field>: <error>``). Two cases are
not refusals: minReplicas 0 is valid where the HPAScaleToZero gate is on, and an HPA read from a cluster
shows that its gate is; a scaleTargetRef naming a HorizontalPodAutoscaler passes validation, and the
controller fails on it every sync (FailedGetScale: F18).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from kubectl_hpa.core import branches
from kubectl_hpa.core.decide import decide
from kubectl_hpa.core.model import ControllerSettings, FetchError
from kubectl_hpa.core.versions import ControllerVersion
from kubectl_hpa.diagnose import diagnose
from kubectl_hpa.sources.snapshot import SnapshotError, load_document, parse_hpa, sync_input

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 2}}
EXTERNAL = {"type": "External", "external": {"metric": {"name": "queue_depth"},
                                             "target": {"type": "AverageValue", "averageValue": "30"}}}
CPU = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}
SERVED = {"uid": "4f7c0f0e-0000-4000-8000-000000000001", "resourceVersion": "48290",
          "creationTimestamp": "2026-11-30T09:25:11Z"}


def manifest(**spec: Any) -> dict[str, Any]:
    """An HPA as written by hand (nothing an API server sets), its spec fields overridden by ``spec``."""
    base: dict[str, Any] = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                            "minReplicas": 1, "maxReplicas": 5, "metrics": [CPU]}
    base.update(spec)
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "shop"}, "spec": {k: v for k, v in base.items() if v is not None}}


def api_error(message: str) -> str:
    return f'snap.yaml: HorizontalPodAutoscaler/web: the API server refuses this HPA: ' \
           f'HorizontalPodAutoscaler.autoscaling "web" is invalid: {message}'


INVALID = {
    "max below min": (manifest(minReplicas=3, maxReplicas=1),
                      "spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`"),
    "max zero": (manifest(minReplicas=None, maxReplicas=0), "spec.maxReplicas: Invalid value: 0: must be greater than 0"),
    "max negative": (manifest(minReplicas=None, maxReplicas=-2),
                     "spec.maxReplicas: Invalid value: -2: must be greater than 0"),
    "min negative": (manifest(minReplicas=-1), "spec.minReplicas: Invalid value: -1: must be greater than or equal to 1"),
    "min zero, CPU only": (manifest(minReplicas=0),
                           "spec.metrics: Forbidden: must specify at least one Object or External metric to support "
                           "scaling to zero replicas"),
    "min zero, default metric": (manifest(minReplicas=0, metrics=None),
                                 "spec.metrics: Forbidden: must specify at least one Object or External metric to "
                                 "support scaling to zero replicas"),
    "metric without target": (manifest(metrics=[{"type": "Resource", "resource": {"name": "cpu"}}]),
                              "spec.metrics[0].resource.target.type: Required value: must specify a metric target type"),
    "target without type": (manifest(metrics=[{"type": "External", "external": {
        "metric": {"name": "q"}, "target": {"averageValue": "30"}}}]),
        "spec.metrics[0].external.target.type: Required value: must specify a metric target type"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_an_invalid_spec_is_refused_with_the_api_servers_message(case: str) -> None:
    hpa, message = INVALID[case]
    with pytest.raises(SnapshotError) as error:
        parse_hpa(hpa, "snap.yaml")
    assert str(error.value) == api_error(message)


def test_a_served_object_is_held_to_the_same_rules() -> None:
    """Rules that never changed: no API server ever stored maxReplicas below minReplicas."""
    hpa = manifest(minReplicas=4, maxReplicas=2)
    hpa["metadata"].update(SERVED)
    with pytest.raises(SnapshotError, match="must be greater than or equal to `minReplicas`"):
        parse_hpa(hpa, "snap.yaml")


def test_max_equal_to_min_and_min_omitted_are_valid() -> None:
    assert parse_hpa(manifest(minReplicas=3, maxReplicas=3), "snap.yaml").max_replicas == 3
    assert parse_hpa(manifest(minReplicas=None, maxReplicas=1), "snap.yaml").effective_min_replicas == 1


def snapshot(hpa: dict[str, Any]) -> Any:
    return load_document({"apiVersion": "v1", "kind": "List", "items": [hpa, copy.deepcopy(DEPLOYMENT)],
                          "metadata": {"annotations": {"kubectl-hpa.io/captured-at": "2026-11-30T10:00:00Z"}}},
                         "snap.yaml")


def test_min_zero_by_hand_is_refused_without_the_scale_to_zero_gate() -> None:
    hpa = manifest(minReplicas=0, metrics=[EXTERNAL])
    assert parse_hpa(hpa, "snap.yaml").min_replicas == 0  # valid where the gate is on
    release_36 = ControllerSettings(version=ControllerVersion(36))
    with pytest.raises(SnapshotError) as error:
        sync_input(snapshot(hpa), hpa, release_36)
    assert str(error.value) == api_error("spec.minReplicas: Invalid value: 0: must be greater than or equal to 1 "
                                         "(minReplicas 0 needs the HPAScaleToZero feature gate, off by default on "
                                         "Kubernetes 1.36)")
    assert sync_input(snapshot(hpa), hpa, release_36.with_gates({"HPAScaleToZero": True})).hpa.min_replicas == 0
    # From 1.37 the gate is on by default: the same manifest is valid.
    assert sync_input(snapshot(hpa), hpa, ControllerSettings(version=ControllerVersion(37))).hpa.min_replicas == 0


def test_min_zero_read_from_a_cluster_is_explained() -> None:
    """An API server stored it: that cluster's gate is on (or was), and its controller acts on it."""
    hpa = manifest(minReplicas=0, metrics=[EXTERNAL])
    hpa["metadata"].update(SERVED)
    assert sync_input(snapshot(hpa), hpa).hpa.min_replicas == 0


def test_an_hpa_targeting_an_hpa_fails_to_get_the_scale_as_the_controller_does() -> None:
    hpa = manifest(scaleTargetRef={"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "web"})
    snap = snapshot(hpa)
    inputs = sync_input(snap, hpa)
    assert inputs.scale == FetchError("the server could not find the requested resource")
    decision = decide(inputs)
    assert decision.branch == branches.FAILED_GET_SCALE
    f18 = [f for f in diagnose(snap, hpa, inputs, decision, inputs.state is not None) if f.id == "F18"]
    assert len(f18) == 1
    assert "names a HorizontalPodAutoscaler" in f18[0].cause
    assert "kind: Deployment" in f18[0].fix


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["explain", "-f", str(path), *args], env={"NO_COLOR": "1"},
                                prog_name="kubectl hpa")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", sorted(INVALID))
def test_explain_f_on_an_invalid_file_is_one_line_and_exit_1(case: str, tmp_path: Path) -> None:
    hpa, message = INVALID[case]
    path = tmp_path / "hpa.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [hpa, DEPLOYMENT]}))
    for args in ((), ("-o", "table"), ("-o", "json")):
        code, out, err = run(path, *args)
        assert code == 1 and out == "", err
        assert err == f"error: {path}: HorizontalPodAutoscaler/web: the API server refuses this HPA: " \
                      f'HorizontalPodAutoscaler.autoscaling "web" is invalid: {message}\n'


def test_explain_f_on_an_hpa_targeting_itself_is_f18(tmp_path: Path) -> None:
    hpa = manifest(scaleTargetRef={"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "web"})
    path = tmp_path / "hpa.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [hpa],
                                    "metadata": {"annotations": {"kubectl-hpa.io/captured-at": "2026-11-30T10:00:00Z"}}}))
    code, out, err = run(path, "--exit-code")
    assert code == 3, err
    assert "FailedGetScale" in out and "F18 ERROR" in out
    assert "selector is required" not in out  # before: the HPA object itself was read as the workload
