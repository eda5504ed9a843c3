"""RFC 3339 timestamps as the API serves them, to and from float epoch seconds."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_time(text: str) -> float:
    """Parse ``2026-11-30T04:07:31Z`` (fractions and offsets allowed) to epoch seconds."""
    raw = str(text).strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def format_time(seconds: float) -> str:
    """Epoch seconds to ``2026-11-30T04:07:31Z`` (whole seconds, as metav1.Time marshals)."""
    return datetime.fromtimestamp(round(seconds), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_clock(seconds: float) -> str:
    """Epoch seconds to ``04:07:31`` UTC, for short mentions in a trace."""
    return datetime.fromtimestamp(round(seconds), tz=timezone.utc).strftime("%H:%M:%S")
