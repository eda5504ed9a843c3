"""What one metric's computation is given, and how it fails: shared by replicas.py and pod_samples.py.

``MetricContext`` is the sync's state every per-metric path reads (the scale's
counts, its selected pods, the time, the controller's settings and tolerance band);
``MetricError`` carries the controller's error chain when a metric cannot be
computed. They live here, below both modules that use them, so that pod_samples.py
(which groups pods and raises on a missing request) need not import replicas.py,
which imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Mapping

from .model import ControllerSettings, Pod


class MetricError(Exception):
    """A metric the controller cannot compute; the text is the controller's error chain."""


@dataclass(frozen=True)
class Tolerances:
    """The band around 1.0 inside which the controller changes nothing (inclusive, v1.33+)."""

    down: float
    up: float

    def within(self, ratio: float) -> bool:
        return (1.0 - self.down) <= ratio <= (1.0 + self.up)


@dataclass(frozen=True)
class MetricContext:
    """The sync's state every per-metric path reads (built once per sync)."""

    spec_replicas: int
    status_replicas: int
    pods: tuple[Pod, ...]  # already selected by the scale's selector
    now: float
    settings: ControllerSettings
    tolerances: Tolerances
    weights: Mapping[str, int] = field(default_factory=dict)  # pod name -> Pod.count, where it is not 1

    def total(self, names: Collection[str]) -> int:
        """How many pods these names stand for (a sample without a pod counts once)."""
        weights = self.weights
        return sum(weights.get(name, 1) for name in names) if weights else len(names)
