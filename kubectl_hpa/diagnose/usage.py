"""Per-pod usage and requests as the pods and metrics-server report them: the raw numbers behind an average.

The controller only ever sees a sum over the pods (usage over requests); several checks need the
parts (which pods are hot, which were just created, which carry the load). The PodMetrics of a
file are indexed once per snapshot (:meth:`~kubectl_hpa.sources.document.Snapshot.derived`), so
that ``explain -A`` stays linear in the number of pods.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Optional

from ..core.quantity import parse_milli
from ..sources.kube import metadata, name_of, namespace_of
from ..timefmt import parse_time
from .context import Context

PodKey = tuple[str, str]


# The value classes below are NamedTuples, not frozen dataclasses: the same immutable values (fields,
# defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every start pays (a
# frozen dataclass execs six generated methods; issue 18). Nothing replaces their fields with
# dataclasses.replace or relies on them not being tuples.
class PodUsage(NamedTuple):
    """One pod's use of a resource: what metrics-server measured and what its containers request (milli)."""

    name: str
    usage: Optional[int]  # None: no PodMetrics for the pod
    request: Optional[int]  # None: a container has no request for the resource
    created: Optional[float]
    owner: str  # the controlling owner's name (a ReplicaSet), "" when none

    @property
    def percent(self) -> Optional[float]:
        """Usage as a percentage of the request, as a Utilization target reads it."""
        if self.usage is None or not self.request:
            return None
        return self.usage * 100.0 / self.request


def _metrics_index(ctx: Context) -> Mapping[PodKey, dict[str, Any]]:
    def compute() -> dict[PodKey, dict[str, Any]]:
        return {(namespace_of(m, "default"), name_of(m)): m for m in ctx.snapshot.of_kind("PodMetrics")}
    return ctx.snapshot.derived(("diagnose.usage", "PodMetrics"), compute)


def container_usage(ctx: Context, pod: Mapping[str, Any], resource: str) -> dict[str, int]:
    """The pod's containers' usage of ``resource`` (milli) from its PodMetrics; empty when it has none."""
    sample = _metrics_index(ctx).get((namespace_of(pod, "default"), name_of(pod)))
    out: dict[str, int] = {}
    for container in (sample or {}).get("containers") or ():
        value = (container.get("usage") or {}).get(resource)
        if value is not None:
            out[str(container.get("name"))] = parse_milli(value)
    return out


def containers(pod: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The containers a Utilization target sums requests over: the app containers and the native sidecars."""
    spec = pod.get("spec") or {}
    return list(spec.get("containers") or ()) + [c for c in spec.get("initContainers") or ()
                                                 if c.get("restartPolicy") == "Always"]


def pod_request(pod: Mapping[str, Any], resource: str, part: str = "requests") -> Optional[int]:
    """The sum of the containers' ``resources.<part>.<resource>`` (milli); None when one container lacks it."""
    spec = pod.get("spec") or {}
    level = ((spec.get("resources") or {}).get(part) or {}).get(resource)
    if level is not None:
        return parse_milli(level)
    total = 0
    for c in containers(pod):
        value = ((c.get("resources") or {}).get(part) or {}).get(resource)
        if value is None:
            return None
        total += parse_milli(value)
    return total


def owner_name(pod: Mapping[str, Any]) -> str:
    for ref in metadata(pod).get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref.get("name", ""))
    return ""


def pod_usage(ctx: Context, pod: Mapping[str, Any], resource: str = "cpu") -> PodUsage:
    used = container_usage(ctx, pod, resource)
    created = metadata(pod).get("creationTimestamp")
    return PodUsage(name_of(pod), sum(used.values()) if used else None, pod_request(pod, resource),
                    parse_time(str(created)) if created else None, owner_name(pod))


def running(pod: Mapping[str, Any]) -> bool:
    """Not finished and not being deleted: a pod the controller may count."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not metadata(pod).get("deletionTimestamp")


def percent(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:.0f}%"


def workload_named(ctx: Context, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
    """The workload (Deployment, StatefulSet...) of that kind and name, looked up in a per-snapshot index."""
    def index() -> dict[tuple[str, str, str], dict[str, Any]]:
        kinds = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
        return {(str(w.get("kind")), namespace_of(w, "default"), name_of(w)): w for w in ctx.snapshot.of_kind(*kinds)}
    return ctx.snapshot.derived(("diagnose.usage", "workloads"), index).get((kind, namespace, name))
