"""Known dynamics of the controller over several syncs, with its memory carried from one to the next."""

from __future__ import annotations

from dataclasses import replace

from kubectl_hpa.core.decide import decide
from kubectl_hpa.core.model import (
    EXTERNAL,
    PERCENT_POLICY,
    PODS_POLICY,
    SELECT_DISABLED,
    SELECT_MIN,
    VALUE,
    Behavior,
    ControllerSettings,
    ControllerState,
    ExternalMetrics,
    HPASpec,
    MetricSpec,
    MetricTarget,
    ObjectReference,
    Pod,
    Scale,
    ScalingPolicy,
    ScalingRules,
    SyncInput,
)
from kubectl_hpa.sources.snapshot import DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP

T0 = 1_800_000_000.0


def external_hpa(behavior: Behavior | None, min_replicas: int = 1, max_replicas: int = 100) -> HPASpec:
    """An External Value metric: proposal = ceil(value / target x ready pods), easy to steer."""
    metric = MetricSpec(EXTERNAL, "queue_length", MetricTarget(VALUE, value=10_000))
    return HPASpec(name="worker", namespace="jobs", scale_target=ObjectReference("Deployment", "worker"),
                   min_replicas=min_replicas, max_replicas=max_replicas, metrics=(metric,), behavior=behavior)


def ready_pods(count: int) -> tuple[Pod, ...]:
    return tuple(Pod(name=f"worker-{i}", ready="True", start_time=T0 - 3600, ready_transition_time=T0 - 3500,
                     labels={"app": "worker"}) for i in range(count))


def run(hpa: HPASpec, start: int, loads: list[int], period: float = 15.0,
        settings: ControllerSettings = ControllerSettings()) -> list[int]:
    """Sync every ``period`` seconds; the load is the external value in whole units per sync.

    The controller's memory and the HPA's status conditions carry over from one sync to the next."""
    replicas, state, conditions, history = start, ControllerState(), (), []
    for step, load in enumerate(loads):
        now = T0 + step * period
        inputs = SyncInput(hpa=hpa, scale=Scale(replicas, replicas, "app=worker"), pods=ready_pods(replicas),
                           readings=(ExternalMetrics((load * 1000,), now),), now=now, state=state,
                           settings=settings, previous_conditions=conditions)
        decision = decide(inputs)
        replicas, state, conditions = decision.desired_replicas, decision.state, decision.conditions
        history.append(replicas)
    return history


def test_default_behavior_scales_up_by_max_of_4_pods_or_100_percent_per_15s() -> None:
    behavior = Behavior(DEFAULT_SCALE_UP, DEFAULT_SCALE_DOWN)
    # A huge, steady queue: every sync wants far more than allowed.
    assert run(external_hpa(behavior), 1, [10_000] * 5) == [5, 10, 20, 40, 80]


def test_legacy_path_caps_each_sync_at_max_of_2x_or_4() -> None:
    assert run(external_hpa(None), 1, [10_000] * 5) == [4, 8, 16, 32, 64]


def test_scale_down_waits_for_the_window_then_drops() -> None:
    behavior = Behavior(DEFAULT_SCALE_UP, DEFAULT_SCALE_DOWN)
    # 10 replicas at target, then the queue empties: 300 s of recommendations of 10 must age out first.
    loads = [10] * 4 + [0] * 24
    history = run(external_hpa(behavior), 10, loads)
    first_drop = next(i for i, count in enumerate(history) if count < 10)
    # The last recommendation of 10 was stored at sync 3 (t = 45 s); "inside the window" is strict, so it
    # stops counting exactly 300 s later.
    assert first_drop * 15 == 45 + 300
    assert history[first_drop] == 1
    assert all(count == 10 for count in history[:first_drop])


def test_the_first_sync_after_a_restart_cannot_scale_down() -> None:
    """The controller seeds its memory with the current count, so the window holds that too."""
    behavior = Behavior(DEFAULT_SCALE_UP, replace(DEFAULT_SCALE_DOWN, stabilization_window_seconds=60))
    history = run(external_hpa(behavior), 8, [0] * 6)
    assert history[:4] == [8, 8, 8, 8]
    assert history[4] == 1  # t = 60 s: the seed (t = 0) is no longer strictly inside the window


def test_pods_policy_over_a_period_counts_earlier_events() -> None:
    down = ScalingRules(0, "Max", (ScalingPolicy(PODS_POLICY, 2, 60),))
    behavior = Behavior(DEFAULT_SCALE_UP, down)
    history = run(external_hpa(behavior), 10, [0] * 9)
    # 2 pods per 60 s: 10 -> 8, then nothing until the event leaves the period, then 8 -> 6.
    assert history == [8, 8, 8, 8, 6, 6, 6, 6, 4]


def test_select_policy_min_picks_the_smallest_change() -> None:
    up = ScalingRules(0, SELECT_MIN, (ScalingPolicy(PODS_POLICY, 4, 15), ScalingPolicy(PERCENT_POLICY, 100, 15)))
    behavior = Behavior(up, DEFAULT_SCALE_DOWN)
    assert run(external_hpa(behavior), 2, [10_000] * 3) == [4, 8, 12]


def test_select_policy_disabled_stops_that_direction() -> None:
    down = ScalingRules(0, SELECT_DISABLED, DEFAULT_SCALE_DOWN.policies)
    behavior = Behavior(DEFAULT_SCALE_UP, down)
    assert run(external_hpa(behavior), 6, [0] * 4) == [6, 6, 6, 6]


def test_percent_scale_down_truncates_the_remaining_replicas() -> None:
    down = ScalingRules(0, "Max", (ScalingPolicy(PERCENT_POLICY, 10, 15),))
    behavior = Behavior(DEFAULT_SCALE_UP, down)
    # 10% of 72 is 7.2: the limit is trunc(72 x 0.9) = 64, so 8 pods go at once.
    assert run(external_hpa(behavior, max_replicas=100), 72, [0])[0] == 64


def test_tolerance_holds_a_small_change() -> None:
    # A Value target of 10: a value of 10 (ratio 1.0) keeps 10 replicas, 12 (ratio 1.2) asks for 12.
    assert run(external_hpa(None), 10, [10, 10, 10])[-1] == 10
    assert run(external_hpa(None), 10, [12])[-1] == 12


def test_scale_to_zero_and_back_with_an_external_metric() -> None:
    behavior = Behavior(DEFAULT_SCALE_UP, replace(DEFAULT_SCALE_DOWN, stabilization_window_seconds=0))
    hpa = external_hpa(behavior, min_replicas=0)
    gate_on = ControllerSettings().with_gates({"HPAScaleToZero": True})
    history = run(hpa, 2, [0, 0, 25, 25], settings=gate_on)
    # A zero window does not hold even the seed: straight to 0, and the HPA marks it ScaledToZero=True. From 0
    # the proposal is ceil(2.5) = 3 (no pod count, no tolerance); then ceil(2.5 x 3 ready pods) = 8 is limited
    # to 3 + 4 pods by the default policy.
    assert history == [0, 0, 3, 7]


def test_without_the_scale_to_zero_gate_zero_replicas_disable_the_hpa() -> None:
    behavior = Behavior(DEFAULT_SCALE_UP, replace(DEFAULT_SCALE_DOWN, stabilization_window_seconds=0))
    hpa = external_hpa(behavior, min_replicas=0)
    gate_off = ControllerSettings().with_gates({"HPAScaleToZero": False})
    assert run(hpa, 2, [0, 0, 25, 25], settings=gate_off) == [0, 0, 0, 0]
