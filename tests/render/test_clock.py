"""The views' fast clock and remembered texts give exactly what the plain functions give."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.render.clock import clock_formatter
from kubectl_hpa.render.entries import remembered, same_text_when_equal
from kubectl_hpa.sim.engine import MetricPoint, clock

EDGES = [0, 0.0, -0.0, 0.4999, 0.5, 1.5, 2.5, 59.5, 3599.5, 3600, 86399.5, 86400, 90061, 15.0 * 172800,
         1e15 - 1, 1e15, 1e16, 2.0**53, -0.5, -0.6, -1, -86400.5, 1e300]


def _same(formatted: object, value: object) -> None:
    """``formatted(value)`` is ``clock(value)``, or raises what clock raises."""
    try:
        expected = clock(value)  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 - whichever error clock raises, the fast one must too
        with pytest.raises(type(error)):
            formatted(value)  # type: ignore[operator]
        return
    assert formatted(value) == expected  # type: ignore[operator]


@pytest.mark.parametrize("value", [*EDGES, math.nan, math.inf, -math.inf, True, "15"])
def test_edges_are_clocks(value: object) -> None:
    _same(clock_formatter(), value)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.floats(), st.integers(-10**6, 10**17), st.sampled_from(EDGES)), max_size=40))
def test_any_sequence_is_clocks(values: list[float]) -> None:
    """In any order (the formatter keeps the hour of the call before): hours, days, rounding, errors."""
    formatted = clock_formatter()
    for value in values:
        _same(formatted, value)


def test_every_second_of_three_days_in_order() -> None:
    formatted = clock_formatter()
    for second in range(0, 3 * 86400 + 2, 1):
        assert formatted(second + 0.25) == clock(second + 0.25)


def test_points_remembered_only_when_equal_means_same_text() -> None:
    def point(current: object, target: object = 60.0, ratio: object = 0.5) -> MetricPoint:
        return MetricPoint("cpu", current, target, "%", ratio)  # type: ignore[arg-type]

    assert same_text_when_equal((point(29.0),)) and same_text_when_equal(())
    for unusual in (point(0.0), point(-0.0), point(29), point(29.0, 60), point(29.0, ratio=0.0), point(True)):
        assert not same_text_when_equal((unusual,))
    texts: dict = {}
    assert remembered(texts, (point(29.0),), repr) == repr((point(29.0),))
    assert remembered(texts, (point(29.0),), lambda points: "other") == repr((point(29.0),))  # by value
    assert remembered(texts, (point(0.0),), repr) == repr((point(0.0),)) and len(texts) == 1
    assert remembered(texts, (point(-0.0),), repr) == repr((point(-0.0),))
