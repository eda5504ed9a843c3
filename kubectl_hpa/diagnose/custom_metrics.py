"""Custom and external metrics (an adapter behind custom.metrics.k8s.io / external.metrics.k8s.io).

Pods and Object metrics need an adapter (prometheus-adapter, a vendor's) registered for
custom.metrics.k8s.io; External metrics need exactly one provider for external.metrics.k8s.io
(KEDA or an adapter: the APIService name is unique, so two providers cannot coexist).

- F11: no custom metrics API registered.
- F12: the custom or external metrics APIService is not Available.
- F13: the adapter's discovery list is empty (it cannot query its backend).
- F14: the adapter does not expose the metric; F15: it exposes it under another name.
- F16: the adapter has the metric, but no series for the HPA's pods.
  F13-F16 say nothing when custom.metrics.k8s.io is served by KEDA or Datadog: F34 names that cause.
- F17: an external metric is unavailable (wrong provider, no series, nothing registered; "nothing registered"
  only when the APIService list was read: the ``kubectl-hpa.io/apiservices: complete`` annotation).
"""

from __future__ import annotations

from typing import Optional

from ..core.model import EXTERNAL, OBJECT, PODS, MetricResult
from ..sources.kube import CUSTOM_METRICS_GROUP, EXTERNAL_METRICS_GROUP, kind_plural, name_of
from .apiservices import UNAVAILABLE, available, service_ref, service_text
from .context import Context
from .controllers import keda_managed
from .finding import ERROR, Finding
from .registry import check
from .wording import metric_symptom


@check(F11=110, F12=120)
def check_custom_api(ctx: Context) -> list[Finding]:
    """F11/F12: Pods and Object metrics need a registered, Available custom metrics adapter."""
    if not ctx.uses(PODS, OBJECT):
        return []
    errors = ctx.metric_errors(PODS, OBJECT)
    services = ctx.apiservices_of(CUSTOM_METRICS_GROUP)
    out = []
    unregistered = [m for m in errors if "no custom metrics API" in (m.error or "")]
    if unregistered or (not services and ctx.apiservices_complete):
        out.append(Finding("F11", ERROR, "no custom metrics API registered (no metrics adapter)",
                           symptom=metric_symptom(unregistered[0]) if unregistered else
                           "kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1: NotFound",
                           cause="no APIService v1beta1.custom.metrics.k8s.io / v1beta2.custom.metrics.k8s.io: "
                                 "no adapter serves Pods and Object metrics (KEDA does not serve custom.metrics)",
                           fix="helm install prometheus-adapter prometheus-community/prometheus-adapter (or your "
                               "vendor's adapter)" + ("; with KEDA use an External trigger instead" if ctx.keda_present
                                                      else "")))
        return out
    out.extend(apiservice_down(services, errors, "custom"))
    return out


def apiservice_down(services: list[dict], errors: list[MetricResult], api: str) -> list[Finding]:
    """F12 for the ``custom`` or ``external`` API: its APIService is not Available, or the metric read says so."""
    down = [s for s in services if available(s)[0] != "True"]
    unavailable = [m for m in errors if UNAVAILABLE in (m.error or "")]
    if not down and not unavailable:
        return []
    service = down[0] if down else (services[0] if services else None)
    available_status, reason, message = available(service) if service else ("?", "", "")
    name = (name_of(service) if service else "") or f"v1beta1.{api}.metrics.k8s.io"
    return [Finding("F12", ERROR, f"the {api} metrics APIService is not Available",
                    symptom=metric_symptom(unavailable[0]) if unavailable else
                    f"kubectl get apiservice {name}: AVAILABLE {available_status} ({reason}); every kubectl call "
                    f"prints couldn't get resource list for {api}.metrics.k8s.io/v1beta1: the server is currently "
                    "unable to handle the request",
                    cause=f"APIService {name} ({service_text(service) if service else '?'}) is "
                          f"Available={available_status} {reason}: {message}",
                    fix=f"make the adapter's pods Ready ({pods_hint(service)}); if the adapter was uninstalled, delete "
                        f"the stale APIService: kubectl delete apiservice {name}")]


def pods_hint(service: Optional[dict]) -> str:
    """Where to look for the adapter's pods: the namespace and Service the APIService names, when it names one."""
    ref = service_ref(service)
    if ref.get("namespace") and ref.get("name"):
        return (f"kubectl -n {ref['namespace']} get endpoints {ref['name']}; kubectl -n {ref['namespace']} get pods "
                "and describe the one behind that Service")
    return "find the Deployment behind the APIService's Service and check its pods"


EXTERNAL_ONLY = ("KEDA", "Datadog")
"""Products whose metrics server serves external.metrics.k8s.io only: registered for custom metrics, they know none."""


def provider(service: Optional[dict]) -> str:
    """Which product serves an APIService, guessed from its Service's namespace/name."""
    ref = service_ref(service)
    text = f"{ref.get('namespace', '')}/{ref.get('name', '')}".lower()
    for needle, product in (("keda", "KEDA"), ("prometheus-adapter", "prometheus-adapter"),
                            ("datadog", "Datadog"), ("stackdriver", "Stackdriver adapter"),
                            ("custom-metrics", "a custom metrics adapter")):
        if needle in text:
            return product
    return "an unknown provider" if ref else "nobody"


@check(F12=120, F17=130)
def check_external(ctx: Context) -> list[Finding]:
    """F12/F17: External metrics need the one provider that knows them, Available and returning series."""
    if not ctx.uses(EXTERNAL):
        return []
    errors = ctx.metric_errors(EXTERNAL)
    services = ctx.apiservices_of(EXTERNAL_METRICS_GROUP)
    out = apiservice_down(services, errors, "external")
    if out:
        return out
    service = services[0] if services else None
    # Without the APIService list (not read, refused: F90/F92), an absent APIService says nothing about the cluster.
    unknown = service is None and not ctx.apiservices_complete
    owner = "the external metrics provider" if unknown else provider(service)
    keda_hpa = keda_managed(ctx.hpa)
    if errors or (keda_hpa and service is not None and owner != "KEDA"):
        first = errors[0] if errors else None
        if unknown and (first is None or "no metrics returned" not in (first.error or "")):
            cause = ("the APIService list was not read, so which provider serves external.metrics.k8s.io (if any) "
                     "is unknown; the metric read failed as the symptom says")
            fix = ("kubectl get apiservice v1beta1.external.metrics.k8s.io shows the provider; grant list on "
                   "apiservices.apiregistration.k8s.io (fixtures/rbac/kubectl-hpa-reader.yaml) for the full diagnosis")
        elif keda_hpa and owner != "KEDA":
            cause = (f"this HPA belongs to KEDA but v1beta1.external.metrics.k8s.io is served by {owner} "
                     f"({service_text(service) if service else 'not registered'}); only one external provider can "
                     "exist")
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
            cause = (f"external.metrics.k8s.io is served by {owner} ({service_text(service)}), which does not know "
                     "this metric")
            fix = (f"add the metric to {owner}'s configuration (prometheus-adapter: rules.external), or use the "
                   "provider that defines it (only one can own v1beta1.external.metrics.k8s.io)")
        out.append(Finding("F17", ERROR, "external metric unavailable" + (f": {first.spec.name}" if first else ""),
                           symptom=metric_symptom(first) if first else f"external metrics served by {owner}",
                           cause=cause, fix=fix))
    return out


def discovery(ctx: Context) -> Optional[list[str]]:
    """The adapter's discovery list (``pods/http_requests``, ...); None when the snapshot does not carry it."""
    for item in ctx.snapshot.of_kind("APIResourceList"):
        if str(item.get("groupVersion", "")).startswith(f"{CUSTOM_METRICS_GROUP}/"):
            return [str(r.get("name", "")) for r in item.get("resources") or ()]
    return None


def near_names(name: str, candidates: list[str]) -> list[str]:
    """The candidates that an adapter naming rule could have made of ``name`` (``_total`` -> ``_per_second``)."""
    def stem(text: str) -> str:
        text = text.removeprefix("container_")
        for suffix in ("_seconds_total", "_per_second", "_total", "_count", "_sum"):
            if text.endswith(suffix):
                return text[: -len(suffix)]
        return text

    mine = stem(name)
    return sorted({c for c in candidates if c != name and stem(c) == mine})


@check(F13=190, F14=200, F15=210, F16=220)
def check_custom_metrics(ctx: Context) -> list[Finding]:
    """F13-F16: the adapter answers, but its rules do not give this metric for these objects."""
    results = [m for m in ctx.decision.metrics if m.spec.type in (PODS, OBJECT)]
    if not results:
        return []
    if any(provider(s) in EXTERNAL_ONLY for s in ctx.apiservices_of(CUSTOM_METRICS_GROUP)):
        return []  # discovery is KEDA's or Datadog's, not an adapter's: its list says nothing of the rules (F34)
    names = discovery(ctx)
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
                out.append(not_for_pods(result, names))
            continue
        exposed = [n.split("/", 1)[1] for n in names or () if n.split("/", 1)[0] == resource]
        near = near_names(spec.name, exposed)
        symptom = metric_symptom(result) if result.error else f"{wanted} is not in the custom metrics discovery list"
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
                               fix=adapter_rule(spec.name)))
    return out


def adapter_rule(metric: str) -> str:
    """A prometheus-adapter rule that serves ``metric`` for pods: a rate of a counter for ``*_per_second``, else the
    series as it is (a gauge)."""
    resources = "resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}"
    if metric.endswith("_per_second"):
        counter = metric.removesuffix("_per_second") + "_total"
        return (f"add a rule: seriesQuery: '{counter}{{namespace!=\"\",pod!=\"\"}}', {resources}, name: {{matches: "
                f"\"^(.*)_total$\", as: \"${{1}}_per_second\"}}, metricsQuery: "
                "'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)' (if the series is a counter "
                f"named {counter})")
    return (f"add a rule: seriesQuery: '{metric}{{namespace!=\"\",pod!=\"\"}}', {resources}, "
            "metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)' (a gauge; for a counter use a "
            "rate and a _per_second name)")


def not_for_pods(result: MetricResult, names: Optional[list[str]]) -> Finding:
    """F16: the value query finds no series for the pods: labels not mapped, or a per-namespace series."""
    namespaced = names is not None and f"namespaces/{result.spec.name}" in names
    return Finding("F16", ERROR, f"{result.spec.name} has no series for these pods",
                   symptom=metric_symptom(result),
                   cause=("the adapter associates the series with namespaces only (namespaces/"
                          f"{result.spec.name} is listed, pods/{result.spec.name} is not)" if namespaced else
                          "the value query returns no items for the selected pods: the series carry other pod/"
                          "namespace labels (kubernetes_pod_name, exported_pod) or lose them in metricsQuery"),
                   fix="map the labels: resources: {overrides: {kubernetes_namespace: {resource: namespace}, "
                       "kubernetes_pod_name: {resource: pod}}}; keep by (<<.GroupBy>>) in metricsQuery; use type: "
                       "Object or External for metrics that are not per pod")
