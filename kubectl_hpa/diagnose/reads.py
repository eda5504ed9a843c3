"""What kubectl-hpa itself could not read, and how its answer compares with the live controller's.

An explanation is only as good as what was read. A read the API server refused or did not answer
is reported on its own, so that no other finding is mistaken for the cluster's state; and where the
HPA's live ``status.desiredReplicas`` differs from the replay, the note says what the replay lacks.

Finding ids (F90, F92 and F93 share one rank, the one F90 had when it covered all three cases):

- F90 (warning): a read was forbidden by RBAC: "kubectl-hpa may not read <resource>".
- F92 (warning): a read failed (timeout, no answer, a 5xx outside the metrics APIs): "a read failed: ...".
- F93 (info): a check could not read part of the snapshot (an object not shaped as the API serves
  it); emitted by the runner, :func:`kubectl_hpa.diagnose.run.diagnose`, which catches the error.
- F91 (info): the live controller's desiredReplicas differs from this explanation, and why.
"""

from __future__ import annotations

from typing import Optional

from ..core import branches
from ..core.conditions import SUCCESSFUL_RESCALE, parse_rescale_message
from ..sources.kube import CLIENT_SIDE, annotations_of, qualified_resource
from ..timefmt import format_time, parse_time
from .context import Context
from .finding import INFO, WARNING, Finding
from .registry import check

READ_PROBLEMS_RANK = 300
"""The rank of F90, F92 and F93: after every finding about the cluster, before the live comparison."""


@check(F90=READ_PROBLEMS_RANK, F92=READ_PROBLEMS_RANK)
def check_reads(ctx: Context) -> list[Finding]:
    """F90/F92: what the snapshot lacks because kubectl-hpa was refused or not answered."""
    out = []
    for method, path, status in ctx.snapshot.failed_reads():
        code = status.get("code")
        if annotations_of(status).get(CLIENT_SIDE) == "true" and code != 0:
            continue  # the client's own answer (no request sent): the metric and scale checks explain it
        if code == 403:
            resource, name = qualified_resource(path)
            verb = "get" if name or resource.endswith("/scale") else "list"
            out.append(Finding("F90", WARNING, f"kubectl-hpa may not read {resource or path}",
                               symptom=f"{method} {path}: {status.get('message')}",
                               cause="your user lacks a permission kubectl-hpa needs (the controller has its own); "
                                     "this explanation is built without that data and may differ from the controller",
                               fix=f"grant {verb} on {resource or path}: kubectl apply -f "
                                   "fixtures/rbac/kubectl-hpa-reader.yaml and bind it to your user"))
        elif code == 0 or (isinstance(code, int) and code >= 500 and "metrics" not in path):
            out.append(Finding("F92", WARNING, f"a read failed: {method} {path.split('?')[0]}",
                               symptom=str(status.get("message")),
                               cause="the API server did not answer this read in time (--request-timeout) or failed",
                               fix="retry with a larger --request-timeout; check the API server"))
    return out


def malformed_finding(problem: Exception) -> Finding:
    """F93: a check stopped on an object not shaped as the API serves it; the other findings still stand."""
    return Finding("F93", INFO, "a check could not read part of the snapshot",
                   symptom=str(problem), cause="the object is not shaped as the API serves it",
                   fix="capture the snapshot again with kubectl hpa snapshot NAME")


def downscale_window(ctx: Context) -> Optional[float]:
    """The scale-down stabilization window in seconds: the HPA's behavior, else the controller's flag."""
    behavior = ctx.decision.hpa.behavior
    if behavior is not None and behavior.scale_down.stabilization_window_seconds is not None:
        return float(behavior.scale_down.stabilization_window_seconds)
    if ctx.inputs is not None:
        return ctx.inputs.settings.downscale_stabilization
    return None


@check(F91=310)
def check_live(ctx: Context) -> list[Finding]:
    """F91: compare with the live status; reconstruct what SuccessfulRescale events tell about the history."""
    status = ctx.hpa.get("status") or {}
    d = ctx.decision
    live = status.get("desiredReplicas")
    if live is None or live == d.desired_replicas or d.branch in branches.ABORTING_BRANCHES:
        return []
    details: list[str] = []
    hold_until = None
    window = downscale_window(ctx)
    previous = None
    for event in sorted(ctx.events(SUCCESSFUL_RESCALE), key=lambda e: str(e.get("lastTimestamp") or "")):
        parsed = parse_rescale_message(str(event.get("message", "")))
        stamp = event.get("lastTimestamp") or event.get("eventTime")
        if not parsed or not stamp:
            continue
        size, at = parsed[0], parse_time(str(stamp))
        up = previous is None or size > previous
        line = f"{format_time(at)}: rescaled to {size}"
        if (event.get("count") or 1) > 1:
            line += f" (x{event.get('count')}, earlier times lost to event aggregation)"
        if up and window is not None and at + window > d.now and size > d.desired_replicas:
            line += f": a recommendation >= {size} stays in the scale-down window until {format_time(at + window)}"
            hold_until = max(hold_until or 0.0, at + window)
        details.append(line)
        previous = size
    if d.rescale and d.desired_replicas > live:
        cause = ("the status was written at the controller's previous sync; its next sync (every "
                 "--horizontal-pod-autoscaler-sync-period, 15s by default) acts on these metrics")
    elif ctx.history_known:
        cause = "the metrics may have moved since the controller's last sync"
    elif hold_until is not None:
        cause = (f"the controller remembers recommendations this snapshot does not carry; its SuccessfulRescale "
                 f"events show a recommendation of at least {live if live > d.desired_replicas else '?'} inside the "
                 f"scale-down window, which holds the count until {format_time(hold_until)}")
    else:
        cause = ("the controller's stabilization and scale history live only in its memory; events cannot "
                 "reconstruct the recommendations of syncs that did not rescale")
    return [Finding("F91", INFO, f"the live controller says {live}, this explanation {d.desired_replicas}",
                    symptom=f"status.desiredReplicas {live}", cause=cause,
                    fix="expected for a replay without history; re-run after the window, or compare with "
                        "kubectl describe hpa (conditions) and the controller's next sync",
                    details=tuple(details[-6:]))]
