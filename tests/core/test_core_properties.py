"""Invariants of the decision core, over generated inputs (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.branches import METRICS
from kubectl_hpa.core.decide import decide
from kubectl_hpa.core.model import (
    AVERAGE_VALUE,
    PODS,
    RESOURCE,
    UTILIZATION,
    ContainerRequests,
    ControllerState,
    HPASpec,
    MetricSpec,
    MetricTarget,
    ObjectReference,
    Pod,
    PodMetricSample,
    PodResourceSample,
    PodsMetrics,
    Recommendation,
    ResourceMetrics,
    Scale,
    SyncInput,
)

NOW = 1_800_000_000.0
LONG_AGO = NOW - 3600


def ready_pod(index: int, cpu_request: int) -> Pod:
    return Pod(name=f"web-{index}", phase="Running", ready="True", ready_transition_time=LONG_AGO + 30,
               start_time=LONG_AGO, containers=(ContainerRequests("web", {"cpu": cpu_request}),),
               labels={"app": "web"})


def cpu_input(usages: list[int], request: int, target: int, min_replicas: int, max_replicas: int,
              state: ControllerState | None = None) -> SyncInput:
    pods = tuple(ready_pod(i, request) for i in range(len(usages)))
    samples = tuple(PodResourceSample(pod.name, NOW - 10, 15.0, {"web": {"cpu": usage}})
                    for pod, usage in zip(pods, usages, strict=True))
    hpa = HPASpec(name="web", namespace="default", scale_target=ObjectReference("Deployment", "web"),
                  min_replicas=min_replicas, max_replicas=max_replicas,
                  metrics=(MetricSpec(RESOURCE, "cpu", MetricTarget(UTILIZATION, average_utilization=target)),))
    return SyncInput(hpa=hpa, scale=Scale(len(pods), len(pods), "app=web"), pods=pods,
                     readings=(ResourceMetrics(samples),), now=NOW, state=state)


def pods_metric_input(per_pod: int, replicas: int, target: int) -> SyncInput:
    pods = tuple(ready_pod(i, 100) for i in range(replicas))
    samples = tuple(PodMetricSample(pod.name, per_pod, NOW - 10) for pod in pods)
    hpa = HPASpec(name="web", namespace="default", scale_target=ObjectReference("Deployment", "web"),
                  min_replicas=1, max_replicas=10_000,
                  metrics=(MetricSpec(PODS, "qps", MetricTarget(AVERAGE_VALUE, average_value=target)),))
    return SyncInput(hpa=hpa, scale=Scale(replicas, replicas, "app=web"), pods=pods,
                     readings=(PodsMetrics(samples),), now=NOW)


@given(st.integers(1, 30), st.integers(100, 1000), st.integers(1, 200), st.data())
def test_within_tolerance_means_no_change(replicas: int, request: int, target: int, data: st.DataObject) -> None:
    low, high = math.ceil(0.9 * target), math.floor(1.1 * target)
    assume(low <= high)
    utilization = data.draw(st.integers(low, high))
    total = math.ceil(utilization * request * replicas / 100)
    cuts = sorted(data.draw(st.lists(st.integers(0, total), min_size=replicas - 1, max_size=replicas - 1)))
    usages = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    assert sum(usages) * 100 // (request * replicas) == utilization
    decision = decide(cpu_input(usages, request, target, 1, 100))
    assert decision.metrics[0].proposed_replicas == replicas
    assert decision.desired_replicas == replicas
    assert not decision.rescale


@given(st.integers(1, 25), st.integers(1, 20), st.integers(0, 30), st.integers(10, 500), st.integers(1, 150),
       st.lists(st.tuples(st.integers(1, 600), st.integers(0, 60)), max_size=6), st.data())
@settings(max_examples=300)
def test_result_lies_within_min_and_max(replicas: int, min_replicas: int, span: int, request: int, target: int,
                                        history: list[tuple[int, int]], data: st.DataObject) -> None:
    max_replicas = min_replicas + span
    assume(min_replicas <= replicas <= max_replicas)
    usages = data.draw(st.lists(st.integers(0, 10_000), min_size=replicas, max_size=replicas))
    state = ControllerState(recommendations=tuple(Recommendation(NOW - age, count) for age, count in history),
                            seeded=bool(history))
    decision = decide(cpu_input(usages, request, target, min_replicas, max_replicas, state))
    assert decision.branch == METRICS
    assert min_replicas <= decision.desired_replicas <= max_replicas


@given(st.integers(1, 20), st.integers(1, 5000), st.integers(0, 100_000), st.integers(0, 100_000))
def test_a_single_ready_metric_is_monotone_in_load(replicas: int, target: int, low: int, high: int) -> None:
    low, high = sorted((low, high))
    proposal_low = decide(pods_metric_input(low, replicas, target)).metrics[0].proposed_replicas
    proposal_high = decide(pods_metric_input(high, replicas, target)).metrics[0].proposed_replicas
    assert proposal_low is not None and proposal_high is not None
    assert proposal_low <= proposal_high


@given(st.integers(1, 20), st.integers(10, 500), st.integers(1, 100), st.data())
def test_the_decision_is_deterministic_and_pure(replicas: int, request: int, target: int,
                                               data: st.DataObject) -> None:
    usages = data.draw(st.lists(st.integers(0, 5000), min_size=replicas, max_size=replicas))
    inputs = cpu_input(usages, request, target, 1, 50, ControllerState())
    assert decide(inputs) == decide(inputs)
