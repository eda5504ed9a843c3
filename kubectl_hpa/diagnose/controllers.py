"""Other controllers and writers of the same object: KEDA, VPA, GitOps and apply, old API versions, webhooks.

The HPA is rarely alone: KEDA creates HPAs of its own, a VPA changes the requests a Utilization target
divides by, a deploy pipeline re-applies spec.replicas, an old manifest pins a removed API version, and
an admission webhook may refuse the controller's write.

- F31: a KEDA ScaledObject also scales the target (error), or KEDA owns this HPA (note).
- F30: a VPA changes the requests this HPA's Utilization target divides by.
- F20: something else keeps setting the workload's spec.replicas.
- F28: the HPA was read as autoscaling/v1, or applied with a removed autoscaling beta.
- F32: the controller's write of the target's /scale was rejected.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..core.conditions import FAILED_RESCALE, SUCCESSFUL_RESCALE
from ..core.model import CONTAINER_RESOURCE, RESOURCE
from ..sources.kube import LAST_APPLIED, annotations_of, labels_of, metadata, name_of, namespace_of
from .context import Context
from .finding import ERROR, INFO, WARNING, Finding
from .registry import check

# The marks KEDA leaves on the HPA it creates for a ScaledObject, and on a paused ScaledObject.
KEDA_MANAGED_BY = ("app.kubernetes.io/managed-by", "keda-operator")
KEDA_SCALED_OBJECT_LABEL = "scaledobject.keda.sh/name"
KEDA_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas"

REMOVED_VERSIONS = {"autoscaling/v2beta1": "1.25", "autoscaling/v2beta2": "1.26"}
"""The autoscaling betas and the Kubernetes release that stopped serving them."""
V1_HIDDEN_PREFIX = "autoscaling.alpha.kubernetes.io/"
"""The annotations that carry what autoscaling/v1 cannot express (other metrics, conditions)."""


def scaled_object_owners(hpa: Mapping[str, Any]) -> list[dict]:
    """The ScaledObjects among the HPA's ownerReferences."""
    return [o for o in metadata(hpa).get("ownerReferences") or () if o.get("kind") == "ScaledObject"]


def keda_managed(hpa: Mapping[str, Any]) -> bool:
    """Whether KEDA created this HPA (owned by a ScaledObject, or labelled as managed by keda-operator)."""
    label, value = KEDA_MANAGED_BY
    return labels_of(hpa).get(label) == value or bool(scaled_object_owners(hpa))


@check(F31=10)
def check_keda(ctx: Context) -> list[Finding]:
    """F31: a plain HPA next to a ScaledObject fights KEDA's own HPA; a KEDA HPA is edited on its ScaledObject."""
    labels = labels_of(ctx.hpa)
    owners = scaled_object_owners(ctx.hpa)
    keda_owned = keda_managed(ctx.hpa)
    target = ctx.decision.hpa.scale_target
    scaled = [so for so in ctx.snapshot.of_kind("ScaledObject")
              if namespace_of(so) == ctx.namespace
              and ((so.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == target.name
              and ((so.get("spec") or {}).get("scaleTargetRef") or {}).get("kind", "Deployment") == target.kind]
    mine = {o.get("name") for o in owners} | ({labels.get(KEDA_SCALED_OBJECT_LABEL)} - {None})
    foreign = [so for so in scaled if name_of(so) not in mine]
    out = []
    if foreign and not keda_owned:
        so = name_of(foreign[0])
        out.append(Finding(
            "F31", ERROR, f"KEDA ScaledObject {so} also scales {target.kind}/{target.name}",
            symptom=f"this HPA and ScaledObject {so} (through its HPA keda-hpa-{so}) both set the replicas of "
                    f"{target.kind}/{target.name}; the replica count flaps or one of them is reported as "
                    "AmbiguousSelector",
            cause="the ScaledObject is the source of truth for KEDA's own HPA; a plain HPA left next to it "
                  "fights it",
            fix=f"move this HPA's metrics into the ScaledObject (trigger type: cpu / memory) and delete it: "
                f"kubectl delete hpa {ctx.name} -n {ctx.namespace}; or let KEDA adopt it with the annotation "
                f"scaledobject.keda.sh/transfer-hpa-ownership: \"true\" and spec.advanced."
                f"horizontalPodAutoscalerConfig.name: {ctx.name} on the ScaledObject"))
    elif keda_owned:
        owner = next(iter(mine), "?")
        paused = any(annotations_of(s).get(KEDA_PAUSED_REPLICAS) for s in scaled)
        out.append(Finding(
            "F31", INFO, f"this HPA is managed by KEDA (ScaledObject {owner})",
            symptom="manual edits to the HPA are reverted by keda-operator",
            cause="KEDA creates and owns keda-hpa-<scaledobject>; replicas 0 are KEDA's deactivation, not the HPA's"
                  + ("; the ScaledObject is paused (autoscaling.keda.sh/paused-replicas)" if paused else ""),
            fix=f"change minReplicaCount / maxReplicaCount / advanced.horizontalPodAutoscalerConfig.behavior on "
                f"ScaledObject {owner}, not the HPA"))
    return out


@check(F30=270)
def check_vpa(ctx: Context) -> list[Finding]:
    """F30: a VPA that rewrites the requests moves the denominator of a Utilization target under the HPA."""
    target = ctx.decision.hpa.scale_target
    resources = {spec.name for spec in ctx.decision.hpa.metrics if spec.type in (RESOURCE, CONTAINER_RESOURCE)}
    out = []
    for vpa in ctx.snapshot.of_kind("VerticalPodAutoscaler"):
        spec = vpa.get("spec") or {}
        ref = spec.get("targetRef") or {}
        if namespace_of(vpa) != ctx.namespace or ref.get("name") != target.name or ref.get("kind") != target.kind:
            continue
        mode = (spec.get("updatePolicy") or {}).get("updateMode", "Auto")
        if mode == "Off":
            continue
        controlled: set[str] = set()
        for policy in (spec.get("resourcePolicy") or {}).get("containerPolicies") or [{}]:
            if policy.get("mode") == "Off":
                continue
            controlled |= set(policy.get("controlledResources") or ("cpu", "memory"))
        overlap = sorted(resources & controlled)
        if not overlap:
            continue
        name = name_of(vpa)
        out.append(Finding("F30", WARNING, f"VPA {name} also changes the {'/'.join(overlap)} requests this HPA "
                                           "divides by",
                           symptom="replicas and requests drift together; utilization jumps after VPA evictions",
                           cause=f"VerticalPodAutoscaler {name} (updateMode {mode}) controls {', '.join(overlap)}, "
                                 "the denominator of this HPA's Utilization target",
                           fix="VPA resourcePolicy.containerPolicies: [{containerName: '*', controlledResources: "
                               "[memory]}] with the HPA on CPU, or the HPA on type: AverageValue / a custom metric, "
                               "or VPA updateMode: \"Off\""))
    return out


def last_applied(obj: Optional[Mapping[str, Any]]) -> Optional[dict]:
    """The manifest ``kubectl apply`` (client-side) last applied, from its annotation; None if absent or bad."""
    raw = annotations_of(obj or {}).get(LAST_APPLIED)
    if not raw:
        return None
    import json  # here: most objects have no such annotation, and explain's start skips json (~1 ms)

    try:
        return json.loads(raw)
    except ValueError:
        return None


def replicas_owners(workload: Optional[Mapping[str, Any]]) -> list[str]:
    """Managers other than the controller that own spec.replicas (server-side apply's managedFields)."""
    owners = []
    for entry in metadata(workload or {}).get("managedFields") or ():
        fields = (entry.get("fieldsV1") or {}).get("f:spec") or {}
        manager = str(entry.get("manager", ""))
        if "f:replicas" in fields and manager != "kube-controller-manager" and entry.get("subresource") != "scale":
            owners.append(f"{manager} ({entry.get('operation', 'Update')})")
    return owners


@check(F20=70)
def check_replicas_fight(ctx: Context) -> list[Finding]:
    """F20: someone else keeps writing spec.replicas (GitOps, Helm, kubectl apply) and the HPA keeps undoing it."""
    rescales = ctx.events(SUCCESSFUL_RESCALE)
    below_min = [e for e in rescales if "below Spec.MinReplicas" in str(e.get("message")) and (e.get("count") or 1) > 1]
    scaled_down_by_hpa = any("All metrics below target" in str(e.get("message")) for e in rescales)
    repeated_up = [e for e in rescales if "above target" in str(e.get("message")) and (e.get("count") or 1) > 1]
    target = ctx.decision.hpa.scale_target
    workload = next((o for o in ctx.snapshot.named(target.kind, target.name)
                     if namespace_of(o, ctx.namespace) == ctx.namespace), None)
    owners = replicas_owners(workload)
    applied = last_applied(workload)
    applies_replicas = bool(applied and "replicas" in (applied.get("spec") or {}))
    signs = below_min or (repeated_up and not scaled_down_by_hpa)
    if not signs and not owners:
        return []
    details = [f"event {SUCCESSFUL_RESCALE} x{e.get('count')}: {e.get('message')}" for e in below_min + repeated_up]
    details += [f"spec.replicas is owned by {owner}" for owner in owners]
    if applied is not None and applies_replicas:
        details.append(f"{LAST_APPLIED} sets spec.replicas: {applied['spec']['replicas']}")
    return [Finding("F20", WARNING, f"something else keeps setting {target.kind}/{target.name} spec.replicas",
                    symptom="the replica count oscillates: the HPA rescales to the same size again and again"
                    + (" and keeps raising it to minReplicas" if below_min else ""),
                    cause="spec.replicas is in the manifests that Argo CD, Flux, Helm or kubectl apply re-apply, so "
                          "every sync or deploy resets it and the HPA scales back",
                    fix="drop replicas from the manifests/chart while autoscaling; Argo CD: ignoreDifferences: "
                        "[{group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}] with syncOptions: "
                        "[RespectIgnoreDifferences=true]; client-side apply: kubectl apply edit-last-applied "
                        f"{target.kind.lower()}/{target.name} and delete spec.replicas",
                    details=tuple(details))]


@check(F28=30)
def check_api_version(ctx: Context) -> list[Finding]:
    """F28: read as autoscaling/v1 (other metrics hidden in annotations), or applied with a removed beta."""
    out = []
    hidden = [key for key in annotations_of(ctx.hpa) if key.startswith(V1_HIDDEN_PREFIX)]
    if ctx.hpa.get("apiVersion") == "autoscaling/v1" and hidden:
        out.append(Finding("F28", ERROR, "this HPA was read as autoscaling/v1: its other metrics are hidden",
                           symptom=f"annotations {', '.join(sorted(hidden))} carry what v1 cannot express",
                           cause="autoscaling/v1 has only targetCPUUtilizationPercentage; memory, custom and "
                                 "external metrics survive only in annotations, so this explanation sees only CPU",
                           fix="read it as autoscaling/v2: kubectl get hpa.v2.autoscaling NAME -o yaml (or kubectl "
                               "hpa snapshot NAME)"))
    applied = last_applied(ctx.hpa)
    version = str((applied or {}).get("apiVersion", ""))
    if version in REMOVED_VERSIONS:
        out.append(Finding("F28", WARNING, f"the applied manifest uses {version}, removed in Kubernetes "
                                           f"{REMOVED_VERSIONS[version]}",
                           symptom=f'{LAST_APPLIED} has apiVersion: {version}; the next apply fails with: no '
                                   f'matches for kind "HorizontalPodAutoscaler" in version "{version}"',
                           cause="an old chart or manifest; the server converted it when it was still served",
                           fix=(f"change apiVersion: {version} to apiVersion: autoscaling/v2 in that manifest; its "
                                "spec carries over unchanged" if version == "autoscaling/v2beta2" else
                                f"rewrite that manifest as autoscaling/v2 (targetAverageUtilization: N becomes "
                                "target: {type: Utilization, averageUtilization: N}); the served object is a start: "
                                f"kubectl get hpa.v2.autoscaling {ctx.name} -n {ctx.namespace} -o yaml")))
    return out


@check(F32=290)
def check_failed_rescale(ctx: Context) -> list[Finding]:
    """F32: the decision was right but the write of /scale was refused: nothing the metrics explain."""
    events = ctx.events(FAILED_RESCALE)
    if not events:
        return []
    latest = events[-1]
    return [Finding("F32", ERROR, "the controller's scale write was rejected",
                    symptom=f"event FailedRescale: {latest.get('message')}",
                    cause="an admission webhook, a policy engine or an operator that owns replicas refused the "
                          "update of the target's /scale",
                    fix="check validating webhooks on */scale and the operator that owns the workload's replicas")]
