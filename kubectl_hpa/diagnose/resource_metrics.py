"""The resource metrics pipeline (metrics-server behind metrics.k8s.io): F01, F02, F03, F06.

Resource and ContainerResource metrics (cpu, memory) reach the controller through the APIService
v1beta1.metrics.k8s.io, which the aggregator proxies to metrics-server, which scrapes the kubelets.
Each link can break; the findings name the first broken one, since the later ones follow from it.

- F01: nothing serves metrics.k8s.io (metrics-server is not installed).
- F02: the APIService exists but is not Available.
- F03: the metrics-server Deployment is not Ready (often the kubelet's serving certificate).
- F06: the API answers, but with no samples for the HPA's pods.
"""

from __future__ import annotations

from typing import Optional

from ..core.model import CONTAINER_RESOURCE, RESOURCE
from ..core.versions import METRICS_API_V1
from ..sources.kube import RESOURCE_METRICS_GROUP, RESOURCE_METRICS_VERSION, name_of, namespace_of
from .apiservices import UNAVAILABLE, available, service_ref, service_text
from .context import Context
from .finding import ERROR, WARNING, Finding
from .registry import check
from .wording import metric_symptom

METRICS_APISERVICE = f"{RESOURCE_METRICS_VERSION}.{RESOURCE_METRICS_GROUP}"
"""The one APIService the controller's resource metrics client reads (v1beta1 only, 1.37 included)."""
METRICS_V1_APISERVICE = f"v1.{RESOURCE_METRICS_GROUP}"
"""The GA version of the resource metrics API (1.37), which ``kubectl top`` prefers and the HPA does not read."""


@check(F01=80, F02=90, F03=100)
def check_resource_api(ctx: Context) -> list[Finding]:
    """F01/F02/F03: cpu and memory metrics need the metrics API served and its server Ready."""
    if not ctx.uses(RESOURCE, CONTAINER_RESOURCE):
        return []
    errors = ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE)
    service = ctx.apiservice(METRICS_APISERVICE)
    out: list[Finding] = []
    missing = [m for m in errors if "could not find the requested resource" in (m.error or "")
               and "metrics.k8s.io" in (m.error or "")]
    if missing or (service is None and ctx.apiservices_complete):
        symptom = metric_symptom(missing[0]) if missing else "kubectl top: error: Metrics API not available"
        only_v1 = service is None and any(name_of(s) == METRICS_V1_APISERVICE
                                          for s in ctx.apiservices_of(RESOURCE_METRICS_GROUP))
        if only_v1:
            # metrics.k8s.io/v1 is GA from 1.37 (kubernetes#139223), but the HPA controller still reads v1beta1.
            release = ctx.decision_version.release
            out.append(Finding("F01", ERROR, "only metrics.k8s.io/v1 is served; the HPA controller reads v1beta1",
                               symptom=symptom,
                               cause=f"the APIService {METRICS_V1_APISERVICE} is registered but "
                                     f"{METRICS_APISERVICE} is not; the HPA controller of Kubernetes {release} reads "
                                     "resource metrics from v1beta1 only" + (
                                         "" if ctx.decision_version.has(METRICS_API_V1) else
                                         f" (and {release} does not define metrics.k8s.io/v1 at all)"),
                               fix=f"register {METRICS_APISERVICE} as well (metrics-server serves both versions: "
                                   "re-apply its components.yaml or Helm chart)"))
            return out
        out.append(Finding("F01", ERROR, "no resource metrics API (metrics-server is not installed)",
                           symptom=symptom,
                           cause="nothing serves metrics.k8s.io: the APIService v1beta1.metrics.k8s.io is not "
                                 "registered",
                           fix="kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/"
                               "download/components.yaml (or helm install metrics-server metrics-server/"
                               "metrics-server -n kube-system, or the EKS/AKS/GKE add-on)"))
        return out
    unavailable = [m for m in errors if UNAVAILABLE in (m.error or "")]
    status = available(service) if service else ("True", "", "")
    if service is not None and status[0] != "True" or unavailable:
        available_status, reason, message = status
        fix = {
            "MissingEndpoints": "metrics-server has no Ready pod: see why (kubectl -n kube-system describe "
                                "deploy metrics-server), fix its readiness first",
            "ServiceNotFound": "the APIService points at a Service that does not exist: reinstall metrics-server, "
                               "or delete the stale APIService (kubectl delete apiservice v1beta1.metrics.k8s.io)",
        }.get(reason, discovery_fix(message))
        out.append(Finding("F02", ERROR, "the metrics APIService is not Available",
                           symptom=(metric_symptom(unavailable[0]) if unavailable else
                                    f"kubectl get apiservice v1beta1.metrics.k8s.io: AVAILABLE {available_status} "
                                    f"({reason})"),
                           cause=(f"APIService v1beta1.metrics.k8s.io ({service_text(service)}) is "
                                  f"Available={available_status} {reason}: {message}" if service else
                                  "the aggregator cannot reach the metrics server"),
                           fix=fix))
        out.extend(metrics_server_not_ready(ctx, service))
    return out


def metrics_server_not_ready(ctx: Context, service: Optional[dict]) -> list[Finding]:
    """F03: the Deployment behind the APIService lacks Ready pods; without a kubelet TLS flag, say x509.

    Only the Deployment the APIService names is looked at: a metrics-server elsewhere serves nothing.
    """
    ref = service_ref(service)
    for item in ctx.snapshot.of_kind("Deployment"):
        if name_of(item) != ref.get("name") or namespace_of(item) != ref.get("namespace"):
            continue
        status = item.get("status") or {}
        wanted = (item.get("spec") or {}).get("replicas", 1)
        ready = status.get("readyReplicas", 0) or 0
        if ready >= wanted:
            return []
        where = f"{namespace_of(item)}/{name_of(item)}"
        containers = ((((item.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or ())
        args = [str(a) for c in containers for a in (c.get("args") or []) + (c.get("command") or [])]
        tls = any(a.startswith(("--kubelet-insecure-tls", "--kubelet-certificate-authority")) for a in args)
        if tls:
            return [Finding("F03", ERROR, f"metrics-server is not Ready ({ready}/{wanted})",
                            symptom=f"deployment {where} {ready}/{wanted} "
                                    "ready; the metrics APIService fails its discovery check",
                            cause="it cannot scrape the kubelets (network to port 10250, kubelet authn/authz: "
                                  "its log shows \"Failed to scrape node\")",
                            fix="kubectl -n kube-system logs deploy/metrics-server; open 10250 from metrics-server "
                                "to the nodes; enable kubelet webhook authentication/authorization")]
        return [Finding("F03", ERROR, f"metrics-server is not Ready ({ready}/{wanted}) and has no kubelet TLS setting",
                        symptom=f"deployment {where} {ready}/{wanted} "
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


@check(F06=180)
def check_no_resource_metrics(ctx: Context) -> list[Finding]:
    """F06: the API is up but has no samples for these pods: transient after a rollout, else pods or nodes."""
    out = []
    for result in ctx.metric_errors(RESOURCE, CONTAINER_RESOURCE):
        error = result.error or ""
        if "no metrics returned from resource metrics API" in error or "did not receive metrics" in error \
                or "did not receive metrics for any ready pods" in error:
            out.append(Finding("F06", WARNING, "the resource metrics API returns nothing for these pods",
                               symptom=metric_symptom(result),
                               cause="right after a rollout or HPA creation this is transient (one or two scrapes); "
                                     "if it persists, every selected pod is Pending or unready, or metrics-server "
                                     "skips their node",
                               fix="wait a minute and re-run; otherwise fix the pods' readiness, the selector, or "
                                   "metrics-server's access to the node (port 10250)"))
    return out


def discovery_fix(message: str) -> str:
    """The fix for a failed discovery check, by what the aggregator's message says went wrong."""
    if any(code in message for code in ("401", "403", "Unauthorized", "Forbidden")):
        return ("the aggregator's request was refused: give metrics-server the front-proxy CA "
                "(--requestheader-client-ca-file=/ca/front-proxy-ca.crt) and its RBAC "
                "(extension-apiserver-authentication-reader)")
    return ("make the metrics-server pod Ready; if it is, let the API server reach it: on custom-CNI EKS set "
            "hostNetwork: true with --secure-port=4443, and open that port to the control plane in the node firewall "
            "or security group")
