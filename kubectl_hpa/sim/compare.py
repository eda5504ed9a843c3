"""Predicted against observed: a simulation next to a recorded real run (``watch --record``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Union

from ..record import Observation, ReplicaCount
from .engine import Result, Step


@dataclass(frozen=True)
class Comparison:
    samples: int
    mean_absolute_error: float
    root_mean_square_error: float
    max_absolute_error: int
    share_equal: float  # fraction of observations where prediction and reality agree
    observed: tuple[tuple[float, int], ...]  # (seconds from the first observation, replicas)

    def document(self) -> dict:
        return {"samples": self.samples, "meanAbsoluteError": round(self.mean_absolute_error, 4),
                "rootMeanSquareError": round(self.root_mean_square_error, 4),
                "maxAbsoluteError": self.max_absolute_error, "shareEqual": round(self.share_equal, 4)}


class Comparing:
    """A comparison built as the simulation streams by: the recording's start is aligned with t = 0, and each
    observation is compared with the last sync at or before it (the first sync, for one before it).

    The observations are taken in file order up to the first one past the run's end; they are matched to
    the syncs in time order, so nothing but the observations is kept.
    """

    def __init__(self, observations: Sequence[Union[Observation, ReplicaCount]], duration: float) -> None:
        origin = observations[0].time if observations else 0.0
        kept: list[tuple[float, int]] = []
        for observation in observations:
            offset = observation.time - origin
            if offset > duration:
                break
            kept.append((offset, observation.current_replicas))
        self.observed = kept
        self._order = sorted(range(len(kept)), key=lambda index: kept[index][0])
        self.reset()

    def reset(self) -> None:
        """Start over (the run is streamed again)."""
        self._predicted: list[Optional[int]] = [None] * len(self.observed)
        self._next = 0  # the first observation, in time order, not yet matched
        self._last: Optional[int] = None  # the previous sync's desired replicas

    def add(self, step: Step) -> None:
        order, observed, predicted = self._order, self.observed, self._predicted
        while self._next < len(order) and observed[order[self._next]][0] < step.t:
            predicted[order[self._next]] = step.desired if self._last is None else self._last
            self._next += 1
        self._last = step.desired

    def result(self) -> Comparison:
        """The comparison, once the run has been streamed to its end."""
        if self._last is not None:
            for position in range(self._next, len(self._order)):
                self._predicted[self._order[position]] = self._last
        errors = [predicted - replicas for predicted, (_, replicas) in zip(self._predicted, self.observed, strict=True)
                  if predicted is not None]
        if not errors:
            return Comparison(0, 0.0, 0.0, 0, 0.0, ())
        absolute = [abs(error) for error in errors]
        return Comparison(
            samples=len(errors), mean_absolute_error=sum(absolute) / len(errors),
            root_mean_square_error=math.sqrt(sum(error * error for error in errors) / len(errors)),
            max_absolute_error=max(absolute), share_equal=sum(1 for error in errors if error == 0) / len(errors),
            observed=tuple(self.observed))


def compare(result: Result, observations: Sequence[Union[Observation, ReplicaCount]]) -> Comparison:
    """The comparison of a run held in memory with the recording (see :class:`Comparing`)."""
    comparing = Comparing(observations, result.duration)
    for step in result.steps:
        comparing.add(step)
    return comparing.result()
