"""The controller's words: condition types, the reasons and messages it writes, its rescale event.

Every string here is the controller's own (horizontal.go), so that a user can grep our
output and the Kubernetes source for the same term. Renderers, the simulator,
watch and the diagnostics compare against these names instead of retyping them.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

# The HPA's status.conditions types.
ABLE_TO_SCALE = "AbleToScale"
SCALING_ACTIVE = "ScalingActive"
SCALING_LIMITED = "ScalingLimited"
SCALED_TO_ZERO = "ScaledToZero"


class Reason(NamedTuple):
    """A condition's reason and the message the controller writes with it."""

    reason: str
    message: str


# AbleToScale, from the stabilization step.
READY_FOR_NEW_SCALE = Reason("ReadyForNewScale", "recommended size matches current size")
SCALE_DOWN_STABILIZED = Reason("ScaleDownStabilized", "recent recommendations were higher than current one, "
                               "applying the highest recent recommendation")
SCALE_UP_STABILIZED = Reason("ScaleUpStabilized", "recent recommendations were lower than current one, "
                             "applying the lowest recent recommendation")
# ScalingLimited, from the rate limits and min/max.
WITHIN_RANGE = Reason("DesiredWithinRange", "the desired count is within the acceptable range")
TOO_MANY = Reason("TooManyReplicas", "the desired replica count is more than the maximum replica count")
TOO_FEW = Reason("TooFewReplicas", "the desired replica count is less than the minimum replica count")
SCALE_UP_LIMIT = Reason("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
SCALE_DOWN_LIMIT = Reason("ScaleDownLimit",
                          "the desired replica count is decreasing faster than the maximum scale rate")

# The other reasons the controller writes (conditions and events), each used by more than one module.
SUCCEEDED_RESCALE = "SucceededRescale"
"""AbleToScale=True after a scale write: the live status says the controller just rescaled."""
FAILED_RESCALE = "FailedRescale"
"""The Warning event of a rejected scale write."""
SUCCESSFUL_RESCALE = "SuccessfulRescale"
"""The Normal event of a rescale, whose message :func:`rescale_message` writes."""

_RESCALE = re.compile(r"New size: (\d+); reason: (.*)", re.DOTALL)


def rescale_message(desired: int, reason: str) -> str:
    """The SuccessfulRescale event's message: ``New size: 4; reason: cpu resource utilization ... above target``."""
    return f"New size: {desired}; reason: {reason}"


def parse_rescale_message(message: str) -> Optional[tuple[int, str]]:
    """(new size, reason) of a SuccessfulRescale message, or None when it is not one."""
    match = _RESCALE.search(message)
    return (int(match.group(1)), match.group(2)) if match else None
