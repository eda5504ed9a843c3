"""One live read at a time: a :class:`Reader` GETs what the HPA controller reads and keeps it as snapshot objects.

Each method reads one piece (the APIServices, a target's /scale, the metrics of an HPA, custom metrics
discovery, Events, VPAs and KEDA ScaledObjects, the metrics-server Deployment) and appends what the API
served to :attr:`Reader.objects`. A read that fails is not an error here: it becomes a metav1 ``Status``
in :attr:`Reader.failures`, annotated with its request, so the snapshot replays the failure offline.
Only a 401 stops everything (:func:`fatal`): nothing else can be read either.

Every object the reader keeps goes through :func:`~kubectl_hpa.sources.redact.redact` first: a snapshot
is a support bundle, so env values, args, last-applied-configuration and the like never reach it
(:mod:`.redact` says what is kept and why; the List says what was removed under
:data:`~kubectl_hpa.sources.kube.REDACTED`).

:mod:`.cluster` decides what to read for one HPA or for all of them; the watch engine uses a Reader
for discovery and /scale paths.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional

from ..core.model import ObjectReference
from .cluster_client import ClusterError, Connection
from .kube import (
    BUILTIN_SCALABLE,
    CUSTOM_METRICS_GROUP,
    EXTERNAL_METRICS_GROUP,
    REQUEST,
    RESOURCE_METRICS_GROUP,
    RESOURCE_METRICS_VERSION,
    MetricAPIVersions,
    Response,
    annotations_of,
    api_prefix,
    client_side_status,
    group_version,
    kind_plural,
    label_selector,
    metadata,
    metric_request,
    name_of,
    namespace_of,
    served_version,
    status_for,
)
from .redact import redact, redact_metrics_server

RELEVANT_GROUPS = (RESOURCE_METRICS_GROUP, CUSTOM_METRICS_GROUP, EXTERNAL_METRICS_GROUP, "autoscaling.k8s.io", "keda.sh")
"""The API groups whose APIServices a snapshot keeps: the metric APIs, and VPA and KEDA (their objects act on targets)."""
RBAC_HINT = "see fixtures/rbac/kubectl-hpa-reader.yaml"
RESOURCE_METRICS_API_VERSION = f"{RESOURCE_METRICS_GROUP}/{RESOURCE_METRICS_VERSION}"
"""The apiVersion of PodMetrics (the resource metrics client reads v1beta1 only)."""


class ServedShapeError(ValueError):
    """A list answer not shaped as an API server serves one (``items: 5``, ``items: [null]``); one line."""


def served_items(body: Mapping[str, Any], request: str) -> list[dict[str, Any]]:
    """The ``items`` of a list answer, checked: a list of objects (absent or null: none)."""
    items = body.get("items")
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        shown = repr(items if not isinstance(items, list) else next(i for i in items if not isinstance(i, dict)))
        what = "items" if not isinstance(items, list) else "an item"
        raise ServedShapeError(f"the API server's answer to {request} is not a list of objects "
                               f"({what}: {shown[:40]})")
    return items


def share_strings(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same items, each repeated string value one shared object (the JSON decoder makes one per occurrence).

    The items of a list repeat most of their values (phase, condition types and reasons, image, node, label
    values, timestamps of a rollout): 10,000 pods hold about 570,000 strings of which some 30,000 differ. Sharing
    them keeps ``explain -A`` over a fleet within its memory (about 30 MB fewer at 10,000 pods), for a walk that
    costs a few milliseconds per thousand items. Edits the items in place (they are the reader's own copies)."""
    seen: dict[str, str] = {}

    def walk(node: Any) -> None:
        pairs = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in pairs:
            if type(value) is str:
                node[key] = seen.setdefault(value, value)
            elif isinstance(value, (dict, list)):
                walk(value)

    for item in items:
        walk(item)
    return items


def restore_kinds(items: Iterable[dict[str, Any]], kind: str, api_version: str) -> list[dict[str, Any]]:
    """A real server leaves kind/apiVersion off list items; a snapshot needs them."""
    return [{"apiVersion": api_version, "kind": kind, **item} if "kind" not in item else item for item in items]


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
        self.objects: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []  # metav1 Status objects, one per failed read
        self.apiservices: Optional[list[dict[str, Any]]] = None  # None: the APIService list could not be read

    def get(self, path: str, query: Optional[dict[str, str]] = None) -> Optional[dict[str, Any]]:
        """The body of a GET; None when it failed (recorded in :attr:`failures`). A 401 stops the command."""
        response = self.connection.get(path, query)
        if response.status == 401:
            raise fatal(response, f"GET {path}")
        if response.ok:
            return response.body
        self.failures.append(status_for(response))
        return None

    def list_items(self, path: str, kind: str, api_version: str, query: Optional[dict[str, str]] = None,
                   keep: Optional[Callable[[list[dict[str, Any]]], list[dict[str, Any]]]] = None,
                   ) -> Optional[list[dict[str, Any]]]:
        """The items of a list, with kind and apiVersion restored, redacted; None when it failed.

        ``keep`` picks, from the items as served, those worth keeping (by what redaction leaves alone: labels,
        names, namespaces), so that the others are not copied and redacted for nothing."""
        body = self.get(path, query)
        if body is None:
            return None
        try:
            items = served_items(body, f"GET {path}")
        except ServedShapeError as error:  # recorded as a failed read: the checks conclude nothing from it
            self.failures.append(client_side_status(path, str(error), code=0, reason="InvalidResponse"))
            return None
        if keep is not None:
            items = keep(items)
        kept = [redact(item) for item in restore_kinds(items, kind, api_version)]
        del body, items  # what redact did not copy is shared with ``kept``: the rest can go before the next read
        return share_strings(kept)

    # ------------------------------------------------------------------ pieces

    def read_apiservices(self) -> None:
        """The APIServices of :data:`RELEVANT_GROUPS`: which metric API versions are served, and whether at all."""
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

    def scale_path(self, namespace: str, ref: Mapping[str, Any]) -> tuple[Optional[str], Optional[dict[str, Any]]]:
        """The /scale path of a scaleTargetRef, or a client-side Status when the kind cannot be mapped.

        The built-in workloads map without a request, as the controller's RESTMapper knows them; any
        other kind (or version) is looked up in its group's discovery document.
        """
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

    def read_scale(self, namespace: str, ref: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """The target's /scale as an autoscaling/v1 Scale object (kept in :attr:`objects`); None when it failed."""
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
        scale = redact(scale)
        scale.setdefault("metadata", {}).setdefault("namespace", namespace)
        self.objects.append(scale)
        return scale

    def read_metrics(self, hpa: Mapping[str, Any], selector: Optional[str]) -> None:
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
                items = self.list_items(request.path, "PodMetrics", RESOURCE_METRICS_API_VERSION, request.query)
                if items is not None:
                    self.objects.extend(items)
            elif kind == "Pods":
                if selector is not None:
                    self._custom(request.path, request.query, "MetricValueList")
            elif kind == "Object":
                self._custom(request.path, request.query, "MetricValueList")
            else:
                self._custom(request.path, request.query, "ExternalMetricValueList", namespace=namespace)

    def _custom(self, path: str, query: Optional[dict[str, str]], kind: str, namespace: Optional[str] = None) -> None:
        """A custom or external metric list, annotated with its request (it names the metric and the version served)."""
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
        listing = redact({"kind": kind, **{k: v for k, v in body.items() if k != "kind"}})
        meta = dict(metadata(listing))
        meta["annotations"] = {**annotations_of(listing), REQUEST: f"GET {path}"}
        if namespace:
            meta["namespace"] = namespace
        listing["metadata"] = meta
        self.objects.append(listing)

    def read_custom_discovery(self, hpas: list[dict[str, Any]]) -> None:
        """The custom metrics API's discovery document, when an HPA has a Pods or Object metric (which metrics exist)."""
        wanted = any(m.get("type") in ("Pods", "Object") for h in hpas for m in (h.get("spec") or {}).get("metrics") or ())
        if not wanted or self.group_registered(CUSTOM_METRICS_GROUP) is False:
            return
        version = served_version(self.apiservices or (), CUSTOM_METRICS_GROUP)
        body = self.get(api_prefix(CUSTOM_METRICS_GROUP, version))
        if body is not None:
            self.objects.append(redact({"kind": "APIResourceList", "apiVersion": "v1",
                                        **{k: v for k, v in body.items() if k not in ("kind", "apiVersion")}}))

    def read_events(self, namespace: Optional[str], hpa_name: Optional[str]) -> None:
        """The Events of one HPA (or of every HPA in scope): what the controller said when it last acted."""
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
        """The Deployment behind an unavailable metrics APIService (readiness and flag names: F02/F03)."""
        for item in self.apiservices or ():
            if name_of(item) != f"{RESOURCE_METRICS_VERSION}.{RESOURCE_METRICS_GROUP}":
                continue
            available = [c for c in (item.get("status") or {}).get("conditions") or () if c.get("type") == "Available"]
            service = (item.get("spec") or {}).get("service") or {}
            if available and available[0].get("status") == "True" or not service.get("name"):
                return
            body = self.get(f"/apis/apps/v1/namespaces/{service.get('namespace', 'kube-system')}/deployments/"
                            f"{service['name']}")
            if body is not None:
                self.objects.append(redact_metrics_server({"apiVersion": "apps/v1", "kind": "Deployment", **{
                    k: v for k, v in body.items() if k not in ("apiVersion", "kind")}}))
