"""Two-sided assertions on a replica timeline: "by the deadline" and "not before", as upstream's HPA e2e does.

A :class:`Sample` is one poll: wall time, the scale target's ``spec.replicas`` (what the HPA decided) and its
``readyReplicas`` (what is serving). Scale-out counts ready replicas (as upstream WaitForReplicas does); scale-in
and "no scale-in while load holds" count ``spec.replicas`` (the decision, seen without pod-termination lag).
Every failure message carries the timeline around the event, so a red test explains itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence


@dataclass(frozen=True)
class Sample:
    t: float  # seconds (epoch or any common origin)
    replicas: int  # scale target spec.replicas
    ready: int  # scale target status.readyReplicas


class ScalingAssertionError(AssertionError):
    pass


@dataclass(frozen=True)
class Outcome:
    """What a check measured: the event time relative to its reference, and the allowed window."""

    check: str
    seconds: Optional[float]
    lower_s: Optional[float]
    upper_s: Optional[float]
    passed: bool
    message: str

    def document(self) -> dict:
        return {"check": self.check, "seconds": None if self.seconds is None else round(self.seconds, 1),
                "notBefore": self.lower_s, "deadline": self.upper_s, "passed": self.passed, "message": self.message}


def render_samples(samples: Iterable[Sample], origin: float) -> str:
    return ", ".join(f"{s.t - origin:+.0f}s:{s.replicas}/{s.ready}" for s in samples) or "(no samples)"


def _ordered(samples: Sequence[Sample]) -> list[Sample]:
    return sorted(samples, key=lambda s: s.t)


def check_at_min_before_load(samples: Sequence[Sample], load_start: float, min_replicas: int) -> Outcome:
    """The baseline: the target sits at minReplicas when the load starts (no scale-out before load)."""
    before = [s for s in _ordered(samples) if s.t <= load_start]
    if not before:
        return Outcome("at-min-before-load", None, None, None, False, "no sample before the load started")
    bad = [s for s in before if s.replicas != min_replicas]
    message = (f"replicas at minReplicas={min_replicas} before the load" if not bad else
               f"replicas left minReplicas={min_replicas} before any load: {render_samples(before, load_start)}")
    return Outcome("at-min-before-load", None, None, None, not bad, message)


def check_scale_out(samples: Sequence[Sample], load_start: float, at_least: int, deadline_s: float) -> Outcome:
    """At least ``at_least`` ready replicas within ``deadline_s`` of the load starting."""
    for sample in _ordered(samples):
        if sample.t >= load_start and sample.ready >= at_least:
            waited = sample.t - load_start
            passed = waited <= deadline_s
            message = (f"{at_least}+ ready replicas {waited:.0f}s after the load started (deadline {deadline_s:.0f}s)"
                       if passed else
                       f"{at_least}+ ready replicas only {waited:.0f}s after the load started, past the "
                       f"{deadline_s:.0f}s deadline: {render_samples(samples, load_start)}")
            return Outcome("scale-out", waited, None, deadline_s, passed, message)
    return Outcome("scale-out", None, None, deadline_s, False,
                   f"never reached {at_least} ready replicas (deadline {deadline_s:.0f}s after the load started): "
                   f"{render_samples(samples, load_start)}")


def check_no_scale_in_while_loaded(samples: Sequence[Sample], reached: float, load_stop: float,
                                   at_least: int) -> Outcome:
    """From reaching ``at_least`` until the load stopped, spec.replicas never went below it."""
    held = [s for s in _ordered(samples) if reached <= s.t <= load_stop]
    dips = [s for s in held if s.replicas < at_least]
    span = load_stop - reached
    if dips:
        return Outcome("no-scale-in-under-load", span, None, None, False,
                       f"scaled in to {dips[0].replicas} at {dips[0].t - reached:+.0f}s while the load held (it held "
                       f"for {span:.0f}s after reaching {at_least}): {render_samples(held, reached)}")
    return Outcome("no-scale-in-under-load", span, None, None, True,
                   f"stayed at >= {at_least} replicas for the {span:.0f}s the load held ({len(held)} polls)")


def check_scale_in(samples: Sequence[Sample], load_stop: float, min_replicas: int, not_before_s: float,
                   deadline_s: float) -> Outcome:
    """Back at minReplicas within ``deadline_s`` of the load stopping, and no scale-in before ``not_before_s``."""
    after = [s for s in _ordered(samples) if s.t >= load_stop]
    if not after:
        return Outcome("scale-in", None, not_before_s, deadline_s, False, "no sample after the load stopped")
    peak = after[0].replicas
    first_drop = next((s for s in after if s.replicas < peak), None)
    at_min = next((s for s in after if s.replicas <= min_replicas), None)
    if first_drop is not None and first_drop.t - load_stop < not_before_s:
        return Outcome("scale-in", first_drop.t - load_stop, not_before_s, deadline_s, False,
                       f"scaled in {first_drop.t - load_stop:.0f}s after the load stopped, before the {not_before_s:.0f}s "
                       f"lower bound (stabilization window minus one sync): {render_samples(after, load_stop)}")
    if at_min is None:
        return Outcome("scale-in", None, not_before_s, deadline_s, False,
                       f"not back to minReplicas={min_replicas} within {deadline_s:.0f}s of the load stopping: "
                       f"{render_samples(after, load_stop)}")
    waited = at_min.t - load_stop
    if waited > deadline_s:
        return Outcome("scale-in", waited, not_before_s, deadline_s, False,
                       f"back to minReplicas only {waited:.0f}s after the load stopped, past the {deadline_s:.0f}s "
                       f"deadline: {render_samples(after, load_stop)}")
    return Outcome("scale-in", waited, not_before_s, deadline_s, True,
                   f"back to minReplicas={min_replicas} {waited:.0f}s after the load stopped "
                   f"(window: not before {not_before_s:.0f}s, deadline {deadline_s:.0f}s)")


def check_load_delivered(requests: Optional[int], failures: Optional[int], expected: float,
                         min_share: float = 0.8, max_failure_share: float = 0.01) -> Outcome:
    """The load itself: locust sent at least ``min_share`` of what the plan offers over the time it ran, and at most
    ``max_failure_share`` of the requests failed. Otherwise a broken NodePort or an overloaded runner would read as
    "the HPA never scaled"."""
    if requests is None:
        return Outcome("load-delivered", None, None, None, False,
                       "locust wrote no totals (it did not start, or was killed before writing them): see locust.log")
    share = requests / expected if expected > 0 else 1.0
    failed = (failures or 0) / requests if requests else 0.0
    problems = []
    if share < min_share:
        problems.append(f"only {requests} requests of the {expected:.0f} the plan offers ({share:.0%} < {min_share:.0%})")
    if failed > max_failure_share:
        problems.append(f"{failures} of {requests} requests failed ({failed:.1%} > {max_failure_share:.0%})")
    message = "; ".join(problems) or (f"{requests} requests ({share:.0%} of the {expected:.0f} planned), "
                                      f"{failures or 0} failed")
    return Outcome("load-delivered", None, None, None, not problems, message)


def require(outcome: Outcome) -> Outcome:
    if not outcome.passed:
        raise ScalingAssertionError(f"{outcome.check}: {outcome.message}")
    return outcome
