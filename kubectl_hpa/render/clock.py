"""The timeline's time column, fast: :func:`~kubectl_hpa.sim.engine.clock`'s text for a stream of times.

``-o wide`` prints every sync's time (172,801 of them in a month): ``clock`` divides and formats each one
from scratch (0.30 s of CPU for a month's times, measured). Consecutive syncs share their hour, so the
formatter made here keeps the current hour's prefix (``2d 3:``) and looks the minutes and seconds up in a
table of the 3,600 texts of an hour: one ``round``, one ``divmod`` and one concatenation a call (0.06 s).
tests/render/test_clock.py checks it equals ``clock`` everywhere it answers.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from ..sim.engine import clock

_FAST_LIMIT = 1e15  # below this a float's round() is an exact int: past it (or negative, NaN, inf) clock answers


@lru_cache(maxsize=1)
def _hour_tables() -> tuple[list[str], list[str]]:
    """The 3,600 texts of the first hour (``5:07``) and of any later one (``05:07``): made on first use, not at
    import (a few ms every simulate start would pay)."""
    first = [f"{minutes:d}:{secs:02d}" for minutes in range(60) for secs in range(60)]
    later = [f"{minutes:02d}:{secs:02d}" for minutes in range(60) for secs in range(60)]
    return first, later


def clock_formatter() -> Callable[[float], str]:
    """A function equal to ``clock`` (same text, same errors), fast for times that stay in one hour a while."""
    first_hour, in_hour = _hour_tables()
    hour_now = -1
    prefix = ""
    table = first_hour

    def formatted(seconds: float) -> str:
        nonlocal hour_now, prefix, table
        if (type(seconds) is not float and type(seconds) is not int) or not 0 <= seconds < _FAST_LIMIT:
            return clock(seconds)  # negative, huge, NaN, or not a plain number: as clock writes (or raises) it
        hour, rest = divmod(round(seconds), 3600)
        if hour != hour_now:
            days, hours = divmod(hour, 24)
            hour_now = hour
            table = in_hour if hour else first_hour
            prefix = (f"{days}d {hours}:" if days else f"{hours}:") if hour else ""
        return prefix + table[rest]

    return formatted
