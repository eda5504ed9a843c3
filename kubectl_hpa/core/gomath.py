"""Go's integer arithmetic, where the controller's numbers depend on it.

Python's integers neither truncate nor overflow; the controller's do. Division truncates
toward zero, int64 sums wrap where nothing guards them, and a float64 converted to int32
out of range is whatever the platform gives: on amd64, MinInt32. Each release guarded more
of these sites (see versions.py), so the helpers take whether this site saturates.
"""

from __future__ import annotations

import math

MAX_INT32 = 2**31 - 1
MIN_INT32 = -(2**31)
MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)


def go_div(numerator: int, denominator: int) -> int:
    """Go's integer division: truncates toward zero (Python's // floors)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def go_ceil_int32(value: float, saturate: bool = True) -> int:
    """``int32(math.Ceil(x))``, saturating at MaxInt32 where the release caps that conversion.

    Go leaves an out-of-range float-to-int conversion to the platform. On amd64, where nearly every
    controller runs, it gives MinInt32 (the CPU's "integer indefinite"), NaN and infinities included: a
    proposal of -2147483648 that min/max clamping turns into minReplicas, so an extreme metric scaled the
    workload *down* (kubernetes#126892). The controller capped this one site at a time (1.34, 1.35) and
    everywhere in 1.38 (kubernetes#141397).
    """
    if not saturate:
        if not math.isfinite(value):
            return MIN_INT32
        rounded = math.ceil(value)
        return rounded if MIN_INT32 <= rounded <= MAX_INT32 else MIN_INT32
    if math.isnan(value):
        return 0
    return int(min(math.ceil(value), MAX_INT32)) if math.isfinite(value) else MAX_INT32


def go_int64(value: int) -> int:
    """An int64 sum as Go computes it without a guard: it wraps."""
    return (value - MIN_INT64) % 2**64 + MIN_INT64
