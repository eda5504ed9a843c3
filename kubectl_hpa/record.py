"""The recorded-timeline format (``watch --record FILE.jsonl``), read by ``simulate --compare-with``.

One JSON object per line, one line per observation of one HPA::

    {"time": "2026-11-30T10:00:15Z", "hpa": {"namespace": "default", "name": "web"},
     "currentReplicas": 3, "desiredReplicas": 5, "readyReplicas": 3,
     "metrics": [{"name": "cpu", "current": 42, "target": 10, "unit": "%"}],
     "conditions": [{"type": "AbleToScale", "status": "True", "reason": "...", "message": "..."}],
     "verdict": "scaling up"}

Only ``time``, ``hpa`` and ``currentReplicas`` are required; unknown fields are kept for
newer writers. Lines that are blank are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .timefmt import format_time, parse_time


class RecordError(ValueError):
    """A recording that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Observation:
    time: float
    namespace: str
    name: str
    current_replicas: int
    desired_replicas: Optional[int] = None
    ready_replicas: Optional[int] = None
    metrics: tuple = ()
    conditions: tuple = ()
    verdict: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def to_json(self) -> str:
        document = {"time": format_time(self.time), "hpa": {"namespace": self.namespace, "name": self.name},
                    "currentReplicas": self.current_replicas}
        for key, value in (("desiredReplicas", self.desired_replicas), ("readyReplicas", self.ready_replicas)):
            if value is not None:
                document[key] = value
        if self.metrics:
            document["metrics"] = list(self.metrics)
        if self.conditions:
            document["conditions"] = list(self.conditions)
        if self.verdict:
            document["verdict"] = self.verdict
        return json.dumps({**document, **self.extra}, separators=(",", ":"))


def read_observations(path: Path, hpa: Optional[str] = None, prefer: Optional[str] = None) -> list[Observation]:
    """Observations of one HPA in time order: ``hpa``, else the only one in the file, else ``prefer``."""
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise RecordError(f"{path}: {error.strerror or error}") from None
    observations = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            target = raw["hpa"]
            known = {"time", "hpa", "currentReplicas", "desiredReplicas", "readyReplicas", "metrics", "conditions",
                     "verdict"}
            observations.append(Observation(
                time=parse_time(raw["time"]), namespace=str(target.get("namespace", "default")),
                name=str(target["name"]), current_replicas=int(raw["currentReplicas"]),
                desired_replicas=raw.get("desiredReplicas"), ready_replicas=raw.get("readyReplicas"),
                metrics=tuple(raw.get("metrics") or ()), conditions=tuple(raw.get("conditions") or ()),
                verdict=str(raw.get("verdict", "")), extra={k: v for k, v in raw.items() if k not in known}))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise RecordError(f"{path}:{number}: not a timeline record ({error.__class__.__name__}: {error})") from None
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
