"""``kubectl hpa tune``'s views: the report (current vs recommended, the Pareto front, the manifest and its
diff, the assumptions) and the ``-o json|yaml`` document (``kind: Tuning``)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from ..sim.engine import clock
from ..sim.tuning.space import format_value
from .document import API_VERSION, controller_fields, to_yaml
from .trace import controller_line

if TYPE_CHECKING:
    from ..sim.tuning.outcome import Tuning
    from ..sim.tuning.search import Candidate

FRONT_ROWS = 15
"""Front points the table shows (evenly spread, cheapest and safest kept); -o json has every candidate."""

COLUMNS = [  # (header, summary key, kind)
    ("POD-HOURS", "podHours", "number"),
    ("CORE-HOURS", "coreHours", "number"),
    ("OVER-CAPACITY", "timeOverCapacitySeconds", "time"),
    ("LAG", "scaleUpLagSeconds", "time"),
    ("OVER-TARGET+M", "timeOverTargetByMarginSeconds", "time"),
    ("AT-MAX", "timeAtMaxSeconds", "time"),
    ("UNREADY", "timeWithUnreadyPodsSeconds", "time"),
    ("RESCALES/DAY", "rescalesPerDay", "number"),
    ("BUSIEST-HOUR", "maxRescalesPerHour", "number"),
]


def _cell(summary: dict, key: str, kind: str) -> str:
    value = summary.get(key)
    if value is None:
        return "-"
    if kind == "time":
        return clock(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def changes_text(changes: dict) -> str:
    if not changes:
        return "(the current spec)"
    return ", ".join(f"{name}={format_value(name, value)}" for name, value in changes.items())  # in parameter order


def recommended(tuning: Tuning) -> Candidate:
    """The recommended candidate, or the current spec when none meets the constraints."""
    index = tuning.result.recommended
    return tuning.result.current if index is None else tuning.result.candidates[index]


def render_report(tuning: Tuning) -> str:
    from tabulate import tabulate

    result, scenario = tuning.result, tuning.scenario
    best = recommended(tuning)
    replayed = len(result.candidates)
    stages = ", ".join(f"{stage} {count}" for stage, count in result.stages.items())
    out = [controller_line(scenario.controller.version),
           f"tune {scenario.hpa.key} over {span(tuning.duration)} of {tuning.load.description}: {replayed} specs "
           f"replayed ({stages}) of {result.space_size:,} in the space, {result.workers} worker"
           f"{'s' if result.workers != 1 else ''}, {tuning.elapsed_seconds:.1f}s", ""]
    out.append(f"Objective: {tuning.objective}; constraints: {constraints_text(tuning)}")
    out.append(f"Margin over target: {tuning.margin:.0%} (OVER-TARGET+M); capacity per pod: "
               + ("unknown" if tuning.capacity.requests_per_second is None
                  else f"{tuning.capacity.requests_per_second:g} req/s"))
    out.append("")
    headers = ["SPEC"] + [header for header, _, _ in COLUMNS]
    rows = [["current"] + [_cell(result.current.summary, key, kind) for _, key, kind in COLUMNS],
            ["recommended"] + [_cell(best.summary, key, kind) for _, key, kind in COLUMNS]]
    out.append(tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True))
    out.append("")
    if result.recommended is None:
        out += ["No candidate meets the constraints: keep the current spec (or loosen --max-overload / "
                "--max-rescales-per-hour).", ""]
    elif not best.changes:
        out += ["The current spec is already the best candidate for this objective and these constraints.", ""]
    out.append(f"Pareto front ({len(result.front)} specs within the constraints that no other beats on pod-hours, "
               "overload and rescales per day; cheapest first; # is the candidate's index in -o json):")
    shown = _spread(result.front, FRONT_ROWS)
    front_rows = []
    for index in shown:
        candidate = result.candidates[index]
        mark = "*" if index == result.recommended else ""
        front_rows.append([f"{mark}{index}"] + [_cell(candidate.summary, key, kind) for _, key, kind in
                                                (COLUMNS[0], COLUMNS[2], COLUMNS[3], COLUMNS[7])]
                          + [changes_text(candidate.changes)])
    out.append(tabulate(front_rows, headers=["#", "POD-HOURS", "OVER-CAPACITY", "LAG", "RESCALES/DAY", "CHANGES"],
                        tablefmt="plain", disable_numparse=True))
    if len(shown) < len(result.front):
        out.append(f"({len(result.front) - len(shown)} more on the front: -o json lists every candidate)")
    out.append("")
    if best.changes:
        out.append(f"Recommended HPA ({changes_text(best.changes)}):")
        out.append(to_yaml(best.manifest).rstrip("\n"))
        out.append("")
        out.append("Diff against the current spec:")
        out.append(manifest_diff(result.current.manifest, best.manifest).rstrip("\n"))
        out.append("")
    out.append("What the figures assume (the tune is only as good as the load and the model):")
    out.extend(f"  - {line}" for line in tuning.assumptions)
    return "\n".join(out) + "\n"


def constraints_text(tuning: Tuning) -> str:
    constraints = tuning.constraints
    parts = []
    risk = "time over capacity" if tuning.capacity.requests_per_second is not None else \
        f"time over target by {tuning.margin:.0%}"
    if constraints.max_overload_seconds is not None:
        parts.append(f"{risk} <= {clock(constraints.max_overload_seconds)}")
    if constraints.max_rescales_per_hour is not None:
        parts.append(f"rescales in any hour <= {constraints.max_rescales_per_hour}")
    if constraints.max_pod_hours is not None:
        parts.append(f"pod-hours <= {constraints.max_pod_hours:g}")
    return ", ".join(parts) + " (unless given: the current spec's)" if parts else "none"


def manifest_diff(current: dict, recommended: dict) -> str:
    """A unified diff of the two manifests as YAML (``--- current`` / ``+++ recommended``)."""
    return "".join(difflib.unified_diff(to_yaml(current).splitlines(keepends=True),
                                        to_yaml(recommended).splitlines(keepends=True),
                                        fromfile="current", tofile="recommended"))


def _spread(indexes: list[int], count: int) -> list[int]:
    if len(indexes) <= count:
        return list(indexes)
    return sorted({indexes[round(position * (len(indexes) - 1) / (count - 1))] for position in range(count)})


# ----------------------------------------------------------------------------- -o json | yaml


def tuning_document(tuning: Tuning) -> dict[str, Any]:
    result, scenario = tuning.result, tuning.scenario
    best = recommended(tuning)
    front = set(result.front)
    constraints = tuning.constraints
    return {
        "apiVersion": API_VERSION,
        "kind": "Tuning",
        "metadata": {"name": scenario.name},
        "hpa": {"name": scenario.hpa.name, "namespace": scenario.hpa.namespace},
        "load": tuning.load.description,
        "durationSeconds": tuning.duration,
        "syncPeriodSeconds": scenario.controller.sync_period,
        **controller_fields(scenario.controller.version),
        "objective": tuning.objective,
        "constraints": {"maxOverloadSeconds": constraints.max_overload_seconds,
                        "maxRescalesPerHour": constraints.max_rescales_per_hour,
                        "maxPodHours": constraints.max_pod_hours},
        "capacity": {"requestsPerSecond": tuning.capacity.requests_per_second, "source": tuning.capacity.source},
        "marginOverTarget": tuning.margin,
        "search": {"spaceSize": result.space_size, "replayed": len(result.candidates), "stages": result.stages,
                   "workers": result.workers, "elapsedSeconds": round(tuning.elapsed_seconds, 3),
                   "varied": {name: list(values) for name, values in tuning.space.values.items()}},
        "current": {"hpa": result.current.manifest, "summary": result.current.summary},
        "recommended": {"hpa": best.manifest, "summary": best.summary, "changes": best.changes,
                        "found": result.recommended is not None,
                        "candidate": result.recommended},
        "paretoFront": list(result.front),
        "candidates": [_candidate_document(index, candidate, index in front)
                       for index, candidate in enumerate(result.candidates)],
        "assumptions": list(tuning.assumptions),
    }


def _candidate_document(index: int, candidate: Candidate, on_front: bool) -> dict[str, Any]:
    return {"index": index, "stage": candidate.stage, "changes": candidate.changes, "feasible": candidate.feasible,
            "paretoFront": on_front, "summary": candidate.summary}


def span(seconds: float) -> str:
    """A length as people say it: ``7d``, ``36h``, ``20m``, ``45s`` (fractions kept: ``1.5d``)."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size or (seconds >= size and seconds % size == 0):
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
