"""``kubectl hpa explain --timeline FILE.jsonl``: a recorded watch, told rescale by rescale.

For every change of ``currentReplicas`` it shows what the controller saw just
before (metrics, replicas, conditions, the core's verdict as recorded) and why it
moved: the reason of the SuccessfulRescale event when one was recorded for it,
else the rescale reason the core computed, else the verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..core.conditions import ABLE_TO_SCALE, SUCCEEDED_RESCALE, parse_rescale_message
from ..record import Observation, RecordError, choose, read_all
from ..render.style import Style
from ..timefmt import format_clock, format_time

"""The AbleToScale reason the controller sets after it changed the target's scale."""


def load(path: Path, name: Optional[str], namespace: Optional[str]) -> list[Observation]:
    """The observations of one HPA: NAME (in NAMESPACE; without one, the namespace the file has it in),
    or the only HPA of the file."""
    observations = read_all(path)
    hpa = None
    if name and namespace:
        hpa = f"{namespace}/{name}"
    elif name:
        keys = {observation.key for observation in observations if observation.name == name}
        if len(keys) > 1:
            raise RecordError(f"{path}: {name} is in several namespaces ({', '.join(sorted(keys))}); pass -n")
        hpa = next(iter(keys), f"default/{name}")
    return choose(path, observations, hpa=hpa)


def _metrics(observation: Observation) -> str:
    cells = []
    for metric in observation.metrics:
        unit = metric.unit or ""
        if metric.current is None:
            shown = "<forbidden>" if metric.error == "forbidden" else "<unknown>"
        else:
            shown = f"{metric.current}{unit}"
        target = "?" if metric.target is None else f"{metric.target}{unit}"
        cells.append(f"{metric.name}: {shown}/{target}")
    return ", ".join(cells) or "no metrics recorded"


def _conditions(observation: Observation) -> str:
    parts = []
    for condition in observation.conditions:
        if isinstance(condition, dict):
            parts.append(f"{condition.get('type')}={condition.get('status')} ({condition.get('reason', '')})")
    return ", ".join(parts)


def _why(before: Observation, after: Observation) -> str:
    """The controller's own reason when its event was recorded for this move, else ours, else its condition."""
    event = after.last_rescale
    if event is not None and event.time > before.time - 1:
        parsed = parse_rescale_message(event.message)
        if parsed is not None:
            size, reason = parsed
            return f"{reason} (event SuccessfulRescale at {format_clock(event.time)}: New size: {size})"
    if before.rescale_reason:
        return f"{before.rescale_reason} (computed from what was observed at {format_clock(before.time)})"
    for condition in after.conditions:
        if isinstance(condition, dict) and condition.get("type") == ABLE_TO_SCALE and \
                condition.get("reason") == SUCCEEDED_RESCALE:
            return str(condition.get("message", ""))
    return f"the controller moved between two observations; the verdict before was: {before.verdict or 'unknown'}"


def render_replay(observations: list[Observation], style: Style = Style()) -> str:
    first, last = observations[0], observations[-1]
    moves = [(before, after) for before, after in zip(observations, observations[1:])  # noqa: B905
             if after.current_replicas != before.current_replicas]
    out = [style.bold(f"Timeline of {first.key}: {len(observations)} observations from {format_time(first.time)} "
                      f"to {format_time(last.time)}, {len(moves)} rescale{'s' if len(moves) != 1 else ''}."), ""]
    if not moves:
        last_verdict = f"Last verdict: {last.verdict.rstrip('.')}." if last.verdict else "No verdict recorded."
        out.append(f"No rescale: replicas stayed at {first.current_replicas}. {last_verdict}")
        out += _shadow_lines(observations)
        return "\n".join(out) + "\n"
    for before, after in moves:
        direction = "up" if after.current_replicas > before.current_replicas else "down"
        tone = style.warn if direction == "up" else style.good
        out.append(tone(f"{format_clock(after.time)}  {before.current_replicas} -> {after.current_replicas} "
                        f"(scale {direction})"))
        desired = f", desired {before.desired_replicas}" if before.desired_replicas is not None else ""
        out.append(f"  saw at {format_clock(before.time)}: {_metrics(before)}; replicas {before.current_replicas}"
                   f"{desired}")
        if before.verdict:
            out.append(f"  verdict: {before.verdict}")
        out.append(f"  why: {_why(before, after)}")
        conditions = _conditions(before)
        if conditions:
            out.append(f"  conditions: {conditions}")
        out.append("")
    verdict = last.verdict.rstrip(".") if last.verdict else "no verdict recorded"
    out.append(f"Now ({format_clock(last.time)}): replicas {last.current_replicas}; {verdict}.")
    out += _shadow_lines(observations)
    return "\n".join(out) + "\n"


def _shadow_lines(observations: list[Observation]) -> list[str]:
    """``watch --shadow`` recordings: where the candidate spec would have set other replicas than the live
    spec, one line each time that difference starts or changes (nothing for a recording without one)."""
    shadowed = [o for o in observations if o.shadow is not None]
    if not shadowed:
        return []
    name = str(shadowed[0].shadow.get("name", "candidate")) if shadowed[0].shadow else "candidate"
    differing = [o for o in shadowed if o.shadow and o.shadow.get("differs")]
    out = ["", f"Shadow {name}: differs from the live spec at {len(differing)} of {len(shadowed)} observations."]
    shown: object = None
    for observation in shadowed:
        shadow = observation.shadow or {}
        live = observation.computed_replicas
        key = (shadow.get("computedReplicas"), live) if shadow.get("differs") else None
        if key != shown:
            if key is None:
                out.append(f"  {format_clock(observation.time)}  same again: {live}")
            else:
                why = shadow.get("rescaleReason") or shadow.get("verdict", "")
                out.append(f"  {format_clock(observation.time)}  live spec {live}, {name} "
                           f"{shadow.get('computedReplicas')}: {why}")
            shown = key
    return out
