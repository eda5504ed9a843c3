"""Which backend serves each metrics API the HPA reads, and whether it is the one that knows its metrics.

An APIService maps one group/version to one Service: KEDA's metrics server, prometheus-adapter and
Datadog's cluster agent each register ``v1beta1.external.metrics.k8s.io`` (and some
``v1beta1.custom.metrics.k8s.io``) and the last install wins (kedacore/keda#470). The versions of one
group are separate APIServices, so they can point at different backends: from 1.37 metrics.k8s.io is
served as ``v1`` too, while the HPA controller's resource metrics client still reads ``v1beta1``.

- F34 (error): a Pods/Object metric fails and custom.metrics.k8s.io is served by a product that serves only
  external metrics (KEDA, Datadog's cluster agent).
- F34 (warning): the versions of a metrics group the HPA reads are served by different Services.

An external metric served by the wrong provider is F17's (it names the owner of the external API).
"""

from __future__ import annotations

from ..core.model import CONTAINER_RESOURCE, EXTERNAL, OBJECT, PODS, RESOURCE
from ..sources.kube import CUSTOM_METRICS_GROUP, EXTERNAL_METRICS_GROUP, RESOURCE_METRICS_GROUP, name_of
from .apiservices import service_ref, service_text
from .context import Context
from .custom_metrics import EXTERNAL_ONLY, provider
from .finding import ERROR, WARNING, Finding
from .registry import check
from .wording import metric_symptom

READ_BY_CONTROLLER = {RESOURCE_METRICS_GROUP: "v1beta1 (its resource metrics client is generated for v1beta1 only)",
                      CUSTOM_METRICS_GROUP: "the version its discovery prefers",
                      EXTERNAL_METRICS_GROUP: "v1beta1"}


def product(apiservice: dict) -> str:
    """The product behind an APIService's Service (metrics-server, KEDA, prometheus-adapter, Datadog...)."""
    if "metrics-server" in str(service_ref(apiservice).get("name", "")):
        return "metrics-server"
    return provider(apiservice)


def _backend(apiservice: dict) -> str:
    ref = service_ref(apiservice)
    return f"{ref.get('namespace')}/{ref.get('name')}" if ref else ""


@check(F34=125)
def check_backends(ctx: Context) -> list[Finding]:
    """F34: the metrics API the HPA reads is served by a backend that does not know its metrics, or by several."""
    out = []
    custom = ctx.apiservices_of(CUSTOM_METRICS_GROUP)
    foreign = [s for s in custom if provider(s) in EXTERNAL_ONLY]
    failing = ctx.metric_errors(PODS, OBJECT)
    if foreign and failing:
        owner = provider(foreign[0])
        out.append(Finding(
            "F34", ERROR, f"custom.metrics.k8s.io is served by {owner}, which serves external metrics only",
            symptom=metric_symptom(failing[0]),
            cause=f"APIService {name_of(foreign[0])} points at {service_text(foreign[0])} ({owner}); only one backend "
                  f"can serve a group/version, so the adapter that has {failing[0].spec.name} (prometheus-adapter or "
                  f"your vendor's) is not asked; {owner} answers for external.metrics.k8s.io only",
            fix=f"point {name_of(foreign[0])} back at the custom metrics adapter: helm upgrade prometheus-adapter "
                "re-creates it (or kubectl edit apiservice and set spec.service to the adapter's namespace and name); "
                f"{owner} serves external.metrics.k8s.io only, so it loses nothing; or move this metric to an External "
                f"metric of {owner}"))
    used = []
    if ctx.uses(RESOURCE, CONTAINER_RESOURCE) or not ctx.decision.hpa.metrics:
        used.append(RESOURCE_METRICS_GROUP)
    if ctx.uses(PODS, OBJECT):
        used.append(CUSTOM_METRICS_GROUP)
    if ctx.uses(EXTERNAL):
        used.append(EXTERNAL_METRICS_GROUP)
    for group in used:
        services = sorted((s for s in ctx.apiservices_of(group) if _backend(s)), key=name_of)
        backends = {_backend(s) for s in services}
        if len(backends) < 2:
            continue
        read = next((s for s in services if name_of(s) == f"v1beta1.{group}"), services[0])
        stray = [s for s in services if _backend(s) != _backend(read)]
        listed = "; ".join(f"{name_of(s)} -> {service_text(s)} ({product(s)})" for s in services)
        out.append(Finding(
            "F34", WARNING, f"{group} is served by {len(backends)} different backends, one per version",
            symptom=f"kubectl get apiservice | grep {group}: {listed}",
            cause=f"each version of {group} is a separate APIService, and these point at different Services; the HPA "
                  f"controller reads {READ_BY_CONTROLLER[group]}, while kubectl top or other clients may read another "
                  "version, so the numbers (and the failures) they show are not the HPA's",
            fix=f"serve every version of {group} from one backend: delete the stray APIService (kubectl delete "
                f"apiservice {' '.join(name_of(s) for s in stray)}) or re-install the backend that should own the "
                f"group ({product(read)}) so that it registers all its versions"))
    return out
