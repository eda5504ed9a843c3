"""Load profiles: total requests per second offered to the workload, as a function of time.

``constant``, ``step``, ``ramp``, ``spike`` and ``sine`` are formulas; ``csv`` and
``prometheus`` replay a recorded series; ``stages`` reads the same stages file
that ``loadgen/`` feeds locust, so one definition drives real load and simulation;
``sequence`` is a test's driver: stages that last a time or wait for the workload
(``until: {readyReplicas: 3}``), replayed by :class:`SequenceRun` against the world.

This module owns the ``load:`` section of a scenario: its types (:data:`LOAD_TYPES`),
its parsed form (:class:`LoadSpec`) and the profile built from it. scenario.py imports
it, never the other way round; the field checks both use live in fields.py.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

from ..inputs import InputTooLarge, load_yaml, read_text
from ..timefmt import parse_time
from .fields import ScenarioError, as_mapping, as_number, as_seconds, field_path, reject_unknown

LOAD_TYPES = ("constant", "step", "ramp", "spike", "sine", "csv", "stages", "prometheus", "sequence")
CONDITIONS = ("readyReplicas", "replicas")  # what a ``sequence`` stage can wait for

PrometheusFetch = Callable[..., list[tuple[float, float]]]
"""``(url, query, start, end, step) -> [(time, total rate)]``: :func:`fetch_prometheus_range`, or a test's stand-in."""


# LoadProfile and SequenceStage are NamedTuples, not frozen dataclasses: the same immutable values (fields,
# defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every simulate start
# pays (a frozen dataclass execs six generated methods; issue 18). A profile's ``before`` is set with
# ``_replace``; nothing else replaces their fields or relies on them not being tuples.
class LoadProfile(NamedTuple):
    """The total requests/s offered at each moment of the run, which the world model shares among Ready pods."""

    rate_at: Callable[[float], float]
    length: Optional[float]  # seconds the profile defines; None for endless formulas
    description: str
    before: Optional[float] = None  # requests/s before t = 0; None: the t = 0 value had held (a warm start)
    stages: tuple[SequenceStage, ...] = ()  # a ``sequence``: ``rate_at`` is then its course if no stage waits

    def history_rate_at(self, t: float) -> float:
        """The rate the metric pipeline saw at ``t``, including before the simulation starts."""
        if t < 0:
            return self.rate_at(0.0) if self.before is None else self.before
        return self.rate_at(t)


class SequenceStage(NamedTuple):
    """One stage of a ``sequence`` load: a rate held ``seconds`` long, or until a condition holds (checked at
    each sync, as a test's driver polls) or ``seconds`` pass (its timeout; None: no end)."""

    rate: float
    seconds: Optional[float] = None
    until: Optional[tuple[str, int]] = None  # (readyReplicas | replicas, count)


class SequenceRun:
    """A ``sequence`` load replayed against one run of the world: a stage that waits for a condition ends at
    the first sync that sees it. The rate of a past moment is what was offered then; of a future one, the
    current stage's."""

    def __init__(self, profile: LoadProfile) -> None:
        self._stages = profile.stages
        self._before = profile.before
        self._index = 0
        self._started = 0.0  # when the current stage began
        self._times: list[float] = [0.0]  # when each stage so far began
        self._rates: list[float] = [profile.stages[0].rate]

    def rate_at(self, t: float) -> float:
        if t < 0:
            return self._rates[0] if self._before is None else self._before
        return self._rates[bisect.bisect_right(self._times, t) - 1]

    def observe(self, now: float, ready: int, replicas: int) -> None:
        """Move on past every stage that ended by ``now``; ``ready`` and ``replicas`` are the workload's now."""
        while self._index + 1 < len(self._stages):
            stage = self._stages[self._index]
            end: Optional[float] = None
            if stage.until is not None:
                kind, wanted = stage.until
                if (ready if kind == "readyReplicas" else replicas) == wanted:
                    end = now
            if end is None and stage.seconds is not None and self._started + stage.seconds <= now:
                end = self._started + stage.seconds
            if end is None:
                return
            self._index += 1
            self._started = end
            self._times.append(end)
            self._rates.append(self._stages[self._index].rate)


@dataclass(frozen=True)
class LoadSpec:
    """The ``load:`` section as written: its type, the other keys, and where relative file names resolve."""

    type: str
    params: dict
    base_dir: Path = Path(".")

    @cached_property
    def profile(self) -> LoadProfile:
        """The profile, built on first use and then kept.

        Reading a scenario builds it (that is how a bad ``load:`` is reported with the file), and the
        run uses the same one: a csv or stages file is read once, a Prometheus range queried once.
        ``dataclasses.replace`` makes a new spec, which builds its own.
        """
        return _build_with_before(self, None)


def parse_load(raw: Any, where: str, base_dir: Path) -> LoadSpec:
    """The ``load:`` section, checked now; a Prometheus load is only queried when the simulation runs."""
    raw = as_mapping(raw, where)
    if "type" not in raw:
        raise ScenarioError(f"{field_path(where, 'type')}: required (one of {', '.join(LOAD_TYPES)})")
    kind = raw["type"]
    if kind not in LOAD_TYPES:
        raise ScenarioError(f"{field_path(where, 'type')}: {kind!r} is not one of {', '.join(LOAD_TYPES)}")
    spec = LoadSpec(kind, {key: value for key, value in raw.items() if key != "type"}, base_dir)
    if kind != "prometheus":
        _ = spec.profile  # build it now, so a bad load is an error of reading the scenario, not of the run
    return spec


def _series_profile(times: list[float], rates: list[float], description: str) -> LoadProfile:
    """A recorded series: the rate holds from one point to the next (a step function), 0 after the end."""

    def rate_at(t: float) -> float:
        index = bisect.bisect_right(times, t) - 1
        if index < 0 or t > times[-1] + (times[-1] - times[-2] if len(times) > 1 else 0):
            return 0.0
        return rates[index]

    step = times[-1] - times[-2] if len(times) > 1 else 0.0
    return LoadProfile(rate_at, times[-1] + step, description)


def build_load(spec: LoadSpec, prometheus_fetch: Optional[PrometheusFetch] = None) -> LoadProfile:
    """The profile of ``load:``: the spec's own (built once), or, with ``prometheus_fetch``, a fresh one
    that reads the Prometheus series through it."""
    if prometheus_fetch is None:
        return spec.profile
    return _build_with_before(spec, prometheus_fetch)


def _build_with_before(spec: LoadSpec, prometheus_fetch: Optional[PrometheusFetch]) -> LoadProfile:
    """``before`` (allowed with any type) is the rate before t = 0, for a cold start."""
    params = dict(spec.params)
    before = params.pop("before", None)
    profile = _build(spec.type, params, spec.base_dir, prometheus_fetch)
    if before is None:
        return profile
    return profile._replace(before=as_number(before, "load.before"))


def _build(kind: str, p: dict, base_dir: Path, prometheus_fetch: Optional[PrometheusFetch]) -> LoadProfile:
    """One profile per load type; ``p`` is the section without ``type`` and ``before``."""
    where = "load"
    if kind == "constant":
        reject_unknown(p, {"rate"}, where)
        rate = as_number(p.get("rate", 0), "load.rate")
        return LoadProfile(lambda t: rate, None, f"constant {rate:g} req/s")
    if kind == "step":
        reject_unknown(p, {"steps"}, where)
        steps = p.get("steps")
        if not isinstance(steps, list) or not steps:
            raise ScenarioError("load.steps: expected a list of {at, rate}")
        points = sorted((as_seconds(s.get("at", 0), f"load.steps[{i}].at", positive=False),
                         as_number(s.get("rate"), f"load.steps[{i}].rate"))
                        for i, s in enumerate(steps) if isinstance(s, dict))
        if len(points) != len(steps):
            raise ScenarioError("load.steps: every step needs at and rate")
        times, rates = [t for t, _ in points], [r for _, r in points]

        def step_rate(t: float) -> float:
            index = bisect.bisect_right(times, t) - 1
            return rates[index] if index >= 0 else 0.0

        return LoadProfile(step_rate, None, f"{len(points)} steps")
    if kind == "ramp":
        reject_unknown(p, {"from", "to", "start", "over"}, where)
        low, high = as_number(p.get("from", 0), "load.from"), as_number(p.get("to"), "load.to")
        start = as_seconds(p.get("start", 0), "load.start", positive=False)
        over = as_seconds(p.get("over"), "load.over")

        def ramp_rate(t: float) -> float:
            fraction = min(1.0, max(0.0, (t - start) / over))
            return low + (high - low) * fraction

        return LoadProfile(ramp_rate, None, f"ramp {low:g} -> {high:g} req/s over {over:g}s")
    if kind == "spike":
        reject_unknown(p, {"base", "peak", "at", "duration"}, where)
        base, peak = as_number(p.get("base", 0), "load.base"), as_number(p.get("peak"), "load.peak")
        at = as_seconds(p.get("at", 0), "load.at", positive=False)
        length = as_seconds(p.get("duration"), "load.duration")
        return LoadProfile(lambda t: peak if at <= t < at + length else base, None,
                           f"spike {base:g} -> {peak:g} req/s at {at:g}s for {length:g}s")
    if kind == "sine":
        reject_unknown(p, {"min", "max", "period", "phase"}, where)
        low, high = as_number(p.get("min", 0), "load.min"), as_number(p.get("max"), "load.max")
        period = as_seconds(p.get("period", "24h"), "load.period")
        phase = as_seconds(p.get("phase", 0), "load.phase", positive=False)
        middle, amplitude = (low + high) / 2, (high - low) / 2
        # The trough is at t = phase: a day that starts quiet.
        return LoadProfile(lambda t: middle - amplitude * math.cos(2 * math.pi * (t - phase) / period), None,
                           f"sine {low:g}..{high:g} req/s, period {period:g}s")
    if kind == "sequence":
        reject_unknown(p, {"stages"}, where)
        return _sequence_profile(p.get("stages"))
    if kind == "csv":
        reject_unknown(p, {"file"}, where)
        return _csv_profile(_file(p, base_dir, "load.file"))
    if kind == "stages":
        reject_unknown(p, {"file"}, where)
        return _stages_profile(_file(p, base_dir, "load.file"))
    if kind == "prometheus":
        reject_unknown(p, {"url", "query", "start", "end", "step"}, where)
        return prometheus_profile(str(p.get("url", "")), str(p.get("query", "")), p.get("start"), p.get("end"),
                                  p.get("step", "15s"), fetch=prometheus_fetch)
    raise ScenarioError(f"load.type: unknown load type {kind!r}")


def _sequence_profile(raw: Any) -> LoadProfile:
    """``stages: [{rate, for | until + timeout}]``; every stage but the last needs an end."""
    if not isinstance(raw, list) or not raw:
        raise ScenarioError("load.stages: expected a list of {rate, for} or {rate, until, timeout}")
    stages = []
    for index, item in enumerate(raw):
        where = f"load.stages[{index}]"
        item = as_mapping(item, where)
        reject_unknown(item, {"rate", "for", "until", "timeout"}, where)
        rate = as_number(item.get("rate"), f"{where}.rate")
        until = None
        if "until" in item:
            if "for" in item:
                raise ScenarioError(f"{where}.for: a stage lasts a time or waits (until, with a timeout), not both")
            condition = as_mapping(item["until"], f"{where}.until")
            reject_unknown(condition, set(CONDITIONS), f"{where}.until")
            if len(condition) != 1:
                raise ScenarioError(f"{where}.until: expected one condition ({', '.join(CONDITIONS)})")
            (kind, count), = condition.items()
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ScenarioError(f"{where}.until.{kind}: expected an integer >= 0, got {count!r}")
            until = (kind, count)
            seconds = as_seconds(item["timeout"], f"{where}.timeout") if "timeout" in item else None
        else:
            if "timeout" in item:
                raise ScenarioError(f"{where}.timeout: only a stage with until has a timeout")
            seconds = as_seconds(item["for"], f"{where}.for") if "for" in item else None
        if seconds is None and until is None and index < len(raw) - 1:
            raise ScenarioError(f"{where}: needs for (or until) to end: only the last stage can last forever")
        stages.append(SequenceStage(rate, seconds, until))
    times, rates, clock = [], [], 0.0
    for stage in stages:  # the course if nothing is waited for: each stage for its time (or timeout)
        times.append(clock)
        rates.append(stage.rate)
        clock += stage.seconds if stage.seconds is not None else math.inf

    def sequence_rate(t: float) -> float:
        return rates[bisect.bisect_right(times, t) - 1] if t >= 0 else rates[0]

    length = clock if math.isfinite(clock) else None
    return LoadProfile(sequence_rate, length, f"sequence of {len(stages)} stages", stages=tuple(stages))


def _file(params: dict, base_dir: Path, where: str) -> Path:
    """``file:``, relative to the scenario's directory."""
    name = params.get("file")
    if not name:
        raise ScenarioError(f"{where}: required")
    path = Path(str(name))
    return path if path.is_absolute() else base_dir / path


def _csv_profile(path: Path) -> LoadProfile:
    """Columns ``t`` (seconds from the start, or RFC 3339) and ``rate`` (requests/s)."""
    try:
        text = read_text(path, newline="")
    except OSError as error:
        raise ScenarioError(f"load.file: {path}: {error.strerror or error}") from None
    except InputTooLarge as error:
        raise ScenarioError(f"load.file: {path}: {error}") from None
    import csv  # here: only a csv load pays for it (~0.5 ms of every simulate start otherwise)

    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if not rows or not {"t", "rate"} <= set(rows[0]):
        raise ScenarioError(f"load.file: {path}: expected a header with columns t and rate")
    points: list[tuple[float, float]] = []
    for line, row in enumerate(rows, start=2):
        try:
            raw_t = row["t"].strip()
            t = float(raw_t) if raw_t.replace(".", "", 1).isdigit() else parse_time(raw_t)
            points.append((t, float(row["rate"])))
        except (ValueError, AttributeError):
            raise ScenarioError(f"load.file: {path}: line {line}: expected a number or RFC 3339 time and a rate") from None
    points.sort()
    origin = points[0][0]
    return _series_profile([t - origin for t, _ in points], [r for _, r in points], f"csv {path.name}")


def _stages_profile(path: Path) -> LoadProfile:
    import yaml

    from ..pipeline.stages import parse_plan

    # pipeline.stages.load_plan's reading, bounded (a stages file is YAML, and read like every input).
    try:
        plan = parse_plan(load_yaml(read_text(path, encoding="utf-8")), source=str(path))
    except InputTooLarge as error:
        raise ScenarioError(f"load.file: {path}: {error}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"load.file: {path}: not valid YAML: {str(error).splitlines()[0]}") from None
    except (OSError, ValueError) as error:
        raise ScenarioError(f"load.file: {error}") from None
    if plan.kind == "users" and plan.per_user_rate is None:
        raise ScenarioError(f"load.file: {path}: per_user_rate: 'max' gives no request rate to simulate; set a number")

    def stages_rate(t: float) -> float:
        rate = plan.offered_rate_at(t)
        return rate or 0.0

    return LoadProfile(stages_rate, plan.total_duration_s, f"stages {path.name}")


def fetch_prometheus_range(url: str, query: str, start: float, end: float, step: float,
                           timeout: float = 30.0) -> list[tuple[float, float]]:
    """GET /api/v1/query_range and sum the series at each step (the load is a total)."""
    # Imported here: the HTTP and TLS stack costs every simulate ~30 ms at start-up, and only --prometheus needs it.
    from urllib import error as urlerror
    from urllib import parse, request

    arguments = parse.urlencode({"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"})
    address = f"{url.rstrip('/')}/api/v1/query_range?{arguments}"
    try:
        with request.urlopen(address, timeout=timeout) as response:  # noqa: S310 (the user's Prometheus)
            body: dict[str, Any] = json.load(response)
    except urlerror.HTTPError as error:
        detail = ""
        with contextlib.suppress(ValueError, OSError, AttributeError):
            detail = json.load(error).get("error", "")
        raise ScenarioError(f"load.prometheus: {url}: HTTP {error.code} {detail}".strip()) from None
    except (urlerror.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ScenarioError(f"load.prometheus: cannot query {url}: {reason}") from None
    if body.get("status") != "success":
        raise ScenarioError(f"load.prometheus: {body.get('errorType', 'error')}: {body.get('error', '')}")
    totals: dict[float, float] = {}
    for series in body.get("data", {}).get("result", []):
        for stamp, value in series.get("values", []):
            number = float(value)
            if math.isfinite(number):
                totals[float(stamp)] = totals.get(float(stamp), 0.0) + number
    return sorted(totals.items())


def prometheus_profile(url: str, query: str, start: Any, end: Any, step: Any,
                       fetch: Optional[PrometheusFetch] = None) -> LoadProfile:
    if not url or not query:
        raise ScenarioError("load: a prometheus load needs url and query")
    try:
        start_s, end_s = parse_time(str(start)), parse_time(str(end))
    except ValueError:
        raise ScenarioError("load.start/end: expected RFC 3339 times (e.g. 2026-11-30T10:00:00Z)") from None
    if end_s <= start_s:
        raise ScenarioError("load.end: must be after load.start")
    step_s = as_seconds(step, "load.step")
    points = (fetch or fetch_prometheus_range)(url, query, start_s, end_s, step_s)
    if not points:
        raise ScenarioError(f"load.query: {query!r} returned no samples between {start} and {end}")
    return _series_profile([t - start_s for t, _ in points], [r for _, r in points], f"prometheus {query}")
