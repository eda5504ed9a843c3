"""A Pod with count=n must decide exactly like n identical pods (the simulator relies on it)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
    ResourceMetrics,
    Scale,
    SyncInput,
)

NOW = 1_800_000_000.0

# (count, state, value): state is how the controller will see the group.
groups = st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["ready", "young", "not-ready", "missing", "pending"]),
                            st.integers(0, 4000)), min_size=1, max_size=5)


def _pod(name: str, state: str, count: int) -> Pod:
    started = NOW - 60 if state == "young" else NOW - 3600
    return Pod(name=name, phase="Pending" if state == "pending" else "Running",
               ready="False" if state == "not-ready" else "True",
               ready_transition_time=NOW - 55 if state == "young" else NOW - 3500, start_time=started,
               containers=(ContainerRequests("app", {"cpu": 200}),), labels={"app": "web"}, count=count)


def _inputs(spec: MetricSpec, group_list, expand: bool) -> SyncInput:
    pods, resource, custom = [], [], []
    for index, (count, state, value) in enumerate(group_list):
        names = [f"g{index}-{i}" for i in range(count)] if expand else [f"g{index}"]
        for name in names:
            pods.append(_pod(name, state, 1 if expand else count))
            if state != "missing":
                resource.append(PodResourceSample(name, NOW - 15, 15.0, {"app": {"cpu": value}}))
                custom.append(PodMetricSample(name, value, NOW - 15))
    total = sum(count for count, _, _ in group_list)
    reading = ResourceMetrics(tuple(resource)) if spec.type == RESOURCE else PodsMetrics(tuple(custom))
    hpa = HPASpec(name="web", namespace="default", scale_target=ObjectReference("Deployment", "web"),
                  min_replicas=1, max_replicas=500, metrics=(spec,))
    return SyncInput(hpa=hpa, scale=Scale(total, total, "app=web"), pods=tuple(pods), readings=(reading,),
                     now=NOW, state=ControllerState())


CPU = MetricSpec(RESOURCE, "cpu", MetricTarget(UTILIZATION, average_utilization=60))
QPS = MetricSpec(PODS, "qps", MetricTarget(AVERAGE_VALUE, average_value=1000))


def _same(spec: MetricSpec, group_list) -> None:
    grouped, expanded = decide(_inputs(spec, group_list, False)), decide(_inputs(spec, group_list, True))
    assert grouped.desired_replicas == expanded.desired_replicas
    assert grouped.branch == expanded.branch
    mine, theirs = grouped.metrics[0], expanded.metrics[0]
    assert (mine.proposed_replicas, mine.utilization, mine.average_value, mine.path, mine.error is None) == \
        (theirs.proposed_replicas, theirs.utilization, theirs.average_value, theirs.path, theirs.error is None)
    assert mine.usage_ratio == theirs.usage_ratio
    assert grouped.conditions == expanded.conditions


@given(groups)
@settings(max_examples=200)
def test_utilization_groups_equal_individual_pods(group_list) -> None:
    _same(CPU, group_list)


@given(groups)
@settings(max_examples=200)
def test_pods_metric_groups_equal_individual_pods(group_list) -> None:
    _same(QPS, group_list)
