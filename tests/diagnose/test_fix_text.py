"""Every fix a finding prints fits the case at hand: one row per finding each snapshot fixture yields.

Each row names a phrase the fix must contain (the advice for this case) and one it must not (the advice
for another case that a fixed string would print here: scale-down policies for a scale-up limit, a
rule for ``http_requests_total`` for a metric named ``queue_depth``). A finding that starts firing on a
fixture needs a row, so its advice is read against that case before it ships.
"""

from __future__ import annotations

import pytest

from kubectl_hpa.core.model import ControllerSettings
from kubectl_hpa.core.versions import ControllerVersion
from tests.helpers import SNAPSHOTS

from .helpers import findings_of, fixture_files, fixture_name, hpa_keys, load

D = "diagnostics/"

# (fixture, HPA, finding id): (the fix contains, the fix does not contain)
FIXES: dict[tuple[str, str, str], tuple[str, str]] = {
    ("bootcamp-cpu-219.yaml", "default/kubernetes-bootcamp", "F21"): ("raise spec.maxReplicas to at least 219",
                                                                       "minReplicas"),
    ("bootcamp-memory-99.yaml", "default/kubernetes-bootcamp-memory", "F26"): ("scale on CPU", "tolerance"),
    ("bootcamp-memory-99.yaml", "default/kubernetes-bootcamp-memory", "F91"): ("kubectl describe hpa", "behavior"),
    # No behavior: the legacy max(2 x current, 4) is the cap; no window to lower.
    ("bootcamp-memory-99.yaml", "default/kubernetes-bootcamp-memory", "F40"): ("add behavior.scaleUp policies",
                                                                               "stabilizationWindowSeconds"),
    # The bootcamp's only container lacks the request: scaling on "the app container" would fail the same way.
    ("bootcamp-no-requests.yaml", "default/kubernetes-bootcamp", "F07"): ("name: kubernetes-bootcamp",
                                                                           "ContainerResource"),
    (D + "F01-no-metrics-server.yaml", "shop/web", "F01"): ("metrics-server", "kubelet-insecure-tls"),
    # A discovery timeout: the network, not the aggregator's credentials.
    (D + "F02-metrics-apiservice-unavailable.yaml", "shop/web", "F02"): ("open that port", "requestheader"),
    (D + "F03-metrics-server-kubelet-x509.yaml", "shop/web", "F02"): ("has no Ready pod", "hostNetwork"),
    (D + "F03-metrics-server-kubelet-x509.yaml", "shop/web", "F03"): ("--kubelet-insecure-tls", "hostNetwork"),
    (D + "F06-no-pod-metrics.yaml", "shop/web", "F06"): ("re-run", "install"),
    # The sidecar lacks the request and the app container has one: ContainerResource on that container works.
    (D + "F07-sidecar-missing-request.yaml", "shop/web", "F07"): ("container: web,", "<app>"),
    (D + "F08-selector-foreign-pods.yaml", "shop/web", "F08"): ("unique selector label", "maxReplicas"),
    (D + "F08-selector-foreign-pods.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F09-two-hpas-same-pods.yaml", "shop/web", "F09"): ("kubectl delete hpa web-rps -n shop", "KEDA"),
    (D + "F09-two-hpas-same-pods.yaml", "shop/web-rps", "F09"): ("kubectl delete hpa web -n shop", "KEDA"),
    (D + "F10-container-missing.yaml", "shop/web", "F10"): ("set containerResource.container to web", "kubectl describe pod"),
    (D + "F11-custom-metrics-not-registered.yaml", "shop/web", "F11"): ("prometheus-adapter", "KEDA"),
    (D + "F12-custom-apiservice-unavailable.yaml", "shop/web", "F12"): ("kubectl -n monitoring get endpoints "
                                                                        "prometheus-adapter", "<ns>"),
    (D + "F13-adapter-discovery-empty.yaml", "shop/web", "F13"): ("--prometheus-url", "seriesQuery"),
    # queue_depth is not a renamed counter: no _total -> _per_second rule.
    (D + "F14-metric-not-exposed.yaml", "shop/web", "F14"): ("seriesQuery: 'queue_depth{", "http_requests_total"),
    (D + "F15-metric-renamed-per-second.yaml", "shop/web", "F15"): ("metric.name: http_requests_per_second",
                                                                    "seriesQuery"),
    (D + "F16-metric-not-associated-with-pods.yaml", "shop/web", "F16"): ("resource: pod", "install"),
    (D + "F17-external-metrics-owner.yaml", "shop/keda-hpa-web", "F17"): ("external provider", "custom.metrics"),
    (D + "F17-external-metrics-owner.yaml", "shop/keda-hpa-web", "F31"): ("on ScaledObject web", "kubectl delete"),
    (D + "F18-target-kind-no-match.yaml", "shop/web", "F18"): ("kind: StatefulSet", "not found"),
    (D + "F18-target-not-found.yaml", "shop/web", "F18"): ("scaleTargetRef.name", "subresources"),
    (D + "F19-scale-without-selector.yaml", "shop/web", "F19"): ("labelSelectorPath", "pod template labels"),
    (D + "F20-gitops-resets-replicas.yaml", "shop/web", "F20"): ("ignoreDifferences", "maxReplicas"),
    (D + "F20-gitops-resets-replicas.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F21-at-max.yaml", "shop/web", "F21"): ("raise spec.maxReplicas to at least 19", "minReplicas"),
    (D + "F22-target-at-zero.yaml", "shop/web", "F22"): ("kubectl scale deployment/web -n shop --replicas=1",
                                                         "feature-gates"),
    # The four F23 cases: each names its own knob and none the others'.
    (D + "F23-scale-down-limit-policy.yaml", "shop/web", "F23"): ("value: 80 reaches 2", "scaleUp"),
    (D + "F23-scale-down-stabilized.yaml", "shop/web", "F23"): ("lower behavior.scaleDown.stabilizationWindowSeconds "
                                                               "(now 300)", "policies"),
    (D + "F23-scale-up-limit-legacy.yaml", "shop/web", "F23"): ("add behavior.scaleUp policies", "scaleDown"),
    (D + "F23-scale-up-limit-legacy.yaml", "shop/web", "F40"): ("add behavior.scaleUp policies",
                                                                "stabilizationWindowSeconds"),
    (D + "F23-scale-up-limit-policy.yaml", "shop/web", "F23"): ("value: 3 reaches 6", "scaleDown"),
    (D + "F23-scale-up-limit-policy.yaml", "shop/web", "F40"): ("Pods 2 per 60s", "add behavior.scaleUp policies"),
    (D + "F24-within-tolerance.yaml", "shop/web", "F24"): ("behavior.scaleUp.tolerance: 0.02", "scaleDown"),
    (D + "F25-failing-metric-blocks.yaml", "shop/web", "F14"): ("seriesQuery: 'http_requests_total{", "gauge"),
    (D + "F25-failing-metric-blocks.yaml", "shop/web", "F25"): ("repair http_requests_per_second", "cpu"),
    (D + "F26-memory-never-down.yaml", "shop/web", "F26"): ("scale on CPU", "maxReplicas"),
    (D + "F26-memory-never-down.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    (D + "F26-memory-never-down.yaml", "shop/web", "F40"): ("add behavior.scaleUp policies", "metric-resolution"),
    (D + "F27-unready-missing-pods.yaml", "shop/web", "F27"): ("readiness", "Succeeded"),
    # The applied manifest is v2beta2: its spec is v2's; no invented target.
    (D + "F28-removed-api-version.yaml", "shop/web", "F28"): ("apiVersion: autoscaling/v2", "averageUtilization: 80"),
    (D + "F28-removed-api-version.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F30-vpa-same-target.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F30-vpa-same-target.yaml", "shop/web", "F30"): ("controlledResources: [memory]", "maxReplicas"),
    (D + "F31-keda-scaledobject.yaml", "shop/web", "F31"): ("kubectl delete hpa web -n shop", "minReplicaCount"),
    (D + "F31-keda-scaledobject.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F32-failed-rescale.yaml", "shop/web", "F32"): ("validating webhooks", "maxReplicas"),
    (D + "F32-failed-rescale.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    (D + "F32-failed-rescale.yaml", "shop/web", "F40"): ("add behavior.scaleUp policies", "metric-resolution"),
    # The second round (F33-F40, F22's human zero, F27's evicted pods) and the healthy controls' notes.
    (D + "F22-zero-set-by-hand.yaml", "shop/web", "F22"): ("kubectl scale deployment/web -n shop --replicas=1",
                                                           "feature-gates"),
    (D + "F22-zero-set-by-hand.yaml", "shop/web", "F20"): ("drop replicas from the manifests", "maxReplicas"),
    # Evicted Deployment pods, not a Job's: no Job advice.
    (D + "F27-evicted-succeeded-pods.yaml", "shop/web", "F27"): ("--terminated-pod-gc-threshold", "Job"),
    (D + "F33-rollout-start-up-cpu.yaml", "shop/web", "F33"): ("maxSurge: 1", "maxReplicas"),
    (D + "F33-rollout-start-up-cpu.yaml", "shop/web", "F23"): ("add behavior.scaleUp policies", "scaleDown"),
    (D + "F33-rollout-start-up-cpu.yaml", "shop/web", "F40"): ("add behavior.scaleUp policies",
                                                               "stabilizationWindowSeconds"),
    (D + "F33-rollout-start-up-cpu.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    # The surge, not start-up CPU: no readiness advice.
    (D + "F33-rollout-surge-external.yaml", "shop/web", "F33"): ("maxSurge: 0, maxUnavailable: 1", "readinessProbe"),
    (D + "F33-rollout-surge-external.yaml", "shop/web", "F40"): ("add behavior.scaleUp policies", "metric-resolution"),
    (D + "F33-rollout-surge-external.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    (D + "F34-custom-metrics-served-by-keda.yaml", "shop/web", "F34"): ("helm upgrade prometheus-adapter", "v1.metrics"),
    # The controller reads v1beta1: the stray one is v1, never the one the HPA needs.
    (D + "F34-metrics-api-two-backends.yaml", "shop/web", "F34"): ("kubectl delete apiservice v1.metrics.k8s.io",
                                                                   "v1beta1.metrics.k8s.io)"),
    (D + "F34-metrics-api-two-backends.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F35-queue-value-target.yaml", "shop/web", "F35"): ("type: AverageValue, averageValue: 30", "Utilization"),
    (D + "F35-queue-value-target.yaml", "shop/web", "F23"): ("add behavior.scaleUp policies", "scaleDown"),
    (D + "F35-queue-value-target.yaml", "shop/web", "F40"): ("add behavior.scaleUp policies",
                                                             "stabilizationWindowSeconds"),
    (D + "F35-queue-value-target.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    # 300m / 200m caps usage at 150%: a target of 120 leaves headroom; no request advice.
    (D + "F36-target-above-limit.yaml", "shop/web", "F36"): ("averageUtilization: 120", "requests."),
    (D + "F36-target-above-limit.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F37-exceeded-quota.yaml", "shop/web", "F37"): ("edit resourcequota", "cluster autoscaler"),
    (D + "F37-pods-pending-insufficient-cpu.yaml", "shop/web", "F37"): ("cluster autoscaler", "resourcequota"),
    (D + "F37-pods-pending-insufficient-cpu.yaml", "shop/web", "F27"): ("readiness", "Succeeded"),
    (D + "F38-in-place-resize-pending.yaml", "shop/web", "F38"): ("PodResizePending Deferred", "maxReplicas"),
    (D + "F38-in-place-resize-pending.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    (D + "F39-load-on-one-pod.yaml", "shop/web", "F39"): ("sessionAffinity: None", "maxReplicas"),
    (D + "F39-load-on-one-pod.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "F40-time-to-react.yaml", "shop/web", "F40"): ("stabilizationWindowSeconds (now 60s", "metric-resolution"),
    (D + "F40-time-to-react.yaml", "shop/web", "F23"): ("value: 6 reaches 9", "scaleDown"),
    (D + "F40-time-to-react.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    (D + "control-backends-and-per-pod-queue.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "control-capacity.yaml", "shop/web", "F24"): ("behavior.scaleUp.tolerance: 0.03", "scaleDown"),
    (D + "control-resize-done.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    (D + "control-rollout-finished.yaml", "shop/web", "F40"): ("add behavior.scaleUp policies",
                                                               "stabilizationWindowSeconds"),
    (D + "control-rollout-finished.yaml", "shop/web", "F91"): ("kubectl describe hpa", "behavior"),
    (D + "control-terminal-pods.yaml", "shop/web", "F24"): ("nothing to change", "tolerance:"),
    ("hello-actuator-pods-1833m.yaml", "default/hello-actuator", "F91"): ("kubectl describe hpa", "behavior"),
    ("hello-actuator-pods-1833m.yaml", "default/hello-actuator", "F40"): ("add behavior.scaleUp policies",
                                                                         "metric-resolution"),
    # 0.967 x 1 rounds up to 1: no tolerance would scale down, so no setting is offered.
    ("hello-actuator-pods-967m.yaml", "default/hello-actuator", "F24"): ("nothing to change", "tolerance:"),
    ("web-scale-down-stabilized.yaml", "shop/web", "F23"): ("behavior.scaleDown.stabilizationWindowSeconds",
                                                           "policies"),
}

FIRED = sorted({(fixture_name(path), key, f.id) for path in fixture_files() for key in hpa_keys(load(path))
                for f in findings_of(load(path), key)})


def test_the_table_has_a_row_for_every_finding_a_fixture_yields() -> None:
    assert sorted(FIXES) == FIRED, "add a row for the new finding (and read its fix against that case), or drop one"


@pytest.mark.parametrize(("fixture", "key", "finding"), FIRED, ids=[":".join(row) for row in FIRED])
def test_the_fix_fits_the_case(fixture: str, key: str, finding: str) -> None:
    must, must_not = FIXES[(fixture, key, finding)]
    fixes = [f.fix for f in findings_of(load(SNAPSHOTS / fixture), key) if f.id == finding]
    assert fixes
    for fix in fixes:
        assert must in fix
        assert must_not not in fix


@pytest.mark.parametrize(("minor", "must"), [
    (37, "set behavior.scaleUp.tolerance: 0.02"),
    (34, "--feature-gates=HPAConfigurableTolerance=true"),  # the gate exists, off by default
    (32, "lower --horizontal-pod-autoscaler-tolerance below 0.04"),  # no per-HPA tolerance before 1.33
])
def test_the_tolerance_fix_names_what_the_emulated_release_offers(minor: int, must: str) -> None:
    settings = ControllerSettings(version=ControllerVersion(minor=minor))
    findings = findings_of(load(SNAPSHOTS / D / "F24-within-tolerance.yaml"), "shop/web", settings)
    (f24,) = [f for f in findings if f.id == "F24"]
    assert must in f24.fix
