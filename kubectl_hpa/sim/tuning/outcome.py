"""What a tune found: the typed result the use case returns and every view renders (report, JSON, plot)."""

from __future__ import annotations

from dataclasses import dataclass

from ..load import LoadProfile
from ..scenario import Scenario
from .objectives import Capacity
from .search import Constraints, SearchResult
from .space import Space


@dataclass(frozen=True)
class Tuning:
    """The current spec and every candidate replayed (``result``), with what they were judged by."""

    scenario: Scenario
    load: LoadProfile
    duration: float
    space: Space
    result: SearchResult
    constraints: Constraints
    """In effect: the defaults (the current spec's figures) filled in."""
    objective: str
    capacity: Capacity
    margin: float
    elapsed_seconds: float
    notes: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    """What the figures rest on, one line each (the report prints them)."""
