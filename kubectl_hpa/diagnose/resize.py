"""In-place pod resize in flight: the HPA divides by requests the pods do not have yet.

With in-place resize (``resize`` subresource; VPA InPlaceOrRecreate) a pod's ``spec.containers[].resources``
is what was asked, and ``status.containerStatuses[].resources`` what the kubelet actuated. The HPA
controller sums the spec's requests, so while a resize is pending (``PodResizePending``: reason
``Deferred`` or ``Infeasible``) or in progress (``PodResizeInProgress``) a Utilization target is computed
against requests the containers do not run with yet (kubernetes#142155).

- F38 (warning): selected pods' spec requests differ from the actuated ones; utilization shown both ways.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..core.model import CONTAINER_RESOURCE, RESOURCE
from ..core.quantity import format_milli, parse_milli
from ..sources.kube import name_of
from .context import Context
from .finding import WARNING, Finding
from .registry import check
from .usage import container_usage, running

RESIZE_CONDITIONS = ("PodResizePending", "PodResizeInProgress")


def _resize_condition(pod: Mapping[str, Any]) -> Optional[str]:
    """``PodResizePending Deferred: <message>`` or ``PodResizeInProgress``, when the kubelet reports one."""
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") in RESIZE_CONDITIONS and condition.get("status") == "True":
            text = str(condition["type"]) + (f" {condition['reason']}" if condition.get("reason") else "")
            return text + (f": {condition['message']}" if condition.get("message") else "")
    return None


def _requests(pod: Mapping[str, Any], resource: str, container: Optional[str]) -> Optional[tuple[int, int]]:
    """(spec, actuated) request sums of the pod's containers (or one container); None without status resources."""
    statuses = {str(s.get("name")): s for s in (pod.get("status") or {}).get("containerStatuses") or ()}
    wanted = actual = 0
    seen = False
    for c in (pod.get("spec") or {}).get("containers") or ():
        if container is not None and c.get("name") != container:
            continue
        spec = ((c.get("resources") or {}).get("requests") or {}).get(resource)
        status = statuses.get(str(c.get("name")), {})
        actuated = ((status.get("resources") or {}).get("requests") or {}).get(resource)
        if spec is None:
            return None
        wanted += parse_milli(spec)
        if actuated is None:
            actual += parse_milli(spec)
        else:
            seen = True
            actual += parse_milli(actuated)
    return (wanted, actual) if seen else None


@check(F38=245)
def check_resize(ctx: Context) -> list[Finding]:
    """F38: spec requests ahead of the actuated ones move a Utilization target's denominator too early."""
    out = []
    for result in ctx.decision.metrics:
        spec = result.spec
        if spec.type not in (RESOURCE, CONTAINER_RESOURCE) or not spec.target.is_utilization or result.error:
            continue
        container = spec.container if spec.type == CONTAINER_RESOURCE else None
        lagging, used_total, spec_total, actual_total = [], 0, 0, 0
        for pod in ctx.pods():
            if not running(pod):
                continue
            pair = _requests(pod, spec.name, container)
            used = container_usage(ctx, pod, spec.name)
            if pair is None or not used:
                continue
            usage = used.get(container, 0) if container else sum(used.values())
            used_total, spec_total, actual_total = used_total + usage, spec_total + pair[0], actual_total + pair[1]
            if pair[0] != pair[1]:
                lagging.append((name_of(pod), pair, _resize_condition(pod)))
        if not lagging or not spec_total or not actual_total:
            continue
        target = spec.target.average_utilization or 0
        as_spec, as_actual = used_total * 100 // spec_total, used_total * 100 // actual_total
        first = lagging[0]
        pending = [c for _n, _p, c in lagging if c and c.startswith("PodResizePending")]
        waiting = pending[0] if pending else (first[2] or "no resize condition yet")
        out.append(Finding(
            "F38", WARNING, f"{len(lagging)} pod{'s' if len(lagging) > 1 else ''} resizing in place: the HPA divides "
                            f"{spec.name} by requests they do not have yet",
            symptom=f"{spec.name} utilization {as_spec}% of the spec requests ({format_milli(spec_total)}); against "
                    f"the requests the kubelet actuated ({format_milli(actual_total)}) it is {as_actual}% (target "
                    f"{target}%): the HPA proposes {result.proposed_replicas} for {ctx.decision.current_replicas} "
                    "pods that are busier than it computes",
            cause=f"a resize changed spec.containers[].resources (Pod {first[0]}: {format_milli(first[1][1])} actuated, "
                  f"{format_milli(first[1][0])} asked) and the kubelet has not applied it ({waiting}); the controller "
                  "sums the spec's requests (kubernetes#142155), so it scales for pods that do not exist yet",
            fix=("make room for the resize (PodResizePending Deferred waits for node capacity; Infeasible never fits "
                 "this node: lower the new request or let the pod be recreated, e.g. VPA updateMode: "
                 "InPlaceOrRecreate) and re-check once status.containerStatuses[].resources matches the spec; "
                 "until then expect the HPA's count to follow the new requests"),
            details=tuple(f"Pod {n}: asked {format_milli(p[0])}, actuated {format_milli(p[1])}"
                          + (f"; {c}" if c else "") for n, p, c in lagging[:6])))
    return out
