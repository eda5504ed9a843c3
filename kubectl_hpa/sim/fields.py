"""Field checks for the simulator's YAML: one-line errors that name the field, as ``where: what is wrong``.

The scenario file (scenario.py) and its ``load:`` section (load.py) validate the same kinds of
values, and a user should read the same words for the same mistake in either. Both import these
checks from here, so neither has to import the other's private helpers.

``where`` is the dotted path of the field (``workload.startup.mean``, ``load.steps[2].at``);
:func:`field_path` joins one more key onto it.

The stages file (pipeline/stages.py) has its own checks on purpose: it is a format shared with
loadgen/, which must run without this package's simulator, and its errors are plain ValueErrors.
"""

from __future__ import annotations

import math
from typing import Any

from ..core.quantity import QuantityError, parse_duration, parse_milli, parse_quantity


class ScenarioError(ValueError):
    """A scenario that cannot run; the message names the field."""


def field_path(path: str, key: str) -> str:
    """``path.key``, or ``key`` at the top of the document."""
    return f"{path}.{key}" if path else key


def as_mapping(raw: Any, where: str) -> dict:
    """A section that must be a mapping; an absent section (None) is an empty one, so defaults apply."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: expected a mapping, got {type(raw).__name__}")
    return raw


def reject_unknown(raw: dict, known: set[str], where: str) -> None:
    """A misspelt key would otherwise be ignored and its default used silently: name the first one."""
    extra = sorted(set(raw) - known)
    if extra:
        raise ScenarioError(f"{field_path(where, extra[0])}: unknown field (known: {', '.join(sorted(known))})")


def as_seconds(raw: Any, where: str, positive: bool = True) -> float:
    """A duration (``30s``, ``5m``, ``1h`` or a number of seconds); ``positive=False`` also allows 0."""
    try:
        value = parse_duration(raw)
    except (ValueError, TypeError):
        raise ScenarioError(f"{where}: expected a duration like 30s, 5m or 1h, got {raw!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ScenarioError(f"{where}: must be {'greater than 0' if positive else '>= 0'}, got {raw!r}")
    return value


def as_number(raw: Any, where: str, minimum: float = 0.0) -> float:
    """A finite YAML number of at least ``minimum`` (``true`` is not 1: YAML booleans are rejected)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise ScenarioError(f"{where}: expected a number, got {raw!r}")
    if raw < minimum:
        raise ScenarioError(f"{where}: must be at least {minimum:g}, got {raw!r}")
    return float(raw)


def as_milli(raw: Any, where: str) -> int:
    """A Kubernetes quantity in milli-units, rounded up as ``Quantity.MilliValue()`` does."""
    try:
        return parse_milli(raw)
    except QuantityError:
        raise ScenarioError(f"{where}: invalid quantity {raw!r}") from None


def as_exact_milli(raw: Any, where: str) -> float:
    """A quantity in milli-units that keeps its fraction: model coefficients are not requests,
    so 1.3m per request is 1.3, not rounded up to 2."""
    try:
        value = float(parse_quantity(raw) * 1000)
    except (QuantityError, OverflowError):
        raise ScenarioError(f"{where}: invalid quantity {raw!r}") from None
    if value < 0:
        raise ScenarioError(f"{where}: must not be negative, got {raw!r}")
    return value
