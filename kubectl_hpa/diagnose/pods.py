"""The pods behind a metric: their containers' requests, the container a metric names, unready pods.

A Utilization target divides usage by the pods' requests, every container's (injected sidecars and
native sidecars included); a ContainerResource metric names one container; and the controller
counts unready pods and pods without samples specially when it computes a proposal.

- F07: a container of a selected pod has no request for the resource, so the metric fails.
- F10: the container a ContainerResource metric names is missing.
- F27: unready pods or pods without metrics damp the proposal (before 1.38, Succeeded pods among them).
"""

from __future__ import annotations

import re
from typing import Optional

from ..core import branches
from ..core.model import CONTAINER_RESOURCE, RESOURCE, MetricResult
from ..sources.kube import annotations_of, name_of
from ..timefmt import format_time, parse_time
from .context import Context
from .finding import ERROR, INFO, WARNING, Finding
from .registry import check
from .wording import metric_symptom

MESH_SIDECARS = ("istio-proxy", "linkerd-proxy", "daprd", "envoy", "cloud-sql-proxy", "otel-collector",
                 "vault-agent", "aws-appmesh-envoy")
"""Containers a mesh or an agent injects: the user did not write them, so they forget their requests."""
INJECTION_MARKS = ("sidecar.istio.io/status", "linkerd.io/proxy-version", "dapr.io/enabled")
"""Pod annotations that show a sidecar injector went over the pod."""
MISSING_REQUEST = re.compile(r"missing request for (\S+) (?:in|on) container (\S+) (?:of|in) [Pp]od (\S+)")
"""The controller's error for a container without a request (its wording changed across versions)."""
CONTAINER_MISSING = re.compile(r"container \S+ (not found in Pod|not present in metrics)")
"""The controller's error when a ContainerResource metric's container is not in the pod or its metrics."""


@check(F07=160)
def check_requests(ctx: Context) -> list[Finding]:
    """F07: one container without a request fails the whole Utilization metric, sidecars included."""
    out = []
    for result in ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE):
        error = result.error or ""
        found = MISSING_REQUEST.search(error)
        if "missing request for" not in error and "missing pod-level request" not in error:
            continue
        resource = found.group(1) if found else result.spec.name
        container = found.group(2) if found else None
        pod_name = found.group(3) if found else None
        kind = container_kind(ctx, pod_name, container)
        lacking = containers_without(ctx, resource)
        fix = (f"add resources.requests.{resource} to every container of the pod template, e.g. "
               f"containers: [{{name: {container or '<c>'}, resources: {{requests: {{{resource}: 100m}}}}}}]"
               if resource == "cpu" else
               f"add resources.requests.{resource} to every container of the pod template (e.g. {resource}: 128Mi)")
        if container in MESH_SIDECARS or kind == "injected":
            fix += ("; for the mesh proxy set its request by annotation on the pod template, e.g. "
                    "sidecar.istio.io/proxyCPU: \"100m\" or config.linkerd.io/proxy-cpu-request: \"100m\"")
        requested = containers_with(ctx, resource)
        if requested and result.spec.type == RESOURCE:
            fix += (f"; or scale on {requested[0]} alone: type: ContainerResource, containerResource: {{name: "
                    f"{resource}, container: {requested[0]}, target: {{type: Utilization, averageUtilization: "
                    f"{result.spec.target.average_utilization or 60}}}}}")
        fix += "; or use target type: AverageValue (it needs no request)"
        where = f"container {container}" + (f" ({kind})" if kind else "")
        out.append(Finding("F07", ERROR, f"missing {resource} request in {where}" if container else
                           f"missing {resource} request",
                           symptom=metric_symptom(result),
                           cause=(f"a Utilization target divides usage by the sum of the requests of every container "
                                  f"(native sidecars included); {where} of Pod {pod_name} has no "
                                  f"requests.{resource}, so the whole metric fails" if container else
                                  "a container of a selected pod has no request for the resource"),
                           fix=fix, details=tuple(lacking[:10])))
    return out


def container_kind(ctx: Context, pod_name: Optional[str], container: Optional[str]) -> str:
    """``native sidecar``, ``injected`` or ``""``: a sidecar's request is set elsewhere than the app's."""
    for pod in ctx.snapshot.of_kind("Pod"):
        if name_of(pod) != pod_name:
            continue
        spec = pod.get("spec") or {}
        for init in spec.get("initContainers") or ():
            if init.get("name") == container and init.get("restartPolicy") == "Always":
                return "native sidecar"
        annotations = annotations_of(pod)
        if container in MESH_SIDECARS or any(k in annotations for k in INJECTION_MARKS):
            return "injected" if container in MESH_SIDECARS else ""
    return "injected" if container in MESH_SIDECARS else ""


def containers_with(ctx: Context, resource: str) -> list[str]:
    """The names of the selected pods' containers that do request ``resource``, in order, once each."""
    out: list[str] = []
    for pod in ctx.pods():
        for c in (pod.get("spec") or {}).get("containers") or ():
            if resource in ((c.get("resources") or {}).get("requests") or {}) and c.get("name") not in out:
                out.append(str(c.get("name")))
    return out


def containers_without(ctx: Context, resource: str) -> list[str]:
    """Every container of the selected pods without a request for ``resource`` (a pod-level request covers all)."""
    out = []
    for pod in ctx.pods():
        spec = pod.get("spec") or {}
        if ((spec.get("resources") or {}).get("requests") or {}).get(resource) is not None:
            continue
        candidates = list(spec.get("containers") or ()) + [c for c in spec.get("initContainers") or ()
                                                           if c.get("restartPolicy") == "Always"]
        for c in candidates:
            if resource not in ((c.get("resources") or {}).get("requests") or {}):
                out.append(f"Pod {name_of(pod)}: container {c.get('name')} has no requests.{resource}")
    return out


@check(F10=170)
def check_container(ctx: Context) -> list[Finding]:
    """F10: a ContainerResource metric fails as a whole when its container is renamed or absent."""
    out = []
    for result in ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE):
        error = result.error or ""
        found = CONTAINER_MISSING.search(error)
        if found:
            names = sorted({str(c.get("name")) for p in ctx.pods() for c in (p.get("spec") or {}).get("containers") or ()})
            if found.group(1).startswith("not found"):
                cause = (f"no container of the pod is named {result.spec.container}"
                         + (f" (its containers: {', '.join(names)})" if names else "")
                         + ": the container was renamed, or the name has a typo")
                fix = (f"set containerResource.container to {names[0]}" if len(names) == 1 else
                       "set containerResource.container to a name from the pod template's containers") + \
                    "; during a rename list both names as two metrics"
            else:
                cause = (f"container {result.spec.container} is in the pod but absent from its PodMetrics: it is "
                         "crash-looping or not started yet, so metrics-server has no sample of it")
                fix = ("make the container run (kubectl describe pod: its restarts and last state); the metric "
                       "recovers with its next sample")
            out.append(Finding("F10", ERROR, f"container {result.spec.container} of the ContainerResource metric "
                                             "is missing",
                               symptom=metric_symptom(result), cause=cause, fix=fix))
    return out


def succeeded_pods(ctx: Context, names: tuple[str, ...]) -> list[str]:
    """The pods among ``names`` that have run to completion (phase Succeeded), in their order."""
    finished = {name_of(p) for p in ctx.pods() if (p.get("status") or {}).get("phase") == "Succeeded"}
    return [name for name in names if name in finished]


def _finished_pods_damp(ctx: Context, result: MetricResult, finished: list[str], total: int) -> Finding:
    """F27 for the controllers before 1.38, which count Succeeded pods as pods without metrics."""
    release = ctx.decision_version.release
    count = len(finished)
    down = result.rebalance is not None and (result.usage_ratio or 0) < 1.0
    hold = ("hold the scale-down: each counts as max(100%, target) of its request" if down else
            "slow the scale-up: each counts as 0")
    them = "it" if count == 1 else "them"
    return Finding("F27", WARNING, f"{count} Succeeded pod{'s' if count > 1 else ''} of {total} count as pods "
                                   f"without metrics and damp the {result.spec.name} proposal",
                   symptom=(f"the controller recomputes the ratio: {result.usage_ratio:.3f} -> "
                            f"{result.rebalance.new_ratio:.3f}" if result.rebalance and result.usage_ratio is not None
                            else "the controller recomputes the ratio"),
                   cause=f"on Kubernetes {release} these {count} Succeeded pod{'s' if count > 1 else ''} (finished, "
                         f"matched by the target's selector) {hold}; from 1.38 the controller ignores {them} like "
                         "Failed pods (kubernetes#141302)",
                   fix=f"delete the finished pods (kubectl -n {ctx.namespace} delete pod "
                       f"--field-selector=status.phase==Succeeded -l {ctx.selector or '<the target selector>'})"
                       + ("; evicted pods stay until deleted (the pod garbage collector keeps up to "
                          "--terminated-pod-gc-threshold, 12500, finished pods), so delete them after node-pressure "
                          "evictions or upgrade to 1.38" if _evicted(ctx, finished) else
                          ", let their Job clean up (ttlSecondsAfterFinished), or give the Job's pods labels the "
                          "selector does not match"),
                   details=tuple(_pinned(ctx, name) for name in finished[:5]))


def _evicted(ctx: Context, names: list[str]) -> bool:
    """Whether any of these finished pods was evicted by the kubelet (status.reason Evicted)."""
    return any((p.get("status") or {}).get("reason") == "Evicted" for p in ctx.pods() if name_of(p) in names)


def _pinned(ctx: Context, name: str) -> str:
    """A finished pod and how many syncs it has been counted in since it finished (kubernetes#141298)."""
    pod = next((p for p in ctx.pods() if name_of(p) == name), {})
    status = pod.get("status") or {}
    reason = f" ({status['reason']})" if status.get("reason") else ""
    finished = [str(((c.get("state") or {}).get("terminated") or {}).get("finishedAt") or "")
                for c in status.get("containerStatuses") or ()]
    stamps = [parse_time(f) for f in finished if f]
    if not stamps or ctx.inputs is None:
        return f"{name}: phase Succeeded{reason}, no metric sample"
    since = max(0.0, ctx.decision.now - max(stamps))
    period = ctx.inputs.settings.sync_period
    return (f"{name}: phase Succeeded{reason} since {format_time(max(stamps))}, no metric sample: counted in "
            f"{int(since // period)} syncs so far (one every {period:g}s)")


@check(F27=240)
def check_pods_damping(ctx: Context) -> list[Finding]:
    """F27: unready pods and pods without samples pull the proposal toward the current count."""
    out = []
    for result in ctx.decision.metrics:
        groups = result.pods
        if groups is None or result.error is not None or not (groups.unready or groups.missing):
            continue
        total = len(groups.ready) + len(groups.unready) + len(groups.missing)
        if result.path not in (branches.REBALANCED, branches.REBALANCE_KEPT):
            continue
        finished = succeeded_pods(ctx, groups.missing)
        if finished:
            out.append(_finished_pods_damp(ctx, result, finished, total))
            continue
        severity = WARNING if len(groups.unready) + len(groups.missing) * 2 > total else INFO
        what = []
        if groups.missing:
            what.append(f"{len(groups.missing)} without metrics")
        if groups.unready:
            what.append(f"{len(groups.unready)} unready")
        out.append(Finding("F27", severity, f"{' and '.join(what)} of {total} pods damp the {result.spec.name} "
                                            "proposal",
                           symptom=f"the controller recomputes the ratio: {result.usage_ratio:.3f} -> "
                                   f"{result.rebalance.new_ratio:.3f}" if result.rebalance and result.usage_ratio
                           is not None else "the controller recomputes the ratio",
                           cause="on a scale-up unready pods count as 0 and pods without metrics as 0; on a "
                                 "scale-down pods without metrics count as 100% of their request (or the target); "
                                 "young CPU pods are set aside (cpu-initialization-period 5m)",
                           fix="give pods a startupProbe / readiness delay past the start-up CPU spike, fix crashing "
                               "pods (CrashLoopBackOff), and check metrics-server reaches every node",
                           details=tuple(f"{n}: {why}" for n, why in list(groups.unready.items())[:5])
                           + tuple(f"{n}: no metric sample" for n in groups.missing[:5])))
    return out
