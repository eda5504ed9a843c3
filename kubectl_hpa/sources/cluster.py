"""Live cluster -> snapshot: read what the HPA controller reads, as the objects ``explain -f`` consumes.

``read_snapshot`` returns a v1 List document (a dict): the HPA(s), the target's
autoscaling/v1 ``Scale``, the pods its ``status.selector`` picks, PodMetrics,
custom and external ``MetricValueList``s, the custom metrics discovery
``APIResourceList``, the HPA's Events, the APIServices of the metric APIs (and of
VPA and KEDA, with their objects when installed). Every read is a GET. A read that
fails becomes a metav1 ``Status`` annotated with the request it answers
(``kubectl-hpa.io/request: GET /apis/...``) holding the error text the Go client
would have produced, so the snapshot replays the failure offline.

Requests per HPA do not depend on the pod count: pods, PodMetrics and custom
metrics are listed by label selector, never fetched one by one. ``-A`` lists HPAs,
workloads, pods, PodMetrics and Events once for all HPAs.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Optional

from ..core.model import ObjectReference
from ..core.selector import SelectorError, parse_selector
from ..timefmt import format_time
from .cluster_client import ClusterError, Connection
from .kube import (
    APISERVICES_COMPLETE,
    BUILTIN_SCALABLE,
    CAPTURED_AT,
    CUSTOM_METRICS_GROUP,
    REQUEST,
    SUBJECT,
    MetricAPIVersions,
    Response,
    api_prefix,
    client_side_status,
    group_version,
    kind_plural,
    label_selector,
    labels_of,
    metric_request,
    name_of,
    namespace_of,
    served_version,
    status_for,
    workload_selector,
)

RELEVANT_GROUPS = ("metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io", "autoscaling.k8s.io",
                   "keda.sh")
RBAC_HINT = "see fixtures/rbac/kubectl-hpa-reader.yaml"

def _restore(items: Iterable[dict], kind: str, api_version: str) -> list[dict]:
    """A real server leaves kind/apiVersion off list items; a snapshot needs them."""
    return [{"apiVersion": api_version, "kind": kind, **item} if "kind" not in item else item for item in items]


def _strip(obj: dict) -> dict:
    """Drop managedFields: large, and nothing here reads them."""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        obj = {**obj, "metadata": {k: v for k, v in metadata.items() if k != "managedFields"}}
    return obj


def fatal(response: Response, what: str) -> ClusterError:
    """A read the command cannot do without, worded in one line."""
    if response.status == 0:
        return ClusterError(f"cannot reach the API server: {response.error}")
    status = status_for(response)
    if response.status == 401:
        return ClusterError("Unauthorized: the server has asked for the client to provide credentials "
                            "(the credentials in your kubeconfig are invalid or expired; log in again)")
    if response.status == 403:
        return ClusterError(f"forbidden: {status['message']} (kubectl-hpa needs {what}; {RBAC_HINT})")
    return ClusterError(f"{status['message']} ({what})")


class Reader:
    """Collects the objects of one snapshot; ``get`` failures become Status objects."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.objects: list[dict] = []
        self.failures: list[dict] = []
        self.apiservices: Optional[list[dict]] = None

    def get(self, path: str, query: Optional[dict] = None) -> Optional[dict]:
        response = self.connection.get(path, query)
        if response.status == 401:
            raise fatal(response, f"GET {path}")
        if response.ok:
            return response.body
        self.failures.append(status_for(response))
        return None

    def list_items(self, path: str, kind: str, api_version: str, query: Optional[dict] = None) -> Optional[list[dict]]:
        body = self.get(path, query)
        if body is None:
            return None
        return [_strip(item) for item in _restore(body.get("items") or (), kind, api_version)]

    # ------------------------------------------------------------------ pieces

    def read_apiservices(self) -> None:
        items = self.list_items("/apis/apiregistration.k8s.io/v1/apiservices", "APIService", "apiregistration.k8s.io/v1")
        if items is None:
            return
        self.apiservices = [item for item in items if (item.get("spec") or {}).get("group") in RELEVANT_GROUPS
                            or name_of(item).split(".", 1)[-1] in RELEVANT_GROUPS]
        self.objects.extend(self.apiservices)

    def group_registered(self, group: str) -> Optional[bool]:
        """True/False from the APIService list; None when it could not be read."""
        if self.apiservices is None:
            return None
        return any(name_of(item).split(".", 1)[-1] == group for item in self.apiservices)

    def scale_path(self, namespace: str, ref: dict) -> tuple[Optional[str], Optional[dict]]:
        """The /scale path of a scaleTargetRef, or a client-side Status when the kind cannot be mapped."""
        kind, name, api_version = str(ref.get("kind", "")), str(ref.get("name", "")), str(ref.get("apiVersion", ""))
        group, version = group_version(api_version)
        if not api_version:
            return None, client_side_status(f"/apis/namespaces/{namespace}/{kind_plural(kind)}/{name}/scale",
                                            f"no matches for /, Kind={kind}")
        resource = BUILTIN_SCALABLE.get((group, kind))
        if resource is None or (group == "apps" and version != "v1") or (group == "" and version != "v1"):
            discovery = self.connection.get(api_prefix(group, version))
            if discovery.status == 401:
                raise fatal(discovery, f"GET {api_prefix(group, version)}")
            found = None
            if discovery.ok:
                for item in discovery.body.get("resources") or ():
                    if item.get("kind") == kind and "/" not in str(item.get("name", "")):
                        found = str(item["name"])
                        break
            elif discovery.status not in (404, 0):
                self.failures.append(status_for(discovery))
            if found is None:
                shown = group or '""'
                return None, client_side_status(f"{api_prefix(group, version)}/namespaces/{namespace}/"
                                                f"{kind_plural(kind)}/{name}/scale",
                                                f'no matches for kind "{kind}" in group "{shown}"')
            resource = found
        return f"{api_prefix(group, version)}/namespaces/{namespace}/{resource}/{name}/scale", None

    def read_scale(self, namespace: str, ref: dict) -> Optional[dict]:
        path, failure = self.scale_path(namespace, ref)
        if failure is not None or path is None:
            if failure is not None:
                self.failures.append(failure)
            return None
        body = self.get(path)
        if body is None:
            return None
        scale = {"apiVersion": body.get("apiVersion", "autoscaling/v1"), "kind": "Scale", **{
            k: v for k, v in body.items() if k not in ("apiVersion", "kind")}}
        scale = _strip(scale)
        scale.setdefault("metadata", {}).setdefault("namespace", namespace)
        self.objects.append(scale)
        return scale

    def read_metrics(self, hpa: dict, selector: Optional[str]) -> None:
        """One request per metric of the HPA (PodMetrics once), each by label selector."""
        namespace, metrics = namespace_of(hpa), (hpa.get("spec") or {}).get("metrics") or []
        versions = MetricAPIVersions.served(self.apiservices)
        resource_done = False
        if not metrics:
            metrics = [{"type": "Resource"}]  # API defaulting: 80% CPU
        for metric in metrics:
            kind = str(metric.get("type"))
            body = metric.get({"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
                               "Object": "object", "External": "external"}.get(kind, "")) or {}
            identity = body.get("metric") or {}
            described = body.get("describedObject") or {}
            raw_selector = identity.get("selector")
            request = metric_request(
                namespace, kind, str(identity.get("name", "")),
                selector=label_selector(raw_selector) if isinstance(raw_selector, dict) else None,
                described=ObjectReference(str(described.get("kind", "")), str(described.get("name", ""))),
                pod_selector=selector, versions=versions)
            if request is None:
                continue
            if kind in ("Resource", "ContainerResource"):
                if resource_done or selector is None:
                    continue
                resource_done = True
                items = self.list_items(request.path, "PodMetrics", "metrics.k8s.io/v1beta1", request.query)
                if items is not None:
                    self.objects.extend(items)
            elif kind == "Pods":
                if selector is not None:
                    self._custom(request.path, request.query, "MetricValueList")
            elif kind == "Object":
                self._custom(request.path, request.query, "MetricValueList")
            else:
                self._custom(request.path, request.query, "ExternalMetricValueList", namespace=namespace)

    def _custom(self, path: str, query: Optional[dict], kind: str, namespace: Optional[str] = None) -> None:
        group = path.split("/")[2]
        if self.group_registered(group) is False:
            # The controller's discovery finds no version of the group and never sends the request.
            api = "custom" if group.startswith("custom") else "external"
            message = (f"no custom metrics API ({group}) registered" if api == "custom" else
                       f"the server could not find the requested resource (get {path.rsplit('/', 1)[-1]}.{group})")
            self.failures.append(client_side_status(path, message))
            return
        body = self.get(path, query)
        if body is None:
            return
        listing = {"kind": kind, **{k: v for k, v in body.items() if k != "kind"}}
        metadata = dict(listing.get("metadata") or {})
        metadata["annotations"] = {**(metadata.get("annotations") or {}), REQUEST: f"GET {path}"}
        if namespace:
            metadata["namespace"] = namespace
        listing["metadata"] = metadata
        self.objects.append(listing)

    def read_custom_discovery(self, hpas: list[dict]) -> None:
        wanted = any(m.get("type") in ("Pods", "Object") for h in hpas for m in (h.get("spec") or {}).get("metrics") or ())
        if not wanted or self.group_registered("custom.metrics.k8s.io") is False:
            return
        version = served_version(self.apiservices or (), CUSTOM_METRICS_GROUP)
        body = self.get(f"/apis/custom.metrics.k8s.io/{version}")
        if body is not None:
            self.objects.append({"kind": "APIResourceList", "apiVersion": "v1",
                                 **{k: v for k, v in body.items() if k not in ("kind", "apiVersion")}})

    def read_events(self, namespace: Optional[str], hpa_name: Optional[str]) -> None:
        selector = "involvedObject.kind=HorizontalPodAutoscaler"
        if hpa_name:
            selector += f",involvedObject.name={hpa_name}"
        path = f"/api/v1/namespaces/{namespace}/events" if namespace else "/api/v1/events"
        items = self.list_items(path, "Event", "v1", {"fieldSelector": selector})
        if items is not None:
            self.objects.extend(items)

    def read_neighbours(self, namespace: Optional[str], targets: set[tuple[str, str, str]]) -> None:
        """VPAs and KEDA ScaledObjects acting on the same workloads, when their APIs exist."""
        for group, version, plural, kind in (("autoscaling.k8s.io", "v1", "verticalpodautoscalers",
                                              "VerticalPodAutoscaler"),
                                             ("keda.sh", "v1alpha1", "scaledobjects", "ScaledObject")):
            if not self.group_registered(group):
                continue
            path = (f"/apis/{group}/{version}/namespaces/{namespace}/{plural}" if namespace
                    else f"/apis/{group}/{version}/{plural}")
            items = self.list_items(path, kind, f"{group}/{version}")
            for item in items or ():
                spec = item.get("spec") or {}
                ref = spec.get("targetRef") or spec.get("scaleTargetRef") or {}
                key = (namespace_of(item), str(ref.get("kind") or "Deployment"), str(ref.get("name", "")))
                if key in targets:
                    self.objects.append(item)

    def read_metrics_server(self) -> None:
        """The Deployment behind an unavailable metrics APIService (readiness and args: F02/F03)."""
        for item in self.apiservices or ():
            if name_of(item) != "v1beta1.metrics.k8s.io":
                continue
            available = [c for c in (item.get("status") or {}).get("conditions") or () if c.get("type") == "Available"]
            service = (item.get("spec") or {}).get("service") or {}
            if available and available[0].get("status") == "True" or not service.get("name"):
                return
            body = self.get(f"/apis/apps/v1/namespaces/{service.get('namespace', 'kube-system')}/deployments/"
                            f"{service['name']}")
            if body is not None:
                self.objects.append(_strip({"apiVersion": "apps/v1", "kind": "Deployment", **{
                    k: v for k, v in body.items() if k not in ("apiVersion", "kind")}}))


def _matches(selector: Optional[str]) -> Callable[[Optional[dict]], bool]:
    if not selector:
        return lambda labels: False
    try:
        parsed = parse_selector(selector)
    except SelectorError:
        return lambda labels: False
    return lambda labels: parsed.matches(labels or {})


def _document(reader: Reader, annotations: dict) -> dict:
    annotations = {CAPTURED_AT: format_time(time.time()), **annotations}
    if reader.apiservices is not None:
        annotations[APISERVICES_COMPLETE] = "complete"
    return {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": annotations},
            "items": reader.objects + reader.failures}


def read_hpa(connection: Connection, name: str, namespace: Optional[str] = None) -> dict:
    """Everything the controller reads for one HPA, as a snapshot document."""
    namespace = namespace or connection.namespace
    reader = Reader(connection)
    path = f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers"
    response = connection.get(path)
    if not response.ok:
        raise fatal(response, f"list horizontalpodautoscalers.autoscaling in namespace {namespace}")
    hpas = [_strip(h) for h in _restore(response.body.get("items") or (), "HorizontalPodAutoscaler", "autoscaling/v2")]
    subject = next((h for h in hpas if name_of(h) == name), None)
    if subject is None:
        raise ClusterError(f'horizontalpodautoscalers.autoscaling "{name}" not found in namespace "{namespace}"')
    reader.objects.append(subject)
    reader.read_apiservices()
    ref = (subject.get("spec") or {}).get("scaleTargetRef") or {}
    scale = reader.read_scale(namespace, ref)
    selector = ((scale or {}).get("status") or {}).get("selector") or None
    pods: list[dict] = []
    if selector:
        items = reader.list_items(f"/api/v1/namespaces/{namespace}/pods", "Pod", "v1", {"labelSelector": selector})
        pods = items or []
        reader.objects.extend(pods)
    if scale is not None:
        _siblings(reader, namespace, subject, hpas, pods)
    reader.read_metrics(subject, selector)
    reader.read_custom_discovery([subject])
    reader.read_events(namespace, name)
    target = (namespace, str(ref.get("kind", "")), str(ref.get("name", "")))
    reader.read_neighbours(namespace, {target})
    reader.read_metrics_server()
    return _document(reader, {SUBJECT: f"{namespace}/{name}"})


def _siblings(reader: Reader, namespace: str, subject: dict, hpas: list[dict], pods: list[dict]) -> None:
    """Other HPAs whose targets' selectors pick any of these pods (AmbiguousSelector), with their targets."""
    my_ref = (subject.get("spec") or {}).get("scaleTargetRef") or {}
    others = [h for h in hpas if name_of(h) != name_of(subject)]
    if not others or not pods:
        return
    workloads_by_kind: dict[tuple[str, str], list[dict]] = {}
    labels = [labels_of(p) for p in pods]
    for other in others:
        ref = (other.get("spec") or {}).get("scaleTargetRef") or {}
        if (ref.get("kind"), ref.get("name")) == (my_ref.get("kind"), my_ref.get("name")):
            reader.objects.append(other)  # same target, same scale: the same pods
            continue
        group, _version = group_version(str(ref.get("apiVersion", "")))
        resource = BUILTIN_SCALABLE.get((group, str(ref.get("kind", ""))))
        if resource is not None:
            key = (group, resource)
            if key not in workloads_by_kind:
                items = reader.list_items(f"{api_prefix(group, 'v1')}/namespaces/{namespace}/{resource}", str(ref["kind"]),
                                    f"{group}/v1" if group else "v1")
                workloads_by_kind[key] = items or []
            workload = next((w for w in workloads_by_kind[key] if name_of(w) == ref.get("name")), None)
            if workload is not None and any(_matches(workload_selector(workload))(item) for item in labels):
                reader.objects.extend([other, workload])
            continue
        path, failure = reader.scale_path(namespace, ref)
        if path is None:
            continue
        response = reader.connection.get(path)
        if response.ok and any(_matches((response.body.get("status") or {}).get("selector"))(item) for item in labels):
            scale = {"apiVersion": "autoscaling/v1", "kind": "Scale",
                     **{k: v for k, v in response.body.items() if k not in ("apiVersion", "kind")}}
            reader.objects.extend([other, scale])


def read_all(connection: Connection, namespace: Optional[str]) -> dict:
    """Every HPA in a namespace (or all namespaces with ``namespace=None``), with batched lists."""
    reader = Reader(connection)
    scope = f"/namespaces/{namespace}" if namespace else ""
    response = connection.get(f"/apis/autoscaling/v2{scope}/horizontalpodautoscalers")
    where = f"in namespace {namespace}" if namespace else "in all namespaces"
    if not response.ok:
        raise fatal(response, f"list horizontalpodautoscalers.autoscaling {where}")
    hpas = [_strip(h) for h in _restore(response.body.get("items") or (), "HorizontalPodAutoscaler", "autoscaling/v2")]
    reader.objects.extend(hpas)
    if not hpas:
        return _document(reader, {})
    reader.read_apiservices()
    selectors: dict[tuple[str, str], Optional[str]] = {}
    lists: dict[tuple[str, str], Optional[list[dict]]] = {}
    kept: set[tuple[str, str, str]] = set()
    for hpa in hpas:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        group, _version = group_version(str(ref.get("apiVersion", "")))
        resource = BUILTIN_SCALABLE.get((group, str(ref.get("kind", ""))))
        key = (namespace_of(hpa), name_of(hpa))
        if resource is None:  # a custom resource: its /scale, one GET per HPA
            scale = reader.read_scale(namespace_of(hpa), ref)
            selectors[key] = ((scale or {}).get("status") or {}).get("selector") or None
            continue
        if (group, resource) not in lists:
            lists[(group, resource)] = reader.list_items(f"{api_prefix(group, 'v1')}{scope}/{resource}", str(ref["kind"]),
                                                   f"{group}/v1" if group else "v1")
        items = lists[(group, resource)]
        workload = next((w for w in items or () if name_of(w) == ref.get("name") and namespace_of(w) == namespace_of(hpa)), None)
        if workload is None:
            if items is not None:  # listed, and not there: what GET /scale would answer
                reader.failures.append(client_side_status(
                    f"{api_prefix(group, 'v1')}/namespaces/{namespace_of(hpa)}/{resource}/{ref.get('name')}/scale",
                    f'{resource}/scale.{group or "core"} "{ref.get("name")}" not found'.replace(".core", "")))
            selectors[key] = None
            continue
        if (namespace_of(workload), workload["kind"], name_of(workload)) not in kept:
            kept.add((namespace_of(workload), workload["kind"], name_of(workload)))
            reader.objects.append(workload)
        selectors[key] = workload_selector(workload)
    pods = reader.list_items(f"/api/v1{scope}/pods", "Pod", "v1") or []
    matchers = [(ns, _matches(sel)) for (ns, _n), sel in selectors.items()]
    reader.objects.extend(p for p in pods
                          if any(ns == namespace_of(p) and match(labels_of(p)) for ns, match in matchers))
    if any(m.get("type") in ("Resource", "ContainerResource") or not (h.get("spec") or {}).get("metrics")
           for h in hpas for m in ((h.get("spec") or {}).get("metrics") or [{"type": "Resource"}])):
        items = reader.list_items(f"/apis/metrics.k8s.io/v1beta1{scope}/pods", "PodMetrics", "metrics.k8s.io/v1beta1")
        reader.objects.extend(items or ())
    for hpa in hpas:  # custom and external metrics: one request per metric, whatever the pod count
        selector = selectors.get((namespace_of(hpa), name_of(hpa)))
        metrics = [m for m in (hpa.get("spec") or {}).get("metrics") or () if m.get("type") not in
                   ("Resource", "ContainerResource")]
        if metrics:
            reader.read_metrics({**hpa, "spec": {**hpa["spec"], "metrics": metrics}}, selector)
    reader.read_custom_discovery(hpas)
    reader.read_events(namespace, None)
    targets = {(namespace_of(h), str(((h.get("spec") or {}).get("scaleTargetRef") or {}).get("kind", "")),
                str(((h.get("spec") or {}).get("scaleTargetRef") or {}).get("name", ""))) for h in hpas}
    reader.read_neighbours(namespace, targets)
    reader.read_metrics_server()
    return _document(reader, {})
