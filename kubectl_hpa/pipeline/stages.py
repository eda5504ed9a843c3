"""Load plans ("stages files") shared by real load (loadgen/locustfile.py) and `kubectl hpa simulate`.

One YAML file describes the traffic over time, so the load that drives a real HPA and the load a
simulation replays are the same definition. This module is pure (PyYAML only, no locust import) so the
simulator and the tests can use it without gevent monkey-patching.

Schema (version 1)::

    version: 1                 # optional, only 1 is known
    per_user_rate: 1           # requests/s one user sends; "max" = no pause between requests (default 1)
    pacing: constant           # constant (metronome) or poisson (random arrivals); default constant
    spawn_rate: 100            # users/s locust may start or stop to follow the plan (default 100)
    stages:                    # at least one; all stages use `users` or all use `rate`
      - name: ramp             # optional label, shown in logs and simulations
        duration: 30s          # "45s", "2m", "1m30s", "1h" or a number of seconds; must be > 0
        users: 10              # target concurrent users at the end of the stage (integer >= 0)
        ramp: true             # optional; true = move linearly from the previous target, false = step (default)
      - {name: hold, duration: 60s, users: 10}

A stage with `rate: R` targets R requests/s in total instead: locust runs ceil(R / per_user_rate) users,
each paced at R / users requests/s, which is how a test drives exactly 1 req/s and then 2 req/s.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

TargetKind = Literal["users", "rate"]
Pacing = Literal["constant", "poisson"]

_DURATION_RE = re.compile(r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?$")
_KNOWN_TOP_LEVEL = {"version", "per_user_rate", "pacing", "spawn_rate", "stages"}
_KNOWN_STAGE_KEYS = {"name", "duration", "users", "rate", "ramp"}


@dataclass(frozen=True)
class Stage:
    """One segment of the plan; `target` is users or requests/s depending on the plan's kind."""

    name: str
    duration_s: float
    target: float
    ramp: bool = False


@dataclass(frozen=True)
class LoadPlan:
    """A validated stages file. Times are seconds from the start of the run."""

    kind: TargetKind
    stages: tuple[Stage, ...]
    per_user_rate: float | None = 1.0  # None means "max": users do not pause between requests
    pacing: Pacing = "constant"
    spawn_rate: float = 100.0

    @property
    def total_duration_s(self) -> float:
        return sum(stage.duration_s for stage in self.stages)

    def stage_at(self, t: float) -> tuple[int, Stage] | None:
        """The stage active at time t (index, stage), or None once the plan is over."""
        start = 0.0
        for index, stage in enumerate(self.stages):
            if t < start + stage.duration_s:
                return index, stage
            start += stage.duration_s
        return None

    def target_at(self, t: float) -> float | None:
        """Planned users or requests/s at time t; ramps interpolate from the previous stage's target."""
        start = 0.0
        previous = 0.0
        for stage in self.stages:
            end = start + stage.duration_s
            if t < end:
                if not stage.ramp:
                    return stage.target
                fraction = max(0.0, t - start) / stage.duration_s
                return previous + (stage.target - previous) * fraction
            previous, start = stage.target, end
        return None

    def users_at(self, t: float) -> int | None:
        """Concurrent users locust should run at time t (None once the plan is over)."""
        target = self.target_at(t)
        if target is None:
            return None
        if self.kind == "users":
            return int(round(target))
        if target <= 0:
            return 0
        assert self.per_user_rate is not None  # parse_plan rejects 'max' with rate stages
        return math.ceil(target / self.per_user_rate - 1e-9)

    def per_user_rate_at(self, t: float) -> float | None:
        """Requests/s each user is paced at, or None for unpaced users (per_user_rate: max)."""
        if self.kind == "users":
            return self.per_user_rate
        users = self.users_at(t)
        target = self.target_at(t)
        if not users or target is None:
            return self.per_user_rate
        return target / users

    def offered_rate_at(self, t: float) -> float | None:
        """Total requests/s the plan offers at time t; None when users are unpaced (rate unknown)."""
        users = self.users_at(t)
        if users is None:
            return None
        if self.kind == "rate":
            return self.target_at(t)
        if self.per_user_rate is None:
            return None
        return users * self.per_user_rate


def parse_duration(value: Any, field: str) -> float:
    """Seconds from "90s", "1m30s", "2m", "1h" or a plain number; raise a one-line ValueError naming field."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: expected a duration like '30s', '2m' or a number of seconds, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and value.strip() and (match := _DURATION_RE.match(value.strip())):
        parts = match.groupdict()
        seconds = sum(float(parts[unit] or 0) * factor for unit, factor in (("h", 3600), ("m", 60), ("s", 1)))
    else:
        raise ValueError(f"{field}: expected a duration like '30s', '2m' or a number of seconds, got {value!r}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{field}: duration must be greater than 0, got {value!r}")
    return seconds


def _number(value: Any, field: str, *, integer: bool = False, positive: bool = False) -> float:
    """A count of users or a rate, as the stages format defines them (never negative; whole users).

    Not sim/fields.as_number, on purpose: this format is loadgen's as much as the simulator's, so it
    must not import the simulator (pipeline sits below sim), and its rules and words are its own
    (whole users, ">= 0") in plain ValueErrors, which sim/load.py passes on after ``load.file:``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{field}: expected {kind}, got {value!r}")
    if integer and value != int(value):
        raise ValueError(f"{field}: expected an integer, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{field}: must be {'greater than 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


def _parse_stage(raw: Any, index: int, source: str) -> tuple[TargetKind, Stage]:
    where = f"{source}stages[{index}]"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping with duration and users or rate, got {raw!r}")
    unknown = sorted(set(raw) - _KNOWN_STAGE_KEYS)
    if unknown:
        raise ValueError(f"{where}.{unknown[0]}: unknown field (known: {', '.join(sorted(_KNOWN_STAGE_KEYS))})")
    if "duration" not in raw:
        raise ValueError(f"{where}.duration: required field is missing")
    has_users, has_rate = "users" in raw, "rate" in raw
    if has_users == has_rate:
        raise ValueError(f"{where}.users: give exactly one of 'users' or 'rate'")
    kind: TargetKind = "users" if has_users else "rate"
    target = _number(raw[kind], f"{where}.{kind}", integer=kind == "users")
    ramp = raw.get("ramp", False)
    if not isinstance(ramp, bool):
        raise ValueError(f"{where}.ramp: expected true or false, got {ramp!r}")
    name = raw.get("name", f"stage-{index}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}.name: expected a non-empty string, got {name!r}")
    duration = parse_duration(raw["duration"], f"{where}.duration")
    return kind, Stage(name=name, duration_s=duration, target=target, ramp=ramp)


def parse_plan(document: Any, source: str = "") -> LoadPlan:
    """Validate a decoded stages document; errors are one-line ValueErrors that name the field."""
    prefix = f"{source}: " if source else ""
    if not isinstance(document, dict):
        raise ValueError(f"{prefix}stages: expected a mapping with a 'stages' list, got {type(document).__name__}")
    unknown = sorted(set(document) - _KNOWN_TOP_LEVEL)
    if unknown:
        raise ValueError(f"{prefix}{unknown[0]}: unknown field (known: {', '.join(sorted(_KNOWN_TOP_LEVEL))})")
    version = document.get("version", 1)
    if version != 1:
        raise ValueError(f"{prefix}version: only version 1 is supported, got {version!r}")

    raw_rate = document.get("per_user_rate", 1.0)
    per_user_rate = None if raw_rate == "max" else _number(raw_rate, f"{prefix}per_user_rate", positive=True)
    pacing = document.get("pacing", "constant")
    if pacing not in ("constant", "poisson"):
        raise ValueError(f"{prefix}pacing: expected 'constant' or 'poisson', got {pacing!r}")
    spawn_rate = _number(document.get("spawn_rate", 100.0), f"{prefix}spawn_rate", positive=True)

    raw_stages = document.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ValueError(f"{prefix}stages: expected a non-empty list of stages, got {raw_stages!r}")
    parsed = [_parse_stage(raw, index, prefix) for index, raw in enumerate(raw_stages)]
    kind = parsed[0][0]
    for index, (stage_kind, _) in enumerate(parsed):
        if stage_kind != kind:
            raise ValueError(
                f"{prefix}stages[{index}].{stage_kind}: cannot mix 'users' and 'rate' stages in one file (stages[0] uses {kind!r})"
            )
    if kind == "rate" and per_user_rate is None:
        raise ValueError(f"{prefix}per_user_rate: 'max' cannot be used with 'rate' stages; give requests/s per user")
    return LoadPlan(
        kind=kind,
        stages=tuple(stage for _, stage in parsed),
        per_user_rate=per_user_rate,
        pacing=pacing,
        spawn_rate=spawn_rate,
    )


def load_plan(path: str | Path) -> LoadPlan:
    """Read and validate a stages YAML file."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from error
    return parse_plan(document, source=str(path))
