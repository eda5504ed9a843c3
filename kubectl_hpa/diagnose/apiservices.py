"""What an APIService says about the metrics adapter behind it: its Available condition and its Service.

The resource, custom and external metrics APIs are aggregated: the API server proxies them to an
adapter's Service, and the APIService's Available condition is the aggregator's verdict on it.
"""

from __future__ import annotations

from typing import Optional

UNAVAILABLE = "currently unable to handle the request"
"""The aggregator's words when the adapter behind an APIService does not answer (a metric read's error)."""


def available(apiservice: dict) -> tuple[str, str, str]:
    """(status, reason, message) of the Available condition; ``Unknown`` when the aggregator wrote none."""
    for condition in (apiservice.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Available":
            return str(condition.get("status")), str(condition.get("reason", "")), str(condition.get("message", ""))
    return "Unknown", "", "no Available condition"


def service_ref(apiservice: Optional[dict]) -> dict:
    """``spec.service`` (name, namespace) of the adapter; empty for a group the API server serves itself."""
    return ((apiservice or {}).get("spec") or {}).get("service") or {}


def service_text(apiservice: dict) -> str:
    """The adapter's Service for a sentence: ``service/metrics-server in "kube-system"``."""
    service = service_ref(apiservice)
    return f"service/{service.get('name')} in \"{service.get('namespace')}\"" if service else "a local group"
