"""A rolling update behind a scale-up: the new pods' start-up CPU, counted at once, drives the proposal.

During a rollout the target's pods come from two ReplicaSets. New pods often burn CPU while they start
(JIT compilation, cache warm-up, connection pools); a pod that is Ready at once (no readiness or
startup probe) is counted by the controller as soon as metrics-server has a sample taken after its
readiness, because the cpu-initialization-period only sets aside pods that are not Ready yet or whose
sample predates their readiness (replica_calculator.go, groupPods). The HPA then scales up for a load
that is the rollout's, not the users' (kubernetes#72775, #90461, #98914, #123296).

An AverageValue External or Object metric has a second way in: the controller divides it by the target's
``status.replicas`` (GetExternalPerPodMetricReplicas / GetObjectPerPodMetricReplicas), which during a rollout
counts the surge pods of both ReplicaSets; a ratio the tolerance would have held against spec.replicas leaves
it, and the controller proposes ``ceil(value / averageValue)``: the surge ratchets the count up.

- F33 (warning): the scale-up comes from the rollout's new pods, or from its surge in status.replicas; without
  them the ratio would not scale up.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..core.model import AVERAGE_VALUE, EXTERNAL, OBJECT, RESOURCE, ExternalMetrics, FetchError, ObjectMetric
from ..core.quantity import format_milli
from ..sources.kube import labels_of
from ..timefmt import parse_time
from .context import Context
from .finding import WARNING, Finding
from .registry import check
from .usage import PodUsage, percent, pod_usage, running


def ready_after(pod: Mapping[str, Any]) -> str:
    """How long after its creation the pod became Ready: ``Ready 2s after start``, or ``not Ready``."""
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            if condition.get("status") != "True":
                return "not Ready"
            created = (pod.get("metadata") or {}).get("creationTimestamp")
            moved = condition.get("lastTransitionTime")
            if created and moved:
                return f"Ready {parse_time(str(moved)) - parse_time(str(created)):.0f}s after creation"
            return "Ready"
    return "no Ready condition"


def _share(pods: list[PodUsage]) -> tuple[int, int]:
    return sum(p.usage or 0 for p in pods), sum(p.request or 0 for p in pods)


@check(F33=225)
def check_rollout(ctx: Context) -> list[Finding]:
    """F33: a scale-up that the old pods alone would not make, during a rolling update."""
    d = ctx.decision
    if (d.proposed_replicas or 0) <= d.current_replicas:
        return []
    live = [p for p in ctx.pods() if running(p)]
    owners: dict[str, list[dict]] = {}
    for p in live:
        owners.setdefault(str(labels_of(p).get("pod-template-hash") or pod_usage(ctx, p).owner), []).append(p)
    if len(owners) < 2:
        return []  # one ReplicaSet with pods: no rollout in progress (an old ReplicaSet at 0 has none)

    def newest(group: list[dict]) -> str:
        return max(str((p.get("metadata") or {}).get("creationTimestamp") or "") for p in group)

    new_key = max(owners, key=lambda k: newest(owners[k]))
    new_pods = owners[new_key]
    old_pods = [p for k, group in owners.items() if k != new_key for p in group]
    out = _surge_findings(ctx, len(live), new_pods)
    for result in d.metrics:
        spec = result.spec
        if spec.type != RESOURCE or not spec.target.is_utilization or result.error or result.pods is None:
            continue
        if (result.proposed_replicas or 0) <= d.current_replicas or result.usage_ratio is None:
            continue
        counted = set(result.pods.ready)
        new = [pod_usage(ctx, p, spec.name) for p in new_pods if p["metadata"]["name"] in counted]
        old = [pod_usage(ctx, p, spec.name) for p in old_pods if p["metadata"]["name"] in counted]
        if not new or not old or any(u.usage is None or not u.request for u in new + old):
            continue
        target = spec.target.average_utilization or 0
        old_used, old_requested = _share(old)
        new_used, new_requested = _share(new)
        old_ratio = old_used * 100.0 / old_requested / target if target else 0.0
        new_pct, old_pct = new_used * 100.0 / new_requested, old_used * 100.0 / old_requested
        if old_ratio > 1.0 + d.tolerance[1] or new_pct <= old_pct:
            continue
        new_rs, old_rs = new[0].owner or new_key, old[0].owner or "the old ReplicaSet"
        without = max(1, math.ceil(old_ratio * d.current_replicas - 1e-9))
        details = tuple(f"{u.name} (new, {ready_after(p)}): {u.usage}m of {u.request}m = {percent(u.percent)}"
                        for u, p in zip(new, [p for p in new_pods if p["metadata"]["name"] in counted], strict=True))
        details += tuple(f"{u.name} (old): {u.usage}m of {u.request}m = {percent(u.percent)}" for u in old[:5])
        external = [m for m in d.metrics if m.spec.type == EXTERNAL and m.spec.target.type == "AverageValue"]
        if external:
            details += (f"External metric {external[0].spec.name} (AverageValue) is divided by status.replicas, "
                        f"which counts the old and the new ReplicaSet's pods ({len(live)} now)",)
        out.append(Finding(
            "F33", WARNING, f"scale-up driven by the rollout: {len(new)} new pod{'s' if len(new) > 1 else ''} of "
                            f"{new_rs} at {percent(new_pct)} {spec.name}, the old ones at {percent(old_pct)}",
            symptom=f"the HPA wants {result.proposed_replicas} replicas ({spec.name} ratio {result.usage_ratio:.2f}, "
                    f"target {target}%) while Deployment/{d.hpa.scale_target.name} rolls out {new_rs} over {old_rs}",
            cause=f"the new pods burn {spec.name} while they start and count at once: they are Ready with samples "
                  f"taken after readiness, so the controller's cpu-initialization-period (5m) does not set them aside; "
                  f"the {len(old)} old pods alone are at {percent(old_pct)} (ratio {old_ratio:.2f}), which would "
                  f"propose {without} for {d.current_replicas} replicas: no scale-up",
            fix="keep new pods unready until they are warm: readinessProbe: {httpGet: {path: /ready, port: 8080}, "
                "initialDelaySeconds: 30} (or a startupProbe); let a spike pass: behavior: {scaleUp: "
                "{stabilizationWindowSeconds: 120}}; surge fewer pods at once: strategy: {rollingUpdate: {maxSurge: 1}}; "
                "or raise --horizontal-pod-autoscaler-cpu-initialization-period on kube-controller-manager",
            details=details))
    return out


def _surge_findings(ctx: Context, live: int, new_pods: list[dict]) -> list[Finding]:
    """F33 for AverageValue External/Object metrics: status.replicas, inflated by the surge, moved the ratio out
    of the tolerance that spec.replicas would have kept it in."""
    d, inputs = ctx.decision, ctx.inputs
    if inputs is None or isinstance(inputs.scale, FetchError) or inputs.scale.status_replicas <= d.current_replicas:
        return []
    status, spec_replicas = inputs.scale.status_replicas, d.current_replicas
    down, up = d.tolerance
    out = []
    for index, result in enumerate(d.metrics):
        spec = result.spec
        if spec.type not in (EXTERNAL, OBJECT) or spec.target.type != AVERAGE_VALUE or result.error is not None:
            continue
        reading = inputs.readings[index] if index < len(inputs.readings) else None
        if isinstance(reading, ExternalMetrics):
            total = sum(reading.values)
        elif isinstance(reading, ObjectMetric):
            total = reading.value
        else:
            continue
        target = spec.target.average_value or 0
        if target <= 0 or (result.proposed_replicas or 0) <= spec_replicas:
            continue
        by_status, by_spec = total / (target * status), total / (target * spec_replicas)
        if not 1 - down <= by_spec <= 1 + up or 1 - down <= by_status <= 1 + up:
            continue  # the spec count would scale too, or the surge did not move the ratio out of the band
        value, per_pod = format_milli(total), format_milli(target)
        out.append(Finding(
            "F33", WARNING, f"scale-up driven by the rollout's surge: {spec.name} is divided by status.replicas "
                            f"{status}, not spec.replicas {spec_replicas}",
            symptom=f"{spec.name} is {value} for averageValue {per_pod}: {value} / ({per_pod} x {status}) = "
                    f"{by_status:.2f} is outside the tolerance [{1 - down:.2f}, {1 + up:.2f}], so the controller "
                    f"proposes ceil({value} / {per_pod}) = {result.proposed_replicas}",
            cause=f"an AverageValue {spec.type} metric is divided by the target's status.replicas, which during a "
                  f"rolling update counts the surge pods of both ReplicaSets ({live} pods now, {len(new_pods)} of the "
                  f"new one); against spec.replicas {spec_replicas} the ratio is {by_spec:.2f}, inside the tolerance: "
                  "no scale-up. Each rollout can ratchet the count up this way",
            fix="roll out without surge pods: strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}; or hold "
                "short bumps with behavior: {scaleUp: {stabilizationWindowSeconds: 300}} (longer than a rollout)"))
    return out
