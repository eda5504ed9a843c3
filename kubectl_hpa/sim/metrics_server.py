"""metrics-server as the per-pod model runs it: when it scrapes, and which interval a pod's CPU sample covers.

metrics-server scrapes every kubelet once per ``--metric-resolution``, at its own phase against the
controller's syncs. The kubelet reports each container's cumulative CPU time; metrics-server keeps a
pod's last two points and reports the CPU rate between them, stamped with the newer point's time and
with the interval between them as its window (pkg/storage/types.go, resourceUsage). A point is the
kubelet's newest sample when scraped: with a kubelet period (cAdvisor's housekeeping interval) it is
up to one period old, and the window varies around the resolution. So a pod has no
CPU sample until it has been scraped twice, except a fresh container: one that started between 10 s and
one resolution before a scrape is measured from its start time, with a cumulative usage of zero then
(pkg/storage/pod.go, freshContainerMinMetricsResolution). Memory is the working set at the newer point.

``instant`` sampling is the original model: the usage at the scrape instant, over a window of one
resolution, a pod only after it has been scraped twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

FRESH_CONTAINER_MIN = 10.0  # metrics-server: a younger container's first rate would be inaccurate


@dataclass(frozen=True)
class MetricsServer:
    resolution: float
    phase: float  # seconds past each multiple of the resolution
    rate: bool  # CPU as the rate between the last two scrapes (else the usage at the scrape instant)
    kubelet_period: float = 0.0  # the kubelet's own sampling (cAdvisor housekeeping); 0: sampled at each scrape
    kubelet_phase: float = 0.0

    def last_scrape(self, now: float) -> float:
        """The newest scrape at or before ``now``."""
        return self.phase + math.floor((now - self.phase) / self.resolution) * self.resolution

    def point(self, scraped: float) -> float:
        """When the kubelet took the sample a scrape at ``scraped`` reads (its newest at or before then)."""
        period = self.kubelet_period
        if not period:
            return scraped
        return self.kubelet_phase + math.floor((scraped - self.kubelet_phase) / period) * period

    def window(self, created: float, scraped: float) -> Optional[tuple[float, float]]:
        """The interval the pod's CPU sample covers at ``scraped`` (its end is the sample's timestamp), or
        None while it has none."""
        newest, previous = self.point(scraped), self.point(scraped - self.resolution)
        if created <= previous:
            return previous, newest
        if self.rate and FRESH_CONTAINER_MIN <= newest - created < self.resolution:
            return created, newest
        return None
