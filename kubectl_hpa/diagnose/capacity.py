"""Whether the pods can give what the HPA asks: a reachable target, and room for the replicas it wants.

A Utilization target is a fraction of the request, but a container cannot use more CPU than its limit
(the CFS quota throttles it first) nor more memory (the OOM killer stops it): a target above
limit / request can never be reached, so the HPA never scales up on it. And the replicas the HPA
sets on the target's /scale only become pods if the ReplicaSet may create them (ResourceQuota,
admission) and the scheduler finds room (``FailedScheduling``: ``Insufficient cpu``).

- F36 (error): target utilization x request is at or above the containers' limit: the target is unreachable.
- F37 (error): the HPA asked for more replicas than there are pods: pods Pending (unschedulable) or never created
  (a ResourceQuota's ``exceeded quota``, as the Deployment's ReplicaFailure condition or a FailedCreate event says).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional

from ..core.model import CONTAINER_RESOURCE, RESOURCE, FetchError
from ..core.quantity import format_duration, format_milli, parse_milli
from ..sources.kube import metadata, name_of, namespace_of
from ..timefmt import parse_time
from .context import Context
from .finding import ERROR, Finding
from .registry import check
from .targets import pods_read_failed
from .usage import containers, pod_request, running, workload_named

QUOTA_EXCEEDED = "exceeded quota"
"""The ResourceQuota admission plugin's words (pods "NAME" is forbidden: exceeded quota: Q, requested: ...)."""
SLOW_CREATION = 60.0
"""Seconds after the HPA's last rescale by which a ReplicaSet has created its pods, and the scheduler placed them,
when nothing stops it (a cluster autoscaler adding a node takes longer: its pods are reported after that)."""


def _limit_cap(ctx: Context, resource: str, container: Optional[str]) -> Optional[tuple[int, int, str]]:
    """(request, limit, pod) of the most constrained selected pod: the limit caps usage; None if any has no limit."""
    worst: Optional[tuple[int, int, str]] = None
    for pod in ctx.pods():
        if not running(pod):
            continue
        if container is not None:
            chosen = [c for c in containers(pod) if c.get("name") == container]
            if not chosen:
                return None
            resources = chosen[0].get("resources") or {}
            request = (resources.get("requests") or {}).get(resource)
            limit = (resources.get("limits") or {}).get(resource)
            if request is None or limit is None:
                return None
            pair = (parse_milli(request), parse_milli(limit))
        else:
            request_sum, limit_sum = pod_request(pod, resource), pod_request(pod, resource, "limits")
            if request_sum is None or limit_sum is None:
                return None
            pair = (request_sum, limit_sum)
        if pair[0] <= 0:
            return None
        if worst is None or pair[1] * worst[0] < worst[1] * pair[0]:
            worst = (pair[0], pair[1], name_of(pod))
    return worst


@check(F36=165)
def check_reachable_target(ctx: Context) -> list[Finding]:
    """F36: usage is capped at the limit, so a target at or above limit / request is never reached."""
    out = []
    for result in ctx.decision.metrics:
        spec = result.spec
        if spec.type not in (RESOURCE, CONTAINER_RESOURCE) or not spec.target.is_utilization:
            continue
        target = spec.target.average_utilization or 0
        cap = _limit_cap(ctx, spec.name, spec.container if spec.type == CONTAINER_RESOURCE else None)
        if cap is None:
            continue
        request, limit, pod = cap
        ceiling = limit * 100.0 / request
        if target < ceiling:
            continue
        stopped = "throttled by the CFS quota" if spec.name == "cpu" else "OOM-killed"
        wanted = math.ceil(request * target / 100)
        usable = math.floor(ceiling * 0.8 / 5) * 5 or 5
        now = f" (now {result.utilization}%)" if result.utilization is not None else ""
        out.append(Finding(
            "F36", ERROR, f"the {spec.name} target {target}% cannot be reached: the limit caps usage at "
                          f"{ceiling:.0f}% of the request",
            symptom=f"{spec.name} utilization stays below {target}%{now} however hot the pods run; the HPA never "
                    "scales up on it",
            cause=f"target {target}% x request {format_milli(request)} = {format_milli(wanted)}, but the limit is "
                  f"{format_milli(limit)} (Pod {pod}): a container is {stopped} at its limit before the average "
                  "reaches the target",
            fix=f"lower the target below the limit, e.g. averageUtilization: {usable} (leave headroom: throttling "
                f"starts before the limit is reached on average), or raise resources.limits.{spec.name} above "
                f"{format_milli(wanted)} (or drop the CPU limit)"))
    return out


def _unschedulable(pod: Mapping[str, Any]) -> Optional[str]:
    """The scheduler's message on a Pending pod it could not place (PodScheduled=False Unschedulable)."""
    status = pod.get("status") or {}
    if status.get("phase") != "Pending":
        return None
    for condition in status.get("conditions") or ():
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False" \
                and condition.get("reason") == "Unschedulable":
            return str(condition.get("message") or "")
    return None


def _age(ctx: Context, pod: Mapping[str, Any]) -> float:
    """Seconds since the pod was created (0 when the snapshot does not say)."""
    created = metadata(pod).get("creationTimestamp")
    return ctx.decision.now - parse_time(str(created)) if created else 0.0


def _creation_failures(ctx: Context) -> list[str]:
    """What stopped the target's ReplicaSets from creating pods, as the snapshot carries it: the workload's
    ReplicaFailure condition (the Deployment controller copies the ReplicaSet's) or FailedCreate events."""
    target = ctx.decision.hpa.scale_target
    out = []
    workload = workload_named(ctx, target.kind, ctx.namespace, target.name)
    for condition in ((workload or {}).get("status") or {}).get("conditions") or ():
        if condition.get("type") == "ReplicaFailure" and condition.get("status") == "True":
            out.append(f"{target.kind} condition ReplicaFailure=True {condition.get('reason')}: "
                       f"{condition.get('message')}")
    for event in _failed_creates(ctx).get(ctx.namespace, ()):
        involved = event.get("involvedObject") or {}
        if str(involved.get("name", "")).startswith(f"{target.name}-"):
            out.append(f"event FailedCreate on ReplicaSet {involved.get('name')} x{event.get('count') or 1}: "
                       f"{event.get('message')}")
    return out


def _failed_creates(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The ReplicaSets' FailedCreate events by namespace, once per snapshot."""
    def index() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for event in ctx.snapshot.of_kind("Event"):
            involved = event.get("involvedObject") or {}
            if event.get("reason") == "FailedCreate" and involved.get("kind") == "ReplicaSet":
                out.setdefault(str(involved.get("namespace") or namespace_of(event)), []).append(event)
        return out
    return ctx.snapshot.derived(("diagnose.capacity", "FailedCreate"), index)


def _quota_room(ctx: Context) -> list[str]:
    """The namespace's ResourceQuotas that cannot hold maxReplicas pods' requests (when the snapshot has them)."""
    pods = [p for p in ctx.pods() if running(p)]
    if not pods:
        return []
    out = []
    for quota in ctx.snapshot.of_kind("ResourceQuota"):
        if namespace_of(quota) != ctx.namespace:
            continue
        hard = ((quota.get("status") or {}).get("hard") or (quota.get("spec") or {}).get("hard") or {})
        for resource in ("cpu", "memory"):
            limit = hard.get(f"requests.{resource}", hard.get(resource))
            request = pod_request(pods[0], resource)
            if limit is None or not request:
                continue
            needed = request * ctx.decision.hpa.max_replicas
            if needed > parse_milli(limit):
                unit = resource == "memory"
                out.append(f"ResourceQuota {name_of(quota)}: requests.{resource} hard {limit}, but maxReplicas "
                           f"{ctx.decision.hpa.max_replicas} x {format_milli(request, unit)} = "
                           f"{format_milli(needed, unit)}")
    return out


@check(F37=65)
def check_pods_never_came(ctx: Context) -> list[Finding]:
    """F37: the replicas the HPA set on /scale did not become running pods."""
    if ctx.inputs is None or isinstance(ctx.inputs.scale, FetchError):
        return []
    if not ctx.selector or pods_read_failed(ctx):
        return []  # no pods listed (F19) or not read (F90/F92): nothing is concluded about missing ones
    wanted = ctx.inputs.scale.spec_replicas
    live = [p for p in ctx.pods() if running(p)]
    if not live:
        return []  # a selector that matches nothing is F19's
    pending = [(name_of(p), message) for p in live if (message := _unschedulable(p)) is not None
               and _age(ctx, p) >= SLOW_CREATION]  # a pod the scheduler (or cluster autoscaler) is still placing
    missing = wanted - len(live)
    failures = _creation_failures(ctx)
    last_scale = (ctx.hpa.get("status") or {}).get("lastScaleTime")
    since = ctx.decision.now - parse_time(str(last_scale)) if last_scale else None
    if not pending and (missing <= 0 or (since is not None and since < SLOW_CREATION and not failures)):
        return []
    if not pending and missing <= 0:
        return []
    quota = [f for f in failures if QUOTA_EXCEEDED in f] or _quota_room(ctx) if missing > 0 else []
    target = ctx.decision.hpa.scale_target
    asked = f" {format_duration(since)} ago" if since is not None else ""
    details = tuple(f for f in failures[:3] if not quota or f != quota[0]) + tuple(
        r for r in _quota_room(ctx) if not quota or r != quota[0]) + tuple(f"Pod {n} Pending: {m}" for n, m in pending[:5])
    if pending and (missing <= 0 or not quota):
        message = pending[0][1]
        cause = (f"{len(pending)} pod{'s are' if len(pending) > 1 else ' is'} Pending: the scheduler finds no node "
                 f"with room (PodScheduled=False Unschedulable: {message})")
        fix = ("make room: let the cluster autoscaler add nodes (check its max node count and that this pod fits a "
               "node group), lower the pods' requests if they are above what the app uses, or lower maxReplicas to "
               "what the cluster holds; kubectl describe pod shows the FailedScheduling event")
        title = f"{len(pending)} of {wanted} replicas are Pending: no node has room"
    elif quota:
        cause = (f"the ReplicaSet may not create the pods: a ResourceQuota in {ctx.namespace} is full "
                 f"({quota[0]})")
        fix = (f"raise the quota (kubectl -n {ctx.namespace} edit resourcequota; spec.hard requests.cpu / "
               f"requests.memory / pods) to hold maxReplicas {ctx.decision.hpa.max_replicas} pods, or lower "
               "maxReplicas or the pods' requests to fit it")
        title = f"{missing} of {wanted} replicas were never created: exceeded quota"
    else:
        cause = ("the ReplicaSet did not create the pods: a ResourceQuota, an admission webhook or a policy "
                 "refuses them" + (f" ({failures[0]})" if failures else ""))
        fix = (f"kubectl -n {ctx.namespace} describe rs -l {ctx.selector or '<selector>'} shows the FailedCreate "
               f"event (exceeded quota, denied the request); kubectl -n {ctx.namespace} describe resourcequota")
        title = f"{missing} of {wanted} replicas were never created"
    return [Finding("F37", ERROR, title,
                    symptom=f"the HPA set {target.kind}/{target.name} to {wanted} replicas{asked}; "
                            f"{len(live) - len(pending)} pods run" + (f", {len(pending)} Pending" if pending else "")
                            + (f", {missing} were never created" if missing > 0 else ""),
                    cause=cause, fix=fix, details=details)]
