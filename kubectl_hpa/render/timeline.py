"""Views of a simulation: the timeline table, CSV, the JSON/YAML document, a terminal chart."""

from __future__ import annotations

import csv
import functools
import io
from array import array
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable, Iterator, Optional, Sequence

from ..sim.engine import MetricPoint, Result, Run, Step, clock
from .clock import clock_formatter
from .document import API_VERSION, controller_fields
from .entries import CHUNK_ENTRIES, FLOAT_TEXTS_KEPT, POINT_TEXTS_KEPT, Spool, same_text_when_equal
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
    """A row's cells but the time: load, each metric against its target, ready/pods, desired, event, limit."""
    return Cells()(step)


class Cells:
    """:func:`_cells` for a stream of steps: the metric texts are made once per points (steady syncs hand over
    the same points, sync after sync)."""

    def __init__(self) -> None:
        self._points: Optional[tuple[MetricPoint, ...]] = None
        self._texts: list[str] = []

    def __call__(self, step: Step) -> list[str]:
        points = step.metrics
        if points is not self._points:
            self._points, self._texts = points, [metric_text(p) for p in points]
        return [_value_text(round(step.load, 2)), *self._texts, f"{step.ready}/{step.replicas}", str(step.desired),
                step.event, step.limit]


LONG_TABLE_ROWS = 1000  # past this, a table of every changing sync is too long to read (a month is 172,800)
CHANGES_LEFT_OUT = "syncs that repeat the row above"
DECISIONS_LEFT_OUT = "syncs where only the load or a metric value changed"


class RowSpool:
    """Table rows written as they are made (tab-separated, one a line, to a :class:`Spool`), with the widest
    cell of each column so far: what :func:`plain_table` needs to lay them out, and nothing per row. A row
    with unusual text (not what :func:`plain_cells` accepts) turns it to keeping every row, for tabulate.

    A row that repeats the tail of the row above (:meth:`add_joined`) is spooled as its first two cells only
    (``time\tload``): a month of ``-o wide`` spools 3.5 MB instead of 25 MB, and :meth:`write_plain` lays
    out each distinct tail once."""

    def __init__(self) -> None:
        self.spool = Spool()
        self.widths: list[int] = []
        self.last: list[int] = []  # per column: the longest last non-blank cell of a row there (see fit_lines)
        self.count = 0
        self.held: Optional[list[list[str]]] = None  # every row, once one has unusual text
        self.tail_blank = True  # add_joined: the last tail's cells are all blank

    @property
    def plain(self) -> bool:
        return self.held is None

    def add(self, row: list[str]) -> None:
        if not self.count:
            self.widths, self.last = [0] * len(row), [-1] * len(row)
        self.count += 1
        self.widths = list(map(max, self.widths, map(len, row)))
        self._last_cell(row, 0)
        if self.held is None and not plain_cells(row[-2:]):  # only the event and the limit can hold such text
            self.held = list(self.rows())
        if self.held is not None:
            self.held.append(row)
        else:
            self.spool.add("\t".join(row) + "\n")

    def add_joined(self, time_text: str, load_text: str, tail: list[str], tail_text: str, new_tail: bool) -> None:
        """:meth:`add` of ``[time_text, load_text, *tail]`` whose tail, tab-joined as ``tail_text``, is often the
        row above's (``new_tail`` False): only the new parts are measured."""
        if self.held is not None or not self.count:
            self.add([time_text, load_text, *tail])
            self.tail_blank = not any(tail)
            return
        widths = self.widths
        if new_tail:
            widths[2:] = map(max, widths[2:], map(len, tail))
            if not plain_cells(tail[-2:]):
                self.add([time_text, load_text, *tail])  # turns to keeping every row
                return
            self.tail_blank = not self._last_cell(tail, 2)
        self.count += 1
        if len(time_text) > widths[0]:
            widths[0] = len(time_text)
        if len(load_text) > widths[1]:
            widths[1] = len(load_text)
        if self.tail_blank:
            self._last_cell([time_text, load_text], 0)
        if new_tail and len(widths) > 2:
            self.spool.add(f"{time_text}\t{load_text}\t{tail_text}\n")
        else:  # the tail of the row above (or none): rows() and write_plain() take it from there
            self.spool.add(f"{time_text}\t{load_text}\n")

    def _last_cell(self, cells: list[str], start: int) -> bool:
        """Note the last non-blank of ``cells`` (columns from ``start``); False when all are blank."""
        index = len(cells) - 1
        while index >= 0 and not cells[index]:
            index -= 1
        if index < 0:
            return False
        if len(cells[index]) > self.last[start + index]:
            self.last[start + index] = len(cells[index])
        return True

    def rows(self) -> Iterator[list[str]]:
        """The rows, in order (read once)."""
        if self.held is not None:
            yield from self.held
            return
        tail: list[str] = []
        for line in self.spool.lines():
            cells = line[:-1].split("\t")
            if len(cells) == 2:  # time and load: the tail of the row above (see add_joined)
                cells.extend(tail)
            else:
                tail = cells[2:]
            yield cells
        self.spool.close()

    def write_plain(self, headers: list[str], out: IO[str]) -> None:
        """Write ``"\n".join(plain_table(headers, self.rows(), self.widths)) + "\n"``, for plain rows of at
        least three columns: each distinct tail is padded once and joined to every row that shares it (the
        rows read back split once, not into every cell: a month of -o wide in 0.08 s CPU instead of 0.18 s)."""
        widths = [max(width, len(header) + 2) for width, header in zip(self.widths, headers, strict=True)]
        out.write("  ".join(map(str.ljust, headers, widths)).rstrip() + "\n")
        time_width, load_width, tail_widths = widths[0], widths[1], widths[2:]
        padded_tail = ""  # the current tail's cells, each after two spaces, trailing blanks cut
        lines: list[str] = []
        for line in self.spool.lines():
            parts = line.split("\t", 2)
            if len(parts) == 3:
                padded_tail = ("  " + "  ".join(map(str.ljust, parts[2][:-1].split("\t"), tail_widths))).rstrip()
                load = parts[1]
            else:
                load = parts[1][:-1]
            if padded_tail:
                lines.append(f"{parts[0].ljust(time_width)}  {load.ljust(load_width)}{padded_tail}\n")
            else:  # a blank tail: the line ends at the load, or before it
                lines.append(f"{parts[0].ljust(time_width)}  {load}".rstrip() + "\n")
            if len(lines) >= WRITE_LINES:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))
        self.spool.close()


WRITE_LINES = 4096  # lines of a table joined per write


class RowChoice:
    """The rows of ``-o table``, chosen as the steps stream by: a row whenever anything but the time changes,
    and the last one; when that would pass LONG_TABLE_ROWS (a moving load changes every row), only the syncs
    where the decision changes (pods, desired replicas, an event, the limit), and the last one.

    Only what can be printed is formatted: a step whose values all equal the step before it repeats its
    row unformatted; a decision change is formatted as it comes and spooled (a month of a daily wave has
    ~5,700), and once the table has turned to decisions no other row is formatted. Nothing is kept per sync.
    """

    def __init__(self) -> None:
        self.count = 0
        self.changes: Optional[list[list[str]]] = []  # None once past LONG_TABLE_ROWS
        self.decisions = RowSpool()
        self._values: Optional[tuple] = None  # the last step's values but the time, and its cells
        self._cells: Optional[list[str]] = None
        self._decision: Optional[tuple] = None
        self._last: Optional[Step] = None
        self._last_shown = self._last_decided = False
        self._make = Cells()
        self._clock = clock_formatter()

    def add_all(self, steps: Iterable[Step], also: Optional[Callable[[Step], None]] = None) -> Optional[list[str]]:
        """:meth:`add` of every step (``also`` sees each first); the names of the first step's metrics. Once the
        table has turned to decisions, the rest of the steps are chosen in this loop, its state in local
        variables (a month of the daily wave turns within its first day: ~0.05 s less than a call a step)."""
        names: Optional[list[str]] = None
        remaining = iter(steps)
        for step in remaining:
            if names is None:
                names = [point.name for point in step.metrics]
            if also is not None:
                also(step)
            self.add(step)
            if self.changes is None:
                break
        decision, last, decided, count = self._decision, self._last, self._last_decided, 0
        spool, clock_text, make = self.decisions, self._clock, self._make
        for step in remaining:  # past LONG_TABLE_ROWS: what add() does then
            count += 1
            if also is not None:
                also(step)
            last = step
            key = (step.ready, step.replicas, step.desired, step.event, step.limit)
            decided = key != decision
            if decided:
                spool.add([clock_text(step.t), *make(step)])
                decision = key
        self._decision, self._last, self._last_decided = decision, last, decided
        self.count += count
        return names

    def add(self, step: Step) -> None:
        self.count += 1
        self._last = step
        decision = (step.ready, step.replicas, step.desired, step.event, step.limit)
        self._last_decided = decision != self._decision
        if self._last_decided:
            self.decisions.add([self._clock(step.t), *self._make(step)])
        self._decision = decision
        if self.changes is None:
            return
        values = step[1:]
        self._last_shown = False
        if values == self._values:  # the same values make the same cells (NaN never compares equal: formatted)
            return
        self._values = values
        cells = self._make(step)
        if cells != self._cells:
            self._cells = cells
            self._show([clock(step.t), *cells])

    def _show(self, row: list[str]) -> None:
        assert self.changes is not None
        self.changes.append(row)
        self._last_shown = True
        if len(self.changes) > LONG_TABLE_ROWS:
            self.changes = None

    def rows(self) -> tuple[list[list[str]] | RowSpool, str]:
        """The rows to print (a list, or the decisions spooled), and what was left out."""
        last = self._last
        if last is not None and self.changes is not None and not self._last_shown:
            self._show([clock(last.t), *self._make(last)])
        if self.changes is not None:
            self.decisions.spool.close()
            return self.changes, CHANGES_LEFT_OUT
        if last is not None and not self._last_decided:
            self.decisions.add([clock(last.t), *self._make(last)])
        return self.decisions, DECISIONS_LEFT_OUT


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
        caps = _lowered(caps, excess)
        cut_headers = [_cut(h, caps[i]) if i in caps else h for i, h in enumerate(headers)]
        cut_rows = [[_cut(c, caps[i]) if i in caps else c for i, c in enumerate(row)] for row in rows]
        table = tabulate(cut_rows, headers=cut_headers, tablefmt="plain", disable_numparse=True)
    return table


def _lowered(caps: dict[int, int], excess: int) -> dict[int, int]:
    """One pass of fitting: the widest columns' caps lowered to one level, the highest that removes ``excess``
    characters (or MIN_COLUMN)."""
    level = max(caps.values())
    while level > MIN_COLUMN and sum(max(0, cap - level) for cap in caps.values()) < excess:
        level -= 1
    return {index: min(cap, level) for index, cap in caps.items()}


def plain_table(headers: list[str], rows: Iterable[list[str]], widths: list[int]) -> Iterator[str]:
    """tabulate's ``plain`` table (strings, no number parsing) line by line, for columns whose widths are known:
    each column as wide as its widest cell, and at least its header and 2; left-aligned, two spaces apart,
    trailing blanks cut. Exact for single-line, printable ASCII cells without surrounding blanks (see
    :func:`plain_cells`); tests/render/test_entries.py checks it against tabulate."""
    widths = [max(width, len(header) + 2) for width, header in zip(widths, headers, strict=True)]
    yield "  ".join(map(str.ljust, headers, widths)).rstrip()
    for row in rows:
        yield "  ".join(map(str.ljust, row, widths)).rstrip()


def fit_lines(headers: list[str], rows: Iterable[list[str]], widths: list[int], last: list[int],
              width: Optional[int] = None, shrinkable: tuple[int, ...] = ()) -> Iterator[str]:
    """:func:`fit_table`'s lines for rows streamed once, from what was measured as they were made: the
    longest cell of each column (``widths``) and, per column, the longest cell among the rows whose last
    non-blank cell is in that column (``last``, -1 for none): the width of a line is its last cell's end,
    as tabulate cuts the trailing blanks. Exact for :func:`plain_cells` rows (checked against fit_table)."""
    caps = fitted_caps(headers, widths, last, width, shrinkable)
    if caps is None:
        yield from plain_table(headers, rows, widths)
        return
    cut_headers = [_cut(header, caps[index]) if index in caps else header for index, header in enumerate(headers)]
    cut_widths = [min(widths[index], caps[index]) if index in caps else widths[index] for index in range(len(headers))]
    cut_rows = ([_cut(cell, caps[index]) if index in caps else cell for index, cell in enumerate(row)] for row in rows)
    yield from plain_table(cut_headers, cut_rows, cut_widths)


def fitted_caps(headers: list[str], widths: list[int], last: list[int], width: Optional[int] = None,
                shrinkable: tuple[int, ...] = ()) -> Optional[dict[int, int]]:
    """The widths :func:`fit_lines` cuts the ``shrinkable`` columns to, or None when no column is cut."""
    caps = {index: max(len(headers[index]), widths[index]) for index in shrinkable} if width is not None else {}
    if caps:
        for _ in range(12):  # the same passes as fit_table's, on lengths instead of text
            excess = _longest_line(headers, widths, last, caps) - width  # type: ignore[operator]
            if excess <= 0 or all(cap <= MIN_COLUMN for cap in caps.values()):
                break
            caps = _lowered(caps, excess)
    if not caps or all(caps[index] >= max(len(headers[index]), widths[index]) for index in caps):
        return None
    return caps


def _longest_line(headers: list[str], widths: list[int], last: list[int], caps: dict[int, int]) -> int:
    """The longest line of the plain table of these rows with the ``caps`` columns cut."""
    cut_headers = [_cut(header, caps[index]) if index in caps else header for index, header in enumerate(headers)]
    padded = [max(min(widths[index], caps.get(index, widths[index])), len(cut_headers[index]) + 2)
              for index in range(len(headers))]
    offsets = [sum(padded[:index]) + 2 * index for index in range(len(headers))]
    lines = [offsets[index] + min(length, caps.get(index, length)) for index, length in enumerate(last) if length >= 0]
    named = [index for index, header in enumerate(cut_headers) if header]
    if named:
        lines.append(offsets[named[-1]] + len(cut_headers[named[-1]]))
    return max(lines, default=0)


def plain_cells(cells: Iterable[str]) -> bool:
    """Whether :func:`plain_table` lays these cells out as tabulate does (else tabulate must)."""
    return all(cell.isascii() and cell.isprintable() and cell == cell.strip() for cell in cells)


def _headers(names: list[str]) -> list[str]:
    return ["TIME", "LOAD (req/s)", *[name.upper() for name in names], "READY/PODS", "DESIRED", "EVENT", "LIMIT"]


@dataclass
class Table:
    """The timeline table of one run, ready to write: its rows (a list, or spooled with their widths), how
    many syncs it left out and why, and the run's summary."""

    headers: list[str]
    rows: list[list[str]] | RowSpool
    skipped: int
    left_out: str
    summary: dict

    def write(self, out: IO[str], width: Optional[int] = None) -> None:
        rows = self.rows
        metrics = tuple(range(2, len(self.headers) - 4))
        shrinkable = (*metrics, len(self.headers) - 2, len(self.headers) - 1)
        if isinstance(rows, RowSpool) and rows.plain and plain_cells(self.headers) and rows.count:
            if len(self.headers) > 2 and fitted_caps(self.headers, rows.widths, rows.last, width, shrinkable) is None:
                rows.write_plain(self.headers, out)
            else:
                for line in fit_lines(self.headers, rows.rows(), rows.widths, rows.last, width, shrinkable):
                    out.write(line + "\n")
        else:
            held = list(rows.rows()) if isinstance(rows, RowSpool) else rows  # a short list, or unusual text
            if width is None and plain_cells(self.headers) and all(plain_cells(row) for row in held):
                widths = [max([0, *[len(row[index]) for row in held]]) for index in range(len(self.headers))]
                table = "\n".join(plain_table(self.headers, held, widths))
            else:
                table = fit_table(self.headers, held, width, shrinkable=shrinkable)
            out.write(table + "\n")
        note = f"({self.skipped} {self.left_out} are not shown; -o wide shows every sync)\n" if self.skipped else ""
        out.write(note + "\n" + render_summary(self.summary) + "\n")


def table_of(run: Result | Run, wide: bool = False,
             also: Optional[Callable[[Step], None]] = None) -> Table:
    """Stream ``run`` into its table (``-o wide``: every sync, spooled). ``also`` sees every step."""
    rows: list[list[str]] | RowSpool
    if wide:
        every = RowSpool()
        names, count = _spool_every_sync(run, every, also)
        rows, left_out = every, ""
    else:
        choice = RowChoice()
        names = choice.add_all(run, also)
        count = choice.count
        rows, left_out = choice.rows()
    shown = len(rows) if isinstance(rows, list) else rows.count
    return Table(_headers(names or []), rows, count - shown, left_out, run.summary())


def _spool_every_sync(run: Result | Run, every: RowSpool,
                      also: Optional[Callable[[Step], None]]) -> tuple[Optional[list[str]], int]:
    """``-o wide``'s rows, into ``every``: (the metrics' names, the syncs). Every cell after the load repeats
    while the decision holds (a month: 19,761 changes in 172,801 syncs); a row that repeats them is only
    its time and load, measured and gathered here (:meth:`RowSpool.add_joined`'s work without a call per
    row); any other row goes through add_joined. With the fast clock and the remembered load texts, a
    month's rows take 0.30 s of CPU instead of 0.55 s (the steps simulated beforehand)."""
    names: Optional[list[str]] = None
    count = 0
    cells = Cells()
    clock_text = clock_formatter()  # clock(), ~5x faster on consecutive times
    load_texts: dict[float, str] = {}  # a month's loads round to ~2,900 distinct values: formatted once each
    tail_points: Optional[tuple[MetricPoint, ...]] = None
    tail_key: Optional[tuple] = None
    tail: list[str] = []
    tail_text = ""
    tails: dict[tuple, tuple[list[str], str]] = {}
    gathered: list[str] = []  # rows repeating the tail above, not yet in the spool (in order, after it)
    time_width = load_width = 0  # the widest of the gathered rows
    fast = False  # whether a repeating row may be gathered: plain rows, a tail not blank, 3 columns or more
    gather, known_load = gathered.append, load_texts.get  # bound once: ~10% of this loop
    for step in run:
        count += 1
        if also is not None:
            also(step)
        points, key = step.metrics, (step.ready, step.replicas, step.desired, step.event, step.limit)
        time_text, rounded = clock_text(step.t), round(step.load, 2)
        load_text = known_load(rounded)
        if load_text is None or type(rounded) is not float:  # 5 == 5.0: only floats are looked up
            load_text = _value_text(rounded)
            if type(rounded) is float and rounded and len(load_texts) < FLOAT_TEXTS_KEPT:  # 0.0 == -0.0
                load_texts[rounded] = load_text
        if (fast and points is tail_points and key == tail_key
                and type(step.ready) is type(step.replicas) is type(step.desired) is int):
            gather(f"{time_text}\t{load_text}\n")
            if len(time_text) > time_width:
                time_width = len(time_text)
            if len(load_text) > load_width:
                load_width = len(load_text)
            if len(gathered) >= CHUNK_ENTRIES:
                _add_gathered(every, gathered, time_width, load_width)
            continue
        _add_gathered(every, gathered, time_width, load_width)
        new_tail = (points is not tail_points or key != tail_key
                    or not type(step.ready) is type(step.replicas) is type(step.desired) is int)
        if new_tail:
            if names is None:
                names = [point.name for point in points]
            tail_points, tail_key = points, key
            remember = type(step.ready) is type(step.replicas) is type(step.desired) is int and same_text_when_equal(
                points)  # then equal points and decisions make equal cells: made once (a month: ~1,000 of 19,761)
            known = tails.get((points, key)) if remember else None
            if known is None:
                tail = cells(step)[1:]
                known = tail, "\t".join(tail)
                if remember and len(tails) < POINT_TEXTS_KEPT:
                    tails[(points, key)] = known
            tail, tail_text = known
        every.add_joined(time_text, load_text, tail, tail_text, new_tail)
        fast = every.plain and not every.tail_blank and len(every.widths) > 2
    _add_gathered(every, gathered, time_width, load_width)
    return names, count


def _add_gathered(every: RowSpool, gathered: list[str], time_width: int, load_width: int) -> None:
    """Hand the rows gathered by :func:`_spool_every_sync` to ``every``: spooled, counted and measured."""
    if gathered:
        every.spool.add("".join(gathered))
        every.count += len(gathered)
        every.widths[0] = max(every.widths[0], time_width)
        every.widths[1] = max(every.widths[1], load_width)
        gathered.clear()


def render_table(result: Result | Run, wide: bool = False, width: Optional[int] = None) -> str:
    """The timeline table and the summary; ``width`` (a terminal's) cuts the text columns to fit it."""
    out = io.StringIO()
    table_of(result, wide).write(out, width)
    return out.getvalue()


def title(result: Result | Run) -> str:
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


def run_document(run: Result | Run, timeline: Any) -> dict:
    """The document of one run (``kind: Simulation``), with ``timeline`` as its timeline: the steps' documents,
    or a placeholder where they are written one by one (:func:`write_documents`). Its summary is the run's
    so far: of the whole run once the run has been streamed."""
    return {
        "apiVersion": API_VERSION,
        "kind": "Simulation",
        "metadata": {"name": run.scenario.name},
        "hpa": {"name": run.scenario.hpa.name, "namespace": run.scenario.hpa.namespace},
        "load": run.load.description,
        "syncPeriodSeconds": run.scenario.controller.sync_period,
        **controller_fields(run.scenario.controller.version),
        "summary": run.summary(),
        "timeline": timeline,
    }


def result_document(result: Result) -> dict:
    """The whole document of a run held in memory (tests compare the streamed one with it)."""
    return run_document(result, [step_document(step) for step in result.steps])


def documents_list(documents: list[dict]) -> dict:
    """The document of several runs (``--compare``, several ``--hpa``); one run's is its own."""
    if len(documents) == 1:
        return documents[0]
    return {"apiVersion": API_VERSION, "kind": "SimulationList", "items": documents}


def spool_entries(runs: Iterable[Result | Run], output: str,
                  also: Optional[Callable[[int, Step], None]] = None) -> list[Spool]:
    """Stream each run's timeline entries (``output``: json or yaml) into a spool of its own; ``also`` sees
    every step with its run's index. Runs are streamed in order, the next once the last has ended."""
    from .document import to_yaml
    from .entries import JsonEntries, YamlEntries

    runs = list(runs)
    several = len(runs) > 1
    spools = []
    for index, run in enumerate(runs):
        spool = Spool()
        entries = (JsonEntries(" " * (8 if several else 4)) if output == "json"
                   else YamlEntries("  " if several else "", to_yaml))
        entries.spool_all(run, spool, None if also is None else functools.partial(also, index))
        spools.append(spool)
    return spools


def write_documents(document: dict, spools: list[Spool], output: str, out: IO[str]) -> None:
    """Write ``document`` (:func:`documents_list` of :func:`run_document` with each run's placeholder) as
    ``-o json|yaml`` writes it, each placeholder replaced by its run's spooled entries."""
    from .document import to_json, to_yaml
    from .entries import placeholder, split_at_placeholder

    text = to_json(document) if output == "json" else to_yaml(document)
    for index, spool in enumerate(spools):
        mark = placeholder(index)
        quoted = f'"{mark}"' if output == "json" else (f"'{mark}'" if f"'{mark}'" in text else mark)
        head, indent, text = split_at_placeholder(text, index, quoted)
        if spool.empty:
            out.write(head + "[]")
        elif output == "json":
            out.write(head + "[\n")
            spool.copy_to(out)
            out.write(f"\n{indent}]")
        else:
            out.write(head.rstrip(" ") + "\n")
            spool.copy_to(out)
            text = text[1:] if text.startswith("\n") else text  # the entries end their own last line
        spool.close()
    out.write(text)


class CsvRows:
    """``-o csv``: a row per step, written to ``out`` as it comes, after the header (named after the first
    step's metrics). The row's fields after the load repeat while the decision holds: they are written by
    the csv module once per change and reused (the fields are quoted one by one, so the row is the same)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.writer = csv.writer(out, lineterminator="\n")
        self.started = False
        self._tail_lines: list[str] = []
        self._tail_writer = csv.writer(_Appender(self._tail_lines), lineterminator="\n")
        self._points: Optional[tuple[MetricPoint, ...]] = None
        self._key: Optional[tuple] = None
        self._tail = ""

    def _header(self, names: list[str]) -> None:
        self.writer.writerow(["t", "load", *[f"{name}_current" for name in names], *[f"{name}_target" for name in names],
                              "replicas", "readyReplicas", "desiredReplicas", "event", "limit"])
        self.started = True

    def add(self, step: Step) -> None:
        if not self.started:
            self._header([point.name for point in step.metrics])
        points = step.metrics
        key = (step.replicas, step.ready, step.desired, step.event, step.limit)
        if (points is not self._points or key != self._key
                or not type(step.replicas) is type(step.ready) is type(step.desired) is int):
            self._tail_writer.writerow([*["" if p.current is None else f"{p.current:g}" for p in points],
                                        *[f"{p.target:g}" for p in points], *key])
            self._points, self._key, self._tail = points, key, self._tail_lines.pop()
        self.out.write(f"{step.t:g},{step.load:.6g},{self._tail}")

    def add_all(self, steps: Iterable[Step]) -> None:
        """:meth:`add` of every step, the usual rows made in this loop and written a chunk at a time (a month:
        ~0.03 s less than a call and a write per row)."""
        chunk: list[str] = []
        for step in steps:
            if (not self.started or step.metrics is not self._points
                    or (step.replicas, step.ready, step.desired, step.event, step.limit) != self._key
                    or not type(step.replicas) is type(step.ready) is type(step.desired) is int):
                if chunk:
                    self.out.write("".join(chunk))
                    chunk.clear()
                self.add(step)
                continue
            chunk.append(f"{step.t:g},{step.load:.6g},{self._tail}")
            if len(chunk) == CHUNK_ENTRIES:
                self.out.write("".join(chunk))
                chunk.clear()
        if chunk:
            self.out.write("".join(chunk))

    def finish(self) -> None:
        if not self.started:  # no sync: the header alone, without metric columns
            self._header([])


class _Appender:
    """A file whose writes are kept in a list (what csv.writer writes a row to)."""

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


def render_csv(result: Result | Run) -> str:
    buffer = io.StringIO()
    rows = CsvRows(buffer)
    rows.add_all(result)
    rows.finish()
    return buffer.getvalue()


def sparkline(values: Sequence[float], width: int, top: Optional[float] = None) -> str:
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


class ChartSeries:
    """What the terminal chart draws, kept as a run streams: loads, the first metric (capped at twice its
    target) and desired replicas, as compact arrays (8 bytes a sync each; only on a terminal)."""

    def __init__(self) -> None:
        self.loads = array("d")
        self.metric = array("d")
        self.replicas = array("d")
        self.first: Optional[Step] = None
        self.ceiling: Optional[float] = None

    def add(self, step: Step) -> None:
        if self.first is None:
            self.first = step
            if step.metrics:
                target = step.metrics[0].target
                self.ceiling = 2 * target if target > 0 else None
        self.loads.append(step.load)
        if self.first.metrics:
            self.metric.append(min(step.metrics[0].current or 0.0, self.ceiling or float("inf")))
        self.replicas.append(float(step.desired))


def render_chart(result: Result | Run, width: int = CHART_WIDTH, columns: Optional[int] = None) -> str:
    """A compact terminal chart: load, the first metric against its target, and replicas; with
    ``columns`` (a terminal's width), the bars narrow so that every line fits."""
    series = ChartSeries()
    for step in result:
        series.add(step)
    return chart_text(series, result.scenario.hpa.max_replicas, result.duration, width, columns)


def chart_text(series: ChartSeries, max_replicas: int, duration: float, width: int = CHART_WIDTH,
               columns: Optional[int] = None) -> str:
    first = series.first
    if first is None:
        return ""
    peak = _value_text(round(max(series.loads), 1))
    labels = [f"  peak {peak} req/s"]
    # Drawn against twice the target, so the target sits at mid-height and "above target" is the upper half.
    if first.metrics:
        labels.append(f"  target {_value_text(first.metrics[0].target)}{first.metrics[0].unit} at mid-height")
    labels.append(f"  max {max_replicas}")
    if columns is not None:
        width = max(MIN_CHART_WIDTH, min(width, columns - 10 - max(len(label) for label in labels)))
    lines = [f"load      {sparkline(series.loads, width)}{labels[0]}"]
    if first.metrics:
        lines.append(f"{first.metrics[0].name[:9]:<9} "
                     f"{sparkline(series.metric, width, series.ceiling)}{labels[1]}")
    top = float(max_replicas)
    lines.append(f"replicas  {sparkline(series.replicas, width, top)}{labels[-1]}")
    lines.append(f"          0{' ' * (width - len(clock(duration)) - 1)}{clock(duration)}")
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


def render_comparison(results: Sequence[tuple[str, Result | Run]], width: Optional[int] = None,
                      summaries: Optional[list[dict]] = None) -> str:
    """One summary row per variant, for ``--compare``. With ``width`` (a terminal's) too narrow for that,
    one row per figure and one column per variant (the summary's labels), cut to fit. ``summaries``: the
    runs' summaries when they have been streamed already."""
    computed = summaries if summaries is not None else [result.summary() for _, result in results]
    pairs = [(label, summary) for (label, _), summary in zip(results, computed, strict=True)]
    headers = ["VARIANT", *[header for _, header, _ in COMPARISON_COLUMNS]]
    rows = [[label, *[_summary_value(summary, key, is_time) for key, _, is_time in COMPARISON_COLUMNS]]
            for label, summary in pairs]
    table = fit_table(headers, rows)
    if width is None or max(len(line) for line in table.splitlines()) <= width:
        return table + "\n"
    headers = ["", *[label for label, _ in pairs]]
    rows = [[label, *[_summary_value(summary, key, kind == "time") for _, summary in pairs]]
            for key, label, kind in SUMMARY_LABELS]
    return fit_table(headers, rows, width, shrinkable=tuple(range(len(headers)))) + "\n"
