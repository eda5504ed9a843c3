"""The timeline of ``simulate -o json|yaml`` written one entry at a time, in memory that does not grow with it.

A month is 172,801 entries (60 MB of JSON): building the whole document and dumping it took 0.6-1.5 GB
and, for JSON, ``json.dumps(indent=2)``'s pure-Python encoder (the C one serves only compact output).
Here each entry is written directly, in the exact bytes ``json.dumps(document, indent=2)`` and PyYAML's
``safe_dump`` give for the whole document (tests/render/test_entries.py checks both on generated steps,
hypothesis included): the entry's shape is fixed (:func:`~kubectl_hpa.render.timeline.step_document`),
so only its scalars need the encoders' rules. JSON strings go through the standard library's C string
encoder; YAML strings through PyYAML's own emitter, once per distinct value and position (a string's
quoting and line breaks depend on the column it starts at), and are reused from then on.

The entries go to a :class:`Spool` (memory up to a few MiB, then a temporary file), because the document
holds the summary before the timeline and the summary is known only at its end. The rest of the
document is dumped as before with a placeholder where the timeline goes, then cut there
(:func:`split_at_placeholder`).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from json.encoder import encode_basestring_ascii
from typing import IO, Any, Callable, Iterable, Optional

from ..sim.engine import MetricPoint, Step

CHUNK_ENTRIES = 2000  # entries joined per write to the spool
PENDING_SIZE = 256 << 10  # characters a spool gathers before one write
SPOOL_IN_MEMORY = 4 << 20  # characters a spool keeps in memory before it moves to a temporary file


class Spool:
    """Text written in order, read back once: in memory while small, else in an unnamed temporary file."""

    def __init__(self) -> None:
        # Kept open across writes and one read; close() ends it (and a temporary file goes with it).
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8",  # noqa: SIM115
                                                   newline="\n")  # lines end at \n only, untranslated
        self._pending: list[str] = []
        self._pending_size = 0
        self.empty = True

    def add(self, text: str) -> None:
        """One piece (an entry, a row); pieces are written to the file in chunks of about PENDING_SIZE."""
        self._pending.append(text)
        self._pending_size += len(text)
        self.empty = False
        if self._pending_size >= PENDING_SIZE:
            self.flush()

    write = add  # a file's method name, for csv.writer

    def flush(self) -> None:
        if self._pending:
            try:
                self._file.write("".join(self._pending))
            except OSError as error:  # a full disk under the temporary directory: say where (one line, exit 1)
                raise OSError(error.errno, error.strerror, tempfile.gettempdir()) from None
            self._pending, self._pending_size = [], 0

    def lines(self) -> IO[str]:
        """The text written, from its start (each piece should end with a newline to be read as lines)."""
        self.flush()
        self._file.seek(0)
        return self._file

    def copy_to(self, out: IO[str]) -> None:
        shutil.copyfileobj(self.lines(), out, 1 << 20)

    def close(self) -> None:
        self._file.close()


FLOAT_TEXTS_KEPT = 1 << 16  # distinct loads whose text a writer remembers (a month of the daily wave: ~2,900)


def placeholder(index: int) -> str:
    """A string that stands where run ``index``'s timeline goes, until the document is cut there."""
    return f"@@kubectl-hpa-timeline-{index}@@"


def split_at_placeholder(text: str, index: int, quoted: str) -> tuple[str, str, str]:
    """``text`` (the dumped document) cut around the line holding ``quoted`` (the placeholder as the format
    writes it): what precedes the placeholder on its line included (``"timeline": ``), the indentation of
    that line, and what follows the placeholder."""
    at = text.index(quoted)
    line_start = text.rfind("\n", 0, at) + 1
    key_line = text[line_start:at]
    indent = key_line[:len(key_line) - len(key_line.lstrip(" "))]
    return text[:at], indent, text[at + len(quoted):]


# ----------------------------------------------------------------------------- JSON

def json_scalar(value: Any) -> str:
    """A scalar as ``json.dumps`` writes it (NaN and the infinities as it spells them)."""
    kind = type(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value in (math.inf, -math.inf):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value)


def _rest_key(step: Step) -> Optional[tuple]:
    """What an entry's text after the load depends on besides its points (compared by identity: 0.0 == -0.0
    but is written differently), when equal keys mean equal text: the counts are ints (None otherwise)."""
    replicas, ready, desired = step.replicas, step.ready, step.desired
    if type(replicas) is not int or type(ready) is not int or type(desired) is not int:
        return None
    return (replicas, ready, desired, step.event, step.limit)


POINT_TEXTS_KEPT = 1 << 12  # distinct metric readings a writer remembers the text of


def same_text_when_equal(points: tuple[MetricPoint, ...]) -> bool:
    """Whether every points tuple equal to ``points`` is written the same: its numbers are nonzero floats (or
    None) and its texts strings. A month of the daily wave hands over 18,914 distinct points tuples that hold
    39 distinct readings: their text is made once per reading, not once per tuple (~0.1 s a view)."""
    for point in points:
        if type(point.name) is not str or type(point.unit) is not str or not (
                point.error is None or type(point.error) is str):
            return False
        for number in (point.current, point.target, point.ratio):
            if number is not None and (type(number) is not float or not number):  # 5 == 5.0, 0.0 == -0.0
                return False
    return True


def remembered(texts: dict[tuple[MetricPoint, ...], str], points: tuple[MetricPoint, ...],
               make: Callable[[tuple[MetricPoint, ...]], str]) -> str:
    """``make(points)``, remembered in ``texts`` by value when :func:`same_text_when_equal` allows it."""
    if not same_text_when_equal(points):
        return make(points)
    found = texts.get(points)
    if found is None:
        found = make(points)
        if len(texts) < POINT_TEXTS_KEPT:
            texts[points] = found
    return found


def _ratio(ratio: Optional[float]) -> Optional[float]:
    return None if ratio is None or ratio != ratio else round(ratio, 6)


class _Entries:
    """What the JSON and YAML writers share: the text of an entry's metrics and of everything after its load,
    made once while they repeat (a steady stretch) and remembered by value (see ``same_text_when_equal``)."""

    def __init__(self) -> None:
        self._points: Optional[tuple[MetricPoint, ...]] = None
        self._points_text = ""
        self._rest_points: Optional[tuple[MetricPoint, ...]] = None  # the last entry's fields after the load,
        self._rest_key: Optional[tuple] = None  # and their text
        self._rest = ""
        self._metrics_texts: dict[tuple[MetricPoint, ...], str] = {}
        self._rests: dict[tuple, str] = {}

    def _made_metrics(self, points: tuple[MetricPoint, ...]) -> str:
        raise NotImplementedError

    def _rest_text(self, step: Step) -> str:
        raise NotImplementedError

    def _metrics(self, points: tuple[MetricPoint, ...]) -> str:
        return remembered(self._metrics_texts, points, self._made_metrics)

    def _update_rest(self, step: Step) -> None:
        """What follows the load, made again when the step's differs from the last entry's (it repeats while
        the decision holds), and remembered by value (a month: ~20,000 changes between 588 texts)."""
        points = step.metrics
        if points is not self._points:  # steady stretches hand over the same points, sync after sync
            self._points, self._points_text = points, self._metrics(points)
        key = _rest_key(step)
        if key is None or points is not self._rest_points or key != self._rest_key:
            self._rest_points, self._rest_key = points, key
            if key is None or not same_text_when_equal(points):
                self._rest = self._rest_text(step)
            else:
                found = self._rests.get((points, key))
                if found is None:
                    found = self._rest_text(step)
                    if len(self._rests) < POINT_TEXTS_KEPT:
                        self._rests[(points, key)] = found
                self._rest = found


class JsonEntries(_Entries):
    """Entries of a ``timeline`` list whose items start at ``indent`` spaces, as ``json.dumps(indent=2)``."""

    def __init__(self, indent: str) -> None:
        self.indent = indent
        super().__init__()

    def spool_all(self, steps: Iterable[Step], spool: Spool, also: Optional[Callable[[Step], None]] = None) -> None:
        """Every step's :meth:`entry` into ``spool``, ",\n" between them; ``also`` sees each step first. The
        loop of :meth:`entry` with its state in local variables (a month: 0.31 s of CPU instead of 0.37 s)."""
        i = self.indent
        head, middle = f'{i}{{\n{i}  "t": ', f',\n{i}  "load": '
        rest_points, rest_key, rest = self._rest_points, self._rest_key, self._rest
        chunk: list[str] = []
        load_texts: dict[float, str] = {}
        for step in steps:
            if also is not None:
                also(step)
            points = step.metrics
            key = (step.replicas, step.ready, step.desired, step.event, step.limit)
            if (points is not rest_points or key != rest_key
                    or not type(step.replicas) is type(step.ready) is type(step.desired) is int):
                self._update_rest(step)  # what follows the load changed
                rest_points, rest = points, self._rest
                rest_key = key
            t, load = step.t, round(step.load, 6)
            if type(t) is float and type(load) is float and t - t == 0.0 and load - load == 0.0:
                load_text = load_texts.get(load)  # a month's loads round to ~2,900 values: repr'd once each
                if load_text is None:
                    load_text = repr(load)
                    if load and len(load_texts) < FLOAT_TEXTS_KEPT:  # not 0.0, equal to -0.0
                        load_texts[load] = load_text
                chunk.append(f"{head}{t!r}{middle}{load_text},\n{rest}")
            else:
                chunk.append(f"{head}{json_scalar(t)}{middle}{json_scalar(load)},\n{rest}")
            if len(chunk) == CHUNK_ENTRIES:
                spool.add(",\n".join(chunk))
                chunk = [""]  # the next chunk's first entry follows this one's last: a separator first
        if chunk and chunk != [""]:
            spool.add(",\n".join(chunk))

    def _made_metrics(self, points: tuple[MetricPoint, ...]) -> str:
        if not points:
            return "[]"
        inner = self.indent + "    "
        objects = []
        for point in points:
            fields = [f'"name": {json_scalar(point.name)}', f'"current": {json_scalar(point.current)}',
                      f'"target": {json_scalar(point.target)}', f'"unit": {json_scalar(point.unit or None)}',
                      f'"usageRatio": {json_scalar(_ratio(point.ratio))}']
            if point.error:
                fields.append(f'"error": {json_scalar(point.error)}')
            objects.append(f"{inner}{{\n{inner}  " + f",\n{inner}  ".join(fields) + f"\n{inner}}}")
        return "[\n" + ",\n".join(objects) + f"\n{self.indent}  ]"

    def entry(self, step: Step) -> str:
        i = self.indent
        t, load = step.t, round(step.load, 6)
        self._update_rest(step)
        if type(t) is float and type(load) is float and t - t == 0.0 and load - load == 0.0:
            # The usual entry (finite floats): the same text, without a call per scalar.
            return f'{i}{{\n{i}  "t": {t!r},\n{i}  "load": {load!r},\n{self._rest}'
        return f'{i}{{\n{i}  "t": {json_scalar(t)},\n{i}  "load": {json_scalar(load)},\n{self._rest}'

    def _rest_text(self, step: Step) -> str:
        i = self.indent
        text = (f'{i}  "replicas": {json_scalar(step.replicas)},\n{i}  "readyReplicas": {json_scalar(step.ready)},\n'
                f'{i}  "desiredReplicas": {json_scalar(step.desired)},\n{i}  "metrics": {self._points_text}')
        if step.event:
            text += f',\n{i}  "event": {encode_basestring_ascii(step.event)}'
        if step.limit:
            text += f',\n{i}  "limit": {encode_basestring_ascii(step.limit)}'
        return text + f"\n{i}}}"


# ----------------------------------------------------------------------------- YAML

def yaml_float(value: float) -> str:
    """A float as PyYAML's SafeRepresenter writes it (``1.0e+16``, ``.nan``, ``-.inf``)."""
    if value != value:
        return ".nan"
    if value in (math.inf, -math.inf):
        return ".inf" if value > 0 else "-.inf"
    text = float.__repr__(value).lower()
    if "." not in text and "e" in text:  # YAML's float needs the point: 1e+16 is written 1.0e+16
        text = text.replace("e", ".0e", 1)
    return text


def yaml_number(value: Any) -> Optional[str]:
    """A non-string scalar as PyYAML writes it, or None for a string (see :class:`YamlEntries`)."""
    kind = type(value)
    if kind is float:
        return yaml_float(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    return None


class YamlEntries(_Entries):
    """Entries of a ``timeline`` sequence whose ``- `` starts at ``indent`` spaces, as PyYAML's safe_dump
    (block style, keys in order) writes them; ``dump`` is that dump (:func:`~kubectl_hpa.render.document.to_yaml`)."""

    def __init__(self, indent: str, dump: Callable[[Any], str]) -> None:
        self.indent = indent
        self.dump = dump
        self._strings: dict[tuple[str, str, str], str] = {}
        super().__init__()

    def spool_all(self, steps: Iterable[Step], spool: Spool, also: Optional[Callable[[Step], None]] = None) -> None:
        """Every step's :meth:`entry` into ``spool``; ``also`` sees each step first. The loop of :meth:`entry`
        with its state in local variables (a month: 0.29 s of CPU instead of 0.40 s)."""
        i = self.indent
        head, middle = f"{i}- t: ", f"\n{i}  load: "
        rest_points, rest_key, rest = self._rest_points, self._rest_key, self._rest
        chunk: list[str] = []
        load_texts: dict[float, str] = {}
        for step in steps:
            if also is not None:
                also(step)
            points = step.metrics
            key = (step.replicas, step.ready, step.desired, step.event, step.limit)
            t, load = step.t, round(step.load, 6)
            if (points is not rest_points or key != rest_key
                    or not type(step.replicas) is type(step.ready) is type(step.desired) is int
                    or type(t) is not float or type(load) is not float or t - t != 0.0 or load - load != 0.0):
                chunk.append(self.entry(step))  # what follows the load changed, or an unusual number
                rest_points, rest = points, self._rest
                rest_key = key
            else:
                t_text = repr(t)
                if "e" in t_text and "." not in t_text:
                    t_text = yaml_float(t)
                load_text = load_texts.get(load)  # a month's loads round to ~2,900 values: written once each
                if load_text is None:
                    load_text = repr(load)
                    if "e" in load_text and "." not in load_text:
                        load_text = yaml_float(load)
                    if load and len(load_texts) < FLOAT_TEXTS_KEPT:  # not 0.0, equal to -0.0
                        load_texts[load] = load_text
                chunk.append(f"{head}{t_text}{middle}{load_text}\n{rest}")
            if len(chunk) == CHUNK_ENTRIES:
                spool.add("".join(chunk))
                chunk = []
        if chunk:
            spool.add("".join(chunk))

    def _string(self, where: str, key: str, value: str) -> str:
        """How the emitter writes ``value`` under ``key`` (of an entry, or of a metric of an entry: ``where``)
        at this depth: dumped once in a document of the same nesting, and cut out of it."""
        cached = self._strings.get((where, key, value))
        if cached is None:
            item: dict = {key: value}
            if where == "metric":
                item = {"metrics": [item]}
            document: Any = {"timeline": [item]}
            if self.indent:  # the runs of a SimulationList: its items hold the timelines
                document = {"items": [document]}
            text = self.dump(document)
            prefix = f"- {key}: "
            cached = self._strings[(where, key, value)] = text[text.index(prefix) + len(prefix):].rstrip("\n")
        return cached

    def _scalar(self, where: str, key: str, value: Any) -> str:
        text = yaml_number(value)
        return self._string(where, key, value) if text is None else text

    def _made_metrics(self, points: tuple[MetricPoint, ...]) -> str:
        if not points:
            return " []\n"
        inner = self.indent + "  "
        lines = ["\n"]
        for point in points:
            fields = [("name", point.name), ("current", point.current), ("target", point.target),
                      ("unit", point.unit or None), ("usageRatio", _ratio(point.ratio))]
            if point.error:
                fields.append(("error", point.error))
            for position, (key, value) in enumerate(fields):
                lines.append(f"{inner}{'- ' if position == 0 else '  '}{key}: "
                             f"{self._scalar('metric', key, value)}\n")
        return "".join(lines)

    def entry(self, step: Step) -> str:
        i = self.indent
        t, load = step.t, round(step.load, 6)
        self._update_rest(step)
        if type(t) is float and type(load) is float and t - t == 0.0 and load - load == 0.0:
            # The usual entry (finite floats): the same text, without a call per scalar.
            t_text, load_text = repr(t), repr(load)
            if "e" in t_text and "." not in t_text:
                t_text = yaml_float(t)
            if "e" in load_text and "." not in load_text:
                load_text = yaml_float(load)
            return f"{i}- t: {t_text}\n{i}  load: {load_text}\n{self._rest}"
        return f"{i}- t: {self._scalar('entry', 't', t)}\n{i}  load: {self._scalar('entry', 'load', load)}\n{self._rest}"

    def _rest_text(self, step: Step) -> str:
        i = self.indent
        text = (f"{i}  replicas: {self._scalar('entry', 'replicas', step.replicas)}\n"
                f"{i}  readyReplicas: {self._scalar('entry', 'readyReplicas', step.ready)}\n"
                f"{i}  desiredReplicas: {self._scalar('entry', 'desiredReplicas', step.desired)}\n"
                f"{i}  metrics:{self._points_text}")
        if step.event:
            text += f"{i}  event: {self._string('entry', 'event', step.event)}\n"
        if step.limit:
            text += f"{i}  limit: {self._string('entry', 'limit', step.limit)}\n"
        return text
