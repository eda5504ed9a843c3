"""Load that does not spread: a few pods carry most of the usage, so more replicas do not relieve them.

The controller averages usage over the pods; it cannot see that one pod is saturated while the others
idle. That happens when traffic bypasses the Service (clients calling one pod IP), with sticky sessions
(``sessionAffinity: ClientIP``, cookie affinity), with long-lived connections that kube-proxy balances
once per connection (gRPC/HTTP2, websockets), or with the load loop of the classic tutorial running
inside one pod: new replicas get no share of it.

- F39 (warning): the hottest pods carry most of the usage and run far above the others.
"""

from __future__ import annotations

from ..core.model import RESOURCE
from .context import Context
from .finding import WARNING, Finding
from .registry import check
from .usage import PodUsage, percent, pod_usage, running

HOT_SHARE = 0.6
"""The share of the usage the hottest quarter of the pods (at least one) must carry to count as unspread."""
HOT_FACTOR = 3.0
"""How many times the median of the other pods the hottest pod must use (normal variance stays well below)."""
MIN_PODS = 3


@check(F39=247)
def check_spread(ctx: Context) -> list[Finding]:
    """F39: one or a few pods carry the load; the average the HPA acts on hides them."""
    out = []
    for result in ctx.decision.metrics:
        spec = result.spec
        if spec.type != RESOURCE or result.error is not None or result.pods is None:
            continue
        counted = set(result.pods.ready)
        pods = [pod_usage(ctx, p, spec.name) for p in ctx.pods() if running(p) and p["metadata"]["name"] in counted]
        pods = [p for p in pods if p.usage is not None]
        if len(pods) < MIN_PODS:
            continue
        ranked: list[PodUsage] = sorted(pods, key=lambda p: p.usage or 0, reverse=True)
        total = sum(p.usage or 0 for p in ranked)
        hot = ranked[:max(1, len(ranked) // 4)]
        share = sum(p.usage or 0 for p in hot) / total if total else 0.0
        median = _median([p.usage or 0 for p in ranked[len(hot):]])
        if share < HOT_SHARE or (ranked[0].usage or 0) < HOT_FACTOR * max(median, 1):
            continue
        names = ", ".join(p.name for p in hot)
        average = result.utilization
        shown = (f"{spec.name} averages {average}% of request" if average is not None and spec.target.is_utilization
                 else f"{spec.name} averages {total // len(ranked)}m per pod")
        out.append(Finding(
            "F39", WARNING, f"the load does not spread: {len(hot)} of {len(ranked)} pods "
                            f"carr{'ies' if len(hot) == 1 else 'y'} {share:.0%} of the {spec.name}",
            symptom=f"{shown} (the HPA proposes {result.proposed_replicas}), but {names} run"
                    f"{'s' if len(hot) == 1 else ''} at {percent(ranked[0].percent)} while the others' median is "
                    f"{median:.0f}m" + (f" ({median * 100 / ranked[-1].request:.0f}%)" if ranked[-1].request else ""),
            cause="the work reaches a few pods only: traffic sent to one pod IP instead of the Service, sticky "
                  "sessions (sessionAffinity: ClientIP, cookie affinity), long-lived gRPC/HTTP2 or websocket "
                  "connections that kube-proxy balances once per connection, or a load loop inside one pod; new "
                  "replicas get no share, so scaling does not relieve the hot pods",
            fix="send traffic through the Service with sessionAffinity: None; for gRPC balance per request "
                "(client-side round_robin over a headless Service, or an L7 proxy / mesh), for websockets reconnect "
                "periodically (maxConnectionAge on gRPC servers); then the average tracks the load. Check with "
                f"kubectl top pod -n {ctx.namespace} -l {ctx.selector or '<selector>'}",
            details=tuple(f"{p.name}: {p.usage}m" + (f" of {p.request}m = {percent(p.percent)}" if p.request else "")
                          for p in ranked[:6])))
    return out


def _median(values: list[int]) -> float:
    """``statistics.median`` of a non-empty list, as it computes it (the middle value, or the mean of the two
    middle ones). Not imported from ``statistics``, which loads ``random`` and ``hashlib``: ~2 ms of an explain
    start (``python -X importtime``) for three lines."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
