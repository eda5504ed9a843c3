"""What kubectl-hpa knows about Kubernetes API shapes, in one pure module (no I/O, no kubernetes client).

The cluster reader, the watch engine, the snapshot reader and the diagnostics all
speak to (or about) the same API server. Everything they must agree on lives here,
so that a path watch requests is the path a snapshot's failed read is matched
against, and a selector sent as a query is the selector the API server parses:

- the annotation keys of our snapshot files;
- metadata accessors that tolerate missing or malformed metadata;
- kinds, plurals, group/versions and the API path prefix;
- label selectors: the API object to :class:`LabelSelector` and to the query string;
- failed reads as ``metav1.Status`` objects worded as the Go client words them;
- :func:`metric_request`: the one request that reads a metric of an HPA.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Optional

from ..core.model import (
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PODS,
    RESOURCE,
    LabelSelector,
    LabelSelectorRequirement,
    ObjectReference,
)

# ----------------------------------------------------------------------------- our annotations

CAPTURED_AT = "kubectl-hpa.io/captured-at"
"""On a snapshot List: when it was read (RFC 3339); ``explain -f`` evaluates at that time."""
SUBJECT = "kubectl-hpa.io/subject"
"""On a snapshot List: ``namespace/name`` of the HPA a live snapshot was taken for."""
REQUEST = "kubectl-hpa.io/request"
"""On a Status (or a metric list): the request it answers, e.g. ``GET /apis/metrics.k8s.io/...``."""
CLIENT_SIDE = "kubectl-hpa.io/client-side"
"""On a Status: the client failed before or without a response (RESTMapper, discovery, timeout)."""
APISERVICES_COMPLETE = "kubectl-hpa.io/apiservices"
"""On a snapshot List: ``complete`` when every relevant APIService is in the file (absence means absent)."""
REDACTED = "kubectl-hpa.io/redacted"
"""On a snapshot List read from a cluster: what was removed from the objects before anyone sees them."""
KUBERNETES_VERSION = "kubectl-hpa.io/kubernetes-version"
"""On a snapshot List: the API server's ``gitVersion`` (``/version``) when read, or ``--kubernetes-version``; ``explain -f``
emulates that release's controller."""
FEATURE_GATES = "kubectl-hpa.io/feature-gates"
"""On a snapshot List: the ``--feature-gates`` given to ``snapshot`` (kube-controller-manager's syntax), if any."""


def format_feature_gates(gates: Mapping[str, bool]) -> str:
    """Gate settings in kube-controller-manager's ``--feature-gates`` syntax (``A=true,B=false``), the form the
    :data:`FEATURE_GATES` annotation and the flag take."""
    return ",".join(f"{name}={str(value).lower()}" for name, value in gates.items())
STATE_API_VERSION = "kubectl-hpa.io/v1alpha1"
"""The apiVersion of our ControllerState object (the controller's memory, which the API never shows)."""

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
"""kubectl apply's record of the applied manifest (reduced to what the checks read in a snapshot)."""

# ----------------------------------------------------------------------------- kinds and groups

BUILTIN_SCALABLE = {  # (group, kind) -> resource: the RESTMapper's answer without discovery
    ("apps", "Deployment"): "deployments",
    ("apps", "StatefulSet"): "statefulsets",
    ("apps", "ReplicaSet"): "replicasets",
    ("", "ReplicationController"): "replicationcontrollers",
}
RESOURCE_METRICS_GROUP = "metrics.k8s.io"
CUSTOM_METRICS_GROUP = "custom.metrics.k8s.io"
EXTERNAL_METRICS_GROUP = "external.metrics.k8s.io"
RESOURCE_METRICS_VERSION = "v1beta1"
"""The controller's resource metrics client is generated for metrics.k8s.io/v1beta1 only."""
DEFAULT_METRICS_VERSION = "v1beta1"


def kind_plural(kind: str) -> str:
    """The resource of a kind as the metrics APIs name it (``Service`` -> ``services``, ``Ingress`` -> ``ingresses``)."""
    lowered = kind.lower()
    return lowered + ("es" if lowered.endswith("s") else "s")


def group_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return group, version
    return "", api_version


def api_prefix(group: str, version: str) -> str:
    """The path every resource of a group/version lives under: ``/api/v1`` or ``/apis/apps/v1``."""
    return f"/api/{version}" if not group else f"/apis/{group}/{version}"


def qualified_resource(path: str) -> tuple[str, str]:
    """``/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods`` -> (``pods.metrics.k8s.io``, name), as Go's errors say."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if not parts:
        return "", ""
    if parts[0] == "api":
        group, rest = "", parts[2:]
    else:
        group, rest = (parts[1] if len(parts) > 1 else ""), parts[3:]
    if len(rest) >= 2 and rest[0] == "namespaces":
        rest = rest[2:]
    if not rest:
        return "", ""
    resource = rest[0] + (f".{group}" if group else "")
    if len(rest) >= 3 and rest[2] == "scale":
        resource = f"{rest[0]}/scale" + (f".{group}" if group else "")
    return resource, rest[1] if len(rest) > 1 else ""


# ----------------------------------------------------------------------------- metadata


def metadata(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """An object's metadata, or an empty mapping when it is missing or not an object."""
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def name_of(obj: Mapping[str, Any]) -> str:
    return str(metadata(obj).get("name", ""))


def namespace_of(obj: Mapping[str, Any], default: str = "") -> str:
    """The namespace, or ``default`` (``"default"`` where a file may leave it out, as kubectl apply does)."""
    return str(metadata(obj).get("namespace") or default)


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    value = metadata(obj).get("labels")
    return value if isinstance(value, dict) else {}


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    value = metadata(obj).get("annotations")
    return value if isinstance(value, dict) else {}


def describe(obj: Mapping[str, Any]) -> str:
    """``Kind/name``, as errors name an object."""
    return f"{obj.get('kind')}/{name_of(obj)}"


def key_of(obj: Mapping[str, Any], default_namespace: str = "default") -> str:
    """``namespace/name``."""
    return f"{namespace_of(obj, default_namespace)}/{name_of(obj)}"


# ----------------------------------------------------------------------------- label selectors


class SelectorShapeError(ValueError):
    """A label selector that is not an object (the caller words where it was found)."""


def label_selector(raw: Any) -> Optional[LabelSelector]:
    """A metav1.LabelSelector object as the core's :class:`LabelSelector` (None for none)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SelectorShapeError("expected a label selector object")
    labels = tuple(sorted((str(k), str(v)) for k, v in (raw.get("matchLabels") or {}).items()))
    expressions = tuple(
        LabelSelectorRequirement(str(item.get("key", "")), str(item.get("operator", "")),
                                 tuple(str(v) for v in item.get("values") or ()))
        for item in raw.get("matchExpressions") or ()
    )
    return LabelSelector(labels, expressions)


def selector_query(selector: Optional[LabelSelector]) -> str:
    """metav1.FormatLabelSelector: the string form a ``labelSelector`` query and a /scale's
    ``status.selector`` carry (``app=web,tier in (a,b)``). Not Go's ``%+v`` debug form, which the
    controller only prints in messages (:func:`kubectl_hpa.core.selector.format_label_selector`)."""
    if selector is None:
        return ""
    parts = [f"{key}={value}" for key, value in selector.match_labels]
    for item in selector.match_expressions:
        operator = {"In": "in", "NotIn": "notin"}.get(item.operator)
        if operator:
            parts.append(f"{item.key} {operator} ({','.join(sorted(item.values))})")
        elif item.operator == "Exists":
            parts.append(item.key)
        elif item.operator == "DoesNotExist":
            parts.append(f"!{item.key}")
    return ",".join(parts)


def workload_selector(workload: Mapping[str, Any]) -> Optional[str]:
    """The pod selector of a built-in workload, as its /scale reports it in ``status.selector``.

    A ReplicationController's selector is a plain map; the others carry a LabelSelector object.
    """
    spec = workload.get("spec") or {}
    if workload.get("kind") == "ReplicationController":
        return ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or None
    return selector_query(label_selector(spec.get("selector"))) or None


# ----------------------------------------------------------------------------- failed reads as Status

# client-go's NewGenericServerResponse: the error text when the body is not a Status.
GENERIC_MESSAGES = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    409: ("Conflict", "the server reported a conflict"),
    410: ("Gone", "the server has asked for the client to provide credentials"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted, but may still be "
                    "processing the request"),
}


class Response(NamedTuple):
    """One answer of the API server (or the client's own failure), as every reader sees it."""

    method: str
    path: str  # with the query string
    status: int  # 0: no response (timeout, connection error)
    body: Any = None  # parsed JSON, or None
    text: str = ""
    error: str = ""  # client-side error text when status == 0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and isinstance(self.body, dict)


def status_for(response: Response) -> dict[str, Any]:
    """The failed read as a metav1 Status carrying the Go client's error message."""
    annotations = {REQUEST: f"{response.method} {response.path}"}
    if response.status == 0:
        annotations[CLIENT_SIDE] = "true"
        return {"apiVersion": "v1", "kind": "Status", "metadata": {"annotations": annotations}, "status": "Failure",
                "message": response.error, "reason": "ClientError", "code": 0}
    body = response.body
    if isinstance(body, dict) and body.get("kind") == "Status":
        return {"apiVersion": "v1", "kind": "Status", "metadata": {"annotations": annotations},
                **{k: v for k, v in body.items() if k not in ("metadata", "apiVersion", "kind")}}
    reason, message = GENERIC_MESSAGES.get(response.status, ("", ""))
    server_text = " ".join(response.text.split())[:300]
    if response.status == 403:
        reason, message = "Forbidden", server_text or "forbidden"
    elif response.status >= 500 and response.status not in GENERIC_MESSAGES:
        reason = "InternalError"
        message = f"an error on the server ({server_text!r}) has prevented the request from succeeding".replace(
            "'", '"')
    elif not message:
        message = f"the server responded with the status code {response.status} but did not return more information"
    resource, name = qualified_resource(response.path)
    if resource:
        message += f" (get {resource} {name})" if name else f" (get {resource})"
    return {"apiVersion": "v1", "kind": "Status", "metadata": {"annotations": annotations}, "status": "Failure",
            "message": message, "reason": reason, "code": response.status}


def client_side_status(path: str, message: str, code: int = 404, reason: str = "NotFound") -> dict[str, Any]:
    """An error the client produces itself (RESTMapper, discovery), for the request it would have sent."""
    return {"apiVersion": "v1", "kind": "Status",
            "metadata": {"annotations": {REQUEST: f"GET {path}", CLIENT_SIDE: "true"}},
            "status": "Failure", "message": message, "reason": reason, "code": code}


def status_message(status: Mapping[str, Any]) -> str:
    """The error text the Go client reports for a failed read recorded as a metav1 Status."""
    message = status.get("message") or status.get("reason") or f"the server responded with status code {status.get('code')}"
    return str(message)


def request_of(status: Mapping[str, Any]) -> tuple[str, str]:
    """(method, path without query) of the request a recorded Status answers; ("", "") when it says none."""
    method, _, path = str(annotations_of(status).get(REQUEST, "")).partition(" ")
    return method, path.split("?", 1)[0]


# ----------------------------------------------------------------------------- reading a metric


class MetricAPIVersions(NamedTuple):
    """The versions of the custom and external metrics APIs to request (what the cluster serves)."""

    custom: str = DEFAULT_METRICS_VERSION
    external: str = DEFAULT_METRICS_VERSION

    @classmethod
    def served(cls, apiservices: Optional[Iterable[Mapping[str, Any]]]) -> MetricAPIVersions:
        """From the APIService list: v1beta1 where it is served (or nothing is known), else the newest served."""
        items = list(apiservices or ())
        return cls(custom=served_version(items, CUSTOM_METRICS_GROUP),
                   external=served_version(items, EXTERNAL_METRICS_GROUP))


def served_version(apiservices: Iterable[Mapping[str, Any]], group: str,
                   default: str = DEFAULT_METRICS_VERSION) -> str:
    """The version of ``group`` to request, given the APIServices (named ``VERSION.GROUP``)."""
    versions = sorted(name_of(item).split(".", 1)[0] for item in apiservices
                      if name_of(item).split(".", 1)[-1] == group)
    if default in versions or not versions:
        return default
    return versions[-1]


class MetricRequest(NamedTuple):
    """The GET that reads one metric of an HPA: its API group, path and query."""

    group: str
    path: str
    query: Optional[dict[str, str]] = None

    @property
    def key(self) -> str:
        """The path with its query, sorted: one key per distinct request (watch batches on it)."""
        if not self.query:
            return self.path
        return self.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(self.query.items()))


def metric_request(namespace: str, metric_type: str, metric_name: str, *,
                   selector: Optional[LabelSelector] = None,
                   described: Optional[ObjectReference] = None,
                   pod_selector: Optional[str] = None,
                   versions: MetricAPIVersions = MetricAPIVersions()) -> Optional[MetricRequest]:
    """The request the controller's metrics client sends for one metric of an HPA in ``namespace``.

    ``pod_selector`` is the target's ``status.selector`` for the per-pod metrics (Resource,
    ContainerResource, Pods), sent as ``labelSelector``; None lists the whole namespace (watch batches
    that way and picks each HPA's pods itself). A metric's own ``selector`` goes as
    ``metricLabelSelector`` (Object) or ``labelSelector`` (External), in the query string form the API
    server parses; an empty selector sends none, as the metrics clients do. None when the metric
    cannot be read (an Object metric with no describedObject, an unknown type).
    """
    pods_query = {"labelSelector": pod_selector} if pod_selector else None
    if metric_type in (RESOURCE, CONTAINER_RESOURCE):
        return MetricRequest(RESOURCE_METRICS_GROUP,
                             f"/apis/{RESOURCE_METRICS_GROUP}/{RESOURCE_METRICS_VERSION}/namespaces/{namespace}/pods",
                             pods_query)
    if metric_type == PODS:
        return MetricRequest(CUSTOM_METRICS_GROUP,
                             f"/apis/{CUSTOM_METRICS_GROUP}/{versions.custom}/namespaces/{namespace}/pods/*/{metric_name}",
                             pods_query)
    if metric_type == OBJECT:
        if described is None:
            return None
        text = selector_query(selector)
        query = {"metricLabelSelector": text} if text else None
        return MetricRequest(CUSTOM_METRICS_GROUP,
                             f"/apis/{CUSTOM_METRICS_GROUP}/{versions.custom}/namespaces/{namespace}/"
                             f"{kind_plural(described.kind)}/{described.name}/{metric_name}", query)
    if metric_type == EXTERNAL:
        text = selector_query(selector)
        query = {"labelSelector": text} if text else None
        return MetricRequest(EXTERNAL_METRICS_GROUP,
                             f"/apis/{EXTERNAL_METRICS_GROUP}/{versions.external}/namespaces/{namespace}/{metric_name}",
                             query)
    return None


def request_matcher(request: MetricRequest) -> Callable[[str], bool]:
    """Whether a recorded request path answers ``request``, whatever version of its API was served.

    PodMetrics also match when listed for every namespace at once (``explain -A`` reads them so)."""
    parts = request.path.split("/")[1:]  # apis, group, version, namespaces, NS, the rest
    head = f"/{re.escape(parts[0])}/{re.escape(parts[1])}/[^/]+"
    scope = "/" + "/".join(re.escape(p) for p in parts[3:5])
    if request.group == RESOURCE_METRICS_GROUP:
        scope = f"({scope})?"
    rest = "".join("/" + re.escape(p) for p in parts[5:])
    compiled = re.compile(f"^{head}{scope}{rest}$")
    return lambda path: compiled.match(path) is not None
