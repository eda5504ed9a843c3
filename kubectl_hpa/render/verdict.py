"""The verdict on one decision, as data: what kind of thing the controller is doing, in a few words, and its tone.

Every view says it its own way (a summary row, watch's coloured line, the trace's
closing sentence) from this one judgement, so no view has to read another's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import branches
from ..core.conditions import SCALE_DOWN_STABILIZED, TOO_FEW, TOO_MANY
from ..core.model import Decision

# What the controller is doing.
CANNOT_READ_SCALE = "cannot-read-scale"
DISABLED = "disabled"
BAD_SELECTOR = "bad-selector"
METRIC_FAILING = "metric-failing"
SCALING = "scaling"
AT_BOUND = "at-bound"  # held at minReplicas or maxReplicas
LIMITED_BY_POLICY = "limited-by-policy"
SCALE_DOWN_WINDOW = "scale-down-window"
SCALE_UP_WINDOW = "scale-up-window"
WITHIN_TOLERANCE = "within-tolerance"
HOLDING = "holding"

GOOD, WARN, BAD = "good", "warn", "bad"
"""Tones: nothing to look at; a limit or a window is shaping the count; the HPA cannot work as meant."""
TONES = {CANNOT_READ_SCALE: BAD, DISABLED: BAD, BAD_SELECTOR: BAD, METRIC_FAILING: BAD, SCALING: WARN, AT_BOUND: WARN,
         LIMITED_BY_POLICY: WARN, SCALE_DOWN_WINDOW: WARN, SCALE_UP_WINDOW: WARN, WITHIN_TOLERANCE: GOOD,
         HOLDING: GOOD}


@dataclass(frozen=True)
class Verdict:
    kind: str
    """One of the kinds above."""
    text: str
    """A few words in the controller's terms: ``scaling up to max 10``, ``holding: scale-down window``."""

    @property
    def tone(self) -> str:
        return TONES[self.kind]


def judge(decision: Decision) -> Verdict:
    """What the controller is doing at this sync, and why, in a few words."""
    branch = decision.branch
    if branch == branches.FAILED_GET_SCALE:
        return Verdict(CANNOT_READ_SCALE, "error: cannot read target scale")
    if branch == branches.SCALING_DISABLED:
        return Verdict(DISABLED, "disabled: target at 0 replicas")
    if branch == branches.ABOVE_MAX:
        return Verdict(SCALING, f"scaling down to max {decision.desired_replicas}")
    if branch == branches.BELOW_MIN:
        return Verdict(SCALING, f"scaling up to min {decision.desired_replicas}")
    if branch in (branches.INVALID_SELECTOR, branches.AMBIGUOUS_SELECTOR):
        return Verdict(BAD_SELECTOR, "error: " + ("ambiguous selector" if branch == branches.AMBIGUOUS_SELECTOR
                                                  else "invalid selector"))
    if branch == branches.INVALID_METRICS:
        return Verdict(METRIC_FAILING, "metric failing: holding")
    stabilization, limit = decision.stabilization, decision.rate_limit
    limited = limit is not None and stabilization is not None and limit.result != stabilization.result
    if decision.rescale:
        direction = "up" if decision.desired_replicas > decision.current_replicas else "down"
        if limited and limit is not None:
            bounds = {TOO_MANY.reason: "max", TOO_FEW.reason: "min"}
            if limit.reason in bounds:
                return Verdict(SCALING, f"scaling {direction} to {bounds[limit.reason]} {limit.result}")
            return Verdict(SCALING, f"scaling {direction} (limited to {limit.result} by {limit.reason})")
        return Verdict(SCALING, f"scaling {direction}")
    if limited and limit is not None:
        if limit.reason == TOO_MANY.reason:
            return Verdict(AT_BOUND, "at max")
        if limit.reason == TOO_FEW.reason:
            return Verdict(AT_BOUND, "at min")
        return Verdict(LIMITED_BY_POLICY, "limited by policy")
    if stabilization is not None and stabilization.result != decision.proposed_replicas:
        if stabilization.reason == SCALE_DOWN_STABILIZED.reason:
            return Verdict(SCALE_DOWN_WINDOW, "holding: scale-down window")
        return Verdict(SCALE_UP_WINDOW, "holding: scale-up window")
    if decision.metrics and all(m.path == branches.WITHIN_TOLERANCE for m in decision.metrics if m.error is None):
        return Verdict(WITHIN_TOLERANCE, "holding: within tolerance")
    return Verdict(HOLDING, "holding")
