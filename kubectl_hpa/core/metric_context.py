"""What one metric's computation is given, and how it fails: shared by replicas.py and pod_samples.py.

``MetricContext`` is the sync's state every per-metric path reads (the scale's
counts, its selected pods, the time, the controller's settings and tolerance band);
``MetricError`` carries the controller's error chain when a metric cannot be
computed. They live here, below both modules that use them, so that pod_samples.py
(which groups pods and raises on a missing request) need not import replicas.py,
which imports it.
"""

from __future__ import annotations

from typing import Collection, Mapping, NamedTuple

from .model import NOTHING, ControllerSettings, Pod
from .versions import REPLICAS_CAPPED_AT_INT32


class MetricError(Exception):
    """A metric the controller cannot compute; the text is the controller's error chain."""


class Tolerances(NamedTuple):
    """The band around 1.0 inside which the controller changes nothing.

    From 1.33 (kubernetes#130797) it is the closed band ``(1 - down) <= ratio <= (1 + up)``; before, one
    tolerance and ``|1 - ratio| <= tolerance`` (``legacy``). They differ at the upper edge: 1 - 1.1 is
    -0.10000000000000009 in float64, so a ratio of exactly 1.1 with tolerance 0.1 was outside and is now inside.
    """

    down: float
    up: float
    legacy: bool = False

    def within(self, ratio: float) -> bool:
        if self.legacy:
            return abs(1.0 - ratio) <= self.up
        return (1.0 - self.down) <= ratio <= (1.0 + self.up)

    def outside(self, ratio: float) -> bool:
        """The test the per-pod (AverageValue) paths make. Before 1.33 it was ``|1 - ratio| > tolerance``, which
        is not "not within" for NaN (0 usage over 0 replicas): NaN was neither, so those paths kept the count."""
        if self.legacy:
            return abs(1.0 - ratio) > self.up
        return not self.within(ratio)


class MetricContext(NamedTuple):
    """The sync's state every per-metric path reads (built once per sync)."""

    spec_replicas: int
    status_replicas: int
    pods: tuple[Pod, ...]  # already selected by the scale's selector
    now: float
    settings: ControllerSettings
    tolerances: Tolerances
    weights: Mapping[str, int] = NOTHING  # pod name -> Pod.count, where it is not 1

    @property
    def saturates(self) -> bool:
        """Whether every int32 conversion of a proposal saturates (1.38, kubernetes#141397)."""
        return self.settings.has(REPLICAS_CAPPED_AT_INT32)

    def total(self, names: Collection[str]) -> int:
        """How many pods these names stand for (a sample without a pod counts once)."""
        weights = self.weights
        return sum(weights.get(name, 1) for name in names) if weights else len(names)
