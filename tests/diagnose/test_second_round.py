"""The second round of checks (F33-F40, F22's two zeros, F27's pinned syncs): what each says, on its fixture and live.

test_exact_findings.py pins the set of problems per fixture (the controls included); these tests read the
evidence each finding must carry (names, numbers, the components' exact strings), run the healthy controls
through the live path, and show that a read that failed concludes nothing.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.model import ControllerSettings, ScalingPolicy, ScalingRules
from kubectl_hpa.core.versions import ControllerVersion
from kubectl_hpa.diagnose import Finding
from kubectl_hpa.diagnose.reaction import time_to
from kubectl_hpa.sources.kube import Response, status_for
from kubectl_hpa.sources.snapshot import Snapshot, load_document
from tests.apiserver import run
from tests.helpers import ROOT, SNAPSHOTS, snapshot_builders

from .helpers import findings_of, load

D = SNAPSHOTS / "diagnostics"
SECOND_ROUND = {"F33", "F34", "F35", "F36", "F37", "F38", "F39", "F40"}
CONTROLS = sorted(D.glob("control-*.yaml"))
AT = ("--at", "2026-11-30T10:00:00Z")


def the(fixture: str, finding: str, key: str = "shop/web") -> Finding:
    """The one finding ``finding`` of a diagnostics fixture."""
    (found,) = [f for f in findings_of(load(D / fixture), key) if f.id == finding]
    return found


def text(finding: Finding) -> str:
    return " ".join([finding.title, finding.symptom, finding.cause, finding.fix, *finding.details])


# ----------------------------------------------------------------------------- the evidence each finding carries


def test_f33_names_the_new_pods_and_what_the_old_ones_alone_would_do() -> None:
    f33 = the("F33-rollout-start-up-cpu.yaml", "F33")
    assert f33.severity == "warning"
    assert "2 new pods of web-7f9c6d8b4x at 190% cpu, the old ones at 40%" in f33.title
    assert "ratio 0.80), which would propose 4 for 4 replicas: no scale-up" in f33.cause
    new = [d for d in f33.details if "(new," in d]
    assert len(new) == 2 and all("Ready 2s after creation): 380m of 200m = 190%" in d for d in new)
    for knob in ("readinessProbe", "stabilizationWindowSeconds: 120", "maxSurge: 1",
                 "--horizontal-pod-autoscaler-cpu-initialization-period"):
        assert knob in f33.fix


def test_f33_shows_the_surge_in_status_replicas_moving_an_average_value_out_of_the_tolerance() -> None:
    f33 = the("F33-rollout-surge-external.yaml", "F33")
    assert "130 / (30 x 5) = 0.87 is outside the tolerance [0.90, 1.10]" in f33.symptom
    assert "ceil(130 / 30) = 5" in f33.symptom
    assert "against spec.replicas 4 the ratio is 1.08, inside the tolerance" in f33.cause


def test_f33_needs_a_rollout_for_the_surge() -> None:
    """Decoy: the same numbers with one ReplicaSet (status.replicas 5 from pods still terminating): no rollout."""
    document = yaml.safe_load((D / "F33-rollout-surge-external.yaml").read_text(encoding="utf-8"))
    document["items"] = [i for i in document["items"] if not (
        i["kind"] in ("Pod", "PodMetrics") and "7f9c6d8b4x" in i["metadata"]["name"])]
    assert "F33" not in [f.id for f in findings_of(load_document(document, "synthetic.yaml"), "shop/web")]


def test_f34_names_each_backend_and_the_version_the_controller_reads() -> None:
    f34 = the("F34-metrics-api-two-backends.yaml", "F34")
    assert 'v1.metrics.k8s.io -> service/prometheus-adapter in "monitoring" (prometheus-adapter)' in f34.symptom
    assert 'v1beta1.metrics.k8s.io -> service/metrics-server in "kube-system" (metrics-server)' in f34.symptom
    assert "reads v1beta1" in f34.cause
    keda = the("F34-custom-metrics-served-by-keda.yaml", "F34")
    assert keda.severity == "error"
    assert 'service/keda-operator-metrics-apiserver in "keda" (KEDA)' in keda.cause
    assert "the server could not find the metric http_requests_per_second for pods" in keda.symptom


def test_f35_shows_the_sum_the_series_and_what_average_value_would_give() -> None:
    f35 = the("F35-queue-value-target.yaml", "F35")
    assert "ceil(3 x 120 / 30) = 12 replicas" in f35.symptom
    assert "the sum of 2 series the selector returned (90 + 30 = 120)" in f35.cause
    assert "type: AverageValue, averageValue: 30" in f35.fix and "ceil(120 / 30) = 4 replicas" in f35.fix


def test_f35_says_nothing_from_zero_where_the_count_is_not_multiplied() -> None:
    """zero-by-the-hpa.yaml: a Value target on queue_depth woken from zero (the from-zero path)."""
    found = findings_of(load(ROOT / "fixtures" / "versions" / "zero-by-the-hpa.yaml"), "shop/web",
                        ControllerSettings(version=ControllerVersion(minor=37)))
    assert "F35" not in [f.id for f in found]


def test_f36_gives_the_ceiling_the_limit_sets() -> None:
    f36 = the("F36-target-above-limit.yaml", "F36")
    assert f36.title == "the cpu target 160% cannot be reached: the limit caps usage at 150% of the request"
    assert "target 160% x request 200m = 320m, but the limit is 300m" in f36.cause
    assert "(now 145%)" in f36.symptom


def test_f37_quotes_the_scheduler_and_the_quota() -> None:
    pending = the("F37-pods-pending-insufficient-cpu.yaml", "F37")
    assert pending.title == "2 of 6 replicas are Pending: no node has room"
    assert "0/3 nodes are available: 3 Insufficient cpu." in pending.cause
    assert "7m19s ago" in pending.symptom
    quota = the("F37-exceeded-quota.yaml", "F37")
    assert quota.title == "3 of 7 replicas were never created: exceeded quota"
    assert ('pods "web-dcqp5wrrbg-x8k2m" is forbidden: exceeded quota: compute, requested: requests.cpu=200m, used: '
            'requests.cpu=800m, limited: requests.cpu=900m') in quota.cause
    assert "ResourceQuota compute: requests.cpu hard 900m, but maxReplicas 10 x 200m = 2" in quota.details


def test_f37_without_the_workload_or_events_still_counts_the_missing_pods() -> None:
    """What a live read of one HPA carries: the /scale and the pods, no ReplicaSet events nor quotas."""
    document = yaml.safe_load((D / "F37-exceeded-quota.yaml").read_text(encoding="utf-8"))
    document["items"] = [i for i in document["items"] if i["kind"] not in ("Event", "ResourceQuota")]
    for item in document["items"]:
        if item["kind"] == "Deployment":
            item["status"]["conditions"] = item["status"]["conditions"][:1]
    found = [f for f in findings_of(load_document(document, "synthetic.yaml"), "shop/web") if f.id == "F37"]
    assert found[0].title == "3 of 7 replicas were never created"
    assert "describe rs -l app=web" in found[0].fix


def test_f38_shows_utilization_against_both_requests() -> None:
    f38 = the("F38-in-place-resize-pending.yaml", "F38")
    assert "cpu utilization 37% of the spec requests (1600m)" in f38.symptom
    assert "actuated (800m) it is 75%" in f38.symptom
    assert "the HPA proposes 3 for 4 pods" in f38.symptom
    assert ("PodResizePending Deferred: Node didn't have enough resource: cpu, requested: 400, used: 3850, "
            "capacity: 4000") in f38.cause
    assert any(d.endswith("PodResizeInProgress") for d in f38.details)


def test_f39_shows_the_per_pod_spread() -> None:
    f39 = the("F39-load-on-one-pod.yaml", "F39")
    assert f39.title == "the load does not spread: 1 of 6 pods carries 82% of the cpu"
    assert f39.details[0].endswith(": 480m of 200m = 240%")
    assert "cpu averages 48% of request" in f39.symptom
    assert "runs at 240% while the others' median is 20m (10%)" in f39.symptom


def test_f40_adds_up_the_pipeline_and_reads_the_rate_limit_as_a_step() -> None:
    f40 = the("F40-time-to-react.yaml", "F40")
    assert f40.severity == "info"
    assert f40.title == "time to react: about 1m30s to the first rescale, 8m0s more to maxReplicas 20"
    assert "metrics-server resolution 15s (PodMetrics window 15.012s)" in f40.cause
    assert "scale-up stabilization window 1m0s" in f40.cause
    assert ("9 replicas 2m0s after the first rescale (9 syncs); maxReplicas 20 8m0s after the first rescale (33 syncs)"
            in f40.cause)
    legacy = the("F23-scale-up-limit-legacy.yaml", "F40")
    assert "at most max(2 x current, 4) per sync, 6 from 3 now" in legacy.cause
    assert "12 replicas 15s after the first rescale (2 syncs); maxReplicas 20 30s after" in legacy.cause


def test_f27_counts_the_syncs_an_evicted_succeeded_pod_has_pinned() -> None:
    f27 = the("F27-evicted-succeeded-pods.yaml", "F27")
    assert "on Kubernetes 1.37" in f27.cause
    assert all("phase Succeeded (Evicted) since 2026-11-30T09:41:07Z, no metric sample: counted in 75 syncs" in d
               for d in f27.details)
    newest = findings_of(load(D / "F27-evicted-succeeded-pods.yaml"), "shop/web",
                         ControllerSettings(version=ControllerVersion(minor=38)))
    assert "F27" not in [f.id for f in newest]  # 1.38 ignores Succeeded pods (kubernetes#141302)


@pytest.mark.parametrize(("fixture", "minor", "severity", "phrase"), [
    ("zero-by-the-hpa.yaml", 37, "info", "is at 0 because this HPA scaled it to zero"),
    ("zero-by-hand.yaml", 37, "warning", "autoscaling is disabled: the target has 0 replicas"),
])
def test_f22_tells_the_hpas_zero_from_a_human_one(fixture: str, minor: int, severity: str, phrase: str) -> None:
    found = [f for f in findings_of(load(ROOT / "fixtures" / "versions" / fixture), "shop/web",
                                    ControllerSettings(version=ControllerVersion(minor=minor))) if f.id == "F22"]
    assert [(f.severity, phrase in f.title) for f in found] == [(severity, True)]


def test_f22_names_who_set_the_zero() -> None:
    f22 = the("F22-zero-set-by-hand.yaml", "F22")
    assert f22.details == ("spec.replicas is owned by helm (Update)",
                           "no ScaledToZero=True condition on the HPA: the zero is not the HPA's")


# ----------------------------------------------------------------------------- the rate limit as a step size


def rules(select: str = "Max", *policies: tuple[str, int, int]) -> ScalingRules:
    return ScalingRules(0, select, tuple(ScalingPolicy(t, v, p) for t, v, p in policies))


@pytest.mark.parametrize(("scale_up", "current", "goal", "expected"), [
    (None, 3, 20, (3, 30.0)),  # 6, 12, 20: max(2 x current, 4) per sync
    (None, 1, 4, (1, 0.0)),  # the minimum of 4 in one sync
    (rules("Max", ("Pods", 2, 60)), 3, 10, (13, 180.0)),  # 5 at 0s, 7 at 60s, 9 at 120s, 10 at 180s
    (rules("Max", ("Percent", 100, 15), ("Pods", 4, 15)), 1, 20, (3, 30.0)),  # 5, 10, 20
    (rules("Min", ("Percent", 100, 15), ("Pods", 4, 15)), 1, 20, (6, 75.0)),  # 2, 4, 8, 12, 16, 20: the lower wins
    (rules("Disabled", ("Pods", 4, 15)), 1, 20, None),
])
def test_time_to_follows_the_controllers_scale_up_limits(scale_up, current, goal, expected) -> None:
    assert time_to(scale_up, current, goal, 15.0) == expected


@given(st.integers(1, 50), st.integers(1, 200), st.sampled_from([15, 30, 60]))
@settings(max_examples=60, deadline=None)
def test_time_to_reaches_the_goal_and_never_overshoots(current: int, extra: int, period: int) -> None:
    goal = current + extra
    result = time_to(rules("Max", ("Pods", 1, period)), current, goal, 15.0)
    assert result is not None
    syncs, seconds = result
    assert seconds == (syncs - 1) * 15.0
    assert seconds >= (extra - 1) * period  # one pod per period at most


# ----------------------------------------------------------------------------- decoys: normal variance


def web_with_usage(cpu: list[str]) -> Snapshot:
    """An HPA over a Deployment whose pods use ``cpu`` each (a 200m request, 50% target)."""
    build = snapshot_builders()
    deploy = build.deployment("web", "web", "nginx:1.27", len(cpu), {"cpu": "200m"}, namespace="shop")
    pods = [build.pod(deploy, i) for i in range(len(cpu))]
    items: list[dict[str, Any]] = [build.hpa("web", "web", 1, 50, [build.cpu_metric(50)], {}, namespace="shop"),
                                   deploy, *pods, *build.api_services()]
    items += [build.pod_metrics(p, {"web": {"cpu": c}}) for p, c in zip(pods, cpu, strict=True)]
    return load_document({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {
        "annotations": {"kubectl-hpa.io/captured-at": "2026-11-30T10:00:00Z"}}}, "synthetic.yaml")


@given(st.integers(3, 12), st.integers(20, 400), st.lists(st.integers(-40, 40), min_size=12, max_size=12))
@settings(max_examples=60, deadline=None)
def test_normal_per_pod_variance_is_not_unspread_load(pods: int, mean: int, spread: list[int]) -> None:
    """Pods within +-40% of their mean never look like load carried by a few (F39)."""
    cpu = [f"{max(1, mean * (100 + s) // 100)}m" for s in spread[:pods]]
    assert "F39" not in [f.id for f in findings_of(web_with_usage(cpu), "shop/web")]


# ----------------------------------------------------------------------------- failed reads conclude nothing


def without_pods(fixture: str, code: int) -> Snapshot:
    """The fixture with its pods list refused (403) or unanswered (0), as a live snapshot records it."""
    document = yaml.safe_load((D / fixture).read_text(encoding="utf-8"))
    document["items"] = [i for i in document["items"] if i["kind"] != "Pod"]
    path = "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb"
    document["items"].append(status_for(Response("GET", path, 0, error="context deadline exceeded")) if code == 0
                             else status_for(Response("GET", path, 403, text="pods is forbidden")))
    return load_document(document, "synthetic.yaml")


@pytest.mark.parametrize("fixture", ["F33-rollout-start-up-cpu.yaml", "F36-target-above-limit.yaml",
                                     "F37-exceeded-quota.yaml", "F37-pods-pending-insufficient-cpu.yaml",
                                     "F38-in-place-resize-pending.yaml", "F39-load-on-one-pod.yaml"])
@pytest.mark.parametrize(("code", "read_finding"), [(403, "F90"), (0, "F92")])
def test_a_failed_pods_read_concludes_nothing_about_the_pods(fixture: str, code: int, read_finding: str) -> None:
    found = {f.id for f in findings_of(without_pods(fixture, code), "shop/web")}
    assert read_finding in found
    assert not found & {"F33", "F36", "F37", "F38", "F39"}, found


def test_f34_needs_the_apiservices_it_names() -> None:
    """Without the APIService list (refused), no backend is named: F90, not F34."""
    document = yaml.safe_load((D / "F34-metrics-api-two-backends.yaml").read_text(encoding="utf-8"))
    document["items"] = [i for i in document["items"] if i["kind"] != "APIService"]
    document["items"].append(status_for(Response("GET", "/apis/apiregistration.k8s.io/v1/apiservices", 403,
                                                 text="apiservices is forbidden")))
    found = {f.id for f in findings_of(load_document(document, "synthetic.yaml"), "shop/web")}
    assert "F90" in found and "F34" not in found


# ----------------------------------------------------------------------------- the live path


@pytest.mark.parametrize("fixture", CONTROLS, ids=lambda p: p.stem)
def test_each_healthy_control_is_quiet_offline_and_live(api, kubeconfig, fixture: Path) -> None:
    code, out, err = run(kubeconfig, "explain", "-f", str(fixture), "--exit-code", "-o", "json")
    assert code == 0, (out, err)
    offline = {f["id"] for f in json.loads(out)["findings"]}
    api.load(fixture)
    code, out, err = run(kubeconfig, "explain", "web", "-n", "shop", *AT, "-o", "json")
    assert code == 0, err
    live = {f["id"]: f["severity"] for f in json.loads(out)["findings"]}
    assert not {i for i, severity in live.items() if severity != "info"}, live
    assert not (set(live) | offline) & (SECOND_ROUND - {"F40"}), (live, offline)


def test_all_namespaces_live_reads_the_workload_and_quotes_the_quota(api, kubeconfig) -> None:
    """``explain -A`` lists the Deployments, so its ReplicaFailure condition (exceeded quota) is read live."""
    api.load(D / "F37-exceeded-quota.yaml")
    code, out, err = run(kubeconfig, "explain", "-A", *AT, "-o", "json")
    assert code == 3, err
    document = json.loads(out)
    explanations = document["items"] if isinstance(document, dict) and "items" in document else document
    (f37,) = [f for e in explanations for f in e["findings"] if f["id"] == "F37"]
    assert "exceeded quota: compute" in f37["cause"]


def test_the_live_snapshot_of_a_resize_keeps_what_f38_reads(api, kubeconfig, tmp_path) -> None:
    """``kubectl hpa snapshot`` (redacted) keeps the actuated resources and the resize conditions."""
    api.load(D / "F38-in-place-resize-pending.yaml")
    code, snap, err = run(kubeconfig, "snapshot", "web", "-n", "shop")
    assert code == 0, err
    path = tmp_path / "snap.yaml"
    path.write_text(snap)
    code, out, err = run(kubeconfig, "explain", "-f", str(path), *AT, "-o", "json")
    (f38,) = [f for f in json.loads(out)["findings"] if f["id"] == "F38"]
    assert "actuated (800m) it is 75%" in f38["symptom"]
    pods = [i for i in yaml.safe_load(snap)["items"] if i["kind"] == "Pod"]
    assert copy.deepcopy(pods[0]["status"]["containerStatuses"][0]["resources"]) == {
        "requests": {"cpu": "200m", "memory": "128Mi"}}


def test_f40_reads_metrics_servers_resolution_from_its_flag_when_the_snapshot_has_it() -> None:
    """A hand-made snapshot with metrics-server's Deployment (a live one keeps its flag names only)."""
    document = yaml.safe_load((D / "F40-time-to-react.yaml").read_text(encoding="utf-8"))
    f03 = yaml.safe_load((D / "F03-metrics-server-kubelet-x509.yaml").read_text(encoding="utf-8"))
    (server,) = [i for i in f03["items"] if i["kind"] == "Deployment" and i["metadata"]["name"] == "metrics-server"]
    server["spec"]["template"]["spec"]["containers"][0]["args"][-1] = "--metric-resolution=60s"
    document["items"].append(server)
    (f40,) = [f for f in findings_of(load_document(document, "synthetic.yaml"), "shop/web") if f.id == "F40"]
    assert "metrics-server resolution 1m0s (metrics-server --metric-resolution=60s)" in f40.cause
    assert "metrics-server --metric-resolution=15s (now 1m0s)" in f40.fix
    assert f40.title.startswith("time to react: about 2m15s to the first rescale")


def test_f37_leaves_pods_the_scheduler_is_still_placing_alone() -> None:
    """Decoy: the same Pending pods, created 10s ago by a scale-up in progress (a new node may be on its way)."""
    document = yaml.safe_load((D / "F37-pods-pending-insufficient-cpu.yaml").read_text(encoding="utf-8"))
    for item in document["items"]:
        if item["kind"] == "Pod" and item["status"]["phase"] == "Pending":
            item["metadata"]["creationTimestamp"] = "2026-11-30T09:59:50Z"
        if item["kind"] == "HorizontalPodAutoscaler":
            item["status"]["lastScaleTime"] = "2026-11-30T09:59:50Z"
    assert "F37" not in [f.id for f in findings_of(load_document(document, "synthetic.yaml"), "shop/web")]


def test_f34_sees_the_custom_metrics_versions_split_between_backends() -> None:
    """The control, with v1beta2.custom.metrics.k8s.io taken by a second prometheus-adapter release."""
    document = yaml.safe_load((D / "control-backends-and-per-pod-queue.yaml").read_text(encoding="utf-8"))
    document["items"][0]["spec"]["metrics"].append(
        {"type": "Pods", "pods": {"metric": {"name": "http_requests_per_second"},
                                  "target": {"type": "AverageValue", "averageValue": "10"}}})
    for item in document["items"]:
        if item["kind"] == "APIService" and item["metadata"]["name"] == "v1beta2.custom.metrics.k8s.io":
            item["spec"]["service"] = {"namespace": "adapter-2", "name": "prometheus-adapter", "port": 443}
    found = [f for f in findings_of(load_document(document, "synthetic.yaml"), "shop/web") if f.id == "F34"]
    assert [f.title for f in found] == ["custom.metrics.k8s.io is served by 2 different backends, one per version"]
    assert "kubectl delete apiservice v1beta2.custom.metrics.k8s.io" in found[0].fix
