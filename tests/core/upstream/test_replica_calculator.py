"""Cases of upstream replica_calculator_test.go, run against kubectl_hpa.core.replicas.

Source: kubernetes pkg/controller/podautoscaler/replica_calculator_test.go, newest stored text
(omerap12/kubernetes a769d588, table-driven TestReplicaCalc* functions). Each param id is
"<TestFunction>/<case name>". Expected values are upstream's, unchanged.
"""

from __future__ import annotations

import math

import pytest
from builders import (
    COOL,
    EXTERNAL_SELECTOR,
    GO_ZERO,
    HOT,
    MAX_INT32,
    MAX_INT64,
    MINUTE,
    NAMESPACE,
    NOW,
    SETTINGS,
    TOL,
    cpu,
    cpu_utilization_spec,
    ctx,
    external_average_spec,
    external_reading,
    external_value_spec,
    object_average_spec,
    object_reading,
    object_value_spec,
    pod_levels,
    pods_spec,
    rc_pods,
    rc_pods_reading,
    rc_resource_reading,
)

from kubectl_hpa.core.metric_context import MetricError
from kubectl_hpa.core.model import ContainerRequests, Pod
from kubectl_hpa.core.pod_samples import Sample, group_pods, pod_requests
from kubectl_hpa.core.replicas import compute_metric

R, P, F, S = "Running", "Pending", "Failed", "Succeeded"
T, N = "True", "False"


def req(n: int, value: str = "1.0") -> list[int]:
    return [cpu(value)] * n


def case(id_, **kw):
    return pytest.param(kw, id=id_)


# ----------------------------------------------------------------------------- resource utilization

RESOURCE_SCALE = "TestReplicaCalcResourceScale"
RESOURCE_CASES = [
    case(f"{RESOURCE_SCALE}/scale up", cur=3, requests=req(3), levels=pod_levels(300, 500, 700), target=30,
         replicas=5, util=50, raw=2 * 500),
    case(f"{RESOURCE_SCALE}/scale up: container metric", cur=3, container="container2", requests=req(3),
         levels=[[1000, 300], [1000, 500], [1000, 700]], target=30, replicas=5, util=50, raw=500),
    case(f"{RESOURCE_SCALE}/scale up: unready pod scales less", cur=3, readiness=[N, T, T], requests=req(3),
         levels=pod_levels(300, 500, 700), target=30, replicas=4, util=60, raw=2 * 600),
    case(f"{RESOURCE_SCALE}/scale up: hot-CPU container scales less", cur=3, start=[HOT, COOL, COOL],
         container="container2", requests=req(3), levels=[[0, 300], [0, 500], [0, 700]], target=30,
         replicas=4, util=60, raw=600),
    case(f"{RESOURCE_SCALE}/scale up: hot-CPU pod scales less", cur=3, start=[HOT, COOL, COOL], requests=req(3),
         levels=pod_levels(300, 500, 700), target=30, replicas=4, util=60, raw=2 * 600),
    case(f"{RESOURCE_SCALE}/no scale: unready pods ignored", cur=3, readiness=[T, N, N], requests=req(3),
         levels=pod_levels(400, 500, 700), target=30, replicas=3, util=40, raw=2 * 400),
    case(f"{RESOURCE_SCALE}/no scale: hot-CPU pods ignored", cur=3, readiness=[T, N, N], start=[COOL, HOT, HOT],
         requests=req(3), levels=pod_levels(400, 500, 700), target=30, replicas=3, util=40, raw=2 * 400),
    case(f"{RESOURCE_SCALE}/scale up: failed pods ignored", cur=2, readiness=[T, T, N, N], phases=[R, R, F, F],
         requests=req(4), levels=pod_levels(500, 700), target=30, replicas=4, util=60, raw=2 * 600),
    case(f"{RESOURCE_SCALE}/scale up: failed pods ignored with missing container metric", cur=2,
         readiness=[T, T, N, N], phases=[R, R, F, F], container="container2", requests=req(4),
         levels=[[1000, 500], [9000, 700], [1000], [9000]], target=30, replicas=4, util=60, raw=600),
    case(f"{RESOURCE_SCALE}/scale up: container metrics with failed pods ignored", cur=2, readiness=[T, T, N, N],
         phases=[R, R, F, F], container="container2", requests=req(4), levels=[[1000, 500], [9000, 700]],
         target=30, replicas=4, util=60, raw=600),
    case(f"{RESOURCE_SCALE}/scale up: succeeded pods ignored", cur=2, readiness=[T, T, N, N], phases=[R, R, S, S],
         requests=req(4), levels=pod_levels(500, 700), target=30, replicas=4, util=60, raw=2 * 600),
    case(f"{RESOURCE_SCALE}/scale up: container metric with succeeded pods ignored", cur=2, readiness=[T, T, N, N],
         phases=[R, R, S, S], container="container2", requests=req(4), levels=[[1000, 500], [9000, 700]],
         target=30, replicas=4, util=60, raw=600),
    case(f"{RESOURCE_SCALE}/scale up: pods being deleted are ignored", cur=2, readiness=[T, T, N, N],
         phases=[R, R, R, R], deleted=[False, False, True, True], requests=req(4), levels=pod_levels(500, 700),
         target=30, replicas=4, util=60, raw=2 * 600),
    case(f"{RESOURCE_SCALE}/scale up: container metrics with pods being deleted ignored", cur=2,
         readiness=[T, T, N, N], phases=[R, R, R, R], deleted=[False, False, True, True], container="container1",
         requests=req(4), levels=pod_levels(500, 700), target=30, replicas=4, util=60, raw=600),
    case(f"{RESOURCE_SCALE}/scale down", cur=5, requests=req(5), levels=pod_levels(100, 300, 500, 250, 250),
         target=50, replicas=3, util=28, raw=2 * 280),
    case(f"{RESOURCE_SCALE}/scale down: container metric", cur=5, container="container2", requests=req(5),
         levels=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=3,
         util=28, raw=280),
    case(f"{RESOURCE_SCALE}/scale down: exclude unready pods", cur=5, readiness=[T, T, T, N, N], requests=req(5),
         levels=pod_levels(100, 300, 500, 250, 250), target=50, replicas=2, util=30, raw=2 * 300),
    case(f"{RESOURCE_SCALE}/scale down: container metric excludes unready pods", cur=5, readiness=[T, T, T, N, N],
         container="container2", requests=req(5),
         levels=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=2,
         util=30, raw=300),
    case(f"{RESOURCE_SCALE}/scale down: exclude unscheduled pods", cur=5, readiness=[T, N, N, N, N],
         phases=[R, P, P, P, P], requests=req(5), levels=pod_levels(100), target=50, replicas=1, util=10,
         raw=2 * 100),
    case(f"{RESOURCE_SCALE}/scale down: container metric excludes unscheduled pods", cur=5,
         readiness=[T, N, N, N, N], phases=[R, P, P, P, P], container="container2", requests=req(5),
         levels=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=1,
         util=10, raw=100),
    case(f"{RESOURCE_SCALE}/scale down: ignore hot-CPU pods", cur=5, start=[COOL, COOL, COOL, HOT, HOT],
         requests=req(5), levels=pod_levels(100, 300, 500, 250, 250), target=50, replicas=2, util=30, raw=2 * 300),
    case(f"{RESOURCE_SCALE}/scale down: container metric ignores hot-CPU pods", cur=5,
         start=[COOL, COOL, COOL, HOT, HOT], container="container2", requests=req(5),
         levels=[[1000, 100], [1000, 300], [1000, 500], [1000, 1000], [1000, 1000]], target=50, replicas=2,
         util=30, raw=300),
    case(f"{RESOURCE_SCALE}/scale down: failed pods ignored", cur=5, readiness=[T] * 5 + [N, N],
         phases=[R] * 5 + [F, F], requests=req(7), levels=pod_levels(100, 300, 500, 250, 250), target=50,
         replicas=3, util=28, raw=2 * 280),
    case(f"{RESOURCE_SCALE}/scale down: container metric with failed pods ignored", cur=5,
         readiness=[T] * 5 + [N, N], phases=[R] * 5 + [F, F], container="container2", requests=req(7),
         levels=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=3,
         util=28, raw=280),
    case(f"{RESOURCE_SCALE}/scale down: succeeded pods ignored", cur=5, readiness=[T] * 5 + [N, N],
         phases=[R] * 5 + [S, S], requests=req(7), levels=pod_levels(100, 300, 500, 250, 250), target=50,
         replicas=3, util=28, raw=2 * 280),
    case(f"{RESOURCE_SCALE}/scale down: container metric with succeeded pods ignored", cur=5,
         readiness=[T] * 5 + [N, N], phases=[R] * 5 + [S, S], container="container2", requests=req(7),
         levels=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50, replicas=3,
         util=28, raw=280),
    case(f"{RESOURCE_SCALE}/scale down: pods being deleted are ignored", cur=5, readiness=[T] * 5 + [N, N],
         phases=[R] * 7, deleted=[False] * 5 + [True, True], requests=req(7),
         levels=pod_levels(100, 300, 500, 250, 250), target=50, replicas=3, util=28, raw=2 * 280),
    case(f"{RESOURCE_SCALE}/scale down: still-running pods being deleted are ignored", cur=5,
         readiness=[T] * 5 + [N, N], phases=[R] * 7, deleted=[False] * 5 + [True, True], container="container2",
         requests=req(7), levels=[[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target=50,
         replicas=3, util=28, raw=280),
]

MIXED = [cpu("0.9"), cpu("1.0"), cpu("1.1")]
TOLERANCE = "TestReplicaCalcResourceTolerance"
RESOURCE_CASES += [
    case(f"{TOLERANCE}/within default tolerance", cur=3, requests=MIXED, levels=pod_levels(1010, 1030, 1020),
         target=100, replicas=3, util=102, raw=2 * 1020),
    case(f"{TOLERANCE}/outside 0% tolerance", tol=(0.0, 0.0), cur=3, requests=MIXED,
         levels=pod_levels(909, 1010, 1111), target=100, replicas=4, util=101, raw=2 * 1010),
    case(f"{TOLERANCE}/within 200% scale-up tolerance", tol=(TOL, 2.0), cur=3, requests=MIXED,
         levels=pod_levels(1890, 1910, 1900), target=100, replicas=3, util=190, raw=2 * 1900),
    case(f"{TOLERANCE}/outside 8% scale-up tolerance (superfluous scale-down tolerance)", tol=(2.0, 0.08), cur=3,
         requests=MIXED, levels=pod_levels(1100, 1080, 1090), target=100, replicas=4, util=109, raw=2 * 1090),
    case(f"{TOLERANCE}/within 36% scale-down tolerance", tol=(0.36, TOL), cur=3, requests=MIXED,
         levels=pod_levels(660, 640, 650), target=100, replicas=3, util=65, raw=2 * 650),
    case(f"{TOLERANCE}/outside 34% scale-down tolerance", tol=(0.34, TOL), cur=3, requests=MIXED,
         levels=pod_levels(660, 640, 650), target=100, replicas=2, util=65, raw=2 * 650),
]

MISSING = "TestReplicaCalcResourceMissingMetrics"
RESOURCE_CASES += [
    case(f"{MISSING}/superfluous metrics counted", cur=4, requests=req(4),
         levels=pod_levels(4000, 9500, 3000, 7000, 3200, 2000), target=100, replicas=24, util=587, raw=2 * 5875),
    case(f"{MISSING}/some pods missing metrics scales down", cur=4, requests=req(4), levels=pod_levels(400, 95),
         target=100, replicas=3, util=24, raw=495),
    case(f"{MISSING}/no change: metric equal to target", cur=2, requests=req(2), levels=pod_levels(1000),
         target=100, replicas=2, util=100, raw=2 * 1000),
    case(f"{MISSING}/no change: metric above target", cur=2, requests=req(2), levels=pod_levels(1900), target=100,
         replicas=2, util=190, raw=2 * 1900),
    case(f"{MISSING}/no change: metric below target", cur=2, requests=req(2), levels=pod_levels(600), target=100,
         replicas=2, util=60, raw=2 * 600),
    case(f"{MISSING}/no change: unready pod metric missing", cur=3, readiness=[N, T, T], requests=req(3),
         levels=pod_levels(100, 450), target=50, replicas=3, util=45, raw=2 * 450),
    case(f"{MISSING}/no change: hot-CPU pod metric missing", cur=3, start=[HOT, COOL, COOL], requests=req(3),
         levels=pod_levels(100, 450), target=50, replicas=3, util=45, raw=2 * 450),
    case(f"{MISSING}/scale up: unready pod metric missing", cur=3, readiness=[N, T, T], requests=req(3),
         levels=pod_levels(100, 2000), target=50, replicas=4, util=200, raw=2 * 2000),
    case(f"{MISSING}/scale up: hot-CPU pod metric missing", cur=3, readiness=[N, T, T], start=[HOT, COOL, COOL],
         requests=req(3), levels=pod_levels(100, 2000), target=50, replicas=4, util=200, raw=2 * 2000),
    case(f"{MISSING}/scale down: unready pod metric missing", cur=4, readiness=[N, T, T, T], requests=req(4),
         levels=pod_levels(100, 100, 100), target=50, replicas=3, util=10, raw=2 * 100),
    case(f"{MISSING}/scale down: target over 100", cur=4, readiness=[N, T, T, T],
         requests=[cpu("1.0"), cpu("1.0"), cpu("2.0"), cpu("2.0")], levels=pod_levels(200, 100, 100), target=300,
         replicas=2, util=6, raw=2 * 100),
    case(f"{MISSING}/rolling update with maxSurge: extra pod missing metric", cur=2, phases=[R, R, R],
         requests=req(3), levels=pod_levels(100, 100), target=50, replicas=2, util=10, raw=2 * 100),
    case(f"{MISSING}/disjoint pod and metric names", cur=1, requests=req(1), levels=pod_levels(100),
         pod_names=["an-older-pod-name"], target=100, error="no metrics returned matched known pods"),
    case(f"{MISSING}/no metrics returned from metrics API", cur=4, requests=req(3), levels=pod_levels(),
         target=100, error="unable to get metrics for resource cpu: no metrics returned from resource metrics API"),
    case(f"{MISSING}/missing CPU request on container", cur=1, requests=[], levels=pod_levels(200), target=100,
         error="missing request for"),
]


def _computed_tolerance_cases():
    """TestReplicaCalcComputedToleranceAlgImplementation: the numbers derived as upstream derives them."""
    start_pods = 10
    total_used = start_pods * 150
    total_requested = 2 * total_used
    requested_to_used = float(total_requested // total_used)
    per_pod_requested = total_requested // start_pods
    target = abs(1 / (requested_to_used * (1 - TOL))) + 0.01
    final_target = int(target * 100)
    used_ratio = total_used / (total_requested * target)
    final_pods = math.ceil(used_ratio * start_pods)
    requests = [per_pod_requested + d for d in (100, -100, 10, -10, 2, -2, 1, -1, 0, 0)]
    levels = pod_levels(*([total_used // 10] * 10))
    util = (total_used * 100) // total_requested
    raw = 2 * total_used // 10
    no_scale_target = int((abs(1 / (requested_to_used * (1 - TOL))) + 0.004) * 100)
    name = "TestReplicaCalcComputedToleranceAlgImplementation"
    return [
        case(f"{name}/scale down", cur=start_pods, requests=requests, levels=levels, target=final_target,
             replicas=final_pods, util=util, raw=raw),
        case(f"{name}/no scale within tolerance margin", cur=start_pods, requests=requests, levels=levels,
             target=no_scale_target, replicas=start_pods, util=util, raw=raw),
    ]


RESOURCE_CASES += _computed_tolerance_cases()


@pytest.mark.parametrize("tc", RESOURCE_CASES)
def test_resource_utilization(tc):
    pods = rc_pods(tc["cur"], tc["requests"], tc.get("readiness"), tc.get("start"), tc.get("phases"),
                   tc.get("deleted"))
    reading = rc_resource_reading(tc["levels"], tc.get("pod_names", ()))
    spec = cpu_utilization_spec(tc["target"], tc.get("container"))
    result = compute_metric(spec, reading, ctx(tc["cur"], pods, tolerances=tc.get("tol", (TOL, TOL))), NAMESPACE)
    if "error" in tc:
        assert result.error is not None, "there should be an error calculating the replica count"
        assert tc["error"] in result.error
        return
    assert result.error is None, result.error
    assert (result.proposed_replicas, result.utilization, result.average_value) == (
        tc["replicas"], tc["util"], tc["raw"])
    assert result.timestamp == GO_ZERO


# ----------------------------------------------------------------------------- Pods metrics

POD_METRIC = "TestReplicaCalcPodMetric"
POD_CASES = [
    case(f"{POD_METRIC}/scale up", cur=3, levels=[20000, 10000, 30000], target=15000, replicas=4, usage=20000),
    case(f"{POD_METRIC}/scale up: unready hot-CPU pod scales less", cur=3, readiness=[T, T, N],
         start=[COOL, COOL, HOT], levels=[50000, 10000, 30000], target=15000, replicas=6, usage=30000),
    case(f"{POD_METRIC}/scale up: unready hot-CPU pods avoid scale-down", cur=3, readiness=[N, T, N],
         start=[HOT, COOL, HOT], levels=[50000, 15000, 30000], target=15000, replicas=7, usage=31666),
    case(f"{POD_METRIC}/scale down", cur=5, levels=[12000] * 5, target=20000, replicas=3, usage=12000),
    case(f"{POD_METRIC}/within default tolerance", cur=3, levels=[20000, 21000, 21000], target=20000, replicas=3,
         usage=20666),
    case(f"{POD_METRIC}/outside configurable 1% tolerance", tol=(TOL, 0.01), cur=3, levels=[20000, 21000, 21000],
         target=20000, replicas=4, usage=20666),
    case(f"{POD_METRIC}/no change: missing metrics", cur=5, levels=[20000, 19000, 21000], target=20000,
         replicas=5, usage=20000),
    case(f"{POD_METRIC}/rolling update with maxSurge: extra pod missing metric", cur=2, phases=[R, R, R],
         levels=[10000, 10000], target=17000, replicas=2, usage=10000),
]


@pytest.mark.parametrize("tc", POD_CASES)
def test_pods_metric(tc):
    pods = rc_pods(tc["cur"], (), tc.get("readiness"), tc.get("start"), tc.get("phases"))
    result = compute_metric(pods_spec(tc["target"]), rc_pods_reading(tc["levels"]),
                            ctx(tc["cur"], pods, tolerances=tc.get("tol", (TOL, TOL))), NAMESPACE)
    assert result.error is None, result.error
    assert (result.proposed_replicas, result.average_value) == (tc["replicas"], tc["usage"])


# ----------------------------------------------------------------------------- Object and External

OBJ = "TestReplicaCalcObjectMetric"
OBJ_PER_POD = "TestReplicaCalcObjectPerPodMetric"
EXT = "TestReplicaCalcExternalMetric"
EXT_PER_POD = "TestReplicaCalcExternalPerPodMetric"
VALUE_CASES = [
    # Object, Value target: usage is the object's value
    case(f"{OBJ}/scale up", kind="object", cur=3, levels=[20000], target=15000, replicas=4, usage=20000),
    case(f"{OBJ}/scale up: very large metric saturates replicas to MaxInt32", kind="object", cur=3,
         levels=[MAX_INT64], target=1, replicas=MAX_INT32, usage=MAX_INT64),
    case(f"{OBJ}/scale up: ignores unready pods", kind="object", cur=3, readiness=[N, T, N], levels=[50000],
         target=10000, replicas=5, usage=50000),
    case(f"{OBJ}/scale down", kind="object", cur=5, levels=[12000], target=20000, replicas=3, usage=12000),
    case(f"{OBJ}/within default tolerance", kind="object", cur=3, levels=[20666], target=20000, replicas=3,
         usage=20666),
    case(f"{OBJ}/outside configurable 1% tolerance", kind="object", tol=(TOL, 0.01), cur=3, levels=[20666],
         target=20000, replicas=4, usage=20666),
    # Object, AverageValue target (statusReplicas = currentReplicas in the fixture): usage is per pod
    case(f"{OBJ_PER_POD}/usage overflow with huge target leaves replicas unchanged", kind="object-avg", cur=1,
         levels=[MAX_INT64], target=MAX_INT64, replicas=1, usage=MAX_INT64),
    case(f"{OBJ_PER_POD}/scale up", kind="object-avg", cur=3, levels=[20000], target=5000, replicas=4, usage=6667),
    case(f"{OBJ_PER_POD}/scale down", kind="object-avg", cur=5, levels=[6000], target=2000, replicas=3, usage=1200),
    case(f"{OBJ_PER_POD}/within default tolerance", kind="object-avg", cur=4, levels=[20166], target=5000,
         replicas=4, usage=5042),
    case(f"{OBJ_PER_POD}/outside configurable 1% tolerance", kind="object-avg", tol=(TOL, 0.01), cur=4,
         levels=[20208], target=5000, replicas=5, usage=5052),
    case(f"{OBJ_PER_POD}/statusReplicas zero does not overflow usage", kind="object-avg", cur=0, levels=[20000],
         target=5000, replicas=4, usage=0),
    case(f"{OBJ_PER_POD}/statusReplicas zero and metric zero does not underflow", kind="object-avg", cur=0,
         levels=[0], target=5000, replicas=0, usage=0),
    # External, Value target
    case(f"{EXT}/scale down: ignores unready pods (would otherwise scale up)", kind="external", cur=3,
         readiness=[N, T, N], levels=[8600], target=4400, replicas=2, usage=8600),
    case(f"{EXT}/scale down", kind="external", cur=5, levels=[8600], target=14334, replicas=3, usage=8600),
    case(f"{EXT}/within default tolerance", kind="external", cur=3, levels=[8600], target=8888, replicas=3,
         usage=8600),
    case(f"{EXT}/outside configurable 1% tolerance", kind="external", tol=(TOL, 0.01), cur=3, levels=[8900],
         target=8800, replicas=4, usage=8900),
    case(f"{EXT}/usage overflow caps at MaxInt64", kind="external", cur=3,
         levels=[MAX_INT64 // 2 + 1, MAX_INT64 // 2 + 1], target=MAX_INT64, replicas=3, usage=MAX_INT64),
    # External, AverageValue target
    case(f"{EXT_PER_POD}/replica count overflow saturates to MaxInt32", kind="external-avg", cur=1,
         levels=[MAX_INT64], target=1, replicas=MAX_INT32, usage=MAX_INT64),
    case(f"{EXT_PER_POD}/usage overflow with huge target leaves replicas unchanged", kind="external-avg", cur=1,
         levels=[MAX_INT64], target=MAX_INT64, replicas=1, usage=MAX_INT64),
    case(f"{EXT_PER_POD}/statusReplicas zero does not overflow usage", kind="external-avg", cur=0, levels=[20000],
         target=5000, replicas=4, usage=0),
    case(f"{EXT_PER_POD}/statusReplicas zero and metric zero does not underflow", kind="external-avg", cur=0,
         levels=[0], target=5000, replicas=0, usage=0),
    case(f"{EXT_PER_POD}/scale up", kind="external-avg", cur=3, levels=[8600], target=2150, replicas=4, usage=2867),
    case(f"{EXT_PER_POD}/scale down", kind="external-avg", cur=5, levels=[8600], target=2867, replicas=3,
         usage=1720),
    case(f"{EXT_PER_POD}/within default tolerance", kind="external-avg", cur=3, levels=[8600], target=2900,
         replicas=3, usage=2867),
    case(f"{EXT_PER_POD}/outside configurable 1% tolerance", kind="external-avg", tol=(TOL, 0.01), cur=3,
         levels=[8600], target=2800, replicas=4, usage=2867),
]


@pytest.mark.parametrize("tc", VALUE_CASES)
def test_object_and_external(tc):
    kind = tc["kind"]
    pods = rc_pods(tc["cur"], (), tc.get("readiness"))
    if kind == "object":
        spec, reading = object_value_spec(tc["target"]), object_reading(tc["levels"][0])
    elif kind == "object-avg":
        spec, reading = object_average_spec(tc["target"]), object_reading(tc["levels"][0])
    elif kind == "external":
        spec, reading = external_value_spec(tc["target"]), external_reading(*tc["levels"])
    else:
        spec, reading = external_average_spec(tc["target"], EXTERNAL_SELECTOR), external_reading(*tc["levels"])
    # The per-pod functions receive statusReplicas; the fixture passes currentReplicas for both.
    result = compute_metric(spec, reading, ctx(tc["cur"], pods, status_replicas=tc["cur"],
                                               tolerances=tc.get("tol", (TOL, TOL))), NAMESPACE)
    assert result.error is None, result.error
    usage = result.average_value if kind.endswith("-avg") else result.value
    assert (result.proposed_replicas, usage) == (tc["replicas"], tc["usage"])


@pytest.mark.parametrize("usage, status_replicas, expected", [
    pytest.param(20000, 0, 0, id="TestGetPerPodUsage/zero replicas returns zero"),
    pytest.param(1000, 3, 334, id="TestGetPerPodUsage/normal division with ceiling"),
    pytest.param(MAX_INT64, 1, MAX_INT64, id="TestGetPerPodUsage/overflow returns MaxInt64"),
])
def test_per_pod_usage(usage, status_replicas, expected):
    """getPerPodUsage, observed through the reported AverageValue of an Object AverageValue metric."""
    result = compute_metric(object_average_spec(1000), object_reading(usage),
                            ctx(status_replicas, rc_pods(status_replicas), status_replicas=status_replicas),
                            NAMESPACE)
    assert result.average_value == expected


# ----------------------------------------------------------------------------- groupPods


def _pod(name, phase="Running", start=None, ready=None, ltt=None, deleted=False):
    return Pod(name=name, phase=phase, start_time=start, ready=ready, ready_transition_time=ltt, deleted=deleted)


def _sample(ts=GO_ZERO, window=0.0):
    """metricsclient.PodMetric{Value: 1, ...}; unset Timestamp/Window are Go zero values."""
    return Sample(1, ts, window)


GROUP = "TestGroupPods"
GROUP_CASES = [
    pytest.param([], {}, "cpu", 0, set(), set(), set(), id=f"{GROUP}/void"),
    pytest.param([_pod("bentham")], {"bentham": _sample(NOW, MINUTE)}, "memory", 1, set(), set(), set(),
                 id=f"{GROUP}/count in a ready pod - memory"),
    pytest.param([_pod("lucretius", start=NOW)], {"lucretius": _sample()}, "cpu", 0, {"lucretius"}, set(), set(),
                 id=f"{GROUP}/unready a pod without ready condition - CPU"),
    pytest.param([_pod("bentham", start=NOW - 60, ready=T, ltt=NOW - 30)], {"bentham": _sample(NOW, 30)}, "cpu",
                 1, set(), set(), set(),
                 id=f"{GROUP}/count in a ready pod with fresh metrics during initialization period - CPU"),
    pytest.param([_pod("bentham", start=NOW - 60, ready=T, ltt=NOW - 30)], {"bentham": _sample(NOW, 60)}, "cpu",
                 0, {"bentham"}, set(), set(),
                 id=f"{GROUP}/unready a ready pod without fresh metrics during initialization period - CPU"),
    pytest.param([_pod("lucretius", start=NOW - 600, ready=N, ltt=NOW - 594)], {"lucretius": _sample()}, "cpu",
                 0, {"lucretius"}, set(), set(), id=f"{GROUP}/unready an unready pod during initialization period - CPU"),
    pytest.param([_pod("bentham", start=NOW - 180, ready=T, ltt=NOW - 180)], {"bentham": _sample(NOW - 120, 60)},
                 "cpu", 1, set(), set(), set(),
                 id=f"{GROUP}/count in a ready pod without fresh metrics after initialization period - CPU"),
    pytest.param([_pod("lucretius", start=NOW - 600, ready=N, ltt=NOW - 540)], {"lucretius": _sample()}, "cpu",
                 1, set(), set(), set(),
                 id=f"{GROUP}/count in an unready pod that was ready after initialization period - CPU"),
    pytest.param([_pod("lucretius", start=NOW - 600, ready=N, ltt=NOW - 590)], {"lucretius": _sample()}, "cpu",
                 1, set(), set(), set(),
                 id=f"{GROUP}/unready pod that has never been ready after initialization period - CPU"),
    pytest.param([_pod("epicurus", start=NOW - 180)], {}, "cpu", 0, set(), {"epicurus"}, set(),
                 id=f"{GROUP}/a missing pod"),
    pytest.param([_pod("lucretius", start=NOW), _pod("niccolo", start=NOW - 180, ready=T, ltt=NOW - 180),
                  _pod("epicurus", start=NOW - 180)],
                 {"lucretius": _sample(), "niccolo": _sample()}, "cpu", 1, {"lucretius"}, {"epicurus"}, set(),
                 id=f"{GROUP}/several pods"),
    pytest.param([_pod("unscheduled", phase="Pending")], {}, "cpu", 0, {"unscheduled"}, set(), set(),
                 id=f"{GROUP}/pending pods are unreadied"),
    pytest.param([_pod("deleted", phase="Pending", deleted=True)], {"deleted": _sample()}, "cpu", 0, set(), set(),
                 {"deleted"}, id=f"{GROUP}/ignore pods with deletion timestamps"),
    pytest.param([_pod("failed", phase="Failed")], {"failed": _sample()}, "cpu", 0, set(), set(), {"failed"},
                 id=f"{GROUP}/ignore pods in a failed state"),
    pytest.param([_pod("succeeded", phase="Succeeded")], {"succeeded": _sample()}, "cpu", 0, set(), set(),
                 {"succeeded"}, id=f"{GROUP}/ignore pods in a succeeded state"),
]


@pytest.mark.parametrize("pods, samples, resource, ready, unready, missing, ignored", GROUP_CASES)
def test_group_pods(pods, samples, resource, ready, unready, missing, ignored):
    groups = group_pods(tuple(pods), samples, resource, ctx(len(pods), tuple(pods)))
    assert len(groups.ready) == ready
    assert set(groups.unready) == unready
    assert set(groups.missing) == missing
    assert set(groups.ignored) == ignored


# ----------------------------------------------------------------------------- calculateRequests


def _containers(*pairs):
    return tuple(ContainerRequests(name, {} if value is None else {"cpu": value}) for name, value in pairs)


REQ = "TestCalculateRequests"
REQUEST_CASES = [
    pytest.param([], None, {}, None, id=f"{REQ}/void"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", 100), ("container2", 50)))], None,
                 {"test-pod": 150}, None, id=f"{REQ}/Sum container requests if pod-level feature is disabled"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", 100), ("container2", 50)))], None,
                 {"test-pod": 150}, None,
                 id=f"{REQ}/Pod-level resources are enabled, but not set: fallback to sum container requests"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", 100), ("container2", 50)),
                      pod_requests={"cpu": 800})], None, {"test-pod": 800}, None,
                 id=f"{REQ}/Pod-level resources override container requests when feature enabled and pod "
                    "resources specified"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", None), ("container2", 50)))], None, None,
                 "missing request for cpu in container container1 of Pod test-pod",
                 id=f"{REQ}/Fail if at least one of the containers is missing requests and pod-level "
                    "feature/requests are not set"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", None), ("container2", 50)),
                      pod_requests={"cpu": 800})], None, {"test-pod": 800}, None,
                 id=f"{REQ}/Pod-level resources override missing container requests when feature enabled and pod "
                    "resources specified"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", 100), ("container2", 50)))], "container1",
                 {"test-pod": 100}, None,
                 id=f"{REQ}/Container: if a container name is specified, calculate requests only for that container"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", 100), ("container2", 50)),
                      pod_requests={"cpu": 800})], "container1", {"test-pod": 100}, None,
                 id=f"{REQ}/Container: if a container name is specified, calculate requests only for that "
                    "container and ignore pod-level requests"),
    # init-container1 (no restartPolicy) is not a sidecar and is left out of Pod.sidecars by definition.
    pytest.param([Pod("test-pod", containers=_containers(("container1", 100)),
                      sidecars=_containers(("restartable-container1", 50)))], None, {"test-pod": 150}, None,
                 id=f"{REQ}/pod with restartable init containers"),
    pytest.param([Pod("test-pod", containers=_containers(("container1", 100)))], "non-existent-container", None,
                 "container non-existent-container not found in Pod test-pod",
                 id="TestCalculatePodRequestsFromContainers_NonExistentContainer"),
]


@pytest.mark.parametrize("pods, container, expected, error", REQUEST_CASES)
def test_pod_requests(pods, container, expected, error):
    if error is not None:
        with pytest.raises(MetricError) as raised:
            pod_requests(tuple(pods), "cpu", container, SETTINGS)
        assert str(raised.value) == error
        return
    assert pod_requests(tuple(pods), "cpu", container, SETTINGS) == expected


def test_settings_match_upstream_test_constants():
    """defaultTestingTolerance 0.1, CPU initialization period 2m, readiness delay 10s."""
    assert (SETTINGS.tolerance, SETTINGS.cpu_initialization_period, SETTINGS.initial_readiness_delay) == (
        0.1, 120.0, 10.0)
