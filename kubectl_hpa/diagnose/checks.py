"""The failure-mode catalogue (shared/docs/diagnostics.md) as checks over what the API serves.

Each check reads the snapshot (objects as served), the HPA object and the core's
``Decision``, and returns findings worded in the controller's terms. Error text is
matched on its innermost part, since the prefixes changed across Kubernetes
versions. Findings are ranked in the catalogue's top-12 run order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from ..core import branches
from ..core.model import (
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PODS,
    RESOURCE,
    Decision,
    FetchError,
    MetricResult,
    SyncInput,
)
from ..core.selector import SelectorError, parse_selector
from ..sources.kube import APISERVICES_COMPLETE, CLIENT_SIDE, REQUEST, kind_plural, qualified_resource
from ..sources.snapshot import MALFORMED, Snapshot, malformed
from ..timefmt import format_time, parse_time

ERROR, WARNING, INFO = "error", "warning", "info"
PROBLEM_SEVERITIES = (ERROR, WARNING)

MESH_SIDECARS = ("istio-proxy", "linkerd-proxy", "daprd", "envoy", "cloud-sql-proxy", "otel-collector",
                 "vault-agent", "aws-appmesh-envoy")

# Run order of the catalogue's top-12 list; a finding's rank is its position here.
ORDER = ("F31", "F18", "F28", "F19", "F22", "F21", "F20", "F01", "F02", "F03", "F11", "F12", "F17", "F08", "F09", "F07", "F10",
         "F06", "F13", "F14", "F15", "F16", "F25", "F27", "F24", "F23", "F30", "F26", "F32", "F90", "F91")


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str  # error | warning | info
    title: str
    symptom: str
    cause: str
    fix: str
    details: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rank(self) -> int:
        return ORDER.index(self.id) if self.id in ORDER else len(ORDER)

    def document(self) -> dict:
        out: dict[str, object] = {"id": self.id, "severity": self.severity, "title": self.title, "symptom": self.symptom,
               "cause": self.cause, "fix": self.fix}
        if self.details:
            out["details"] = list(self.details)
        return out


def has_problems(findings: Iterable[Finding]) -> bool:
    return any(f.severity in PROBLEM_SEVERITIES for f in findings)


@dataclass
class Context:
    snapshot: Snapshot
    hpa: dict
    inputs: Optional[SyncInput]
    decision: Decision

    @property
    def namespace(self) -> str:
        return self.decision.hpa.namespace

    @property
    def name(self) -> str:
        return self.decision.hpa.name

    def apiservice(self, name: str) -> Optional[dict]:
        for item in self.snapshot.of_kind("APIService"):
            if (item.get("metadata") or {}).get("name") == name:
                return item
        return None

    def apiservices_of(self, group: str) -> list[dict]:
        return [item for item in self.snapshot.of_kind("APIService")
                if str((item.get("metadata") or {}).get("name", "")).split(".", 1)[-1] == group]

    @property
    def apiservices_complete(self) -> bool:
        return self.snapshot.annotations.get(APISERVICES_COMPLETE) == "complete"

    def metric_errors(self, *types: str) -> list[MetricResult]:
        return [m for m in self.decision.metrics if m.error is not None and m.spec.type in types]

    def uses(self, *types: str) -> bool:
        return any(spec.type in types for spec in self.decision.hpa.metrics)

    def pods(self) -> list[dict]:
        selector = self.selector
        if not selector:
            return []
        try:
            matcher = parse_selector(selector)
        except SelectorError:
            return []
        return [p for p in self.snapshot.of_kind("Pod")
                if (p.get("metadata") or {}).get("namespace", "default") == self.namespace
                and matcher.matches((p.get("metadata") or {}).get("labels") or {})]

    @property
    def selector(self) -> Optional[str]:
        if self.inputs is None or isinstance(self.inputs.scale, FetchError):
            return None
        return self.inputs.scale.selector

    def events(self, reason: Optional[str] = None) -> list[dict]:
        out = []
        for item in self.snapshot.of_kind("Event"):
            involved = item.get("involvedObject") or {}
            if involved.get("kind") != "HorizontalPodAutoscaler" or involved.get("name") != self.name:
                continue
            if (involved.get("namespace") or (item.get("metadata") or {}).get("namespace")) != self.namespace:
                continue
            if reason is None or item.get("reason") == reason:
                out.append(item)
        return out


def _available(apiservice: dict) -> tuple[str, str, str]:
    for condition in (apiservice.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Available":
            return str(condition.get("status")), str(condition.get("reason", "")), str(condition.get("message", ""))
    return "Unknown", "", "no Available condition"


def _service(apiservice: dict) -> str:
    service = (apiservice.get("spec") or {}).get("service") or {}
    return f"service/{service.get('name')} in \"{service.get('namespace')}\"" if service else "a local group"


def _metric_label(result: MetricResult) -> str:
    spec = result.spec
    if spec.type == CONTAINER_RESOURCE:
        return f"{spec.name} of container {spec.container}"
    return f"{spec.type} metric {spec.name}"


def _symptom(result: MetricResult) -> str:
    return (f"TARGETS {spec_cell(result)}; ScalingActive=False {result.error_reason}: "
            f"the HPA was unable to compute the replica count: {result.error}")


def spec_cell(result: MetricResult) -> str:
    target = result.spec.target
    if target.average_utilization is not None:
        wanted = f"{target.average_utilization}%"
    else:
        from ..core.quantity import format_milli

        milli = target.value if target.type == "Value" else target.average_value
        wanted = format_milli(milli) if milli is not None else "?"
    prefix = f"{result.spec.name}: " if result.spec.type in (RESOURCE, CONTAINER_RESOURCE) else ""
    return f"{prefix}<unknown>/{wanted}"


# ----------------------------------------------------------------------------- checks


def check_keda(ctx: Context) -> list[Finding]:
    metadata = ctx.hpa.get("metadata") or {}
    labels = metadata.get("labels") or {}
    owners = [o for o in metadata.get("ownerReferences") or () if o.get("kind") == "ScaledObject"]
    keda_owned = bool(owners) or labels.get("app.kubernetes.io/managed-by") == "keda-operator"
    target = ctx.decision.hpa.scale_target
    scaled = [so for so in ctx.snapshot.of_kind("ScaledObject")
              if (so.get("metadata") or {}).get("namespace") == ctx.namespace
              and ((so.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == target.name
              and ((so.get("spec") or {}).get("scaleTargetRef") or {}).get("kind", "Deployment") == target.kind]
    mine = {o.get("name") for o in owners} | ({labels.get("scaledobject.keda.sh/name")} - {None})
    foreign = [so for so in scaled if (so.get("metadata") or {}).get("name") not in mine]
    out = []
    if foreign and not keda_owned:
        so = (foreign[0].get("metadata") or {}).get("name")
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
        so = next(iter(mine), "?")
        paused = any(((s.get("metadata") or {}).get("annotations") or {}).get("autoscaling.keda.sh/paused-replicas")
                     for s in scaled)
        out.append(Finding(
            "F31", INFO, f"this HPA is managed by KEDA (ScaledObject {so})",
            symptom="manual edits to the HPA are reverted by keda-operator",
            cause="KEDA creates and owns keda-hpa-<scaledobject>; replicas 0 are KEDA's deactivation, not the HPA's"
                  + ("; the ScaledObject is paused (autoscaling.keda.sh/paused-replicas)" if paused else ""),
            fix=f"change minReplicaCount / maxReplicaCount / advanced.horizontalPodAutoscalerConfig.behavior on "
                f"ScaledObject {so}, not the HPA"))
    return out


def check_scale(ctx: Context) -> list[Finding]:
    d, target = ctx.decision, ctx.decision.hpa.scale_target
    out = []
    if d.branch == branches.FAILED_GET_SCALE:
        message = (ctx.inputs.scale.message if ctx.inputs and isinstance(ctx.inputs.scale, FetchError)
                   else d.error or "")
        if "no matches for kind" in message or "no matches for /" in message:
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
                           symptom=f"AbleToScale=False FailedGetScale: the HPA controller was unable to get the "
                                   f"target's current scale: {message}; TARGETS <unknown>, REPLICAS 0",
                           cause=cause, fix=fix))
    return out


def check_selector(ctx: Context) -> list[Finding]:
    d = ctx.decision
    if d.branch == branches.INVALID_SELECTOR:
        return [Finding("F19", ERROR, "the target's scale has no usable selector",
                        symptom=f"ScalingActive=False InvalidSelector: {d.error}",
                        cause="the /scale subresource reports no status.selector (custom resource without "
                              "labelSelectorPath, or an operator that leaves it empty)",
                        fix="set labelSelectorPath: .status.selector in the CRD's scale subresource and fill "
                            "status.selector with the pods' label selector string")]
    if ctx.inputs is not None and not isinstance(ctx.inputs.scale, FetchError) and ctx.selector \
            and ctx.inputs.scale.status_replicas > 0 and not ctx.pods() and ctx.snapshot.of_kind("Pod") is not None \
            and d.branch == branches.INVALID_METRICS and any("no pods returned" in (m.error or "") or
                                                                 "did not receive metrics" in (m.error or "")
                                                                 for m in d.metrics):
        return [Finding("F19", WARNING, f"selector {ctx.selector} matches no pods",
                        symptom="no pods returned by selector while calculating replica count",
                        cause=f"the scale reports {ctx.inputs.scale.status_replicas} replicas but the selector "
                              f"{ctx.selector} picks no pod in {ctx.namespace}",
                        fix="make the workload's status.selector match its pod template labels")]
    return []


def check_disabled(ctx: Context) -> list[Finding]:
    if ctx.decision.branch != branches.SCALING_DISABLED:
        return []
    t = ctx.decision.hpa.scale_target
    return [Finding("F22", WARNING, "autoscaling is disabled: the target has 0 replicas",
                    symptom="ScalingActive=False ScalingDisabled: scaling is disabled since the replica count of "
                            "the target is zero",
                    cause=f"{t.kind}/{t.name} was scaled to 0 (by hand, a downscaler or KEDA) while minReplicas is "
                          f"{ctx.decision.hpa.effective_min_replicas}",
                    fix=f"kubectl scale {t.kind.lower()}/{t.name} -n {ctx.namespace} --replicas=1")]


def check_bounds(ctx: Context) -> list[Finding]:
    d, hpa = ctx.decision, ctx.decision.hpa
    out = []
    if hpa.effective_min_replicas == hpa.max_replicas:
        out.append(Finding("F21", WARNING, f"minReplicas == maxReplicas == {hpa.max_replicas}: nothing to scale",
                           symptom=f"replicas stay at {hpa.max_replicas} whatever the load",
                           cause="with equal bounds every recommendation is clamped to the same count",
                           fix="lower spec.minReplicas or raise spec.maxReplicas"))
        return out
    limit = d.rate_limit
    if limit is not None and limit.reason == "TooManyReplicas" and (d.proposed_replicas or 0) > hpa.max_replicas:
        out.append(Finding("F21", WARNING, f"held at maxReplicas {hpa.max_replicas}; the metrics want "
                                           f"{d.proposed_replicas}",
                           symptom="ScalingLimited=True TooManyReplicas: the desired replica count is more than the "
                                   "maximum replica count",
                           cause=f"{d.proposing_metric} proposes {d.proposed_replicas} replicas, above maxReplicas",
                           fix=f"raise spec.maxReplicas to at least {d.proposed_replicas} (and check the cluster "
                               "has room: Pending pods with FailedScheduling), or make each pod do more"))
    elif limit is not None and limit.reason == "TooFewReplicas" and (d.proposed_replicas or 0) < hpa.effective_min_replicas:
        out.append(Finding("F21", INFO, f"held at minReplicas {hpa.effective_min_replicas}",
                           symptom="ScalingLimited=True TooFewReplicas: the desired replica count is less than the "
                                   "minimum replica count",
                           cause=f"the metrics want {d.proposed_replicas}; minReplicas is the floor",
                           fix="lower spec.minReplicas if fewer pods are acceptable"))
    elif d.branch in (branches.ABOVE_MAX, branches.BELOW_MIN):
        bound = "maxReplicas" if d.branch == branches.ABOVE_MAX else "minReplicas"
        out.append(Finding("F21", INFO, f"replicas {d.current_replicas} are outside the bounds: moving to {bound}",
                           symptom=f"SuccessfulRescale New size: {d.desired_replicas}; reason: {d.rescale_reason}",
                           cause=f"the workload's replicas were set outside [{hpa.effective_min_replicas}, "
                                 f"{hpa.max_replicas}] (a deploy or kubectl scale)",
                           fix="drop spec.replicas from the manifests the HPA manages"))
    return out


def check_resource_api(ctx: Context) -> list[Finding]:
    if not ctx.uses(RESOURCE, CONTAINER_RESOURCE):
        return []
    errors = ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE)
    service = ctx.apiservice("v1beta1.metrics.k8s.io")
    out: list[Finding] = []
    missing = [m for m in errors if "could not find the requested resource" in (m.error or "")
               and "metrics.k8s.io" in (m.error or "")]
    if missing or (service is None and ctx.apiservices_complete):
        symptom = _symptom(missing[0]) if missing else "kubectl top: error: Metrics API not available"
        out.append(Finding("F01", ERROR, "no resource metrics API (metrics-server is not installed)",
                           symptom=symptom,
                           cause="nothing serves metrics.k8s.io: the APIService v1beta1.metrics.k8s.io is not "
                                 "registered",
                           fix="kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/"
                               "download/components.yaml (or helm install metrics-server metrics-server/"
                               "metrics-server -n kube-system, or the EKS/AKS/GKE add-on)"))
        return out
    unavailable = [m for m in errors if "currently unable to handle the request" in (m.error or "")]
    status = _available(service) if service else ("True", "", "")
    if service is not None and status[0] != "True" or unavailable:
        available, reason, message = status
        fix = {
            "MissingEndpoints": "metrics-server has no Ready pod: see why (kubectl -n kube-system describe "
                                "deploy metrics-server), fix its readiness first",
            "ServiceNotFound": "the APIService points at a Service that does not exist: reinstall metrics-server, "
                               "or delete the stale APIService (kubectl delete apiservice v1beta1.metrics.k8s.io)",
        }.get(reason, "make the metrics-server pod Ready; if it is, let the API server reach it: on custom-CNI EKS "
                      "set hostNetwork: true with --secure-port=4443, open the port in the node firewall; for "
                      "401/403 from the aggregator add --requestheader-client-ca-file=/ca/front-proxy-ca.crt")
        out.append(Finding("F02", ERROR, "the metrics APIService is not Available",
                           symptom=(_symptom(unavailable[0]) if unavailable else
                                    f"kubectl get apiservice v1beta1.metrics.k8s.io: AVAILABLE {available} ({reason})"),
                           cause=(f"APIService v1beta1.metrics.k8s.io ({_service(service)}) is Available={available} "
                                  f"{reason}: {message}" if service else
                                  "the aggregator cannot reach the metrics server"),
                           fix=fix))
        out.extend(_metrics_server_deployment(ctx, service))
    return out


def _metrics_server_deployment(ctx: Context, service: Optional[dict]) -> list[Finding]:
    ref = ((service or {}).get("spec") or {}).get("service") or {}
    for item in ctx.snapshot.of_kind("Deployment"):
        metadata = item.get("metadata") or {}
        if metadata.get("name") != ref.get("name") or metadata.get("namespace") != ref.get("namespace"):
            continue
        status = item.get("status") or {}
        wanted = (item.get("spec") or {}).get("replicas", 1)
        ready = status.get("readyReplicas", 0) or 0
        if ready >= wanted:
            return []
        containers = ((((item.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or ())
        args = [str(a) for c in containers for a in (c.get("args") or []) + (c.get("command") or [])]
        tls = any(a.startswith(("--kubelet-insecure-tls", "--kubelet-certificate-authority")) for a in args)
        if tls:
            return [Finding("F03", ERROR, f"metrics-server is not Ready ({ready}/{wanted})",
                            symptom=f"deployment {metadata.get('namespace')}/{metadata.get('name')} {ready}/{wanted} "
                                    "ready; the metrics APIService fails its discovery check",
                            cause="it cannot scrape the kubelets (network to port 10250, kubelet authn/authz: "
                                  "its log shows \"Failed to scrape node\")",
                            fix="kubectl -n kube-system logs deploy/metrics-server; open 10250 from metrics-server "
                                "to the nodes; enable kubelet webhook authentication/authorization")]
        return [Finding("F03", ERROR, f"metrics-server is not Ready ({ready}/{wanted}) and has no kubelet TLS setting",
                        symptom=f"deployment {metadata.get('namespace')}/{metadata.get('name')} {ready}/{wanted} "
                                "ready; its log (kubectl -n kube-system logs deploy/metrics-server) typically shows "
                                "x509: cannot validate certificate for <node-ip> because it doesn't contain any IP "
                                "SANs, then \"Failed probe\" probe=\"metric-storage-ready\" err=\"no metrics to serve\"",
                        cause="the kubelets' self-signed serving certificates carry no IP SAN (kubeadm, kind, "
                              "bare metal) and metrics-server runs without --kubelet-insecure-tls or "
                              "--kubelet-certificate-authority",
                        fix="test clusters: kubectl -n kube-system patch deployment metrics-server --type=json "
                            "-p '[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/args/-\","
                            "\"value\":\"--kubelet-insecure-tls\"}]'; production: serverTLSBootstrap: true in the "
                            "KubeletConfiguration, kubectl certificate approve <csr>, then "
                            "--kubelet-certificate-authority=<ca>")]
    return []


def check_custom_api(ctx: Context) -> list[Finding]:
    if not ctx.uses(PODS, OBJECT):
        return []
    errors = ctx.metric_errors(PODS, OBJECT)
    services = ctx.apiservices_of("custom.metrics.k8s.io")
    out = []
    unregistered = [m for m in errors if "no custom metrics API" in (m.error or "")]
    if unregistered or (not services and ctx.apiservices_complete):
        out.append(Finding("F11", ERROR, "no custom metrics API registered (no metrics adapter)",
                           symptom=_symptom(unregistered[0]) if unregistered else
                           "kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1: NotFound",
                           cause="no APIService v1beta1.custom.metrics.k8s.io / v1beta2.custom.metrics.k8s.io: "
                                 "no adapter serves Pods and Object metrics (KEDA does not serve custom.metrics)",
                           fix="helm install prometheus-adapter prometheus-community/prometheus-adapter (or your "
                               "vendor's adapter); with KEDA use an External trigger instead"))
        return out
    out.extend(_apiservice_down(ctx, services, errors, "custom"))
    return out


def _apiservice_down(ctx: Context, services: list[dict], errors: list[MetricResult], api: str) -> list[Finding]:
    down = [s for s in services if _available(s)[0] != "True"]
    unavailable = [m for m in errors if "currently unable to handle the request" in (m.error or "")]
    if not down and not unavailable:
        return []
    service = down[0] if down else (services[0] if services else None)
    available, reason, message = _available(service) if service else ("?", "", "")
    name = (service or {}).get("metadata", {}).get("name", f"v1beta1.{api}.metrics.k8s.io")
    return [Finding("F12", ERROR, f"the {api} metrics APIService is not Available",
                    symptom=_symptom(unavailable[0]) if unavailable else
                    f"kubectl get apiservice {name}: AVAILABLE {available} ({reason}); every kubectl call prints "
                    f"couldn't get resource list for {api}.metrics.k8s.io/v1beta1: the server is currently unable "
                    "to handle the request",
                    cause=f"APIService {name} ({_service(service) if service else '?'}) is Available={available} "
                          f"{reason}: {message}",
                    fix="make the adapter's pod Ready (kubectl -n <ns> get deploy,pods of the service above); if the "
                        f"adapter was uninstalled, delete the stale APIService: kubectl delete apiservice {name}")]


def _owner(service: Optional[dict]) -> str:
    ref = ((service or {}).get("spec") or {}).get("service") or {}
    text = f"{ref.get('namespace', '')}/{ref.get('name', '')}".lower()
    for needle, product in (("keda", "KEDA"), ("prometheus-adapter", "prometheus-adapter"),
                            ("datadog", "Datadog"), ("stackdriver", "Stackdriver adapter"),
                            ("custom-metrics", "a custom metrics adapter")):
        if needle in text:
            return product
    return "an unknown provider" if ref else "nobody"


def check_external(ctx: Context) -> list[Finding]:
    if not ctx.uses(EXTERNAL):
        return []
    errors = ctx.metric_errors(EXTERNAL)
    services = ctx.apiservices_of("external.metrics.k8s.io")
    out = _apiservice_down(ctx, services, errors, "external")
    if out:
        return out
    service = services[0] if services else None
    owner = _owner(service)
    labels = (ctx.hpa.get("metadata") or {}).get("labels") or {}
    keda_hpa = labels.get("app.kubernetes.io/managed-by") == "keda-operator" or any(
        o.get("kind") == "ScaledObject" for o in (ctx.hpa.get("metadata") or {}).get("ownerReferences") or ())
    if errors or (keda_hpa and service is not None and owner != "KEDA"):
        first = errors[0] if errors else None
        if keda_hpa and owner != "KEDA":
            cause = (f"this HPA belongs to KEDA but v1beta1.external.metrics.k8s.io is served by {owner} "
                     f"({_service(service) if service else 'not registered'}); only one external provider can exist")
            fix = ("pick one external provider: reinstall KEDA's metrics server (it replaces the APIService) or move "
                   "these triggers to prometheus-adapter's rules.external")
        elif first is not None and "no metrics returned" in (first.error or ""):
            cause = (f"{owner} serves external.metrics.k8s.io but returns no series for {first.spec.name} with "
                     "this selector")
            fix = ("check metric.selector.matchLabels against the series' labels; for prometheus-adapter add a "
                   "rules.external entry for the metric")
        elif service is None:
            cause = "no APIService v1beta1.external.metrics.k8s.io: nothing serves external metrics"
            fix = "install one external provider: KEDA, or prometheus-adapter with rules.external"
        else:
            cause = f"external.metrics.k8s.io is served by {owner} ({_service(service)}), which does not know this metric"
            fix = (f"add the metric to {owner}'s configuration (prometheus-adapter: rules.external), or use the "
                   "provider that defines it (only one can own v1beta1.external.metrics.k8s.io)")
        out.append(Finding("F17", ERROR, "external metric unavailable" + (f": {first.spec.name}" if first else ""),
                           symptom=_symptom(first) if first else f"external metrics served by {owner}",
                           cause=cause, fix=fix))
    return out


def _controller_owner(pod: dict) -> Optional[dict]:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def check_foreign_pods(ctx: Context) -> list[Finding]:
    target = ctx.decision.hpa.scale_target
    if ctx.decision.branch == branches.AMBIGUOUS_SELECTOR:
        return []
    foreign = []
    for pod in ctx.pods():
        owner = _controller_owner(pod)
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if target.kind == "Deployment":
            ok = owner is not None and owner.get("kind") == "ReplicaSet" and \
                owner.get("name") == f"{target.name}-{labels.get('pod-template-hash', '')}"
        elif target.kind in ("StatefulSet", "ReplicaSet", "ReplicationController"):
            ok = owner is not None and owner.get("kind") == target.kind and owner.get("name") == target.name
        else:
            return []  # custom resources: ownership chains vary
        if not ok:
            what = f"{owner.get('kind')}/{owner.get('name')}" if owner else "no controller"
            foreign.append(f"{(pod.get('metadata') or {}).get('name')} (owned by {what})")
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


def check_ambiguous(ctx: Context) -> list[Finding]:
    d = ctx.decision
    if d.branch != branches.AMBIGUOUS_SELECTOR:
        return []
    others = [k for k in (ctx.inputs.selecting_hpas if ctx.inputs else ()) if k != d.hpa.key] or ["<other>"]
    return [Finding("F09", ERROR, f"{len(others) + 1} HPAs select the same pods",
                    symptom=f"ScalingActive=False AmbiguousSelector: {d.error}",
                    cause=f"{', '.join(others)} also selects these pods; the controller refuses to scale any of them",
                    fix="merge the HPAs into one with several entries under spec.metrics (the largest proposal "
                        f"wins) and delete the others (kubectl delete hpa {others[0].split('/')[-1]} -n "
                        f"{ctx.namespace}); with KEDA put the CPU trigger into the ScaledObject")]


def check_requests(ctx: Context) -> list[Finding]:
    out = []
    for result in ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE):
        error = result.error or ""
        found = re.search(r"missing request for (\S+) (?:in|on) container (\S+) (?:of|in) [Pp]od (\S+)", error)
        if "missing request for" not in error and "missing pod-level request" not in error:
            continue
        resource = found.group(1) if found else result.spec.name
        container = found.group(2) if found else None
        pod_name = found.group(3) if found else None
        kind = _container_kind(ctx, pod_name, container)
        lacking = _containers_without(ctx, resource)
        fix = (f"add resources.requests.{resource} to every container of the pod template, e.g. "
               f"containers: [{{name: {container or '<c>'}, resources: {{requests: {{{resource}: 100m}}}}}}]"
               if resource == "cpu" else
               f"add resources.requests.{resource} to every container of the pod template (e.g. {resource}: 128Mi)")
        if container in MESH_SIDECARS or kind == "injected":
            fix += ("; for the mesh proxy set its request by annotation on the pod template, e.g. "
                    "sidecar.istio.io/proxyCPU: \"100m\" or config.linkerd.io/proxy-cpu-request: \"100m\"")
        fix += (f"; or scale on the app container only: type: ContainerResource, containerResource: {{name: "
                f"{resource}, container: <app>, target: {{type: Utilization, averageUtilization: "
                f"{result.spec.target.average_utilization or 60}}}}}; or use target type: AverageValue")
        where = f"container {container}" + (f" ({kind})" if kind else "")
        out.append(Finding("F07", ERROR, f"missing {resource} request in {where}" if container else
                           f"missing {resource} request",
                           symptom=_symptom(result),
                           cause=(f"a Utilization target divides usage by the sum of the requests of every container "
                                  f"(native sidecars included); {where} of Pod {pod_name} has no "
                                  f"requests.{resource}, so the whole metric fails" if container else
                                  "a container of a selected pod has no request for the resource"),
                           fix=fix, details=tuple(lacking[:10])))
    return out


def _container_kind(ctx: Context, pod_name: Optional[str], container: Optional[str]) -> str:
    for pod in ctx.snapshot.of_kind("Pod"):
        if (pod.get("metadata") or {}).get("name") != pod_name:
            continue
        spec = pod.get("spec") or {}
        for init in spec.get("initContainers") or ():
            if init.get("name") == container and init.get("restartPolicy") == "Always":
                return "native sidecar"
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        if container in MESH_SIDECARS or any(k in annotations for k in ("sidecar.istio.io/status",
                                                                        "linkerd.io/proxy-version",
                                                                        "dapr.io/enabled")):
            return "injected" if container in MESH_SIDECARS else ""
    return "injected" if container in MESH_SIDECARS else ""


def _containers_without(ctx: Context, resource: str) -> list[str]:
    out = []
    for pod in ctx.pods():
        spec = pod.get("spec") or {}
        if ((spec.get("resources") or {}).get("requests") or {}).get(resource) is not None:
            continue
        candidates = list(spec.get("containers") or ()) + [c for c in spec.get("initContainers") or ()
                                                           if c.get("restartPolicy") == "Always"]
        for c in candidates:
            if resource not in ((c.get("resources") or {}).get("requests") or {}):
                out.append(f"Pod {(pod.get('metadata') or {}).get('name')}: container {c.get('name')} has no "
                           f"requests.{resource}")
    return out


def check_container(ctx: Context) -> list[Finding]:
    out = []
    for result in ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE):
        error = result.error or ""
        if re.search(r"container \S+ (not found in Pod|not present in metrics)", error):
            out.append(Finding("F10", ERROR, f"container {result.spec.container} of the ContainerResource metric "
                                             "is missing",
                               symptom=_symptom(result),
                               cause="the container was renamed, is crash-looping (absent from PodMetrics), or the "
                                     "name has a typo",
                               fix="set containerResource.container to a name from spec.containers; during a rename "
                                   "list both names as two metrics"))
    return out


def check_no_resource_metrics(ctx: Context) -> list[Finding]:
    out = []
    for result in ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE):
        error = result.error or ""
        if "no metrics returned from resource metrics API" in error or "did not receive metrics" in error \
                or "did not receive metrics for any ready pods" in error:
            out.append(Finding("F06", WARNING, "the resource metrics API returns nothing for these pods",
                               symptom=_symptom(result),
                               cause="right after a rollout or HPA creation this is transient (one or two scrapes); "
                                     "if it persists, every selected pod is Pending or unready, or metrics-server "
                                     "skips their node",
                               fix="wait a minute and re-run; otherwise fix the pods' readiness, the selector, or "
                                   "metrics-server's access to the node (port 10250)"))
    return out


def _discovery(ctx: Context) -> Optional[list[str]]:
    for item in ctx.snapshot.of_kind("APIResourceList"):
        if str(item.get("groupVersion", "")).startswith("custom.metrics.k8s.io/"):
            return [str(r.get("name", "")) for r in item.get("resources") or ()]
    return None


def _near(name: str, candidates: list[str]) -> list[str]:
    def stem(text: str) -> str:
        text = text.removeprefix("container_")
        for suffix in ("_seconds_total", "_per_second", "_total", "_count", "_sum"):
            if text.endswith(suffix):
                return text[: -len(suffix)]
        return text

    mine = stem(name)
    return sorted({c for c in candidates if c != name and stem(c) == mine})


def check_custom_metrics(ctx: Context) -> list[Finding]:
    results = [m for m in ctx.decision.metrics if m.spec.type in (PODS, OBJECT)]
    if not results:
        return []
    names = _discovery(ctx)
    out = []
    if names is not None and not names:
        out.append(Finding("F13", ERROR, "the custom metrics adapter lists no metrics at all",
                           symptom="kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1 returns "
                                   "{\"kind\":\"APIResourceList\",...,\"resources\":[]}",
                           cause="the adapter cannot query Prometheus (wrong --prometheus-url, port or path prefix); "
                                 "its log shows unable to update list of all metrics",
                           fix="--prometheus-url=http://<svc>.<ns>.svc:9090/ (chart values prometheus.url, "
                               "prometheus.port, prometheus.path)"))
        return out
    for result in results:
        spec = result.spec
        resource = "pods" if spec.type == PODS else kind_plural(spec.described_object.kind if spec.described_object
                                                                 else "")
        wanted = f"{resource}/{spec.name}"
        error = result.error or ""
        absent = names is not None and wanted not in names
        if not absent and "could not find the metric" not in error:
            if result.error and "no metrics returned from custom metrics API" in error:
                out.append(_not_pods(ctx, result, names))
            continue
        exposed = [n.split("/", 1)[1] for n in names or () if n.split("/", 1)[0] == resource]
        near = _near(spec.name, exposed)
        symptom = _symptom(result) if result.error else f"{wanted} is not in the custom metrics discovery list"
        if near:
            out.append(Finding("F15", ERROR, f"metric name mismatch: the HPA asks for {spec.name}, the adapter "
                                             f"exposes {near[0]}",
                               symptom=symptom,
                               cause=f"the adapter's naming rule renames the series (e.g. name: {{matches: "
                                     f"\"^(.*)_total$\", as: \"${{1}}_per_second\"}}): {wanted} is not served, "
                                     f"{resource}/{near[0]} is",
                               fix=f"set metric.name: {near[0]} in the HPA, or change name.as in the adapter rule"))
        else:
            listed = ", ".join(sorted(n for n in names or ())[:8]) or "nothing"
            out.append(Finding("F14", ERROR, f"the adapter does not expose {wanted}",
                               symptom=symptom,
                               cause=f"no adapter rule matches the series (discovery lists: {listed}); the series "
                                     "may be absent in Prometheus, the seriesQuery too narrow, or the relist not run",
                               fix="add a rule: seriesQuery: 'http_requests_total{namespace!=\"\",pod!=\"\"}', "
                                   "resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}, "
                                   "name: {matches: \"^(.*)_total$\", as: \"${1}_per_second\"}, metricsQuery: "
                                   "'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)'"))
    return out


def _not_pods(ctx: Context, result: MetricResult, names: Optional[list[str]]) -> Finding:
    namespaced = names is not None and f"namespaces/{result.spec.name}" in names
    return Finding("F16", ERROR, f"{result.spec.name} has no series for these pods",
                   symptom=_symptom(result),
                   cause=("the adapter associates the series with namespaces only (namespaces/"
                          f"{result.spec.name} is listed, pods/{result.spec.name} is not)" if namespaced else
                          "the value query returns no items for the selected pods: the series carry other pod/"
                          "namespace labels (kubernetes_pod_name, exported_pod) or lose them in metricsQuery"),
                   fix="map the labels: resources: {overrides: {kubernetes_namespace: {resource: namespace}, "
                       "kubernetes_pod_name: {resource: pod}}}; keep by (<<.GroupBy>>) in metricsQuery; use type: "
                       "Object or External for metrics that are not per pod")


def check_failing_blocks(ctx: Context) -> list[Finding]:
    d = ctx.decision
    failing = [m for m in d.metrics if m.error is not None]
    valid = [m for m in d.metrics if m.error is None]
    if d.branch != branches.INVALID_METRICS or not failing or not valid:
        return []
    low = max((m.proposed_replicas or 0) for m in valid)
    return [Finding("F25", ERROR, "a failing metric blocks the scale-down",
                    symptom=f"{_metric_label(failing[0])} is <unknown> while the other metrics propose {low} "
                            f"(below the current {d.current_replicas}); replicas stay",
                    cause="the controller refuses to scale down while any metric is invalid "
                          "(FailedComputeMetricsReplicas)",
                    fix=f"repair {failing[0].spec.name} (see the findings above) or remove it from spec.metrics")]


def check_pods_damping(ctx: Context) -> list[Finding]:
    out = []
    for result in ctx.decision.metrics:
        groups = result.pods
        if groups is None or result.error is not None or not (groups.unready or groups.missing):
            continue
        total = len(groups.ready) + len(groups.unready) + len(groups.missing)
        if result.path not in (branches.REBALANCED, branches.REBALANCE_KEPT):
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


def check_tolerance(ctx: Context) -> list[Finding]:
    d = ctx.decision
    valid = [m for m in d.metrics if m.error is None]
    if d.rescale or not valid or d.branch != branches.METRICS:
        return []
    if not all(m.path == branches.WITHIN_TOLERANCE for m in valid):
        return []
    down, up = d.tolerance
    ratios = ", ".join(f"{m.spec.name} {m.usage_ratio:.3f}" for m in valid if m.usage_ratio is not None)
    return [Finding("F24", INFO, "inside the tolerance: no action near the target",
                    symptom="AbleToScale=True ReadyForNewScale: recommended size matches current size",
                    cause=f"usage ratio ({ratios}) is within [{1 - down:.2f}, {1 + up:.2f}] "
                          "(--horizontal-pod-autoscaler-tolerance)",
                    fix="expected; lower the target to react sooner, or set behavior.scaleUp.tolerance: 0.05 where "
                        "the HPAConfigurableTolerance gate is on")]


def check_stabilization(ctx: Context) -> list[Finding]:
    d = ctx.decision
    s, r = d.stabilization, d.rate_limit
    out = []
    if s is not None and d.proposed_replicas is not None and s.result != d.proposed_replicas:
        if s.reason == "ScaleDownStabilized":
            when = f" from {format_time(s.allowed_down_at)}" if s.allowed_down_at else ""
            until = f" until {format_time(s.allowed_down_at)}" if s.allowed_down_at else ""
            out.append(Finding("F23", INFO, f"scale-down held by the stabilization window{until}",
                               symptom="AbleToScale=True ScaleDownStabilized: recent recommendations were higher than "
                                       "current one, applying the highest recent recommendation",
                               cause=f"the metrics want {d.proposed_replicas}, but a recommendation of "
                                     f"{s.down_recommendation} is still inside the {int(s.down_window)}s scale-down "
                                     "window",
                               fix=f"expected; the scale-down to {d.proposed_replicas} is allowed{when} if the "
                                   "proposal holds. To react faster: behavior: {scaleDown: "
                                   "{stabilizationWindowSeconds: 60}}"))
        else:
            out.append(Finding("F23", INFO, "scale-up held by the scale-up stabilization window",
                               symptom="AbleToScale=True ScaleUpStabilized: recent recommendations were lower than "
                                       "current one, applying the lowest recent recommendation",
                               cause=f"behavior.scaleUp.stabilizationWindowSeconds keeps {s.up_recommendation}",
                               fix="lower behavior.scaleUp.stabilizationWindowSeconds"))
    if r is not None and r.reason in ("ScaleDownLimit", "ScaleUpLimit") and s is not None and r.result != s.result:
        behavior = d.hpa.behavior
        rules = (behavior.scale_down if r.reason == "ScaleDownLimit" else behavior.scale_up) if behavior else None
        disabled = rules is not None and rules.select_policy == "Disabled"
        direction = "down" if r.reason == "ScaleDownLimit" else "up"
        out.append(Finding("F23", INFO, f"scale-{direction} {'disabled' if disabled else 'limited by policy'}: "
                                        f"{s.result} -> {r.result}",
                           symptom=f"ScalingLimited=True {r.reason}: {r.message}",
                           cause=(f"behavior.scale{direction.capitalize()}.selectPolicy: Disabled" if disabled else
                                  f"the scale-{direction} policies allow at most {r.result} now"),
                           fix=(f"remove selectPolicy: Disabled from behavior.scale{direction.capitalize()}" if disabled
                                else "behavior: {scaleDown: {policies: [{type: Percent, value: 50, periodSeconds: "
                                     "60}]}} (or a larger Pods policy)")))
    return out


def check_vpa(ctx: Context) -> list[Finding]:
    target = ctx.decision.hpa.scale_target
    resources = {spec.name for spec in ctx.decision.hpa.metrics if spec.type in (RESOURCE, CONTAINER_RESOURCE)}
    out = []
    for vpa in ctx.snapshot.of_kind("VerticalPodAutoscaler"):
        spec = vpa.get("spec") or {}
        ref = spec.get("targetRef") or {}
        if (vpa.get("metadata") or {}).get("namespace") != ctx.namespace or ref.get("name") != target.name \
                or ref.get("kind") != target.kind:
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
        name = (vpa.get("metadata") or {}).get("name")
        out.append(Finding("F30", WARNING, f"VPA {name} also changes the {'/'.join(overlap)} requests this HPA "
                                           "divides by",
                           symptom="replicas and requests drift together; utilization jumps after VPA evictions",
                           cause=f"VerticalPodAutoscaler {name} (updateMode {mode}) controls {', '.join(overlap)}, "
                                 "the denominator of this HPA's Utilization target",
                           fix="VPA resourcePolicy.containerPolicies: [{containerName: '*', controlledResources: "
                               "[memory]}] with the HPA on CPU, or the HPA on type: AverageValue / a custom metric, "
                               "or VPA updateMode: \"Off\""))
    return out


def check_memory(ctx: Context) -> list[Finding]:
    d = ctx.decision
    memory = [m for m in d.metrics if m.spec.name == "memory" and m.spec.type in (RESOURCE, CONTAINER_RESOURCE)
              and m.error is None]
    if not memory:
        return []
    others = [m for m in d.metrics if m not in memory and m.error is None]
    m = memory[0]
    driving = d.proposing_metric == m.description and (m.proposed_replicas or 0) >= d.current_replicas
    if not driving or (m.usage_ratio or 0) < 1 - d.tolerance[0]:
        return []
    return [Finding("F26", WARNING, "memory drives this HPA and rarely falls when load falls",
                    symptom=f"{m.spec.name} at {m.utilization}% of request keeps {m.proposed_replicas} replicas"
                    + (" while the other metrics want fewer" if others else ""),
                    cause="a pod's working set does not shrink when load drops or pods are added (JVM, Node and Go "
                          "runtimes keep their heap), so ceil(replicas x usage / target) does not fall",
                    fix="scale on CPU or a request-rate metric; or raise the memory target / request "
                        "(averageUtilization), or use type: AverageValue; JVM: -XX:MaxRAMPercentage, G1 uncommit")]


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
REMOVED_VERSIONS = {"autoscaling/v2beta1": "1.25", "autoscaling/v2beta2": "1.26"}


def _last_applied(obj: Optional[dict]) -> Optional[dict]:
    import json

    raw = ((obj or {}).get("metadata") or {}).get("annotations", {}).get(LAST_APPLIED)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _replicas_owners(workload: Optional[dict]) -> list[str]:
    """Managers other than the controller that own spec.replicas (server-side apply's managedFields)."""
    owners = []
    for entry in ((workload or {}).get("metadata") or {}).get("managedFields") or ():
        fields = (entry.get("fieldsV1") or {}).get("f:spec") or {}
        manager = str(entry.get("manager", ""))
        if "f:replicas" in fields and manager != "kube-controller-manager" and entry.get("subresource") != "scale":
            owners.append(f"{manager} ({entry.get('operation', 'Update')})")
    return owners


def check_replicas_fight(ctx: Context) -> list[Finding]:
    """F20: someone else keeps writing spec.replicas (GitOps, Helm, kubectl apply) and the HPA keeps undoing it."""
    rescales = ctx.events("SuccessfulRescale")
    below_min = [e for e in rescales if "below Spec.MinReplicas" in str(e.get("message")) and (e.get("count") or 1) > 1]
    scaled_down_by_hpa = any("All metrics below target" in str(e.get("message")) for e in rescales)
    repeated_up = [e for e in rescales if "above target" in str(e.get("message")) and (e.get("count") or 1) > 1]
    target = ctx.decision.hpa.scale_target
    workload = next((o for o in ctx.snapshot.of_kind(target.kind) if (o.get("metadata") or {}).get("name") == target.name
                     and (o.get("metadata") or {}).get("namespace", ctx.namespace) == ctx.namespace), None)
    owners = _replicas_owners(workload)
    applied = _last_applied(workload)
    applies_replicas = bool(applied and "replicas" in (applied.get("spec") or {}))
    signs = below_min or (repeated_up and not scaled_down_by_hpa)
    if not signs and not owners:
        return []
    details = [f"event SuccessfulRescale x{e.get('count')}: {e.get('message')}" for e in below_min + repeated_up]
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


def check_api_version(ctx: Context) -> list[Finding]:
    """F28: read as autoscaling/v1 (other metrics hidden in annotations), or applied with a removed beta."""
    out = []
    annotations = (ctx.hpa.get("metadata") or {}).get("annotations") or {}
    hidden = [key for key in annotations if key.startswith("autoscaling.alpha.kubernetes.io/")]
    if ctx.hpa.get("apiVersion") == "autoscaling/v1" and hidden:
        out.append(Finding("F28", ERROR, "this HPA was read as autoscaling/v1: its other metrics are hidden",
                           symptom=f"annotations {', '.join(sorted(hidden))} carry what v1 cannot express",
                           cause="autoscaling/v1 has only targetCPUUtilizationPercentage; memory, custom and "
                                 "external metrics survive only in annotations, so this explanation sees only CPU",
                           fix="read it as autoscaling/v2: kubectl get hpa.v2.autoscaling NAME -o yaml (or kubectl "
                               "hpa snapshot NAME)"))
    applied = _last_applied(ctx.hpa)
    version = str((applied or {}).get("apiVersion", ""))
    if version in REMOVED_VERSIONS:
        out.append(Finding("F28", WARNING, f"the applied manifest uses {version}, removed in Kubernetes "
                                           f"{REMOVED_VERSIONS[version]}",
                           symptom=f'{LAST_APPLIED} has apiVersion: {version}; the next apply fails with: no '
                                   f'matches for kind "HorizontalPodAutoscaler" in version "{version}"',
                           cause="an old chart or manifest; the server converted it when it was still served",
                           fix="apiVersion: autoscaling/v2, with metrics: [{type: Resource, resource: {name: cpu, "
                               "target: {type: Utilization, averageUtilization: 80}}}]"))
    return out


def check_failed_rescale(ctx: Context) -> list[Finding]:
    events = ctx.events("FailedRescale")
    if not events:
        return []
    latest = events[-1]
    return [Finding("F32", ERROR, "the controller's scale write was rejected",
                    symptom=f"event FailedRescale: {latest.get('message')}",
                    cause="an admission webhook, a policy engine or an operator that owns replicas refused the "
                          "update of the target's /scale",
                    fix="check validating webhooks on */scale and the operator that owns the workload's replicas")]


READ_NAMES = {
    "horizontalpodautoscalers": "list horizontalpodautoscalers.autoscaling",
    "pods": "list pods",
    "events": "list events",
    "apiservices": "list apiservices.apiregistration.k8s.io",
}


def check_reads(ctx: Context) -> list[Finding]:
    out = []
    for method, path, status in ctx.snapshot.failed_reads():
        annotations = (status.get("metadata") or {}).get("annotations") or {}
        code = status.get("code")
        if annotations.get(CLIENT_SIDE) == "true" and code != 0:
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
            out.append(Finding("F90", WARNING, f"a read failed: {method} {path.split('?')[0]}",
                               symptom=str(status.get("message")),
                               cause="the API server did not answer this read in time (--request-timeout) or failed",
                               fix="retry with a larger --request-timeout; check the API server"))
    return out


def check_live(ctx: Context, history_known: bool) -> list[Finding]:
    """Compare with the live status; reconstruct what SuccessfulRescale events tell about the history."""
    status = ctx.hpa.get("status") or {}
    d = ctx.decision
    live = status.get("desiredReplicas")
    if live is None or live == d.desired_replicas or d.branch in branches.ABORTING_BRANCHES:
        return []
    details: list[str] = []
    hold_until = None
    window = None
    behavior = d.hpa.behavior
    if behavior is not None and behavior.scale_down.stabilization_window_seconds is not None:
        window = float(behavior.scale_down.stabilization_window_seconds)
    elif ctx.inputs is not None:
        window = ctx.inputs.settings.downscale_stabilization
    previous = None
    for event in sorted(ctx.events("SuccessfulRescale"), key=lambda e: str(e.get("lastTimestamp") or "")):
        found = re.search(r"New size: (\d+)", str(event.get("message", "")))
        stamp = event.get("lastTimestamp") or event.get("eventTime")
        if not found or not stamp:
            continue
        size, at = int(found.group(1)), parse_time(str(stamp))
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
    elif history_known:
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


CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    check_keda, check_scale, check_api_version, check_selector, check_disabled, check_bounds, check_replicas_fight,
    check_resource_api, check_custom_api,
    check_external, check_foreign_pods, check_ambiguous, check_requests, check_container, check_no_resource_metrics,
    check_custom_metrics, check_failing_blocks, check_pods_damping, check_tolerance, check_stabilization, check_vpa,
    check_memory, check_failed_rescale, check_reads,
)


def diagnose(snapshot: Snapshot, hpa_object: dict, inputs: Optional[SyncInput], decision: Decision,
             history_known: bool = True) -> list[Finding]:
    """Every finding for one HPA, ranked as the catalogue's top-12 list."""
    ctx = Context(snapshot, hpa_object, inputs, decision)
    findings: list[Finding] = []
    for check in (*CHECKS, lambda c: check_live(c, history_known)):
        try:
            findings.extend(check(ctx))
        except MALFORMED as error:  # an odd object must not hide the other findings, nor the explanation
            problem = malformed(snapshot.source, error)
            findings.append(Finding("F90", INFO, "a check could not read part of the snapshot",
                                    symptom=str(problem), cause="the object is not shaped as the API serves it",
                                    fix="capture the snapshot again with kubectl hpa snapshot NAME"))
    seen: set[tuple[str, str]] = set()
    unique = []
    for finding in findings:
        if (finding.id, finding.title) not in seen:
            seen.add((finding.id, finding.title))
            unique.append(finding)
    severity_order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(unique, key=lambda f: (f.rank, severity_order.get(f.severity, 3)))


__all__ = ["Finding", "diagnose", "has_problems", "ERROR", "WARNING", "INFO", "REQUEST"]
