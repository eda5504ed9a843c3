"""The scale target and its selector: can the controller scale it, and which pods does it count?

The controller reads the target's /scale subresource for the replica count and the pod selector
(``status.selector``), then counts every pod of the namespace that selector matches.

- F18: the target's /scale cannot be read (wrong kind or name, no scale subresource, another HPA).
- F19: the scale has no usable selector, or its selector matches no pod (not concluded when the pods could not
  be listed: F90/F92 report that read).
- F22: the target is at zero replicas, which disables autoscaling.
- F08: the selector also matches pods that are not the workload's.
- F09: several HPAs select the same pods, and the controller refuses to scale any of them.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..core import branches
from ..core.conditions import ABLE_TO_SCALE, SCALED_TO_ZERO, SCALING_ACTIVE
from ..core.model import FetchError
from ..core.versions import HPA_SCALE_TO_ZERO, SCALED_TO_ZERO_CONDITION
from ..sources.kube import labels_of, metadata, name_of, namespace_of
from .context import Context
from .controllers import last_applied, replicas_owners
from .finding import ERROR, INFO, WARNING, Finding
from .registry import check


@check(F18=20)
def check_scale(ctx: Context) -> list[Finding]:
    """F18: without the target's scale the controller does nothing; the read's error says which part is wrong."""
    d, target = ctx.decision, ctx.decision.hpa.scale_target
    out = []
    if d.branch == branches.FAILED_GET_SCALE:
        message = (ctx.inputs.scale.message if ctx.inputs and isinstance(ctx.inputs.scale, FetchError)
                   else d.error or "")
        if target.kind == "HorizontalPodAutoscaler" and target.api_version.startswith("autoscaling/") and \
                "forbidden" not in message.lower():
            cause = ("spec.scaleTargetRef names a HorizontalPodAutoscaler: an HPA scales a workload through its /scale "
                     "subresource, and HorizontalPodAutoscalers have none (the API server accepts the reference; "
                     "every sync of the controller fails on it)")
            fix = ("point scaleTargetRef at the workload the HPA is for, e.g. scaleTargetRef: {apiVersion: apps/v1, "
                   "kind: Deployment, name: <workload>}")
        elif "no matches for kind" in message or "no matches for /" in message:
            known = {"deployment": "Deployment", "statefulset": "StatefulSet", "replicaset": "ReplicaSet"}
            right = known.get(target.kind.lower(), target.kind)
            cause = (f"the API server has no kind {target.kind!r} in apiVersion {target.api_version or '(empty)'}; "
                     "kinds are case-sensitive and extensions/v1beta1, apps/v1beta1 are removed")
            fix = f"scaleTargetRef: {{apiVersion: apps/v1, kind: {right}, name: {target.name}}}"
        elif "could not find the requested resource" in message:
            cause = f"{target.kind} has no /scale subresource (a custom resource without subresources.scale)"
            fix = ("add to the CRD version: subresources: {scale: {specReplicasPath: .spec.replicas, "
                   "statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}}")
        elif "not found" in message:
            cause = f"no {target.kind} named {target.name} in namespace {ctx.namespace}"
            fix = (f"fix spec.scaleTargetRef.name (kubectl get deploy,sts -n {ctx.namespace}) or create the "
                   "workload; check the kind too")
        elif "forbidden" in message.lower():
            cause = "kubectl-hpa may not read the target's /scale (the controller itself can)"
            fix = "grant get on <resource>/scale (fixtures/rbac/kubectl-hpa-reader.yaml)"
        else:
            cause = "the API server did not return the target's scale"
            fix = "retry; check the API server and the target's API group"
        out.append(Finding("F18", ERROR, f"the target {target.kind}/{target.name} cannot be scaled",
                           symptom=f"{ABLE_TO_SCALE}=False FailedGetScale: the HPA controller was unable to get the "
                                   f"target's current scale: {message}; TARGETS <unknown>, REPLICAS 0",
                           cause=cause, fix=fix))
    return out


@check(F19=40)
def check_selector(ctx: Context) -> list[Finding]:
    """F19: the selector is how the controller finds the pods; none, or one that picks nothing, stops it."""
    d = ctx.decision
    if d.branch == branches.INVALID_SELECTOR:
        return [Finding("F19", ERROR, "the target's scale has no usable selector",
                        symptom=f"{SCALING_ACTIVE}=False InvalidSelector: {d.error}",
                        cause="the /scale subresource reports no status.selector (custom resource without "
                              "labelSelectorPath, or an operator that leaves it empty)",
                        fix="set labelSelectorPath: .status.selector in the CRD's scale subresource and fill "
                            "status.selector with the pods' label selector string")]
    scale = ctx.inputs.scale if ctx.inputs is not None else None
    if scale is None or isinstance(scale, FetchError) or not ctx.selector or scale.status_replicas <= 0:
        return []
    if pods_read_failed(ctx):
        return []  # no pods because kubectl-hpa could not list them (F90/F92 say so), not because none match
    if not ctx.pods() and d.branch == branches.INVALID_METRICS and any(
            "no pods returned" in (m.error or "") or "did not receive metrics" in (m.error or "") for m in d.metrics):
        return [Finding("F19", WARNING, f"selector {ctx.selector} matches no pods",
                        symptom="no pods returned by selector while calculating replica count",
                        cause=f"the scale reports {scale.status_replicas} replicas but the selector "
                              f"{ctx.selector} picks no pod in {ctx.namespace}",
                        fix="make the workload's status.selector match its pod template labels")]
    return []


def pods_read_failed(ctx: Context) -> bool:
    """Whether the snapshot records a failed list of the HPA's pods (its namespace's, or every namespace's)."""
    mine = (f"/api/v1/namespaces/{ctx.namespace}/pods", "/api/v1/pods")
    return ctx.snapshot.failed_read(lambda path: path in mine) is not None


def scaled_to_zero_by_the_hpa(ctx: Context) -> Optional[dict]:
    """The HPA's ScaledToZero=True condition (1.36+): the controller itself put the target at zero."""
    for condition in (ctx.hpa.get("status") or {}).get("conditions") or ():
        if condition.get("type") == SCALED_TO_ZERO and condition.get("status") == "True":
            return condition
    return None


@check(F22=50)
def check_disabled(ctx: Context) -> list[Finding]:
    """F22: at zero replicas the controller stops acting, so the HPA cannot bring the workload back."""
    own_zero = scaled_to_zero_by_the_hpa(ctx)
    if ctx.decision.branch != branches.SCALING_DISABLED:
        if own_zero is None or ctx.decision.current_replicas != 0 or not ctx.decision_version.has(
                SCALED_TO_ZERO_CONDITION):
            return []
        t, d = ctx.decision.hpa.scale_target, ctx.decision
        wakes = (f"its metrics now want {d.desired_replicas}: the controller scales it up from zero" if
                 d.desired_replicas > 0 else "it stays at zero until an Object or External metric asks for pods")
        return [Finding("F22", INFO, f"{t.kind}/{t.name} is at 0 because this HPA scaled it to zero",
                        symptom=f"{SCALED_TO_ZERO}=True {own_zero.get('reason', '')}: {own_zero.get('message', '')}",
                        cause=f"minReplicas is 0 and the HPA's own zero (ScaledToZero, Kubernetes 1.36+) is not "
                              f"autoscaling disabled: {wakes}",
                        fix="expected; a spec.replicas: 0 set by hand or by a pipeline would instead disable the HPA "
                            "(ScalingDisabled): leave replicas out of the manifests")]
    t = ctx.decision.hpa.scale_target
    scale_up = f"kubectl scale {t.kind.lower()}/{t.name} -n {ctx.namespace} --replicas=1"
    cause = (f"{t.kind}/{t.name} was scaled to 0 (by hand, a downscaler or KEDA) while minReplicas is "
             f"{ctx.decision.hpa.effective_min_replicas}")
    fix = scale_up
    version = ctx.decision_version
    if ctx.decision.hpa.effective_min_replicas == 0 and version.has(SCALED_TO_ZERO_CONDITION):
        if not version.gate(HPA_SCALE_TO_ZERO):
            # 1.36 (kubernetes#135118): the controller reads the gate itself; the API server's alone no longer does.
            cause = (f"minReplicas is 0, but the controller of Kubernetes {version.release} scales up from zero only "
                     "with the HPAScaleToZero feature gate on kube-controller-manager (off by default before 1.37; "
                     "the API server's gate alone, enough before 1.36, no longer is)")
            fix = (f"add --feature-gates=HPAScaleToZero=true to kube-controller-manager (on by default from 1.37), "
                   f"then {scale_up}")
        else:
            cause = (f"{t.kind}/{t.name} is at 0, but not because this HPA put it there: from 1.36 the controller "
                     "wakes a workload at zero only when its own ScaledToZero condition is True")
            fix = f"{scale_up}; the HPA then scales it to zero (and back) itself"
    return [Finding("F22", WARNING, "autoscaling is disabled: the target has 0 replicas",
                    symptom=f"{SCALING_ACTIVE}=False ScalingDisabled: scaling is disabled since the replica count of "
                            "the target is zero",
                    cause=cause, fix=fix, details=tuple(zero_writers(ctx)))]


def zero_writers(ctx: Context) -> list[str]:
    """Who set the workload's spec.replicas (to 0): managedFields owners and kubectl apply's manifest, if known."""
    t = ctx.decision.hpa.scale_target
    workload = next((o for o in ctx.snapshot.of_kind(t.kind) if name_of(o) == t.name
                     and namespace_of(o, ctx.namespace) == ctx.namespace), None)
    out = [f"spec.replicas is owned by {owner}" for owner in replicas_owners(workload)]
    applied = ((last_applied(workload) or {}).get("spec") or {})
    if "replicas" in applied:
        out.append(f"kubectl apply's last-applied-configuration sets spec.replicas: {applied['replicas']}")
    if ctx.decision.hpa.effective_min_replicas == 0 and scaled_to_zero_by_the_hpa(ctx) is None \
            and ctx.decision_version.has(SCALED_TO_ZERO_CONDITION):
        out.append(f"no {SCALED_TO_ZERO}=True condition on the HPA: the zero is not the HPA's")
    return out


def controller_owner(pod: Mapping[str, Any]) -> Optional[dict]:
    """The pod's controlling ownerReference (its ReplicaSet, StatefulSet, Job...), if any."""
    for ref in metadata(pod).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


@check(F08=140)
def check_foreign_pods(ctx: Context) -> list[Finding]:
    """F08: every pod the selector matches counts, so other workloads' pods skew the average."""
    target = ctx.decision.hpa.scale_target
    if ctx.decision.branch == branches.AMBIGUOUS_SELECTOR:
        return []
    foreign = []
    for pod in ctx.pods():
        owner = controller_owner(pod)
        labels = labels_of(pod)
        if target.kind == "Deployment":
            ok = owner is not None and owner.get("kind") == "ReplicaSet" and \
                owner.get("name") == f"{target.name}-{labels.get('pod-template-hash', '')}"
        elif target.kind in ("StatefulSet", "ReplicaSet", "ReplicationController"):
            ok = owner is not None and owner.get("kind") == target.kind and owner.get("name") == target.name
        else:
            return []  # custom resources: ownership chains vary
        if not ok:
            what = f"{owner.get('kind')}/{owner.get('name')}" if owner else "no controller"
            foreign.append(f"{name_of(pod)} (owned by {what})")
    if not foreign:
        return []
    return [Finding("F08", WARNING, f"the selector also picks {len(foreign)} pod(s) that are not "
                                    f"{target.kind}/{target.name}'s",
                    symptom="utilization that does not match kubectl top of the workload, or a missing-request "
                            "error naming a pod of another workload",
                    cause=f"the scale's status.selector {ctx.selector} is broader than the workload's own pods; "
                          "every pod it matches in the namespace counts",
                    fix="give the workload a unique selector label (the selector is immutable: recreate the "
                        "Deployment), relabel the other pods, or delete finished helm test pods and Jobs "
                        "(helm.sh/hook-delete-policy: hook-succeeded)",
                    details=tuple(foreign[:10]))]


@check(F09=150)
def check_ambiguous(ctx: Context) -> list[Finding]:
    """F09: two HPAs over the same pods would fight, so the controller scales neither."""
    d = ctx.decision
    if d.branch != branches.AMBIGUOUS_SELECTOR:
        return []
    others = [k for k in (ctx.inputs.selecting_hpas if ctx.inputs else ()) if k != d.hpa.key] or ["<other>"]
    return [Finding("F09", ERROR, f"{len(others) + 1} HPAs select the same pods",
                    symptom=f"{SCALING_ACTIVE}=False AmbiguousSelector: {d.error}",
                    cause=f"{', '.join(others)} also selects these pods; the controller refuses to scale any of them",
                    fix="merge the HPAs into one with several entries under spec.metrics (the largest proposal "
                        f"wins) and delete the others (kubectl delete hpa {others[0].split('/')[-1]} -n "
                        f"{ctx.namespace})" + ("; with KEDA put this HPA's metrics into the ScaledObject as triggers"
                                               if ctx.keda_present else ""))]
