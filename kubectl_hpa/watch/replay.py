"""``kubectl hpa explain --timeline FILE.jsonl``: a recorded watch, told rescale by rescale.

For every change of ``currentReplicas`` it shows what the controller saw just
before (metrics, replicas, conditions, the core's verdict as recorded) and why it
moved: the reason of the SuccessfulRescale event when one was recorded for it,
else the rescale reason the core computed, else the verdict.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional

from ..record import Observation, RecordError, read_observations
from ..render.style import Style
from ..timefmt import format_clock, format_time, parse_time

RESCALE_MESSAGE = re.compile(r"New size: (\d+); reason: (.*)")


def load(path: Path, name: Optional[str], namespace: Optional[str]) -> list[Observation]:
    """The observations of one HPA: NAME (in NAMESPACE), or the only HPA of the file."""
    hpa = None
    if name and namespace:
        hpa = f"{namespace}/{name}"
    elif name:
        keys = set()
        try:
            for line in path.read_text().splitlines():
                if line.strip():
                    target = json.loads(line).get("hpa") or {}
                    if target.get("name") == name:
                        keys.add(f"{target.get('namespace', 'default')}/{name}")
        except (OSError, ValueError, AttributeError):
            keys = set()  # read_observations words the problem
        if len(keys) > 1:
            raise RecordError(f"{path}: {name} is in several namespaces ({', '.join(sorted(keys))}); pass -n")
        hpa = next(iter(keys), f"{namespace or 'default'}/{name}")
    return read_observations(path, hpa=hpa)


def _metrics(observation: Observation) -> str:
    cells = []
    for metric in observation.metrics:
        if not isinstance(metric, dict):
            continue
        unit = str(metric.get("unit") or "")
        current = metric.get("current")
        if current is None:
            shown = "<forbidden>" if metric.get("error") == "forbidden" else "<unknown>"
        else:
            shown = f"{current}{unit}"
        target = metric.get("target")
        cells.append(f"{metric.get('name', '?')}: {shown}/{'?' if target is None else f'{target}{unit}'}")
    return ", ".join(cells) or "no metrics recorded"


def _conditions(observation: Observation) -> str:
    parts = []
    for condition in observation.conditions:
        if isinstance(condition, dict):
            parts.append(f"{condition.get('type')}={condition.get('status')} ({condition.get('reason', '')})")
    return ", ".join(parts)


def _why(before: Observation, after: Observation) -> str:
    event = after.extra.get("lastRescale")
    if isinstance(event, dict):
        try:
            stamp = parse_time(str(event.get("time")))
        except ValueError:
            stamp = None
        match = RESCALE_MESSAGE.match(str(event.get("message", "")))
        if stamp is not None and stamp > before.time - 1 and match:
            return f"{match.group(2)} (event SuccessfulRescale at {format_clock(stamp)}: New size: {match.group(1)})"
    reason = before.extra.get("rescaleReason")
    if reason:
        return f"{reason} (computed from what was observed at {format_clock(before.time)})"
    for condition in after.conditions:
        if isinstance(condition, dict) and condition.get("type") == "AbleToScale" and \
                condition.get("reason") == "SucceededRescale":
            return str(condition.get("message", ""))
    return f"the controller moved between two observations; the verdict before was: {before.verdict or 'unknown'}"


def render_replay(observations: list[Observation], style: Style = Style()) -> str:
    first, last = observations[0], observations[-1]
    moves = [(before, after) for before, after in zip(observations, observations[1:])  # noqa: B905
             if after.current_replicas != before.current_replicas]
    out = [style.bold(f"Timeline of {first.key}: {len(observations)} observations from {format_time(first.time)} "
                      f"to {format_time(last.time)}, {len(moves)} rescale{'s' if len(moves) != 1 else ''}."), ""]
    if not moves:
        out.append(f"No rescale: replicas stayed at {first.current_replicas}. Last verdict: {last.verdict or '-'}.")
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
    out.append(f"Now ({format_clock(last.time)}): replicas {last.current_replicas}; {last.verdict or '-'}.")
    return "\n".join(out) + "\n"
