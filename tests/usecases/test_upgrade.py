"""The upgrade-check use case: each HPA under two controllers, what differs, which release changes touch it.

Expectations come from the fixtures' numbers (fixtures/upgrade/generate.py) and the controller's
arithmetic, worked out here by hand (Go truncates a utilization to a whole percent before the ratio;
a proposal is ceil(ratio x pods)), and from the release table (``version.has(...)``), never from what
the code printed once. The constants below are checked against the fixture files first.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_hpa.core.model import ControllerSettings
from kubectl_hpa.core.quantity import parse_milli
from kubectl_hpa.core.versions import (
    CHANGES,
    HPA_CONTAINER_METRICS,
    HPA_SCALE_TO_ZERO,
    PER_HPA_TOLERANCE,
    SIDECAR_REQUESTS,
    SUCCEEDED_PODS_IGNORED,
    ControllerVersion,
)
from kubectl_hpa.sources.kube import LAST_APPLIED
from kubectl_hpa.sources.snapshot import load_document
from kubectl_hpa.usecases.explain import NoHPA, read_file
from kubectl_hpa.usecases.upgrade import (
    BRANCH,
    DOWNGRADE,
    EVENT,
    INFO,
    METRIC,
    REPLICAS,
    SAME,
    TOUCHES,
    UPGRADE,
    WARNING,
    UpgradeReport,
    check_upgrade,
    gate_setting_notes,
)
from tests.helpers import ROOT

UPGRADE_FIXTURES = ROOT / "fixtures" / "upgrade"
V = ControllerVersion


def load(name: str):
    return read_file(str(UPGRADE_FIXTURES / name))


def items(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((UPGRADE_FIXTURES / name).read_text())["items"]


def milli(text: str) -> int:
    return parse_milli(str(text))


def go_percent(usage: int, request: int) -> int:
    return usage * 100 // request  # both positive: Go's truncating division


def row(report: UpgradeReport, key: str):
    return next(change for change in report.changes if change.change.key == key)


# ----------------------------------------------------------------------------- Succeeded pods (1.37 -> 1.38)

# fixtures/upgrade/succeeded-pods.yaml: 4 Running pods at 20m of a 100m request, 3 Succeeded pods (same
# request, no PodMetrics), target 50%, spec.replicas 4, minReplicas 1, no behavior, no controller history.
RUNNING, SUCCEEDED, REQUEST, USAGE, TARGET, CURRENT = 4, 3, 100, 20, 50, 4


def test_the_succeeded_pods_fixture_holds_the_numbers_the_tests_use() -> None:
    objects = items("succeeded-pods.yaml")
    pods = [o for o in objects if o["kind"] == "Pod"]
    assert sorted(p["status"]["phase"] for p in pods) == ["Running"] * RUNNING + ["Succeeded"] * SUCCEEDED
    assert {milli(p["spec"]["containers"][0]["resources"]["requests"]["cpu"]) for p in pods} == {REQUEST}
    metrics = [o for o in objects if o["kind"] == "PodMetrics"]
    assert len(metrics) == RUNNING and {milli(m["containers"][0]["usage"]["cpu"]) for m in metrics} == {USAGE}
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == TARGET
    assert next(o for o in objects if o["kind"] == "Deployment")["spec"]["replicas"] == CURRENT


def expected_web(version: ControllerVersion) -> int:
    """The desired replicas of shop/web under ``version``, by the controller's rules."""
    ratio = go_percent(RUNNING * USAGE, RUNNING * REQUEST) / TARGET  # 20 / 50 = 0.4: a scale-down
    if version.has(SUCCEEDED_PODS_IGNORED):
        return max(1, math.ceil(ratio * RUNNING))  # ceil(0.4 x 4) = 2
    # Until 1.38 the Succeeded pods are missing pods; on a scale-down each counts as max(100%, target) of its
    # request: (4 x 20m + 3 x 100m) / 700m = 54% -> 1.08, inside the 10% band: the current count stays.
    fill = REQUEST * max(100, TARGET) // 100
    new_ratio = go_percent(RUNNING * USAGE + SUCCEEDED * fill, (RUNNING + SUCCEEDED) * REQUEST) / TARGET
    assert 0.9 <= new_ratio <= 1.1
    return CURRENT


def test_succeeded_pods_move_the_answer_from_1_37_to_1_38() -> None:
    report = check_upgrade(load("succeeded-pods.yaml"), V(37), V(38))
    assert (expected_web(V(37)), expected_web(V(38))) == (4, 2)
    (web,) = report.hpas
    assert (web.key, web.target) == ("shop/web", "Deployment/web")
    assert (web.before.desired_replicas, web.after.desired_replicas) == (4, 2)
    assert web.differences[0].kind == REPLICAS and (web.differences[0].before, web.differences[0].after) == ("4", "2")
    metric = next(d for d in web.differences if d.kind == METRIC)
    assert "3 missing" in (metric.before or "") and "3 ignored" in (metric.after or "")
    rescale = next(d for d in web.differences if d.kind == EVENT and d.subject == "SuccessfulRescale")
    assert rescale.before is None and rescale.after is not None and "New size: 2" in rescale.after
    assert report.direction == UPGRADE and report.something_changes
    succeeded = row(report, SUCCEEDED_PODS_IGNORED)
    assert succeeded.in_effect and [(t.key, t.detail) for t in succeeded.touches] == [("shop/web", "3 Succeeded pods")]
    assert report.touching_changes == (succeeded,)


def test_a_downgrade_is_the_same_comparison_the_other_way() -> None:
    report = check_upgrade(load("succeeded-pods.yaml"), V(38), V(37))
    (web,) = report.hpas
    assert (web.before.desired_replicas, web.after.desired_replicas) == (expected_web(V(38)), expected_web(V(37)))
    assert report.direction == DOWNGRADE
    assert any(n.severity == INFO and "downgrade" in n.message for n in report.notes)
    assert row(report, SUCCEEDED_PODS_IGNORED).in_effect


def test_the_same_controller_on_both_sides_changes_nothing_and_says_so() -> None:
    report = check_upgrade(load("succeeded-pods.yaml"), V(37), V(37))
    assert report.direction == SAME and not report.changes and not report.something_changes
    assert [h.differences for h in report.hpas] == [()]
    assert [n.message for n in report.notes] == ["both sides are the same controller (Kubernetes 1.37): nothing changes"]


def test_both_controllers_are_asked_at_one_time() -> None:
    document = load_document({"apiVersion": "v1", "kind": "List", "items": items("tolerance.yaml")}, "mem")
    report = check_upgrade(document, V(34), V(35))  # no capture time: the newest metric's
    (api,) = report.hpas
    assert api.before.explanation and api.after.explanation
    assert api.before.explanation.decision.now == api.after.explanation.decision.now == report.evaluated_at


# ----------------------------------------------------------------------------- per-HPA tolerance (1.34 -> 1.35)

# fixtures/upgrade/tolerance.yaml: 4 pods at 106m of 200m (53%), target 50%, behavior.scaleUp.tolerance 0.05.
API_PODS, API_USAGE, API_REQUEST, API_TARGET, API_UP_TOLERANCE = 4, 106, 200, 50, 0.05


def expected_api(version: ControllerVersion) -> int:
    ratio = go_percent(API_USAGE, API_REQUEST) / API_TARGET  # 53 / 50 = 1.06
    up = API_UP_TOLERANCE if version.has(PER_HPA_TOLERANCE) else 0.1
    return API_PODS if ratio <= 1 + up else math.ceil(ratio * API_PODS)  # ceil(4.24) = 5, under +4 pods per 15s


def test_a_per_hpa_tolerance_counts_once_its_gate_is_on_by_default() -> None:
    objects = items("tolerance.yaml")
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["behavior"]["scaleUp"]["tolerance"] == API_UP_TOLERANCE
    report = check_upgrade(load("tolerance.yaml"), V(34), V(35))
    (api,) = report.hpas
    assert (api.before.desired_replicas, api.after.desired_replicas) == (expected_api(V(34)), expected_api(V(35))) \
        == (4, 5)
    tolerance = row(report, PER_HPA_TOLERANCE)
    assert tolerance.in_effect and tolerance.gate_flip == "HPAConfigurableTolerance off in 1.34, on in 1.35"
    assert [(t.key, t.detail) for t in tolerance.touches] == [("shop/api", "behavior.scaleUp.tolerance 0.05")]


def test_a_gate_already_on_before_the_upgrade_changes_nothing() -> None:
    before = V(34).with_gates({"HPAConfigurableTolerance": True})
    report = check_upgrade(load("tolerance.yaml"), before, V(35))
    assert [h.changed for h in report.hpas] == [False]
    assert PER_HPA_TOLERANCE not in {c.change.key for c in report.changes}
    assert report.hpas[0].after.desired_replicas == expected_api(V(35))


# ----------------------------------------------------------------------------- scale to zero (1.35 -> 1.36)

# fixtures/upgrade/scale-to-zero.yaml: minReplicas 0, the Deployment at 0 replicas (the HPA put it there:
# ScaledToZero=True), an External metric at 90 for an AverageValue target of 30: from zero, ceil(90 / 30) = 3.
FROM_ZERO = math.ceil(90 / 30)


def test_crossing_1_36_without_the_gate_keeps_a_workload_at_zero_and_warns() -> None:
    before = V(35).with_gates({HPA_SCALE_TO_ZERO: True})
    report = check_upgrade(load("scale-to-zero.yaml"), before, V(36))
    (worker,) = report.hpas
    assert not V(36).gate(HPA_SCALE_TO_ZERO)  # alpha, off by default in 1.36
    assert (worker.before.desired_replicas, worker.after.desired_replicas) == (FROM_ZERO, 0)
    assert worker.after.branch == "scaling-disabled"
    assert any(d.kind == BRANCH for d in worker.differences)
    (warning,) = report.warnings
    assert warning.objects == ("shop/worker",)
    assert "--feature-gates=HPAScaleToZero=true on kube-apiserver and kube-controller-manager" in warning.message
    carried = [n for n in report.notes if n.severity == INFO and "given for 1.35 only" in n.message]
    assert len(carried) == 1 and "--to-feature-gates HPAScaleToZero=true" in carried[0].message


def test_with_the_gate_on_after_the_upgrade_the_workload_still_scales_from_zero() -> None:
    before = V(35).with_gates({HPA_SCALE_TO_ZERO: True})
    after = V(36).with_gates({HPA_SCALE_TO_ZERO: True})
    report = check_upgrade(load("scale-to-zero.yaml"), before, after)
    (worker,) = report.hpas
    assert worker.after.desired_replicas == FROM_ZERO
    assert not report.warnings


def test_the_gate_on_by_default_from_1_37_is_a_note_not_a_warning() -> None:
    report = check_upgrade(load("scale-to-zero.yaml"), V(35).with_gates({HPA_SCALE_TO_ZERO: True}), V(37))
    assert V(37).gate(HPA_SCALE_TO_ZERO) and not report.warnings
    assert report.hpas[0].after.desired_replicas == FROM_ZERO


# ----------------------------------------------------------------------------- removed API versions and gates


def test_removed_autoscaling_betas_are_warnings_and_never_a_crash() -> None:
    report = check_upgrade(load("beta-manifests.yaml"), V(37), V(38), at=0.0)
    by_key = {h.key: h for h in report.hpas}
    assert by_key["shop/legacy"].before.error is None  # v2beta2 has v2's shape: checked
    older = by_key["shop/older"]
    assert older.before.error and older.before.error == older.after.error and "v2beta1" in older.before.error
    assert not older.changed
    notes = {n.objects: n for n in report.warnings}
    assert "not served since Kubernetes 1.26" in notes[("shop/legacy",)].message
    assert "not served since Kubernetes 1.25" in notes[("shop/older",)].message
    assert "not checked" in notes[("shop/older",)].message
    assert report.something_changes


def test_a_live_hpa_last_applied_as_a_removed_beta_is_a_warning() -> None:
    objects = copy.deepcopy(items("tolerance.yaml"))
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    hpa["metadata"]["annotations"] = {LAST_APPLIED: json.dumps({"apiVersion": "autoscaling/v2beta2",
                                                                "kind": "HorizontalPodAutoscaler"})}
    snapshot = load_document({"apiVersion": "v1", "kind": "List", "items": objects}, "mem")
    report = check_upgrade(snapshot, V(35), V(36))
    (warning,) = report.warnings
    assert warning.objects == ("shop/api",) and "last applied as autoscaling/v2beta2" in warning.message


def test_a_gate_the_new_release_no_longer_has_would_stop_kube_controller_manager() -> None:
    before = V(31).with_gates({HPA_CONTAINER_METRICS: True})
    (note,) = gate_setting_notes(before, V(32))
    assert note.severity == WARNING and "refuses to start" in note.message and "removed in 1.32" in note.message


# ----------------------------------------------------------------------------- touches, from the pods


def test_native_sidecars_touch_the_hpa_from_1_29() -> None:
    """A 100m sidecar doubles each pod's request from 1.29: 20m of 200m is 10%, so the proposal halves."""
    objects = copy.deepcopy(items("succeeded-pods.yaml"))
    sidecar = {"name": "proxy", "image": "envoy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "100m"}}}
    for obj in objects:
        if obj["kind"] == "Pod":
            obj["spec"]["initContainers"] = [sidecar]
        if obj["kind"] == "PodMetrics":
            obj["containers"].append({"name": "proxy", "usage": {"cpu": "0"}})
    running = [o for o in objects if o["kind"] != "Pod" or o["status"]["phase"] == "Running"]
    snapshot = load_document({"apiVersion": "v1", "kind": "List", "items": running,
                              "metadata": {"annotations": {"kubectl-hpa.io/captured-at": "2026-11-30T10:00:00Z"}}},
                             "mem")
    report = check_upgrade(snapshot, V(28), V(29))
    (web,) = report.hpas
    assert not V(28).has(SIDECAR_REQUESTS) and V(29).has(SIDECAR_REQUESTS)
    before = math.ceil(go_percent(USAGE, REQUEST) / TARGET * RUNNING)  # 20% / 50% x 4 = 1.6 -> 2
    after = max(1, math.ceil(go_percent(USAGE, 2 * REQUEST) / TARGET * RUNNING))  # 10% / 50% x 4 = 0.8 -> 1
    assert (web.before.desired_replicas, web.after.desired_replicas) == (before, after) == (2, 1)
    assert [(t.key, t.detail) for t in row(report, SIDECAR_REQUESTS).touches] == [
        ("shop/web", "4 pods with native sidecars (restartable init containers)")]


def test_every_release_change_says_what_makes_an_hpa_subject_to_it() -> None:
    """A new row of core.versions.CHANGES is a decision to make in usecases.upgrade.TOUCHES."""
    assert [c.key for c in CHANGES if c.key not in TOUCHES] == []
    assert set(TOUCHES) <= {c.key for c in CHANGES}


def test_rows_apply_to_every_hpa_or_name_the_hpas_they_touch() -> None:
    report = check_upgrade(load("shop.yaml"), V(34).with_gates({HPA_SCALE_TO_ZERO: True}), V(38))
    for change in report.changes:
        assert not (change.every_hpa and change.touches)
    touched = {c.change.key: {t.key for t in c.touches} for c in report.changes if c.touches}
    assert touched[SUCCEEDED_PODS_IGNORED] == {"shop/web"}
    assert touched[PER_HPA_TOLERANCE] == {"shop/api"}


# ----------------------------------------------------------------------------- scope and the document


def test_scope_by_namespace_and_name() -> None:
    snapshot = load("shop.yaml")
    assert [h.key for h in check_upgrade(snapshot, V(34), V(38), name="api").hpas] == ["shop/api"]
    with pytest.raises(NoHPA, match="no HorizontalPodAutoscaler found in namespace elsewhere"):
        check_upgrade(snapshot, V(34), V(38), namespace="elsewhere", where="in namespace elsewhere")


def test_controller_flags_apply_to_both_sides() -> None:
    """--tolerance 0.2: 0.4 is still outside, and 1.08 after the fill is inside, so the answer is unchanged."""
    report = check_upgrade(load("succeeded-pods.yaml"), V(37), V(38), ControllerSettings(tolerance=0.2))
    (web,) = report.hpas
    assert web.before.explanation and web.before.explanation.decision.tolerance == (0.2, 0.2)
    assert web.after.explanation and web.after.explanation.decision.tolerance == (0.2, 0.2)
    assert (web.before.desired_replicas, web.after.desired_replicas) == (4, 2)


def test_the_document_is_plain_json() -> None:
    report = check_upgrade(load("succeeded-pods.yaml"), V(37), V(38))
    document = json.loads(json.dumps(report.document()))
    assert (document["apiVersion"], document["kind"]) == ("kubectl-hpa.io/v1alpha1", "UpgradeCheck")
    assert document["from"]["kubernetesVersion"] == "1.37" and document["to"]["kubernetesVersion"] == "1.38"
    assert document["changed"] is True and document["direction"] == "upgrade"
    (hpa,) = document["hpas"]
    assert (hpa["from"]["desiredReplicas"], hpa["to"]["desiredReplicas"]) == (4, 2)
    assert hpa["differences"][0] == {"kind": "desiredReplicas", "subject": "desiredReplicas", "from": "4", "to": "2"}
    keys = [c["key"] for c in document["changes"]]
    assert SUCCEEDED_PODS_IGNORED in keys
    assert document["summary"] == {"hpas": 1, "changedHPAs": 1, "touchingChanges": 1, "warnings": 0}


def test_fixtures_are_regenerated_by_their_generator(tmp_path: Path) -> None:
    """fixtures/upgrade/*.yaml are what generate.py writes (edit the generator, not the YAML)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("upgrade_fixtures", UPGRADE_FIXTURES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, make in module.FIXTURES.items():
        written = yaml.safe_dump(make(), sort_keys=False, width=120)
        assert written == (UPGRADE_FIXTURES / name).read_text(), name


def test_a_gated_row_whose_gate_stays_off_is_listed_as_not_in_effect() -> None:
    """1.33 brings per-HPA tolerances behind an alpha gate, off by default: shop/api would be touched, is not."""
    report = check_upgrade(load("tolerance.yaml"), V(32), V(33))
    tolerance = row(report, PER_HPA_TOLERANCE)
    assert not tolerance.in_effect and tolerance.why_not == "HPAConfigurableTolerance is off in 1.33 (alpha, the default)"
    assert [t.key for t in tolerance.touches] == ["shop/api"]
    assert tolerance not in report.touching_changes
    assert report.hpas[0].after.desired_replicas == expected_api(V(33)) == 4


def test_a_row_without_a_touch_check_is_not_checked_rather_than_touching_nothing(monkeypatch) -> None:
    from kubectl_hpa.usecases import upgrade

    monkeypatch.delitem(upgrade.TOUCHES, SUCCEEDED_PODS_IGNORED)  # a row added to the table and not mapped yet
    report = check_upgrade(load("succeeded-pods.yaml"), V(37), V(38))
    succeeded = row(report, SUCCEEDED_PODS_IGNORED)
    assert (succeeded.checked, succeeded.every_hpa, succeeded.touches) == (False, False, ())
    assert succeeded.document()["checked"] is False


@pytest.mark.parametrize("summary, title", [
    ("Succeeded pods are ignored like Failed ones; before, they counted", "Succeeded pods are ignored like Failed ones"),
    ("the band is (1 - down) <= ratio <= (1 + up), always (was |1 - ratio| <= t)",
     "the band is (1 - down) <= ratio <= (1 + up), always"),
    ("override it (gate G: alpha, off, 1.33; beta, on, 1.35)", "override it"),
    ("(all of it in parentheses)", "(all of it in parentheses)"),
])
def test_a_row_title_is_its_first_clause(summary: str, title: str) -> None:
    from kubectl_hpa.usecases.upgrade import summary_title

    assert summary_title(summary) == title
