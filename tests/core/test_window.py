"""RecommendationLog gives, sync after sync, what the controller's full scan and slot reuse give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.model import Recommendation
from kubectl_hpa.core.normalize import stabilize_legacy, stabilize_with_behavior, store_recommendation
from kubectl_hpa.core.window import RecommendationLog

# Whole seconds on a 15 s grid as well as odd ones, so recommendations land exactly on window edges.
times = st.one_of(st.integers(0, 40).map(lambda k: k * 15.0), st.floats(0, 600, allow_nan=False))
windows = st.one_of(st.sampled_from([0.0, 15.0, 60.0, 300.0]), st.floats(0, 900, allow_nan=False))
replicas = st.integers(0, 12)


@st.composite
def histories(draw):
    """A stored list (any slot order, timestamps up to the first sync) and later syncs."""
    start = draw(times)
    stored = tuple(Recommendation(draw(st.floats(max(0.0, start - 1200), start, allow_nan=False)), draw(replicas))
                   for _ in range(draw(st.integers(0, 30))))
    steps = draw(st.lists(st.tuples(st.sampled_from([0.0, 1.0, 15.0, 15.0, 15.0, 30.0, 301.0]), replicas, replicas),
                          max_size=60))
    return start, stored, steps


def _scan(legacy: bool, recommendations, now, up_window, down_window, current, proposal):
    if legacy:
        highest, stale, _ = stabilize_legacy(recommendations, now - down_window, proposal)
        return proposal, highest, stale
    _, up, down, stale, _ = stabilize_with_behavior(recommendations, now - up_window, now - down_window,
                                                     current, proposal)
    return up, down, stale


@settings(max_examples=400, deadline=None)
@given(histories(), windows, windows, st.booleans())
def test_the_log_answers_like_the_scan_and_keeps_the_same_list(history, up_window, down_window, legacy) -> None:
    now, stored, steps = history
    log = RecommendationLog.open(stored, None if legacy else up_window, down_window, now)
    assert log is not None
    expected = stored
    for gap, current, proposal in steps:
        now += gap
        up, down, slot = log.scan(now, proposal)
        assert (up, down, slot) == _scan(legacy, expected, now, up_window, down_window, current, proposal)
        log.store(now, proposal, slot)
        expected = store_recommendation(expected, slot, Recommendation(now, proposal))
        assert log.recommendations() == expected
        assert all(type(item) is Recommendation for item in log.recommendations())


def test_a_log_is_refused_for_recommendations_after_the_first_sync() -> None:
    assert RecommendationLog.open((Recommendation(100.0, 3),), 0.0, 300.0, 99.0) is None
    assert RecommendationLog.open((Recommendation(100.0, 3),), 0.0, 300.0, 100.0) is not None


def test_syncs_must_not_go_back_in_time_and_store_takes_the_scanned_slot() -> None:
    log = RecommendationLog((Recommendation(0.0, 3), Recommendation(15.0, 4)), 0.0, 10.0)
    up, down, slot = log.scan(30.0, 2)
    assert (up, down, slot) == (2, 2, 1)  # both expired; the last expired slot is reused
    with pytest.raises(ValueError, match="slot"):
        log.store(30.0, 2, 0)
    log.store(30.0, 2, slot)
    assert log.recommendations() == (Recommendation(0.0, 3), Recommendation(30.0, 2))
    with pytest.raises(ValueError, match="non-decreasing"):
        log.scan(29.0, 2)


@settings(max_examples=400, deadline=None)
@given(histories(), windows, windows, st.booleans(), replicas,
       st.lists(st.sampled_from([0.0, 1.0, 15.0, 15.0, 15.0, 30.0, 301.0]), max_size=80), replicas)
def test_store_many_leaves_what_the_syncs_one_by_one_leave(history, up_window, down_window, legacy, proposal,
                                                           gaps, following) -> None:
    """A stretch of syncs that store the same proposal, stored at once, leaves the same list, slot order and
    windows: the next sync's scan answers the same."""
    now, stored, steps = history
    one_by_one = RecommendationLog.open(stored, None if legacy else up_window, down_window, now)
    at_once = RecommendationLog.open(stored, None if legacy else up_window, down_window, now)
    assert one_by_one is not None and at_once is not None
    for gap, _, each in steps:  # some history first, stored the usual way in both
        now += gap
        for log in (one_by_one, at_once):
            log.store(now, each, log.scan(now, each)[2])
    times = []
    for gap in gaps:
        now += gap
        times.append(now)
        one_by_one.store(now, proposal, one_by_one.scan(now, proposal)[2])
    at_once.store_many(times, proposal)
    assert at_once.recommendations() == one_by_one.recommendations()
    for gap in (0.0, 15.0, 301.0):  # the windows after the stretch
        now += gap
        assert at_once.scan(now, following) == one_by_one.scan(now, following)
        for log in (one_by_one, at_once):
            log.store(now, following, log.scan(now, following)[2])
        assert at_once.recommendations() == one_by_one.recommendations()
