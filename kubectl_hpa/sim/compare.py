"""Predicted against observed: a simulation next to a recorded real run (``watch --record``)."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from ..record import Observation
from .engine import Result


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


def compare(result: Result, observations: list[Observation]) -> Comparison:
    """Align the recording's start with t = 0 and compare replicas at each observation."""
    origin = observations[0].time
    times = [step.t for step in result.steps]
    errors = []
    observed = []
    for observation in observations:
        offset = observation.time - origin
        if offset > result.duration:
            break
        index = bisect.bisect_right(times, offset) - 1
        predicted = result.steps[max(index, 0)].desired
        errors.append(predicted - observation.current_replicas)
        observed.append((offset, observation.current_replicas))
    if not errors:
        return Comparison(0, 0.0, 0.0, 0, 0.0, ())
    absolute = [abs(error) for error in errors]
    return Comparison(
        samples=len(errors), mean_absolute_error=sum(absolute) / len(errors),
        root_mean_square_error=math.sqrt(sum(error * error for error in errors) / len(errors)),
        max_absolute_error=max(absolute), share_equal=sum(1 for error in errors if error == 0) / len(errors),
        observed=tuple(observed))
