"""Load profiles: total requests per second offered to the workload, as a function of time.

``constant``, ``step``, ``ramp``, ``spike`` and ``sine`` are formulas; ``csv`` and
``prometheus`` replay a recorded series; ``stages`` reads the same stages file
that ``loadgen/`` feeds locust, so one definition drives real load and simulation.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Optional
from urllib import error as urlerror
from urllib import parse, request

from ..timefmt import parse_time
from .scenario import LoadSpec, ScenarioError, _number, _seconds, _unknown


@dataclass(frozen=True)
class LoadProfile:
    rate_at: Callable[[float], float]
    length: Optional[float]  # seconds the profile defines; None for endless formulas
    description: str
    before: Optional[float] = None  # requests/s before t = 0; None: the t = 0 value had held (a warm start)

    def history_rate_at(self, t: float) -> float:
        """The rate the metric pipeline saw at ``t``, including before the simulation starts."""
        if t < 0:
            return self.rate_at(0.0) if self.before is None else self.before
        return self.rate_at(t)


def _series_profile(times: list[float], rates: list[float], description: str) -> LoadProfile:
    """A recorded series: the rate holds from one point to the next (a step function), 0 after the end."""

    def rate_at(t: float) -> float:
        index = bisect.bisect_right(times, t) - 1
        if index < 0 or t > times[-1] + (times[-1] - times[-2] if len(times) > 1 else 0):
            return 0.0
        return rates[index]

    step = times[-1] - times[-2] if len(times) > 1 else 0.0
    return LoadProfile(rate_at, times[-1] + step, description)


def build_load(spec: LoadSpec, prometheus_fetch: Optional[Callable[..., list[tuple[float, float]]]] = None) -> LoadProfile:
    """The profile of ``load:``; ``before`` (any type) is the rate before t = 0, for a cold start."""
    params = dict(spec.params)
    before = params.pop("before", None)
    profile = _build(LoadSpec(spec.type, params, spec.base_dir), prometheus_fetch)
    if before is None:
        return profile
    return replace(profile, before=_number(before, "load.before"))


def _build(spec: LoadSpec, prometheus_fetch: Optional[Callable[..., list[tuple[float, float]]]]) -> LoadProfile:
    p, kind = spec.params, spec.type
    where = "load"
    if kind == "constant":
        _unknown(p, {"rate"}, where)
        rate = _number(p.get("rate", 0), "load.rate")
        return LoadProfile(lambda t: rate, None, f"constant {rate:g} req/s")
    if kind == "step":
        _unknown(p, {"steps"}, where)
        steps = p.get("steps")
        if not isinstance(steps, list) or not steps:
            raise ScenarioError("load.steps: expected a list of {at, rate}")
        points = sorted((_seconds(s.get("at", 0), f"load.steps[{i}].at", positive=False),
                         _number(s.get("rate"), f"load.steps[{i}].rate"))
                        for i, s in enumerate(steps) if isinstance(s, dict))
        if len(points) != len(steps):
            raise ScenarioError("load.steps: every step needs at and rate")
        times, rates = [t for t, _ in points], [r for _, r in points]

        def step_rate(t: float) -> float:
            index = bisect.bisect_right(times, t) - 1
            return rates[index] if index >= 0 else 0.0

        return LoadProfile(step_rate, None, f"{len(points)} steps")
    if kind == "ramp":
        _unknown(p, {"from", "to", "start", "over"}, where)
        low, high = _number(p.get("from", 0), "load.from"), _number(p.get("to"), "load.to")
        start = _seconds(p.get("start", 0), "load.start", positive=False)
        over = _seconds(p.get("over"), "load.over")

        def ramp_rate(t: float) -> float:
            fraction = min(1.0, max(0.0, (t - start) / over))
            return low + (high - low) * fraction

        return LoadProfile(ramp_rate, None, f"ramp {low:g} -> {high:g} req/s over {over:g}s")
    if kind == "spike":
        _unknown(p, {"base", "peak", "at", "duration"}, where)
        base, peak = _number(p.get("base", 0), "load.base"), _number(p.get("peak"), "load.peak")
        at = _seconds(p.get("at", 0), "load.at", positive=False)
        length = _seconds(p.get("duration"), "load.duration")
        return LoadProfile(lambda t: peak if at <= t < at + length else base, None,
                           f"spike {base:g} -> {peak:g} req/s at {at:g}s for {length:g}s")
    if kind == "sine":
        _unknown(p, {"min", "max", "period", "phase"}, where)
        low, high = _number(p.get("min", 0), "load.min"), _number(p.get("max"), "load.max")
        period = _seconds(p.get("period", "24h"), "load.period")
        phase = _seconds(p.get("phase", 0), "load.phase", positive=False)
        middle, amplitude = (low + high) / 2, (high - low) / 2
        # The trough is at t = phase: a day that starts quiet.
        return LoadProfile(lambda t: middle - amplitude * math.cos(2 * math.pi * (t - phase) / period), None,
                           f"sine {low:g}..{high:g} req/s, period {period:g}s")
    if kind == "csv":
        _unknown(p, {"file"}, where)
        return _csv_profile(_file(spec, "load.file"))
    if kind == "stages":
        _unknown(p, {"file"}, where)
        return _stages_profile(_file(spec, "load.file"))
    if kind == "prometheus":
        _unknown(p, {"url", "query", "start", "end", "step"}, where)
        return prometheus_profile(str(p.get("url", "")), str(p.get("query", "")), p.get("start"), p.get("end"),
                                  p.get("step", "15s"), fetch=prometheus_fetch)
    raise ScenarioError(f"load.type: unknown load type {kind!r}")


def _file(spec: LoadSpec, where: str) -> Path:
    name = spec.params.get("file")
    if not name:
        raise ScenarioError(f"{where}: required")
    path = Path(str(name))
    return path if path.is_absolute() else spec.base_dir / path


def _csv_profile(path: Path) -> LoadProfile:
    """Columns ``t`` (seconds from the start, or RFC 3339) and ``rate`` (requests/s)."""
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ScenarioError(f"load.file: {path}: {error.strerror or error}") from None
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
    from ..pipeline.stages import load_plan

    try:
        plan = load_plan(path)
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
                       fetch: Optional[Callable[..., list[tuple[float, float]]]] = None) -> LoadProfile:
    if not url or not query:
        raise ScenarioError("load: a prometheus load needs url and query")
    try:
        start_s, end_s = parse_time(str(start)), parse_time(str(end))
    except ValueError:
        raise ScenarioError("load.start/end: expected RFC 3339 times (e.g. 2026-11-30T10:00:00Z)") from None
    if end_s <= start_s:
        raise ScenarioError("load.end: must be after load.start")
    step_s = _seconds(step, "load.step")
    points = (fetch or fetch_prometheus_range)(url, query, start_s, end_s, step_s)
    if not points:
        raise ScenarioError(f"load.query: {query!r} returned no samples between {start} and {end}")
    return _series_profile([t - start_s for t, _ in points], [r for _, r in points], f"prometheus {query}")
