"""Views of a simulation: the timeline table, CSV, the JSON/YAML document, a terminal chart."""

from __future__ import annotations

import csv
import io
from typing import Any, Optional

from ..sim.engine import MetricPoint, Result, Step, clock
from .document import API_VERSION, controller_fields
from .trace import controller_line

SPARK = " ▁▂▃▄▅▆▇█"


def _value_text(value: Optional[float]) -> str:
    if value is None:
        return "<unknown>"
    if value == int(value):
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def metric_text(point: MetricPoint) -> str:
    current = "<unknown>" if point.current is None or point.error else f"{_value_text(point.current)}{point.unit}"
    return f"{current}/{_value_text(point.target)}{point.unit}"


def _cells(step: Step) -> list:
    return [_value_text(round(step.load, 2)), *[metric_text(p) for p in step.metrics], f"{step.ready}/{step.replicas}",
            str(step.desired), step.event, step.limit]


LONG_TABLE_ROWS = 1000  # past this, a table of every changing sync is too long to read (a month is 172,800)


def _rows_to_show(steps: list[Step], wide: bool) -> tuple[list[Step], str]:
    """Every sync with -o wide; else a row whenever anything but the time changes, and the last one.
    When that would pass LONG_TABLE_ROWS (a moving load changes every row), only the syncs where the
    decision changes: pods, desired replicas, an event, the limit. Returns the rows and what was left out."""
    if wide:
        return steps, ""
    shown: list[Step] = []
    previous = None
    for index, step in enumerate(steps):
        cells = _cells(step)
        if cells != previous or index == len(steps) - 1:
            shown.append(step)
            if len(shown) > LONG_TABLE_ROWS:
                return _decision_changes(steps), "syncs where only the load or a metric value changed"
        previous = cells
    return shown, "syncs that repeat the row above"


def _decision_changes(steps: list[Step]) -> list[Step]:
    shown: list[Step] = []
    previous = None
    for index, step in enumerate(steps):
        decision = (step.ready, step.replicas, step.desired, step.event, step.limit)
        if decision != previous or index == len(steps) - 1:
            shown.append(step)
        previous = decision
    return shown


ELLIPSIS = "…"
MIN_COLUMN = 6  # a cut column keeps at least this many characters (the event's "1 -> 4")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + ELLIPSIS


def fit_table(headers: list[str], rows: list[list[str]], width: Optional[int] = None,
              shrinkable: tuple[int, ...] = ()) -> str:
    """A plain table; with ``width`` (a terminal's), the ``shrinkable`` columns are cut, the widest first,
    with an ellipsis until every line fits (as far as MIN_COLUMN allows). Without it, tabulate's table as is."""
    from tabulate import tabulate

    table = tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True)
    if width is None or not shrinkable:
        return table
    caps = {index: max([len(headers[index]), *[len(row[index]) for row in rows]]) for index in shrinkable}
    for _ in range(12):  # each pass lowers the widest columns to one level; bounded
        excess = max((len(line) for line in table.splitlines()), default=0) - width
        if excess <= 0 or all(cap <= MIN_COLUMN for cap in caps.values()):
            break
        level = max(caps.values())
        while level > MIN_COLUMN and sum(max(0, cap - level) for cap in caps.values()) < excess:
            level -= 1
        caps = {index: min(cap, level) for index, cap in caps.items()}
        cut_headers = [_cut(h, caps[i]) if i in caps else h for i, h in enumerate(headers)]
        cut_rows = [[_cut(c, caps[i]) if i in caps else c for i, c in enumerate(row)] for row in rows]
        table = tabulate(cut_rows, headers=cut_headers, tablefmt="plain", disable_numparse=True)
    return table


def render_table(result: Result, wide: bool = False, width: Optional[int] = None) -> str:
    """The timeline table and the summary; ``width`` (a terminal's) cuts the text columns to fit it."""
    names = [point.name for point in result.steps[0].metrics] if result.steps else []
    headers = ["TIME", "LOAD (req/s)", *[name.upper() for name in names], "READY/PODS", "DESIRED", "EVENT", "LIMIT"]
    steps, left_out = _rows_to_show(result.steps, wide)
    rows = [[clock(step.t), *_cells(step)] for step in steps]
    metrics = tuple(range(2, 2 + len(names)))
    table = fit_table(headers, rows, width, shrinkable=(*metrics, len(headers) - 2, len(headers) - 1))
    skipped = len(result.steps) - len(rows)
    note = f"\n({skipped} {left_out} are not shown; -o wide shows every sync)" if skipped else ""
    return table + note + "\n\n" + render_summary(result.summary()) + "\n"


def title(result: Result) -> str:
    """The first line of a simulation's text views (above the chart and the table, or the comparison): the
    controller it emulates (``controller: Kubernetes 1.37``; every run of one command emulates the same)."""
    return controller_line(result.scenario.controller.version) + "\n"


SUMMARY_LABELS = [
    ("peakReplicas", "peak replicas", None),
    ("finalReplicas", "final replicas", None),
    ("timeToFirstScaleOutSeconds", "time to first scale-out", "time"),
    ("timeAboveTargetSeconds", "time above target", "time"),
    ("timeAtMaxSeconds", "time at maxReplicas", "time"),
    ("podMinutes", "pod-minutes (cost)", None),
    ("rescales", "rescales", None),
    ("timeToReturnToMinSeconds", "time from last sync at peak to minReplicas", "time"),
    ("timeFromBelowTargetToMinSeconds", "time from metrics below target to minReplicas", "time"),
]
LABEL_WIDTH = max(len(label) for _, label, _ in SUMMARY_LABELS)


def render_summary(summary: dict) -> str:
    lines = ["Summary:"]
    for key, label, kind in SUMMARY_LABELS:
        value = summary.get(key)
        if value is None:
            shown = "never"
        elif kind == "time":
            shown = clock(value)
        else:
            shown = str(value)
        lines.append(f"  {label:<{LABEL_WIDTH}} {shown}")
    return "\n".join(lines)


def step_document(step: Step) -> dict:
    out: dict[str, Any] = {
        "t": step.t, "load": round(step.load, 6), "replicas": step.replicas, "readyReplicas": step.ready,
        "desiredReplicas": step.desired,
        "metrics": [{"name": p.name, "current": p.current, "target": p.target, "unit": p.unit or None,
                     "usageRatio": None if p.ratio is None or p.ratio != p.ratio else round(p.ratio, 6),
                     **({"error": p.error} if p.error else {})} for p in step.metrics],
    }
    if step.event:
        out["event"] = step.event
    if step.limit:
        out["limit"] = step.limit
    return out


def result_document(result: Result) -> dict:
    return {
        "apiVersion": API_VERSION,
        "kind": "Simulation",
        "metadata": {"name": result.scenario.name},
        "hpa": {"name": result.scenario.hpa.name, "namespace": result.scenario.hpa.namespace},
        "load": result.load.description,
        "syncPeriodSeconds": result.scenario.controller.sync_period,
        **controller_fields(result.scenario.controller.version),
        "summary": result.summary(),
        "timeline": [step_document(step) for step in result.steps],
    }


def render_csv(result: Result) -> str:
    buffer = io.StringIO()
    names = [point.name for point in result.steps[0].metrics] if result.steps else []
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["t", "load", *[f"{name}_current" for name in names], *[f"{name}_target" for name in names],
                     "replicas", "readyReplicas", "desiredReplicas", "event", "limit"])
    for step in result.steps:
        writer.writerow([f"{step.t:g}", f"{step.load:.6g}",
                         *["" if p.current is None else f"{p.current:g}" for p in step.metrics],
                         *[f"{p.target:g}" for p in step.metrics],
                         step.replicas, step.ready, step.desired, step.event, step.limit])
    return buffer.getvalue()


def sparkline(values: list[float], width: int, top: Optional[float] = None) -> str:
    """Resample to ``width`` columns (max per bucket, so spikes survive) and draw with block characters."""
    if not values:
        return ""
    buckets = []
    for column in range(min(width, len(values))):
        start = column * len(values) // min(width, len(values))
        end = max(start + 1, (column + 1) * len(values) // min(width, len(values)))
        buckets.append(max(values[start:end]))
    ceiling = top if top else max(buckets) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(round(value / ceiling * (len(SPARK) - 1))))] for value in buckets)


CHART_WIDTH = 72  # columns of bars at most
MIN_CHART_WIDTH = 16


def render_chart(result: Result, width: int = CHART_WIDTH, columns: Optional[int] = None) -> str:
    """A compact terminal chart: load, the first metric against its target, and replicas; with
    ``columns`` (a terminal's width), the bars narrow so that every line fits."""
    steps = result.steps
    if not steps:
        return ""
    peak = _value_text(round(max(s.load for s in steps), 1))
    labels = [f"  peak {peak} req/s"]
    ceiling: Optional[float] = None
    if steps[0].metrics:
        # Drawn against twice the target, so the target sits at mid-height and "above target" is the upper half.
        target = steps[0].metrics[0].target
        ceiling = 2 * target if target > 0 else None
        labels.append(f"  target {_value_text(target)}{steps[0].metrics[0].unit} at mid-height")
    labels.append(f"  max {result.scenario.hpa.max_replicas}")
    if columns is not None:
        width = max(MIN_CHART_WIDTH, min(width, columns - 10 - max(len(label) for label in labels)))
    lines = [f"load      {sparkline([s.load for s in steps], width)}{labels[0]}"]
    if steps[0].metrics:
        first = [min(s.metrics[0].current or 0.0, ceiling or float("inf")) for s in steps]
        lines.append(f"{steps[0].metrics[0].name[:9]:<9} {sparkline(first, width, ceiling)}{labels[1]}")
    top = float(result.scenario.hpa.max_replicas)
    lines.append(f"replicas  {sparkline([float(s.desired) for s in steps], width, top)}{labels[-1]}")
    lines.append(f"          0{' ' * (width - len(clock(result.duration)) - 1)}{clock(result.duration)}")
    return "\n".join(lines) + "\n"


COMPARISON_COLUMNS = [  # (summary key, header, time?)
    ("peakReplicas", "PEAK", False),
    ("finalReplicas", "FINAL", False),
    ("timeToFirstScaleOutSeconds", "FIRST SCALE-OUT", True),
    ("timeAboveTargetSeconds", "ABOVE TARGET", True),
    ("timeAtMaxSeconds", "AT MAX", True),
    ("podMinutes", "POD-MINUTES", False),
    ("rescales", "RESCALES", False),
    ("timeToReturnToMinSeconds", "PEAK END->MIN", True),
    ("timeFromBelowTargetToMinSeconds", "BELOW TARGET->MIN", True),
]


def _summary_value(summary: dict, key: str, is_time: bool) -> str:
    value = summary.get(key)
    if value is None:
        return "never"
    return clock(value) if is_time else str(value)


def render_comparison(results: list[tuple[str, Result]], width: Optional[int] = None) -> str:
    """One summary row per variant, for ``--compare``. With ``width`` (a terminal's) too narrow for that,
    one row per figure and one column per variant (the summary's labels), cut to fit."""
    summaries = [(label, result.summary()) for label, result in results]
    headers = ["VARIANT", *[header for _, header, _ in COMPARISON_COLUMNS]]
    rows = [[label, *[_summary_value(summary, key, is_time) for key, _, is_time in COMPARISON_COLUMNS]]
            for label, summary in summaries]
    table = fit_table(headers, rows)
    if width is None or max(len(line) for line in table.splitlines()) <= width:
        return table + "\n"
    headers = ["", *[label for label, _ in summaries]]
    rows = [[label, *[_summary_value(summary, key, kind == "time") for _, summary in summaries]]
            for key, label, kind in SUMMARY_LABELS]
    return fit_table(headers, rows, width, shrinkable=tuple(range(len(headers)))) + "\n"
