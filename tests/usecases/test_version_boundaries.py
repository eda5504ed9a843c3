"""Every row of the version table, on both sides of its release: one snapshot, two controllers, two answers.

Each case explains one snapshot of fixtures/versions/ (see its generate.py) under the controller of
the release before a change and of the release that made it, and checks the numbers each gives. The
expected numbers are derived by hand from that release's code; the arithmetic is in each case's
comment. The rows that change no number (a message, a condition) check the strings instead.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import pytest

from kubectl_hpa.core.model import ControllerSettings, Decision
from kubectl_hpa.core.versions import CHANGES, GATES, OLDEST, ControllerVersion
from kubectl_hpa.usecases.explain import explain_hpa, read_file
from tests.helpers import ROOT

VERSIONS = ROOT / "fixtures" / "versions"


def decide_at(fixture: str, minor: int, gates: Optional[dict[str, bool]] = None) -> Decision:
    snapshot = read_file(str(VERSIONS / fixture))
    version = ControllerVersion(minor).with_gates(gates or {})
    # What each release decides once no window holds anything (a first sight would hold every scale-down on
    # both sides alike: tests/usecases/test_one_verdict.py covers that).
    return explain_hpa(snapshot, snapshot.hpas[0], ControllerSettings(version=version), first_sight=False).decision


def condition(decision: Decision, kind: str) -> tuple[str, str, str]:
    found = [c for c in decision.conditions if c.type == kind]
    assert found, f"no {kind!r} condition in {decision.conditions}"
    return found[0].status, found[0].reason, found[0].message


class Boundary(NamedTuple):
    change: str
    fixture: str
    before: int
    after: int
    desired: tuple[int, int]  # before, after
    proposed: tuple[Optional[int], Optional[int]]
    gates: Optional[dict[str, bool]] = None
    after_gates: Optional[dict[str, bool]] = None  # set on the newer release only (a gate the older one lacks)


BOUNDARIES = [
    # 4 Running pods request 100m and use 20m; 3 Succeeded pods of a Job share the labels, no metrics. Target 50%.
    # 1.37: utilization 80/400 = 20%, ratio 0.4 < 1, so the 3 missing pods are filled at max(100, 50)% of 100m:
    #   (80 + 300) * 100 / 700 = 54% (truncated), ratio 1.08: inside the tolerance, the rebalance keeps 4.
    # 1.38: the Succeeded pods are ignored: ratio 0.4, ceil(0.4 x 4) = 2.
    Boundary("succeeded-pods-ignored", "succeeded-pods.yaml", 37, 38, (4, 2), (4, 2)),
    # 2 pods: the web container requests 100m and uses 150m, the native sidecar requests 100m and uses 10m.
    # PodMetrics sums every container: 160m. 1.28 counts only spec.containers: 160% of 100m, ratio 2.0,
    # ceil(2.0 x 2) = 4. 1.29 adds the sidecar's request: 160/200 = 80%, ratio 1.0: inside, keep 2.
    Boundary("sidecar-requests", "sidecar-requests.yaml", 28, 29, (4, 2), (4, 2)),
    # 55m of 100m on 2 pods, target 50%: ratio 55/50 = 1.1. 1.32: |1 - 1.1| = 0.10000000000000009 > 0.1,
    # outside: ceil(1.1 x 2) = 3. 1.33: 1.1 <= 1.0 + 0.1 = 1.1, inside: keep 2.
    Boundary("two-sided-tolerance", "tolerance-edge.yaml", 32, 33, (3, 2), (3, 2)),
    # behavior.scaleUp.tolerance 0.05, 54m of 100m on 2 pods, target 50%: ratio 1.08. 1.34 (gate alpha, off):
    # the cluster's 0.1, inside, keep 2. 1.35 (beta, on): 1.08 > 1.05, ceil(1.08 x 2) = 3.
    Boundary("per-hpa-tolerance", "per-hpa-tolerance.yaml", 34, 35, (2, 3), (2, 3)),
    # The row's own release: 1.32 has no such field (the API server drops it), 1.33 honours it once the alpha
    # gate is turned on: the same 3.
    Boundary("per-hpa-tolerance", "per-hpa-tolerance.yaml", 32, 33, (2, 3), (2, 3), after_gates={
        "HPAConfigurableTolerance": True}),
    # ContainerResource cpu of container web, target 50%: two pods use 90m of 100m, the third pod's metrics
    # lack the web container. 1.32: the metrics client fails the metric, no proposal, keep 3.
    # 1.33: that pod is missing; ratio 1.8 > 1 so it counts as 0: 180/300 = 60%, ratio 1.2, ceil(1.2 x 3) = 4.
    Boundary("missing-container-is-missing-pod", "missing-container.yaml", 32, 33, (3, 4), (None, 4)),
    # ContainerResource at 90m of 100m on 2 pods, target 50%, HPAContainerMetrics=false. 1.26 never checks
    # the gate: ratio 1.8, ceil(1.8 x 2) = 4. 1.27 checks it: the metric fails, keep 2.
    Boundary("container-metrics-gate-checked", "container-metrics-gate.yaml", 26, 27, (4, 2), (4, None),
             {"HPAContainerMetrics": False}),
    # Pod-level requests of 400m over two containers requesting 100m each; they use 200m + 100m. Target 50%.
    # 1.33: containers only, 300/200 = 150%, ratio 3.0, ceil(3.0 x 2) = 6, limited to max(2 x 2, 4) = 4 by the
    # legacy scale-up limit. 1.34: the pod-level 400m: 75%, ratio 1.5, ceil(1.5 x 2) = 3.
    Boundary("pod-level-requests", "pod-level-requests.yaml", 33, 34, (4, 3), (6, 3)),
    # Pod-level requests 400m with 100m CPU overhead (kata), 4 pods using 480m, target 80%. 1.37 adds the
    # overhead: 480/500 = 96%, ratio 1.2, ceil(1.2 x 4) = 5. 1.38 does not: 120%, ratio 1.5, ceil(6.0) = 6.
    Boundary("pod-overhead-excluded", "pod-overhead.yaml", 37, 38, (5, 6), (5, 6)),
    # A workload someone scaled to 0, minReplicas 0, an External Value target 10 at 25, the gate on.
    # 1.35: minReplicas 0 is all the controller looks at: from zero, ceil(25 / 10) = 3, no tolerance.
    # 1.36: no ScaledToZero=True condition, so the HPA did not do it: ScalingDisabled, stays 0.
    Boundary("scaled-to-zero-condition", "zero-by-hand.yaml", 35, 36, (3, 0), (3, None), {"HPAScaleToZero": True}),
    # The same workload, scaled to 0 by the HPA (ScaledToZero=True), gate at each release's default.
    # 1.36: alpha, off: the condition is dropped and the HPA disabled, 0. 1.37: beta, on: ceil(2.5) = 3.
    Boundary("scale-to-zero-by-default", "zero-by-the-hpa.yaml", 36, 37, (0, 3), (None, 3)),
    # External AverageValue 1 with 3T queued on 2 pods: ceil(3e12 / 1) is beyond MaxInt32. 1.33: amd64 turns
    # it into -2147483648, clamped up to minReplicas 1 (an overload scales down). 1.34: 2147483647, limited
    # to max(2 x 2, 4) = 4.
    Boundary("external-average-capped", "external-average-overflow.yaml", 33, 34, (1, 4), (-2**31, 2**31 - 1)),
    # External Value 1 with 3T: ceil(3e12 x 2 ready pods). 1.34: -2147483648 -> 1. 1.35: MaxInt32 -> 4.
    Boundary("value-capped", "external-value-overflow.yaml", 34, 35, (1, 4), (-2**31, 2**31 - 1)),
    # A Pods metric of 3T per pod for a target of 1 (milli 1000): ceil(3e12 x 2). 1.37 wraps: 1; 1.38: 4.
    Boundary("replicas-capped-at-int32", "pods-metric-overflow.yaml", 37, 38, (1, 4), (-2**31, 2**31 - 1)),
]


@pytest.mark.parametrize("case", BOUNDARIES, ids=[f"{case.change}-1.{case.after}" for case in BOUNDARIES])
def test_both_sides_of_the_boundary(case: Boundary) -> None:
    before = decide_at(case.fixture, case.before, case.gates)
    after = decide_at(case.fixture, case.after, case.after_gates or case.gates)
    assert (before.desired_replicas, after.desired_replicas) == case.desired
    assert (before.proposed_replicas, after.proposed_replicas) == case.proposed
    change = next(row for row in CHANGES if row.key == case.change)
    stage = GATES[change.gate].stage(case.after) if change.gate else None
    assert case.after in (change.since, stage and stage.since), "the case must sit on its row's release or gate stage"


def test_every_emulated_row_after_the_oldest_has_a_boundary_case() -> None:
    covered = {case.change for case in BOUNDARIES} | set(MESSAGE_ROWS) | {"immediate-reconcile", "metrics-api-v1"}
    wanted = {row.key for row in CHANGES if row.emulated and row.since > OLDEST}
    assert wanted - covered == set()


def test_the_succeeded_pods_are_missing_before_and_ignored_after() -> None:
    before, after = decide_at("succeeded-pods.yaml", 37), decide_at("succeeded-pods.yaml", 38)
    assert before.metrics[0].pods is not None and after.metrics[0].pods is not None
    assert before.metrics[0].pods.missing == ("web-migrate-0", "web-migrate-1", "web-migrate-2")
    assert set(after.metrics[0].pods.ignored) == {"web-migrate-0", "web-migrate-1", "web-migrate-2"}


def test_the_container_gate_writes_a_blank_condition_and_no_metric_event() -> None:
    """1.27-1.31 with HPAContainerMetrics off: the bare error, no FailedGetContainerResourceMetric event, and the
    zero-valued condition the controller appends (the ScalingActive it had stays as it was)."""
    decision = decide_at("container-metrics-gate.yaml", 27, {"HPAContainerMetrics": False})
    assert [(e.reason, e.message) for e in decision.events] == [
        ("FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1), first error is: ContainerResource "
                                         "metric type is not supported: disabled by the feature gate")]
    assert condition(decision, "") == ("", "", "")
    assert condition(decision, "ScalingActive")[1] == "ValidMetricFound"


MESSAGE_ROWS = {
    # Both pods failed readiness from the start (Ready=False 7 s after start, inside the 30 s delay): no
    # sample counts, the metric fails; only the wording changed (kubernetes#114740).
    "targeted-pods-message": ("all-pods-unready.yaml", 26, 27, "ScalingActive",
                              "the HPA was unable to compute the replica count: failed to get cpu utilization: "
                              "did not receive metrics for any ready pods",
                              "the HPA was unable to compute the replica count: failed to get cpu utilization: "
                              "did not receive metrics for targeted pods (pods might be unready)"),
    # The adapter has no series for the Ingress; kubernetes#139029 put the arguments in order.
    "object-metric-message": ("object-metric-missing.yaml", 36, 37, "ScalingActive",
                              "the HPA was unable to compute the replica count: unable to get metric "
                              "requests_per_second: Ingress on shop web/the server could not find the metric "
                              "requests_per_second for ingresses web",
                              "the HPA was unable to compute the replica count: unable to get metric "
                              "requests_per_second on Ingress shop/web: the server could not find the metric "
                              "requests_per_second for ingresses web"),
}


@pytest.mark.parametrize("row", sorted(MESSAGE_ROWS))
def test_messages_on_both_sides(row: str) -> None:
    fixture, old, new, kind, old_message, new_message = MESSAGE_ROWS[row]
    before, after = decide_at(fixture, old), decide_at(fixture, new)
    assert condition(before, kind)[2] == old_message
    assert condition(after, kind)[2] == new_message
    assert before.desired_replicas == after.desired_replicas == 2  # the metric fails on both sides: keep 2
    assert next(r for r in CHANGES if r.key == row).since == new


def test_scale_from_zero_marks_the_condition_false_after_waking() -> None:
    """1.37, after scaling the workload up from zero, the HPA says it is no longer scaled to zero; the 1.35
    controller knows no such condition and leaves the one in status as it was (it scales up all the same)."""
    assert condition(decide_at("zero-by-the-hpa.yaml", 37), "ScaledToZero")[:2] == ("False", "NotScaledToZero")
    old = decide_at("zero-by-the-hpa.yaml", 35)
    assert (old.desired_replicas, condition(old, "ScaledToZero")[:2]) == (3, ("True", "ScaledToZero"))
