"""Kubernetes' own HPA e2e tests, replayed on the simulator under the realistic model.

Each test below is one ``ginkgo.It`` of kubernetes/kubernetes test/e2e/autoscaling/
horizontal_pod_autoscaling_behavior.go (or horizontal_pod_autoscaling.go), named in its docstring: its
HPA, its ResourceConsumer load and its assertions with their time bounds. The ResourceConsumer
(test/e2e/framework/autoscaling/autoscaling_utils.go) re-sends "consume X millicores for 30 s" requests
every 30 s through the consumer Service, so load reaches a new pod only as those requests turn over:
``traffic: connections`` with a 30 s lifetime. Its ``WaitForReplicas`` waits for status.readyReplicas
(polled every 20 s; here at every sync) and ``EnsureDesiredReplicasInRange`` watches the HPA's desired
replicas. Every test runs at metrics-server resolutions of 15 s and 30 s, pods Ready 5 s to 30 s after
creation, and at several scrape phases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import pytest

from kubectl_hpa.sim.engine import Result
from tests.sim.model_cases import hpa, run

POD_CPU_REQUEST = 500
TARGET = 25  # targetCPUUtilizationPercent of the behavior tests

# The e2e's time budget (horizontal_pod_autoscaling_behavior.go), in seconds.
METRICS_AVAILABLE_DELAY = 30 + 30 + 15  # full window of new usage + window with old usage passes + new pod metrics
MAX_HPA_REACTION_TIME = METRICS_AVAILABLE_DELAY + 15 + 10  # + reconciliation interval + actuation delay
MAX_RESOURCE_CONSUMER_DELAY = 30 + 20  # max ConsumeCPU delay + WaitForReplicas poll interval
WAIT_BUFFER = 60


def usage_for_replicas(replicas: int, target: int = TARGET) -> int:
    """usageForReplicas: the usage of (n - 0.5) pods at the target, so rounding never sits on an edge."""
    per_replica = POD_CPU_REQUEST * target // 100
    return replicas * per_replica - per_replica // 2


@dataclass(frozen=True)
class Consume:
    millicores: int


@dataclass(frozen=True)
class WaitFor:
    replicas: int
    timeout: float


@dataclass(frozen=True)
class Ensure:
    low: int
    high: int
    seconds: float


Action = Union[Consume, WaitFor, Ensure]


def replay(init_pods: int, init_usage: int, actions: list[Action], behavior: Optional[dict], low: int, high: int,
           resolution: int, startup: int, phase: int, target: int = TARGET) -> list[float]:
    """Run the test's driver; return how long each WaitFor waited (failing, as the e2e does, on a timeout
    or on a desired count out of an Ensure's range)."""
    stages: list[dict] = []
    rate = init_usage
    for action in actions:
        if isinstance(action, Consume):
            rate = action.millicores
        elif isinstance(action, WaitFor):
            stages.append({"rate": rate, "until": {"readyReplicas": action.replicas}, "timeout": f"{action.timeout}s"})
        else:
            stages.append({"rate": rate, "for": f"{action.seconds}s"})
    stages.append({"rate": rate})
    metric = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                          "averageUtilization": target}}}
    document = {
        "apiVersion": "kubectl-hpa.io/v1alpha1", "kind": "Scenario", "seed": 1,
        "hpa": hpa([metric], behavior, low, high, name="consumer"),
        "workload": {
            # The consumer's pods were created and became Ready before the HPA (NewDynamicResourceConsumer waits).
            "initialPods": [{"count": init_pods, "age": "60s", "startup": f"{startup}s"}],
            "requests": {"cpu": f"{POD_CPU_REQUEST}m"}, "startup": f"{startup}s",
            "cpu": {"baseline": "0m", "perRequest": "1m"},  # load in millicores
            "traffic": {"model": "connections", "connectionLifetime": "30s"},
        },
        "pipeline": {"metricsServer": {"resolution": f"{resolution}s", "sampling": "rate", "phase": f"{phase}s",
                                       "kubeletPeriod": "10s"}},
        "load": {"type": "sequence", "stages": stages, "before": init_usage},
    }
    total = sum(a.timeout if isinstance(a, WaitFor) else a.seconds if isinstance(a, Ensure) else 0 for a in actions)
    return waits(run(document, total + 60), actions)


def waits(result: Result, actions: list[Action]) -> list[float]:
    steps, cursor, waited = result.steps, 0.0, []
    for action in actions:
        if isinstance(action, WaitFor):
            end = next((s.t for s in steps if s.t >= cursor and s.ready == action.replicas), None)
            assert end is not None and end - cursor <= action.timeout, (
                f"timed out waiting {action.timeout:g}s for {action.replicas} ready replicas from {cursor:g}s: "
                + _history(result, cursor))
            waited.append(end - cursor)
            cursor = end
        elif isinstance(action, Ensure):
            bad = [s for s in steps if cursor <= s.t < cursor + action.seconds and not action.low <= s.desired <= action.high]
            assert not bad, f"desired {bad[0].desired} at {bad[0].t:g}s, out of [{action.low}, {action.high}]: " + \
                _history(result, cursor)
            cursor += action.seconds
    return waited


def _history(result: Result, since: float) -> str:
    """The HPA's status at each sync, as EnsureDesiredReplicasInRange logs it at every poll."""
    return "; ".join(f"{s.t:g}s ready={s.ready} desired={s.desired} cpu={s.metrics[0].current}% {s.limit}".strip()
                     for s in result.steps if s.t >= since - 30)[:3000]


def windows(up: Optional[int], down: Optional[int]) -> dict:
    """HPABehaviorWithStabilizationWindows."""
    return {"scaleUp": {"stabilizationWindowSeconds": up}, "scaleDown": {"stabilizationWindowSeconds": down}}


def policy(kind: str, value: int, period: int) -> dict:
    """HPAScalingRuleWithScalingPolicy: one policy, selectPolicy Max, no stabilization window."""
    return {"policies": [{"type": kind, "value": value, "periodSeconds": period}], "selectPolicy": "Max",
            "stabilizationWindowSeconds": 0}


SETTINGS = [(resolution, startup, phase) for resolution in (15, 30) for startup in (5, 10, 20, 30)
            for phase in (0, 7, resolution - 1)]
settings = pytest.mark.parametrize("resolution,startup,phase", SETTINGS,
                                   ids=[f"res{r}-ready{s}-phase{p}" for r, s, p in SETTINGS])
REACTION = MAX_HPA_REACTION_TIME + MAX_RESOURCE_CONSUMER_DELAY


@settings
def test_short_downscale_window_scales_down_soon_after_it(resolution: int, startup: int, phase: int) -> None:
    """"with short downscale stabilization window should scale down soon after the stabilization period"."""
    down = 60
    waited = replay(1, usage_for_replicas(1), [
        Consume(usage_for_replicas(3)), WaitFor(3, REACTION + WAIT_BUFFER),
        Consume(usage_for_replicas(2)), WaitFor(2, down + REACTION + WAIT_BUFFER)],
        windows(0, down), 1, 5, resolution, startup, phase)
    assert down < waited[1] < down + REACTION


@settings
def test_long_upscale_window_scales_up_only_after_it(resolution: int, startup: int, phase: int) -> None:
    """"with long upscale stabilization window should scale up only after the stabilization period"."""
    up = 180
    waited = replay(2, usage_for_replicas(2), [
        Consume(usage_for_replicas(1)), WaitFor(1, REACTION + WAIT_BUFFER),
        Consume(usage_for_replicas(3)), WaitFor(3, up + REACTION + WAIT_BUFFER)],
        windows(up, 0), 1, 10, resolution, startup, phase)
    assert up < waited[1] < up + REACTION


@settings
def test_scale_up_disabled_does_not_scale_up(resolution: int, startup: int, phase: int) -> None:
    """"with autoscaling disabled shouldn't scale up"."""
    replay(1, usage_for_replicas(1), [Consume(usage_for_replicas(8)), Ensure(1, 1, REACTION + WAIT_BUFFER)],
           {"scaleUp": {"selectPolicy": "Disabled"}}, 1, 10, resolution, startup, phase)


@settings
def test_scale_down_disabled_does_not_scale_down(resolution: int, startup: int, phase: int) -> None:
    """"with autoscaling disabled shouldn't scale down" (waits past the default 5 min window)."""
    replay(3, usage_for_replicas(3), [Consume(usage_for_replicas(1)), Ensure(3, 3, REACTION + 300)],
           {"scaleDown": {"selectPolicy": "Disabled"}}, 1, 10, resolution, startup, phase)


@settings
def test_scale_up_limited_by_pods_per_minute(resolution: int, startup: int, phase: int) -> None:
    """"with scale limited by number of Pods rate should scale up no more than given number of Pods per minute"."""
    limit = 60
    waited = replay(1, usage_for_replicas(1), [
        Consume(usage_for_replicas(3)), WaitFor(2, REACTION + limit), WaitFor(3, REACTION + limit)],
        {"scaleUp": policy("Pods", 1, limit)}, 1, 10, resolution, startup, phase)
    assert waited[0] < limit + REACTION
    assert limit <= waited[1] < limit + REACTION  # ">" in the e2e: its clock is not a 15 s grid (see replay)


@settings
def test_scale_down_limited_by_pods_per_minute(resolution: int, startup: int, phase: int) -> None:
    """"with scale limited by number of Pods rate should scale down no more than given number of Pods per minute"."""
    limit = 60
    waited = replay(3, usage_for_replicas(3), [
        Consume(usage_for_replicas(1)), WaitFor(2, REACTION + limit), WaitFor(1, REACTION + limit)],
        {"scaleDown": policy("Pods", 1, limit)}, 1, 10, resolution, startup, phase)
    assert waited[0] < limit + REACTION
    assert limit <= waited[1] < limit + REACTION  # ">" in the e2e: its clock is not a 15 s grid (see replay)


@settings
def test_scale_up_limited_by_percentage(resolution: int, startup: int, phase: int) -> None:
    """"with scale limited by percentage should scale up no more than given percentage of current Pods per minute"."""
    limit = 60
    waited = replay(2, usage_for_replicas(2), [
        Consume(usage_for_replicas(8)), WaitFor(3, REACTION + limit), WaitFor(5, REACTION + limit)],
        {"scaleUp": policy("Percent", 50, limit)}, 1, 10, resolution, startup, phase)
    assert waited[0] < limit + REACTION
    assert limit <= waited[1] < limit + REACTION  # ">" in the e2e: its clock is not a 15 s grid (see replay)


@settings
def test_scale_down_limited_by_percentage(resolution: int, startup: int, phase: int) -> None:
    """"with scale limited by percentage should scale down no more than given percentage of current Pods per minute"."""
    limit = 60
    waited = replay(7, usage_for_replicas(7), [
        Consume(usage_for_replicas(1)), WaitFor(5, REACTION + limit), WaitFor(3, REACTION + limit)],
        {"scaleDown": policy("Percent", 25, limit)}, 1, 10, resolution, startup, phase)
    assert waited[0] < limit + REACTION
    assert limit <= waited[1] < limit + REACTION  # ">" in the e2e: its clock is not a 15 s grid (see replay)


@settings
def test_both_windows_keep_the_recommendation_in_range(resolution: int, startup: int, phase: int) -> None:
    """"with both scale up and down controls configured should keep recommendation within the range over two
    stabilization windows"."""
    window, buffer = 180, 120
    waited = replay(1, usage_for_replicas(1), [
        Consume(usage_for_replicas(3)), Ensure(1, 1, window), WaitFor(3, REACTION + buffer),
        Consume(usage_for_replicas(2)), Ensure(3, 3, window), WaitFor(2, REACTION + buffer)],
        windows(window, window), 1, 5, resolution, startup, phase)
    assert waited[0] < REACTION + buffer and waited[1] < REACTION + buffer


@settings
def test_window_and_pod_limit_keep_the_recommendation_in_range(resolution: int, startup: int, phase: int) -> None:
    """"with both scale up and down controls configured should keep recommendation within the range with
    stabilization window and pod limit rate"."""
    down, limit, buffer = 180, 120, 120
    waited = replay(2, usage_for_replicas(2), [
        Consume(usage_for_replicas(4)), Ensure(2, 3, limit), WaitFor(4, limit + REACTION + buffer),
        Consume(usage_for_replicas(2)), Ensure(4, 4, down), WaitFor(2, REACTION + buffer)],
        {"scaleUp": policy("Pods", 1, limit), "scaleDown": {"stabilizationWindowSeconds": down}}, 2, 5,
        resolution, startup, phase)
    assert waited[0] < limit + REACTION + buffer and waited[1] < REACTION + buffer


@settings
def test_deployment_scales_from_one_to_three_to_five(resolution: int, startup: int, phase: int) -> None:
    """horizontal_pod_autoscaling.go, "Deployment (Pod Resource) Should scale from 1 pod to 3 pods and then from
    3 pods to 5 pods using Average Utilization for aggregation": 250m on 1 pod, target 20 %, then 700m."""
    replay(1, 250, [WaitFor(3, 900), Consume(700), WaitFor(5, 900)], None, 1, 5, resolution, startup, phase,
           target=20)


@settings
def test_deployment_scales_from_five_to_three_to_one(resolution: int, startup: int, phase: int) -> None:
    """horizontal_pod_autoscaling.go, "Deployment (Pod Resource) Should scale from 5 pods to 3 pods and then from
    3 pods to 1 pod using Average Utilization for aggregation": 375m on 5 pods, target 30 %, then 10m."""
    replay(5, 375, [WaitFor(3, 900), Consume(10), WaitFor(1, 900)], None, 1, 5, resolution, startup, phase,
           target=30)


@pytest.mark.parametrize("phase", range(15))
@pytest.mark.parametrize("startup", (5, 11, 20, 31))
def test_the_issues_example_settles_at_three(startup: int, phase: int) -> None:
    """Constant 313m on a 500m-request pod, target 25 %, scale-down window 0, metrics-server at 15 s, pods Ready
    after 5-31 s: the original model flaps 1 -> 3 -> 1 (see below); a cluster, and this model, settle at 3."""
    replay(1, 313, [WaitFor(3, REACTION + WAIT_BUFFER), Ensure(3, 3, 1800)], windows(0, 0), 1, 5, 15, startup, phase)


def test_the_original_model_flaps_on_the_issues_example() -> None:
    metric = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                          "averageUtilization": TARGET}}}
    document = {"apiVersion": "kubectl-hpa.io/v1alpha1", "kind": "Scenario",
                "hpa": hpa([metric], windows(0, 0), 1, 5, name="consumer"),
                "workload": {"replicas": 1, "requests": {"cpu": "500m"}, "startup": "31s",
                             "cpu": {"baseline": "0m", "perRequest": "1m"}},
                "load": {"type": "constant", "rate": 313}}
    assert run(document, 900).summary()["rescales"] > 20
