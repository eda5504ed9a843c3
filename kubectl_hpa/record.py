"""The recorded-timeline format (``watch --record FILE.jsonl``): its fields, writing and reading, in one place.

``watch`` fills an :class:`Observation` per HPA per refresh; ``explain --timeline``
replays them and ``simulate --compare-with`` compares against them. Every field name
of the file is spelled here only, so a writer and its readers cannot drift apart.

One JSON object per line, one line per observation of one HPA::

    {"time": "2026-11-30T10:00:15Z", "hpa": {"namespace": "default", "name": "web"},
     "currentReplicas": 3, "desiredReplicas": 5, "readyReplicas": 3,
     "metrics": [{"name": "cpu", "type": "Resource", "current": 42, "target": 10, "unit": "%"}],
     "conditions": [{"type": "AbleToScale", "status": "True", "reason": "...", "message": "..."}],
     "verdict": "scaling up",
     "target": "Deployment/web", "minReplicas": 1, "maxReplicas": 10, "computedReplicas": 5,
     "branch": "...", "proposedReplicas": 5, "rescaleReason": "cpu resource utilization ... above target",
     "windowMaxRecommendation": 5, "scaleDownAllowedAt": "2026-11-30T10:05:15Z",
     "lastScaleTime": "2026-11-30T09:58:00Z",
     "lastRescale": {"time": "2026-11-30T09:58:00Z", "message": "New size: 3; reason: ..."},
     "shadow": {"name": "candidate", "computedReplicas": 4, "verdict": "...", "differs": true, ...}}

Only ``time``, ``hpa`` and ``currentReplicas`` are required; the rest is written when known
(``shadow`` only by ``watch --shadow``: the candidate spec's decision on the same readings).
Fields this version does not know (from newer writers, or the e2e harness's ``source``) are
kept in ``extra`` and written back as they were. Blank lines are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Mapping, NamedTuple, Optional, TypeVar, Union

from .inputs import InputTooLarge, read_text
from .timefmt import format_time, parse_time

Number = Union[int, float]


class RecordError(ValueError):
    """A recording that cannot be read; the message names the file and line."""


def recorded_number(value: Optional[float]) -> Optional[Number]:
    """A measured value as the recording writes it: whole numbers as integers, others to 3 decimals,
    so a line stays short and ``75.0`` and ``75`` do not read as different values."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 3)


@dataclass(frozen=True)
class RecordedMetric:
    """One entry of ``metrics``: a metric of the HPA as watch saw it at that refresh.

    ``type``, ``unit`` and ``error`` are left out of the line when None (writers that do not
    know them, such as the e2e harness's polls, write what they know); ``current`` and
    ``target`` are always written, ``null`` when unknown.
    """

    name: str
    current: Optional[Number] = None
    target: Optional[Number] = None
    unit: Optional[str] = None  # "%" for a utilization, "" for a value
    type: Optional[str] = None  # the HPA metric type: Resource, Pods, Object, External, ContainerResource
    error: Optional[str] = None  # "forbidden", or why the read failed; None when the metric was read
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know

    @classmethod
    def measured(cls, name: str, type: str, current: Optional[float], target: Optional[float], unit: str,
                 error: Optional[str] = None) -> RecordedMetric:
        """A metric as watch computed it, its numbers in the recording's form (:func:`recorded_number`)."""
        return cls(name=name, type=type, current=recorded_number(current), target=recorded_number(target),
                   unit=unit, error=error)

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.type is not None:
            out["type"] = self.type
        out["current"] = self.current
        out["target"] = self.target
        if self.unit is not None:
            out["unit"] = self.unit
        if self.error is not None:
            out["error"] = self.error
        return {**out, **self.extra}

    @classmethod
    def from_document(cls, raw: Mapping[str, Any]) -> RecordedMetric:
        """Lenient: a recording is evidence, so odd values are kept as written rather than refused."""
        known = {"name", "type", "current", "target", "unit", "error"}
        optional = {key: (None if raw.get(key) is None else str(raw[key])) for key in ("type", "unit", "error")}
        return cls(name=str(raw.get("name", "?")), current=raw.get("current"), target=raw.get("target"),
                   extra={k: v for k, v in raw.items() if k not in known}, **optional)


@dataclass(frozen=True)
class RecordedRescale:
    """``lastRescale``: the newest SuccessfulRescale event of the HPA (its message says the new size and why)."""

    time: float
    message: str

    def document(self) -> dict[str, Any]:
        return {"time": format_time(self.time), "message": self.message}

    @classmethod
    def from_document(cls, raw: Any) -> Optional[RecordedRescale]:
        """None when ``raw`` is not one (the caller keeps it in ``extra``, unread but not lost)."""
        if not isinstance(raw, dict) or set(raw) - {"time", "message"}:
            return None
        try:
            return cls(time=parse_time(str(raw.get("time"))), message=str(raw.get("message", "")))
        except ValueError:
            return None


CONDITION_FIELDS = ("type", "status", "reason", "message")
"""The keys of an HPA status condition a recording keeps (not ``lastTransitionTime``)."""


def recorded_conditions(conditions: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The HPA's status.conditions as the recording keeps them."""
    return tuple({key: condition.get(key) for key in CONDITION_FIELDS if key in condition} for condition in conditions)


# The optional scalar fields after ``verdict``, in the order they are written: (attribute, JSON name, type).
_DETAILS: tuple[tuple[str, str, type], ...] = (
    ("target", "target", str),
    ("min_replicas", "minReplicas", int),
    ("max_replicas", "maxReplicas", int),
    ("computed_replicas", "computedReplicas", int),
    ("branch", "branch", str),
    ("proposed_replicas", "proposedReplicas", int),
    ("rescale_reason", "rescaleReason", str),
    ("window_max_recommendation", "windowMaxRecommendation", int),
)
_KNOWN = {"time", "hpa", "currentReplicas", "desiredReplicas", "readyReplicas", "metrics", "conditions", "verdict",
          "scaleDownAllowedAt", "lastScaleTime", "lastRescale", "shadow",
          *(name for _attribute, name, _type in _DETAILS)}


@dataclass(frozen=True)
class Observation:
    """One line: what watch saw of one HPA at one refresh, and what the decision core made of it."""

    time: float
    namespace: str
    name: str
    current_replicas: int
    desired_replicas: Optional[int] = None  # status.desiredReplicas as the controller wrote it
    ready_replicas: Optional[int] = None
    metrics: tuple[RecordedMetric, ...] = ()  # mappings are accepted and read as RecordedMetric
    conditions: tuple[dict[str, Any], ...] = ()
    verdict: str = ""
    target: Optional[str] = None  # the scale target, ``Kind/name``
    min_replicas: Optional[int] = None
    max_replicas: Optional[int] = None
    computed_replicas: Optional[int] = None  # what the decision core computed (desiredReplicas is the controller's)
    branch: Optional[str] = None  # the core's decision path
    proposed_replicas: Optional[int] = None  # the metrics' proposal before stabilization and rate limits
    rescale_reason: Optional[str] = None  # the reason the controller would give for this rescale
    window_max_recommendation: Optional[int] = None  # the highest recommendation in the scale-down window
    scale_down_allowed_at: Optional[float] = None  # when that recommendation leaves the window
    last_scale_time: Optional[str] = None  # status.lastScaleTime, as the HPA reported it
    last_rescale: Optional[RecordedRescale] = None
    shadow: Optional[dict[str, Any]] = None  # watch --shadow: the candidate spec's decision at this refresh
    extra: dict[str, Any] = field(default_factory=dict)  # fields this version does not know, written back as read

    def __post_init__(self) -> None:
        # Writers that build metric entries themselves (the e2e harness) pass mappings.
        if any(not isinstance(metric, RecordedMetric) for metric in self.metrics):
            object.__setattr__(self, "metrics", tuple(
                metric if isinstance(metric, RecordedMetric) else RecordedMetric.from_document(metric)
                for metric in self.metrics))

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def document(self) -> dict[str, Any]:
        """The line as a JSON object, fields in the documented order."""
        document: dict[str, Any] = {"time": format_time(self.time),
                                    "hpa": {"namespace": self.namespace, "name": self.name},
                                    "currentReplicas": self.current_replicas}
        for key, value in (("desiredReplicas", self.desired_replicas), ("readyReplicas", self.ready_replicas)):
            if value is not None:
                document[key] = value
        if self.metrics:
            document["metrics"] = [metric.document() for metric in self.metrics]
        if self.conditions:
            document["conditions"] = list(self.conditions)
        if self.verdict:
            document["verdict"] = self.verdict
        for attribute, name, _type in _DETAILS:
            value = getattr(self, attribute)
            if value is not None:
                document[name] = value
        if self.scale_down_allowed_at is not None:
            document["scaleDownAllowedAt"] = format_time(self.scale_down_allowed_at)
        if self.last_scale_time is not None:
            document["lastScaleTime"] = self.last_scale_time
        if self.last_rescale is not None:
            document["lastRescale"] = self.last_rescale.document()
        if self.shadow is not None:
            document["shadow"] = self.shadow
        return {**document, **self.extra}

    def to_json(self) -> str:
        return json.dumps(self.document(), separators=(",", ":"))

    @classmethod
    def from_document(cls, raw: Mapping[str, Any]) -> Observation:
        """One line read back. The required fields must be there (KeyError, TypeError, ValueError otherwise);
        an optional field of an unexpected type is kept in ``extra`` rather than refused."""
        target = raw["hpa"]
        details: dict[str, Any] = {}
        extra = {key: value for key, value in raw.items() if key not in _KNOWN}
        for attribute, name, kind in _DETAILS:
            value = raw.get(name)
            if value is None:
                continue
            if isinstance(value, kind) and not isinstance(value, bool):
                details[attribute] = value
            else:
                extra[name] = value
        allowed = raw.get("scaleDownAllowedAt")
        if allowed is not None:
            try:
                details["scale_down_allowed_at"] = parse_time(str(allowed))
            except ValueError:
                extra["scaleDownAllowedAt"] = allowed
        if isinstance(raw.get("lastScaleTime"), str):
            details["last_scale_time"] = raw["lastScaleTime"]
        elif raw.get("lastScaleTime") is not None:
            extra["lastScaleTime"] = raw["lastScaleTime"]
        if raw.get("lastRescale") is not None:
            rescale = RecordedRescale.from_document(raw["lastRescale"])
            if rescale is None:
                extra["lastRescale"] = raw["lastRescale"]
            details["last_rescale"] = rescale
        if isinstance(raw.get("shadow"), dict):
            details["shadow"] = raw["shadow"]
        elif raw.get("shadow") is not None:
            extra["shadow"] = raw["shadow"]
        return cls(time=parse_time(raw["time"]), namespace=str(target.get("namespace", "default")),
                   name=str(target["name"]), current_replicas=int(raw["currentReplicas"]),
                   desired_replicas=raw.get("desiredReplicas"), ready_replicas=raw.get("readyReplicas"),
                   metrics=tuple(RecordedMetric.from_document(metric) for metric in raw.get("metrics") or ()
                                 if isinstance(metric, dict)),
                   conditions=tuple(raw.get("conditions") or ()), verdict=str(raw.get("verdict", "")),
                   extra=extra, **details)


def write_observations(stream: IO[str], observations: Iterable[Observation]) -> None:
    """Append one line per observation and flush, so a watch that is killed loses at most a partial refresh."""
    stream.write("".join(observation.to_json() + "\n" for observation in observations))
    stream.flush()


def read_all(path: Path) -> list[Observation]:
    """Every observation of the file, in file order (a file of at most :data:`~kubectl_hpa.inputs.MAX_INPUT_BYTES`)."""
    return _read_lines(path, Observation.from_document)


class ReplicaCount(NamedTuple):
    """What a comparison with a simulation needs of a line: when, which HPA, how many replicas it had."""

    time: float
    key: str  # namespace/name, as Observation.key
    current_replicas: int

    @classmethod
    def from_document(cls, raw: Mapping[str, Any]) -> ReplicaCount:
        """The three fields, read as Observation.from_document reads them (the same errors for a line missing one)."""
        target = raw["hpa"]
        return cls(parse_time(raw["time"]), f"{target.get('namespace', 'default')}/{target['name']}",
                   int(raw["currentReplicas"]))


_Line = TypeVar("_Line", Observation, ReplicaCount)


def _read_lines(path: Path, read: Callable[[Mapping[str, Any]], _Line]) -> list[_Line]:
    try:
        lines = read_text(path).splitlines()
    except OSError as error:
        raise RecordError(f"{path}: {error.strerror or error}") from None
    except InputTooLarge as error:
        raise RecordError(f"{path}: {error}") from None
    observations = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            observations.append(read(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise RecordError(f"{path}:{number}: not a timeline record ({error.__class__.__name__}: {error})") from None
    return observations


def choose(path: Path, observations: list[_Line], hpa: Optional[str] = None,
           prefer: Optional[str] = None) -> list[_Line]:
    """The observations of one HPA in time order: ``hpa``, else the only one in the file, else ``prefer``."""
    keys = sorted({observation.key for observation in observations})
    if not keys:
        raise RecordError(f"{path}: no observations")
    if hpa is None and prefer in keys and len(keys) > 1:
        hpa = prefer
    if hpa is None:
        if len(keys) > 1:
            raise RecordError(f"{path}: holds several HPAs ({', '.join(keys)}); name one")
        hpa = keys[0]
    chosen = [observation for observation in observations if observation.key == hpa]
    if not chosen:
        raise RecordError(f"{path}: no observations of {hpa} (it holds {', '.join(keys)})")
    return sorted(chosen, key=lambda observation: observation.time)


def read_observations(path: Path, hpa: Optional[str] = None, prefer: Optional[str] = None) -> list[Observation]:
    """Observations of one HPA in time order: ``hpa``, else the only one in the file, else ``prefer``."""
    return choose(path, read_all(path), hpa, prefer)


def read_replica_counts(path: Path, hpa: Optional[str] = None, prefer: Optional[str] = None) -> list[ReplicaCount]:
    """``read_observations`` reduced to each line's time, HPA and currentReplicas, which is all that
    ``simulate --compare-with`` compares: the other fields are not read (nor checked). A month of one line a
    minute: 0.4 -> 0.15 s of CPU, and a tenth of the memory (a full Observation is ~350 bytes)."""
    return choose(path, _read_lines(path, ReplicaCount.from_document), hpa, prefer)
