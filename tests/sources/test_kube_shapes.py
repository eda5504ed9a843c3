"""The Kubernetes API shapes every reader shares (kubectl_hpa/sources/kube.py), table by table.

The cluster reader, the snapshot reader, watch and the diagnostics must agree on these: how metadata
is read when it is missing or odd, how a LabelSelector is written as a query, which request reads a
metric of an HPA (at which version of its API), and which recorded request a failed read answers.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

from kubectl_hpa.core.model import (
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PODS,
    RESOURCE,
    LabelSelector,
    LabelSelectorRequirement,
    ObjectReference,
)
from kubectl_hpa.sources.kube import (
    CLIENT_SIDE,
    REQUEST,
    MetricAPIVersions,
    MetricRequest,
    Response,
    SelectorShapeError,
    annotations_of,
    api_prefix,
    client_side_status,
    describe,
    group_version,
    key_of,
    kind_plural,
    label_selector,
    labels_of,
    metadata,
    metric_request,
    name_of,
    namespace_of,
    request_matcher,
    request_of,
    selector_query,
    served_version,
    status_for,
    status_message,
    workload_selector,
)

POD: dict[str, Any] = {"kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"},
                                   "annotations": {REQUEST: "GET /api/v1/namespaces/shop/pods?labelSelector=app%3Dweb"}}}
BARE = {"kind": "Pod"}
ODD = {"kind": "Pod", "metadata": {"name": "odd", "labels": ["app"], "annotations": "x"}}
NOT_AN_OBJECT = {"kind": "Pod", "metadata": "web-1"}

# ----------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("obj, meta, name, namespace, labels, annotations", [
    (POD, POD["metadata"], "web-1", "shop", {"app": "web"}, POD["metadata"]["annotations"]),
    (BARE, {}, "", "", {}, {}),
    (ODD, ODD["metadata"], "odd", "", {}, {}),  # labels and annotations of the wrong shape read as none
    (NOT_AN_OBJECT, {}, "", "", {}, {}),
])
def test_metadata_accessors(obj: dict, meta: dict, name: str, namespace: str, labels: dict, annotations: dict) -> None:
    assert metadata(obj) == meta
    assert name_of(obj) == name
    assert namespace_of(obj) == namespace
    assert labels_of(obj) == labels
    assert annotations_of(obj) == annotations


@pytest.mark.parametrize("obj, default, namespace, key", [
    (POD, "default", "shop", "shop/web-1"),
    ({"kind": "Pod", "metadata": {"name": "a"}}, "default", "default", "default/a"),  # as kubectl apply defaults it
    ({"kind": "Pod", "metadata": {"name": "a", "namespace": ""}}, "kube-system", "kube-system", "kube-system/a"),
])
def test_namespace_defaults_and_keys(obj: dict, default: str, namespace: str, key: str) -> None:
    assert namespace_of(obj, default) == namespace
    assert key_of(obj, default) == key


def test_describe_names_kind_and_name() -> None:
    assert describe(POD) == "Pod/web-1"
    assert describe(NOT_AN_OBJECT) == "Pod/"


# ----------------------------------------------------------------------------- kinds and paths


@pytest.mark.parametrize("kind, plural", [("Service", "services"), ("Ingress", "ingresses"), ("Pod", "pods"),
                                          ("Deployment", "deployments")])
def test_kind_plural(kind: str, plural: str) -> None:
    assert kind_plural(kind) == plural


@pytest.mark.parametrize("api_version, group, version, prefix", [
    ("apps/v1", "apps", "v1", "/apis/apps/v1"),
    ("v1", "", "v1", "/api/v1"),
    ("custom.metrics.k8s.io/v1beta2", "custom.metrics.k8s.io", "v1beta2", "/apis/custom.metrics.k8s.io/v1beta2"),
])
def test_group_version_and_prefix(api_version: str, group: str, version: str, prefix: str) -> None:
    assert group_version(api_version) == (group, version)
    assert api_prefix(group, version) == prefix


# ----------------------------------------------------------------------------- label selectors

EXPRESSIONS = {"matchLabels": {"tier": "web", "app": "shop"},
               "matchExpressions": [{"key": "zone", "operator": "In", "values": ["b", "a"]},
                                    {"key": "track", "operator": "NotIn", "values": ["canary"]},
                                    {"key": "owner", "operator": "Exists"},
                                    {"key": "legacy", "operator": "DoesNotExist"}]}


@pytest.mark.parametrize("raw, expected, query", [
    (None, None, ""),
    ({}, LabelSelector((), ()), ""),  # an empty selector: no query at all
    ({"matchLabels": {"app": "web"}}, LabelSelector((("app", "web"),), ()), "app=web"),
    (EXPRESSIONS,
     LabelSelector((("app", "shop"), ("tier", "web")),
                   (LabelSelectorRequirement("zone", "In", ("b", "a")), LabelSelectorRequirement("track", "NotIn", ("canary",)),
                    LabelSelectorRequirement("owner", "Exists", ()), LabelSelectorRequirement("legacy", "DoesNotExist", ()))),
     "app=shop,tier=web,zone in (a,b),track notin (canary),owner,!legacy"),
])
def test_label_selectors_and_their_query(raw: Any, expected: Optional[LabelSelector], query: str) -> None:
    assert label_selector(raw) == expected
    assert selector_query(label_selector(raw)) == query


@pytest.mark.parametrize("raw", ["app=web", ["app"], 3])
def test_a_selector_that_is_not_an_object_is_refused(raw: Any) -> None:
    with pytest.raises(SelectorShapeError):
        label_selector(raw)


@pytest.mark.parametrize("workload, selector", [
    ({"kind": "Deployment", "spec": {"selector": {"matchLabels": {"app": "web"}}}}, "app=web"),
    ({"kind": "StatefulSet", "spec": {"selector": EXPRESSIONS}},
     "app=shop,tier=web,zone in (a,b),track notin (canary),owner,!legacy"),
    ({"kind": "ReplicationController", "spec": {"selector": {"b": "2", "a": "1"}}}, "a=1,b=2"),  # a plain map
    ({"kind": "Deployment", "spec": {"selector": {}}}, None),
    ({"kind": "ReplicationController", "spec": {}}, None),
    ({"kind": "Deployment"}, None),
])
def test_workload_selector_as_scale_status_reports_it(workload: dict, selector: Optional[str]) -> None:
    assert workload_selector(workload) == selector


# ----------------------------------------------------------------------------- failed reads


@pytest.mark.parametrize("response, reason, message", [
    (Response("GET", "/apis/apps/v1/namespaces/shop/deployments/web/scale", 404, text="404 page not found"),
     "NotFound", "the server could not find the requested resource (get deployments/scale.apps web)"),
    (Response("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb", 503, text="down"),
     "ServiceUnavailable", "the server is currently unable to handle the request (get pods.metrics.k8s.io)"),
    (Response("GET", "/api/v1/namespaces/shop/pods", 403, text="pods is forbidden"), "Forbidden",
     "pods is forbidden (get pods)"),
    (Response("GET", "/api/v1/namespaces/shop/pods", 500, text="boom"), "InternalError",
     'an error on the server ("boom") has prevented the request from succeeding (get pods)'),
    (Response("GET", "/api/v1/namespaces/shop/pods", 0, error="context deadline exceeded"), "ClientError",
     "context deadline exceeded"),
    (Response("GET", "/api/v1/namespaces/shop/pods/web-1", 404,
              body={"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
                    "message": 'pods "web-1" not found'}), "NotFound", 'pods "web-1" not found'),
])
def test_a_failed_read_is_a_status_worded_as_the_go_client_words_it(response: Response, reason: str, message: str) -> None:
    status = status_for(response)
    assert (status["kind"], status["reason"], status["message"]) == ("Status", reason, message)
    assert status_message(status) == message
    assert request_of(status) == ("GET", response.path.split("?", 1)[0])
    assert (annotations_of(status).get(CLIENT_SIDE) == "true") == (response.status == 0)


def test_client_side_status_names_the_request_it_would_have_sent() -> None:
    status = client_side_status("/apis/example.com/v1/namespaces/shop/widgets/w/scale", 'no matches for kind "Widget"')
    assert request_of(status) == ("GET", "/apis/example.com/v1/namespaces/shop/widgets/w/scale")
    assert annotations_of(status)[CLIENT_SIDE] == "true" and status["code"] == 404
    assert status_message(status) == 'no matches for kind "Widget"'
    assert status_message({"kind": "Status", "code": 502}) == "the server responded with status code 502"
    assert request_of({"kind": "Status"}) == ("", "")


# ----------------------------------------------------------------------------- served versions


def apiservice(name: str) -> dict:
    return {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": name}}


@pytest.mark.parametrize("names, custom, external", [
    ([], "v1beta1", "v1beta1"),  # nothing known: what the controller's clients ask first
    (["v1beta1.custom.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io"], "v1beta1", "v1beta1"),
    (["v1beta2.custom.metrics.k8s.io"], "v1beta2", "v1beta1"),  # only v1beta2 served: ask for it
    (["v1beta1.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io", "v1beta1.external.metrics.k8s.io"], "v1beta2", "v1beta1"),
    (["v1beta2.external.metrics.k8s.io"], "v1beta1", "v1beta2"),
])
def test_metric_api_versions_follow_what_is_served(names: list[str], custom: str, external: str) -> None:
    items = [apiservice(name) for name in names]
    assert MetricAPIVersions.served(items) == MetricAPIVersions(custom=custom, external=external)
    assert served_version(items, "custom.metrics.k8s.io") == custom
    assert MetricAPIVersions.served(None) == MetricAPIVersions()


# ----------------------------------------------------------------------------- the request that reads a metric

SELECTOR = label_selector({"matchLabels": {"queue": "orders"},
                           "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]})
SELECTOR_QUERY = "queue=orders,tier in (a,b)"
INGRESS = ObjectReference("Ingress", "main", "networking.k8s.io/v1")
V1BETA2 = MetricAPIVersions(custom="v1beta2", external="v1beta2")


@pytest.mark.parametrize("metric_type, name, options, expected", [
    (RESOURCE, "cpu", {"pod_selector": "app=web"},
     MetricRequest("metrics.k8s.io", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", {"labelSelector": "app=web"})),
    (RESOURCE, "cpu", {"versions": V1BETA2},  # the resource metrics client knows v1beta1 only; no selector: the namespace
     MetricRequest("metrics.k8s.io", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", None)),
    (CONTAINER_RESOURCE, "memory", {"pod_selector": "app=web"},
     MetricRequest("metrics.k8s.io", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", {"labelSelector": "app=web"})),
    (PODS, "http_requests", {"pod_selector": "app=web"},
     MetricRequest("custom.metrics.k8s.io", "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/pods/*/http_requests",
                   {"labelSelector": "app=web"})),
    (PODS, "http_requests", {"pod_selector": "app=web", "versions": V1BETA2},
     MetricRequest("custom.metrics.k8s.io", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http_requests",
                   {"labelSelector": "app=web"})),
    (OBJECT, "rps", {"described": INGRESS, "selector": SELECTOR},
     MetricRequest("custom.metrics.k8s.io", "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/ingresses/main/rps",
                   {"metricLabelSelector": SELECTOR_QUERY})),
    (OBJECT, "rps", {"described": INGRESS, "selector": LabelSelector((), ()), "versions": V1BETA2},
     MetricRequest("custom.metrics.k8s.io", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/ingresses/main/rps", None)),
    (OBJECT, "rps", {"selector": SELECTOR}, None),  # no describedObject: nothing to ask for
    (EXTERNAL, "queue_ready", {"selector": SELECTOR, "pod_selector": "app=web"},  # the pods' selector is not sent
     MetricRequest("external.metrics.k8s.io", "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready",
                   {"labelSelector": SELECTOR_QUERY})),
    (EXTERNAL, "queue_ready", {"selector": LabelSelector((), ()), "versions": V1BETA2},
     MetricRequest("external.metrics.k8s.io", "/apis/external.metrics.k8s.io/v1beta2/namespaces/shop/queue_ready", None)),
    (EXTERNAL, "queue_ready", {},
     MetricRequest("external.metrics.k8s.io", "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready", None)),
    ("Unknown", "x", {}, None),
])
def test_metric_request_for_each_metric_type(metric_type: str, name: str, options: dict, expected: Optional[MetricRequest]) -> None:
    assert metric_request("shop", metric_type, name, **options) == expected


def test_a_request_key_sorts_its_query() -> None:
    request = MetricRequest("metrics.k8s.io", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", {"b": "2", "a": "1"})
    assert request.key == "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?a=1&b=2"
    assert MetricRequest("g", "/p").key == "/p"


# ----------------------------------------------------------------------------- which recorded read answers a request

RESOURCE_IN_SHOP = metric_request("shop", RESOURCE, "cpu", pod_selector="app=web")
PODS_IN_SHOP = metric_request("shop", PODS, "http_requests")
OBJECT_IN_SHOP = metric_request("shop", OBJECT, "rps", described=INGRESS)
EXTERNAL_IN_SHOP = metric_request("shop", EXTERNAL, "queue_ready", selector=SELECTOR)


@pytest.mark.parametrize("request_, path, matches", [
    (RESOURCE_IN_SHOP, "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", True),
    (RESOURCE_IN_SHOP, "/apis/metrics.k8s.io/v1beta1/pods", True),  # PodMetrics of all namespaces (explain -A)
    (RESOURCE_IN_SHOP, "/apis/metrics.k8s.io/v1beta1/namespaces/other/pods", False),
    (RESOURCE_IN_SHOP, "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1", False),
    (RESOURCE_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/pods", False),
    (PODS_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/pods/*/http_requests", True),
    (PODS_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http_requests", True),  # any version
    (PODS_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta1/pods/*/http_requests", False),  # only PodMetrics go wide
    (PODS_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/pods/*/other", False),
    (OBJECT_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/ingresses/main/rps", True),
    (OBJECT_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/ingresses/side/rps", False),
    (OBJECT_IN_SHOP, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/services/main/rps", False),
    (EXTERNAL_IN_SHOP, "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready", True),
    (EXTERNAL_IN_SHOP, "/apis/external.metrics.k8s.io/v1beta2/namespaces/shop/queue_ready", True),
    (EXTERNAL_IN_SHOP, "/apis/external.metrics.k8s.io/v1beta1/namespaces/other/queue_ready", False),
    (EXTERNAL_IN_SHOP, "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_readyx", False),
])
def test_request_matcher(request_: Optional[MetricRequest], path: str, matches: bool) -> None:
    assert request_ is not None
    assert request_matcher(request_)(path) is matches


def test_the_matcher_takes_paths_without_their_query() -> None:
    """Recorded requests are compared by path (request_of strips the query), so the matcher never sees one."""
    assert RESOURCE_IN_SHOP is not None
    status = status_for(Response("GET", f"{RESOURCE_IN_SHOP.path}?labelSelector=app%3Dweb", 503))
    _method, path = request_of(status)
    assert path == RESOURCE_IN_SHOP.path and request_matcher(RESOURCE_IN_SHOP)(path)
