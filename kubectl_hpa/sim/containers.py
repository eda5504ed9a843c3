"""A pod's containers as the per-pod model runs them: what each uses for the load it gets, capped at its limit.

A container's CPU demand is ``baseline + perRequest x requests/s`` of its pod; with a CPU limit the kernel
throttles it (CFS quota), so its usage never passes the limit: utilization above limit/request is
impossible, and a throttled workload asks the HPA for fewer replicas than its demand would.
Memory is a gauge (working set) and is not capped (a pod over its memory limit is killed, which the
model does not simulate).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..core.model import ContainerRequests
from .scenario import Container, MetricModel

THROTTLED = "CPU throttled"  # the timeline's note on a sync where some pod's CPU demand passes its limit


def demand(model: MetricModel, load: float) -> float:
    """What a container would use at ``load`` requests/s of its pod (milli-units)."""
    return model.baseline + model.per_request * load


@dataclass(frozen=True)
class PodContainers:
    containers: tuple[Container, ...]

    def mean_cpu(self, container: Container, loads: list[float]) -> float:
        """The container's mean CPU use (millicores) over a window's points at ``loads``: at each point its
        demand (as ``demand`` computes it), capped at its limit; summed in order. Written out, not a call
        per point: a window is 15 to 60 points per pod and scrape, the per-pod model's hottest line."""
        baseline, per_request = container.cpu.baseline, container.cpu.per_request
        limit = container.limits.get("cpu")
        if limit is None:
            return sum([baseline + per_request * load for load in loads]) / len(loads)
        cap = float(limit)
        # min(demand, cap) as min() picks: the cap only when it is smaller (a call per point costs a third more).
        return sum([cap if cap < (wanted := baseline + per_request * load) else wanted for load in loads]) / len(loads)

    def throttled(self, load: float) -> bool:
        """Whether some container's demand at ``load`` passes its CPU limit."""
        return any("cpu" in c.limits and demand(c.cpu, load) > c.limits["cpu"] for c in self.containers)

    @cached_property
    def limited(self) -> bool:
        return any("cpu" in container.limits for container in self.containers)

    @cached_property
    def retains(self) -> bool:
        """Whether some container's memory is never given back (each pod keeps its high-water mark)."""
        return any(container.memory.retain for container in self.containers)

    def requests(self) -> tuple[tuple[ContainerRequests, ...], tuple[ContainerRequests, ...]]:
        """The pod's spec.containers and its native sidecars, as the controller reads their requests."""
        regular = tuple(ContainerRequests(c.name, dict(c.requests)) for c in self.containers if not c.sidecar)
        sidecars = tuple(ContainerRequests(c.name, dict(c.requests), restartable=True)
                         for c in self.containers if c.sidecar)
        return regular, sidecars
