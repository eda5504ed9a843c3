"""The timeline's time column, fast: :func:`~kubectl_hpa.sim.engine.clock`'s text for a stream of times.

``-o wide`` prints every sync's time (172,801 of them in a month): ``clock`` divides and formats each one
from scratch (0.30 s of CPU for a month's times, measured). Consecutive syncs share their hour, so the
formatter made here keeps the current hour's prefix (``2d 3:``) and looks the minutes and seconds up in a
table of the 3,600 texts of an hour: one ``round``, one ``divmod`` and one concatenation a call (0.06 s).
tests/render/test_clock.py checks it equals ``clock`` everywhere it answers.
"""

from __future__ import annotations

from typing import Callable

from ..sim.engine import clock

_IN_HOUR = [f"{minutes:02d}:{secs:02d}" for minutes in range(60) for secs in range(60)]  # after an hour: 05:07
_FIRST_HOUR = [f"{minutes:d}:{secs:02d}" for minutes in range(60) for secs in range(60)]  # the first hour: 5:07
_FAST_LIMIT = 1e15  # below this a float's round() is an exact int: past it (or negative, NaN, inf) clock answers


def clock_formatter() -> Callable[[float], str]:
    """A function equal to ``clock`` (same text, same errors), fast for times that stay in one hour a while."""
    hour_now = -1
    prefix = ""
    table = _FIRST_HOUR

    def formatted(seconds: float) -> str:
        nonlocal hour_now, prefix, table
        if (type(seconds) is not float and type(seconds) is not int) or not 0 <= seconds < _FAST_LIMIT:
            return clock(seconds)  # negative, huge, NaN, or not a plain number: as clock writes (or raises) it
        hour, rest = divmod(round(seconds), 3600)
        if hour != hour_now:
            days, hours = divmod(hour, 24)
            hour_now = hour
            table = _IN_HOUR if hour else _FIRST_HOUR
            prefix = (f"{days}d {hours}:" if days else f"{hours}:") if hour else ""
        return prefix + table[rest]

    return formatted
