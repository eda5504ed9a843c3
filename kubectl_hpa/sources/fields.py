"""Typed field readers shared by every part of the snapshot reader.

Each one reads one field (a timestamp, a quantity, an integer, a duration, a label selector) and,
when the value is not what the API would serve, raises a :class:`SnapshotError` that names the
file and the field: ``source`` is the file, ``where`` the object and field (``Pod/web-1: status.startTime``).
The HPA, pod, scale, metric and state readers all word their errors through these, so the same
mistake reads the same wherever it is made.
"""

from __future__ import annotations

from typing import Any, Optional

from ..core.model import LabelSelector
from ..core.quantity import QuantityError, parse_duration, parse_milli
from ..timefmt import parse_time
from .errors import SnapshotError
from .kube import SelectorShapeError, label_selector


def read_time(value: Any, source: str, where: str) -> float:
    """An RFC 3339 timestamp as Unix seconds."""
    try:
        return parse_time(str(value))
    except ValueError:
        raise SnapshotError(f"{source}: {where}: invalid timestamp {value!r} (want RFC 3339)") from None


def read_milli(value: Any, source: str, where: str) -> int:
    """A Kubernetes quantity (``250m``, ``50Mi``, ``2``) in milli-units, the unit the controller computes in."""
    try:
        return parse_milli(value)
    except QuantityError:
        raise SnapshotError(f"{source}: {where}: invalid quantity {value!r}") from None


def read_int(value: Any, source: str, where: str, minimum: Optional[int] = None) -> int:
    """An integer field (a bool is not one, though Python says so), at least ``minimum`` when given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise SnapshotError(f"{source}: {where}: expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise SnapshotError(f"{source}: {where}: must be at least {minimum}, got {value}")
    return value


def read_duration(value: Any, source: str, where: str) -> float:
    """A Go duration (``1m0s``, ``30s``) or plain seconds, in seconds (PodMetrics' ``window``)."""
    try:
        return parse_duration(value)
    except ValueError:
        raise SnapshotError(f"{source}: {where}: invalid duration {value!r}") from None


def read_selector(raw: Any, source: str, where: str) -> Optional[LabelSelector]:
    """A metav1.LabelSelector object (None for none); ``where`` names the field when it is not an object."""
    try:
        return label_selector(raw)
    except SelectorShapeError as error:
        raise SnapshotError(f"{source}: {where}: {error}") from None
