"""Normalization tables of upstream horizontal_test.go, run against kubectl_hpa.core.normalize.

Source: kubernetes pkg/controller/podautoscaler/horizontal_test.go, newest stored text
(omerap12/kubernetes 060da168). The upstream test binary sets scaleUpLimitFactor = 8 in init();
the legacy-path cases reproduce that by patching normalize.SCALE_UP_LIMIT_FACTOR.
"""

from __future__ import annotations

import pytest
from builders import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    GENERATION_LAG,
    NOW,
    behavior,
    scaling_rules,
    uniform_events,
)

from kubectl_hpa.core import normalize
from kubectl_hpa.core.model import (
    PERCENT_POLICY,
    PODS_POLICY,
    SELECT_MIN,
    Behavior,
    Recommendation,
    ScaleEvent,
    ScalingPolicy,
    ScalingRules,
)

MIN = 60.0


@pytest.fixture
def upstream_scale_up_factor(monkeypatch):
    monkeypatch.setattr(normalize, "SCALE_UP_LIMIT_FACTOR", 8.0)


def recs(*pairs):
    """timestampedRecommendation{recommendation, time.Now().Add(offset)}"""
    return tuple(Recommendation(NOW + offset, replicas) for replicas, offset in pairs)


# ----------------------------------------------------------------------------- TestNormalizeDesiredReplicas

@pytest.mark.parametrize("recommendations, prenormalized, expected, log_length", [
    pytest.param((), 5, 5, 1, id="TestNormalizeDesiredReplicas/empty log"),
    pytest.param(recs((4, -2 * MIN), (5, -1 * MIN)), 3, 5, 3, id="TestNormalizeDesiredReplicas/stabilize"),
    pytest.param(recs((1, -2 * MIN), (2, -1 * MIN)), 3, 3, 3, id="TestNormalizeDesiredReplicas/no stabilize"),
    pytest.param(recs((10, -10 * MIN), (9, -9 * MIN)), 3, 3, 2,
                 id="TestNormalizeDesiredReplicas/no stabilize - old recommendations"),
    pytest.param(recs((10, -10 * MIN), (4, -1 * MIN), (5, -2 * MIN), (9, -9 * MIN)), 3, 5, 4,
                 id="TestNormalizeDesiredReplicas/stabilize - old recommendations"),
])
def test_stabilize_recommendation_legacy(recommendations, prenormalized, expected, log_length):
    out = normalize.normalize_legacy(recommendations, NOW, prenormalized, prenormalized, 1, 1000, 300.0)
    assert out.stabilization.result == expected
    assert len(out.recommendations) == log_length


# ----------------------------------------------------------------------------- TestNormalizeDesiredReplicasWithBehavior

NDB = "TestNormalizeDesiredReplicasWithBehavior"


@pytest.mark.parametrize("recommendations, current, prenormalized, expected, stored, up_window, down_window", [
    pytest.param((), 100, 5, 5, [5], 0, 0, id=f"{NDB}/empty recommendations for scaling down"),
    pytest.param(recs((4, -2 * MIN), (5, -1 * MIN)), 100, 3, 5, [4, 5, 3], 0, 180,
                 id=f"{NDB}/simple scale down stabilization"),
    pytest.param(recs((4, -2 * MIN), (5, -1 * MIN)), 1, 7, 4, [4, 5, 7], 300, 0,
                 id=f"{NDB}/simple scale up stabilization"),
    pytest.param(recs((1, -2 * MIN), (2, -1 * MIN)), 100, 3, 3, [1, 2, 3], 300, 0,
                 id=f"{NDB}/no scale down stabilization"),
    pytest.param(recs((4, -2 * MIN), (5, -1 * MIN)), 1, 3, 3, [4, 5, 3], 0, 300,
                 id=f"{NDB}/no scale up stabilization"),
    pytest.param(recs((10, -10 * MIN), (9, -9 * MIN)), 100, 3, 3, [10, 3], 0, 0,
                 id=f"{NDB}/no scale down stabilization, reuse recommendation element"),
    pytest.param(recs((10, -10 * MIN), (9, -9 * MIN)), 1, 100, 100, [10, 100], 0, 0,
                 id=f"{NDB}/no scale up stabilization, reuse recommendation element"),
    pytest.param(recs((10, -10 * MIN), (4, -1 * MIN), (5, -2 * MIN), (9, -9 * MIN)), 100, 3, 5, [10, 4, 5, 3], 0,
                 180, id=f"{NDB}/scale down stabilization, reuse one of obsolete recommendation element"),
    pytest.param(recs((10, -100 * MIN), (6, -1 * MIN), (5, -2 * MIN), (9, -3 * MIN)), 1, 100, 5, [100, 6, 5, 9],
                 300, 0, id=f"{NDB}/scale up stabilization, reuse one of obsolete recommendation element"),
    pytest.param(recs((2, -100 * MIN), (3, -3 * MIN)), 2, 1, 2, None, 300, 300,
                 id=f"{NDB}/scale up and down stabilization, do not scale up when prenormalized rec goes down"),
    pytest.param(recs((2, -100 * MIN), (1, -3 * MIN)), 2, 3, 2, None, 300, 300,
                 id=f"{NDB}/scale up and down stabilization, do not scale down when prenormalized rec goes up"),
])
def test_stabilize_recommendation_with_behaviors(recommendations, current, prenormalized, expected, stored,
                                                 up_window, down_window):
    # The upstream test passes pointers to its (possibly zero) window fields: an unset window is 0, not a default.
    rules = Behavior(
        scale_up=ScalingRules(up_window, DEFAULT_SCALE_UP.select_policy, DEFAULT_SCALE_UP.policies),
        scale_down=ScalingRules(down_window, DEFAULT_SCALE_DOWN.select_policy, DEFAULT_SCALE_DOWN.policies))
    out = normalize.normalize_with_behavior(recommendations, NOW, current, prenormalized, 0, 1000, rules, 300.0,
                                            (), ())
    assert out.stabilization.result == expected
    if stored is not None:
        assert [r.replicas for r in out.recommendations] == stored


# ----------------------------------------------------------------------------- TestConvertDesiredReplicasWithRules

CDR = "TestConvertDesiredReplicasWithRules"


@pytest.mark.parametrize("current, desired, min_replicas, max_replicas, expected, condition", [
    pytest.param(5, 7, 3, 8, 7, "DesiredWithinRange", id=f"{CDR}/prenormalized desired replicas within range"),
    pytest.param(3, 1, 2, 8, 2, "TooFewReplicas", id=f"{CDR}/prenormalized desired replicas < minReplicas"),
    pytest.param(1, 0, 0, 10, 0, "DesiredWithinRange",
                 id=f"{CDR}/prenormalized desired zeroed replicas within range"),
    pytest.param(20, 1000, 1, 10, 10, "TooManyReplicas",
                 id=f"{CDR}/maxReplicas is the limit because maxReplicas < scaleUpLimit"),
    pytest.param(3, 1000, 1, 2000, max(8 * 3, 4), "ScaleUpLimit",
                 id=f"{CDR}/scaleUpLimit is the limit because scaleUpLimit < maxReplicas"),
])
def test_convert_desired_replicas_with_rules(upstream_scale_up_factor, current, desired, min_replicas,
                                             max_replicas, expected, condition):
    out = normalize.normalize_legacy((), NOW, current, desired, min_replicas, max_replicas, 300.0)
    assert (out.rate_limit.result, out.rate_limit.reason) == (expected, condition)


# ----------------------------------------------------------------------------- scale limits with rules

MIN_SELECT_RULES = ScalingRules(300, SELECT_MIN, (ScalingPolicy(PODS_POLICY, 2, 60), ScalingPolicy(PERCENT_POLICY, 50, 60)))


def test_calculate_scale_up_limit_with_scaling_rules():
    """TestCalculateScaleUpLimitWithScalingRules"""
    limit, _ = normalize._policy_limits(NOW, 1, MIN_SELECT_RULES, (), (), up=True)
    assert limit == 2


def test_calculate_scale_down_limit_with_behaviors():
    """TestCalculateScaleDownLimitWithBehaviors"""
    limit, _ = normalize._policy_limits(NOW, 5, MIN_SELECT_RULES, (), (), up=False)
    assert limit == 3


# ----------------------------------------------------------------------------- TestScalingWithRules

SWR = "TestScalingWithRules"
E123 = uniform_events([1, 5, 9], 120)
E_OUT = uniform_events([8, 12, 9, 11], 120)


def swr(name, cur, desired, lo, hi, expected, condition, up=None, down=None, up_events=(), down_events=()):
    return pytest.param(cur, desired, lo, hi, up, down, up_events, down_events, expected, condition,
                        id=f"{SWR}/{name}")


SWR_CASES = [
    swr("prenormalized desired replicas within range", 5, 7, 3, 8, 7, "DesiredWithinRange"),
    swr("prenormalized desired replicas < minReplicas", 3, 1, 2, 8, 2, "TooFewReplicas"),
    swr("prenormalized desired replicas within range when minReplicas is 0", 1, 0, 0, 10, 0, "DesiredWithinRange"),
    swr("maxReplicas is the limit because maxReplicas < scaleUpLimit", 20, 1000, 1, 10, 10, "TooManyReplicas"),
    swr("desired replica count is more than the maximum replica count", 100, 1000, 100, 150, 150, "TooManyReplicas"),
    swr("scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", 3, 1000, 1, 2000, 4,
        "ScaleUpLimit", up=scaling_rules(0, 0, 1, 60, 0)),
    swr("scaleUp with default behavior", 10, 50, 1, 1000, 20, "ScaleUpLimit"),
    swr("scaleUp with pods policy larger than percent policy", 10, 500, 1, 1000, 110, "ScaleUpLimit",
        up=scaling_rules(100, 60, 100, 60, 0)),
    swr("scaleUp with percent policy larger than pods policy", 10, 500, 1, 1000, 20, "ScaleUpLimit",
        up=scaling_rules(2, 60, 100, 60, 0)),
    swr("scaleUp with spec MaxReplicas limitation with large pod policy", 10, 50, 1, 1000, 50, "DesiredWithinRange",
        up=scaling_rules(100, 60, 0, 0, 0)),
    swr("scaleUp with spec MaxReplicas limitation with large percent policy", 10, 50, 1, 1000, 50,
        "DesiredWithinRange", up=scaling_rules(10000, 60, 0, 0, 0)),
    swr("scaleUp with pod policy limitation", 10, 50, 1, 1000, 40, "ScaleUpLimit", up=scaling_rules(30, 60, 0, 0, 0)),
    swr("scaleUp with percent policy limitation", 10, 50, 1, 1000, 30, "ScaleUpLimit",
        up=scaling_rules(0, 0, 200, 60, 0)),
    swr("scaleDown with percent policy larger than pod policy", 100, 2, 1, 1000, 80, "ScaleDownLimit",
        down=scaling_rules(20, 60, 1, 60, 300)),
    swr("scaleDown with pod policy larger than percent policy", 100, 2, 1, 1000, 98, "ScaleDownLimit",
        down=scaling_rules(2, 60, 1, 60, 300)),
    swr("scaleDown with spec MinReplicas limitation with large pod policy", 10, 0, 1, 1000, 1, "TooFewReplicas",
        down=scaling_rules(100, 60, 0, 0, 300)),
    swr("scaleDown with spec MinReplicas limitation with large percent policy", 10, 2, 5, 1000, 5, "TooFewReplicas",
        down=scaling_rules(0, 0, 100, 60, 300)),
    swr("scaleDown with pod policy limitation", 10, 2, 1, 1000, 5, "ScaleDownLimit",
        down=scaling_rules(5, 60, 0, 0, 300)),
    swr("scaleDown with percent policy limitation", 10, 5, 1, 1000, 5, "DesiredWithinRange",
        down=scaling_rules(0, 0, 50, 60, 300)),
    swr("scaleUp with spec MaxReplicas limitation with large pod policy and events", 100, 500, 1, 200, 200,
        "TooManyReplicas", up=scaling_rules(300, 60, 0, 0, 0), up_events=E123),
    swr("scaleUp with spec MaxReplicas limitation with large percent policy and events", 100, 500, 1, 200, 200,
        "TooManyReplicas", up=scaling_rules(0, 0, 10000, 60, 0), up_events=E123),
    swr("scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
        100, 500, 1, 1000, 100, "ScaleUpLimit", up=scaling_rules(5, 120, 0, 0, 0), up_events=E123),
    swr("scaleUp with pod policy and previous scale up events", 100, 500, 1, 1000, 235, "ScaleUpLimit",
        up=scaling_rules(150, 120, 0, 0, 0), up_events=E123),
    swr("scaleUp with percent policy and previous scale up events", 100, 500, 1, 1000, 255, "ScaleUpLimit",
        up=scaling_rules(0, 0, 200, 120, 0), up_events=E123),
    swr("scaleUp with percent policy and previous scale up and down events", 6, 24, 1, 1000, 16, "ScaleUpLimit",
        up=scaling_rules(0, 0, 300, 300, 0), up_events=uniform_events([4], 120),
        down_events=uniform_events([2], 120)),
    swr("scaleDown with default policy and previous events", 10, 5, 1, 1000, 5, "DesiredWithinRange",
        down_events=E123),
    swr("scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", 100, 0, 1, 1000,
        1, "TooFewReplicas", down=scaling_rules(115, 120, 0, 0, 300), down_events=E123),
    swr("scaleDown with spec MinReplicas limitation with large pod policy and previous events", 100, 0, 5, 1000, 5,
        "TooFewReplicas", down=scaling_rules(130, 120, 0, 0, 300), down_events=E123),
    swr("scaleDown with spec MinReplicas limitation with large percent policy and previous events", 100, 2, 5,
        1000, 5, "TooFewReplicas", down=scaling_rules(0, 0, 100, 120, 300), down_events=E123),
    swr("scaleDown with pod policy limitation and previous events", 100, 2, 1, 1000, 100, "ScaleDownLimit",
        down=scaling_rules(5, 120, 0, 0, 300), down_events=E123),
    swr("scaleDown with percent policy limitation and previous events", 100, 0, 1, 1000, 56, "ScaleDownLimit",
        down=scaling_rules(0, 0, 50, 120, 300), down_events=uniform_events([2, 4, 6], 120)),
    swr("scaleDown with percent policy and previous scale up and down events", 10, 1, 1, 1000, 6, "ScaleDownLimit",
        down=scaling_rules(0, 0, 50, 180, 0), up_events=uniform_events([2], 120),
        down_events=uniform_events([4], 120)),
    swr("scaleDown with previous events preventing further scale down", 100, 0, 1, 1000, 100, "ScaleDownLimit",
        down=scaling_rules(0, 0, 10, 120, 300), down_events=uniform_events([10, 10, 10], 120)),
    swr("scaleDown with with previous events still allowing more scale down", 10, 5, 1, 1000, 5,
        "DesiredWithinRange", down=scaling_rules(0, 0, 1000, 120, 300), down_events=uniform_events([10, 10, 10], 120)),
    swr("check 'outdated' flag for events for one behavior for up", 100, 200, 1, 1000, 200, "DesiredWithinRange",
        up=scaling_rules(1000, 60, 0, 0, 0), up_events=E_OUT),
    swr("check that events were not marked 'outdated' for two different policies in the behavior for up", 100, 200,
        1, 1000, 200, "DesiredWithinRange", up=scaling_rules(1000, 120, 100, 60, 0), up_events=E_OUT),
    swr("check that events were marked 'outdated' for two different policies in the behavior for up", 100, 200, 1,
        1000, 200, "DesiredWithinRange", up=scaling_rules(1000, 30, 100, 60, 0), up_events=E_OUT),
    swr("check 'outdated' flag for events for one behavior for down", 100, 5, 1, 1000, 5, "DesiredWithinRange",
        down=scaling_rules(1000, 60, 0, 0, 300), down_events=E_OUT),
    swr("check that events were not marked 'outdated' for two different policies in the behavior for down", 100, 5,
        1, 1000, 5, "DesiredWithinRange", down=scaling_rules(1000, 120, 100, 60, 300), down_events=E_OUT),
    swr("check that events were marked 'outdated' for two different policies in the behavior for down", 100, 5, 1,
        1000, 5, "DesiredWithinRange", down=scaling_rules(1000, 30, 100, 60, 300), down_events=E_OUT),
]


@pytest.mark.parametrize("current, desired, min_replicas, max_replicas, up, down, up_events, down_events, expected, "
                         "condition", SWR_CASES)
def test_scaling_with_rules(current, desired, min_replicas, max_replicas, up, down, up_events, down_events,
                            expected, condition):
    """convertDesiredReplicasWithBehaviorRate (normalize.behavior_rate_limit)."""
    limit = normalize.behavior_rate_limit(NOW, current, desired, min_replicas, max_replicas, behavior(up, down),
                                           up_events, down_events)
    assert (limit.result, limit.reason) == (expected, condition)


# ----------------------------------------------------------------------------- TestStoreScaleEvents

SSE = "TestStoreScaleEvents"


def ev(change, age, outdated=False):
    return ScaleEvent(NOW - GENERATION_LAG - age, change, outdated)


@pytest.mark.parametrize("rules, previous, expected_events, expected_change", [
    pytest.param(scaling_rules(10, 60, 100, 60, 0), (), [(5, False)], 0,
                 id=f"{SSE}/empty entries with two-policy-behavior"),
    pytest.param(scaling_rules(10, 60, 100, 60, 0), (ev(7, 61),), [(5, False)], 0,
                 id=f"{SSE}/one outdated entry to be replaced with behavior"),
    pytest.param(scaling_rules(10, 60, 100, 60, 0), (ev(7, 58),), [(7, False), (5, False)], 7,
                 id=f"{SSE}/one actual entry to be not touched with behavior"),
    pytest.param(scaling_rules(10, 60, 0, 0, 0), (ev(7, 61), ev(6, 59)), [(5, False), (6, False)], 6,
                 id=f"{SSE}/two entries, one of them to be replaced"),
    pytest.param(scaling_rules(10, 60, 100, 30, 0), (ev(8, 29), ev(6, 59), ev(7, 61), ev(9, 61)),
                 [(8, False), (6, False), (7, True), (5, False)], 14,
                 id=f"{SSE}/replace one entry, use policies with different periods"),
    pytest.param(scaling_rules(10, 120, 100, 30, 0), (ev(7, 58), ev(6, 59)), [(7, False), (6, False), (5, False)],
                 13, id=f"{SSE}/two entries, both actual"),
])
def test_store_scale_events(rules, previous, expected_events, expected_change):
    # getReplicasChangePerPeriod(60, events)
    assert normalize._changes_in_period(NOW, 60, previous) == expected_change
    # storeScaleEvent(10 -> 15) for scale-up and (10 -> 5) for scale-down: the same bookkeeping in each list.
    for _direction in ("up", "down"):
        stored = normalize.record_scale_event(previous, rules, NOW, 5)
        assert [(e.replica_change, e.outdated) for e in stored] == expected_events
