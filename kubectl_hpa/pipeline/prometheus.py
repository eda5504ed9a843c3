"""A minimal Prometheus HTTP API client (stdlib only): the two calls the adapter itself makes.

`series` is the adapter's discovery call and `query` its value call, so checking a pipeline with this
client exercises the same endpoints the adapter depends on.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


class PrometheusError(RuntimeError):
    """The API answered with status "error" or an unexpected shape."""


@dataclass(frozen=True)
class PrometheusClient:
    base_url: str
    timeout_s: float = 5.0

    def _get(self, path: str, params: list[tuple[str, str]]) -> object:
        url = f"{self.base_url.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
            body = json.load(response)
        if body.get("status") != "success":
            raise PrometheusError(f"{path}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, promql: str) -> list[Sample]:
        """Instant query; vector results become samples, scalars a single unlabelled sample."""
        data = self._get("/api/v1/query", [("query", promql)])
        if not isinstance(data, dict):
            raise PrometheusError(f"/api/v1/query: unexpected data {data!r}")
        if data.get("resultType") == "scalar":
            return [Sample({}, float(data["result"][1]))]
        if data.get("resultType") != "vector":
            raise PrometheusError(f"/api/v1/query: expected a vector, got {data.get('resultType')}")
        return [Sample(item["metric"], float(item["value"][1])) for item in data["result"]]

    def series(self, match: str) -> list[dict[str, str]]:
        """Label sets of the series matching a selector (what the adapter's seriesQuery sends)."""
        data = self._get("/api/v1/series", [("match[]", match)])
        if not isinstance(data, list):
            raise PrometheusError(f"/api/v1/series: unexpected data {data!r}")
        return data
