"""Kubernetes quantities (``967m``, ``50Mi``) and Go durations (``1m0s``), without the client.

Importing the ``kubernetes`` package costs 0.2-0.5 s, too much for a plugin's
offline path, so this module follows apimachinery's ``resource.Quantity``
grammar and rounding itself. ``tests/core/test_quantity.py`` proves it agrees
with the client's ``parse_quantity`` on a broad table and on generated strings.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}

# sign, digits with an optional fraction, then a binary suffix, a decimal suffix or an exponent.
_QUANTITY = re.compile(
    r"^(?P<sign>[+-]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$"
)
_NANO = Fraction(1, 10**9)

MAX_MAGNITUDE = 308
"""The largest power of ten a quantity may reach (``1e308``; ``1e309`` is refused). apimachinery holds a quantity
as an int64 scaled by a power of ten and caps it at 2^63-1 (about 9.2e18); nothing here can use more than a
float holds (about 1.8e308) either. Bounding the exponent keeps parsing O(1): ``1e999999999`` is refused at once
instead of computing a number of a billion digits. Values below one nano-unit need no bound: they round to 1n."""

MAX_DIGITS = 4000
"""The most digits a quantity may have, leading zeros aside (Python refuses to convert more than 4300 to an int)."""


class QuantityError(ValueError):
    """A string that Kubernetes would reject as a quantity."""


def parse_quantity(text: str | int | float) -> Fraction:
    """Return the exact value of a quantity, rounded up to nanounits as apimachinery does.

    apimachinery rounds any non-zero value away from zero to a whole number of
    nano-units when parsing ("if you want some resources, you should get some"),
    so ``0.1n`` is read as ``1n``.
    """
    if isinstance(text, bool):
        raise QuantityError(f"quantities must be strings or numbers, got {text!r}")
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise QuantityError(f"quantities must be finite, got {text!r}")
        text = repr(text)
    raw = str(text).strip()
    match = _QUANTITY.match(raw)
    if not raw or match is None or (not match["int"] and not match["frac"]):
        raise QuantityError(f"quantities must match the regular expression "
                            f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got {str(text)!r}")
    whole, fraction = match["int"].lstrip("0"), match["frac"] or ""
    significant = (whole + fraction).lstrip("0")
    if not significant:
        return Fraction(0)  # zero, whatever its exponent
    if len(significant) > MAX_DIGITS:
        raise QuantityError(f"quantity {str(text)!r} has more than {MAX_DIGITS} digits")
    value = Fraction(int(significant), 10 ** len(fraction))
    suffix = match["suffix"] or ""
    if suffix in _BINARY_SUFFIXES:
        value *= 2 ** _BINARY_SUFFIXES[suffix]
    elif suffix in _DECIMAL_SUFFIXES:
        value *= Fraction(10) ** _DECIMAL_SUFFIXES[suffix]
    else:  # exponent form, 1e3: bounded before any arithmetic, so parsing stays O(1) whatever the exponent
        negative, exponent_digits = suffix[1] == "-", suffix[1:].lstrip("+-").lstrip("0")
        # the power of ten of the leading digit: 1e3 -> 3, 0.05e3 -> 1
        leading = len(whole) - 1 if whole else -(len(fraction) - len(fraction.lstrip("0")) + 1)
        if len(exponent_digits) > 6:  # |exponent| >= 10**6: far beyond both bounds below
            magnitude = -MAX_MAGNITUDE - 10 if negative else MAX_MAGNITUDE + 1
        else:
            exponent = int(exponent_digits or "0")
            magnitude = leading + (-exponent if negative else exponent)
        if magnitude > MAX_MAGNITUDE:
            raise QuantityError(f"quantity {str(text)!r} is too large (beyond 10^{MAX_MAGNITUDE})")
        if magnitude < -9:  # below one nano-unit: apimachinery rounds it up (away from zero) to 1n
            return -_NANO if match["sign"] == "-" else _NANO
        value *= Fraction(10) ** (magnitude - leading)
    if match["sign"] == "-":
        value = -value
    if value and value.denominator != 1 and (value / _NANO).denominator != 1:
        nanos = value / _NANO
        rounded = math.ceil(nanos) if nanos > 0 else math.floor(nanos)
        value = rounded * _NANO
    return value


def to_milli(value: Fraction) -> int:
    """``Quantity.MilliValue()``: the value in milli-units, rounded up (ceil)."""
    return math.ceil(value * 1000)


MAX_MILLI = 2**63 - 1  # Quantity.MilliValue() is an int64


_WHOLE = re.compile(r"^(\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|)$")
_WHOLE_FACTORS = {"m": 1, "": 1000} | {name: 10 ** power * 1000 for name, power in _DECIMAL_SUFFIXES.items()
                                        if power > 0} | {name: 2**bits * 1000 for name, bits in _BINARY_SUFFIXES.items()}


def parse_milli(text: str | int | float) -> int:
    """Parse a quantity straight to milli-units, the unit the controller computes in.

    Whole numbers with an exact suffix (``120m``, ``50Mi``, ``2``), by far the most common in what the API
    serves, skip the exact-fraction arithmetic: a watch parses thousands of them per refresh."""
    whole = _WHOLE.match(text) if isinstance(text, str) else None
    milli = int(whole[1]) * _WHOLE_FACTORS[whole[2]] if whole else to_milli(parse_quantity(text))
    if abs(milli) > MAX_MILLI:
        raise QuantityError(f"quantity {str(text)!r} is too large (its milli-value exceeds int64)")
    return milli


def format_milli(milli: int, binary: bool = False) -> str:
    """Print milli-units as ``resource.NewMilliQuantity(v, format).String()`` does.

    DecimalSI picks the largest power-of-1000 suffix that keeps the mantissa whole
    (``1500m``, ``2k``); BinarySI uses Ki/Mi/... only for whole multiples of 1024 of at
    least 1024, and falls back to DecimalSI otherwise, as apimachinery does.
    """
    if milli == 0:
        return "0"
    if binary and abs(milli) >= 1024 * 1000 and milli % 1000 == 0:
        whole = milli // 1000
        exponent = 0
        while whole % 1024 == 0 and exponent < 60:
            whole //= 1024
            exponent += 10
        binary_names = {0: ""} | {bits: name for name, bits in _BINARY_SUFFIXES.items()}
        return f"{whole}{binary_names[exponent]}"
    sign = "-" if milli < 0 else ""
    mantissa = abs(milli)
    exponent = -3
    while mantissa % 1000 == 0 and exponent < 18:
        mantissa //= 1000
        exponent += 3
    suffix = {power: name for name, power in _DECIMAL_SUFFIXES.items()}[exponent]
    return f"{sign}{mantissa}{suffix}"


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | int | float) -> float:
    """Parse a Go duration (``1m0s``, ``90s``, ``1h30m``, ``500ms``) or plain seconds to seconds.

    ``d`` is accepted for days as a convenience for simulation lengths (``30d``);
    Go itself has no day unit.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    raw = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return float(raw)
    days = re.fullmatch(r"(\d+)d(.*)", raw)
    total = 0.0
    if days:
        total, raw = int(days[1]) * 86400.0, days[2]
        if not raw:
            return total
    position = 0
    for part in _DURATION_PART.finditer(raw):
        if part.start() != position:
            break
        total += float(part[1]) * _DURATION_UNITS[part[2]]
        position = part.end()
    if position != len(raw) or not raw:
        raise ValueError(f"invalid duration {str(text)!r} (use e.g. 30s, 5m, 1h30m)")
    return total


def format_duration(seconds: float) -> str:
    """Print seconds like Go's ``time.Duration.String()`` for whole seconds (``5m0s``, ``1h0m0s``)."""
    whole = int(round(seconds))
    if whole == 0:
        return "0s"
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"
