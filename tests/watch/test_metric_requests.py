"""What watch asks the metrics APIs for: selectors in the form the API server parses, at the served version.

The controller's metrics clients send an Object metric's ``metric.selector`` as
``metricLabelSelector`` and an External metric's as ``labelSelector``, both as
``metav1.FormatLabelSelector`` writes them (``queue=orders,tier in (a,b)``), and ask
the custom metrics API at the version its APIService serves. These tests read the
query strings the test API server received, so a selector sent in Go's ``%+v`` debug
form (``&LabelSelector{MatchLabels:...}``) or a hard-coded ``v1beta1`` shows.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.watch.helpers import T0, engine
from tests.watch.objects import PODS_METRIC, app, custom_items, listing

SELECTOR = {"matchLabels": {"queue": "orders"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}
SELECTOR_QUERY = "queue=orders,tier in (a,b)"  # values sorted, as FormatLabelSelector writes them
OBJECT_AND_EXTERNAL = [
    {"type": "Object", "object": {
        "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
        "metric": {"name": "requests_per_second", "selector": SELECTOR},
        "target": {"type": "Value", "value": "100"}}},
    {"type": "External", "external": {
        "metric": {"name": "queue_messages_ready", "selector": SELECTOR},
        "target": {"type": "AverageValue", "averageValue": "30"}}},
]


def object_value(value: str) -> dict:
    """requests_per_second of Ingress shop/main as custom.metrics.k8s.io/v1beta1 lists it."""
    return {"apiVersion": "custom.metrics.k8s.io/v1beta1", "kind": "MetricValueList", "metadata": {},
            "items": [{"describedObject": {"kind": "Ingress", "namespace": "shop", "name": "main",
                                           "apiVersion": "networking.k8s.io/v1"},
                       "metricName": "requests_per_second", "timestamp": "2026-11-18T11:06:25Z", "value": value,
                       "selector": None}]}


def external_value(value: str) -> dict:
    return {"apiVersion": "external.metrics.k8s.io/v1beta1", "kind": "ExternalMetricValueList", "metadata": {},
            "items": [{"metricName": "queue_messages_ready", "metricLabels": {"queue": "orders", "tier": "a"},
                       "timestamp": "2026-11-18T11:06:25Z", "value": value}]}


def queries(api, prefix: str) -> list[dict[str, list[str]]]:
    """The decoded query of every GET under ``prefix`` (path without query), in order."""
    found = []
    for path in api.paths():
        parts = urlsplit(path)
        if parts.path.startswith(prefix):
            found.append(parse_qs(parts.query))
    return found


def test_object_and_external_selectors_are_sent_as_the_api_parses_them(api, kubeconfig) -> None:
    objects = app("orders", "shop", 2, "100m", T0, metrics=OBJECT_AND_EXTERNAL)
    objects += [object_value("250"), external_value("120")]
    api.load(listing(objects))
    row = engine(kubeconfig, clock=lambda: T0).refresh().rows[0]

    assert queries(api, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/ingresses/main/requests_per_second") \
        == [{"metricLabelSelector": [SELECTOR_QUERY]}]
    assert queries(api, "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_messages_ready") \
        == [{"labelSelector": [SELECTOR_QUERY]}]
    # The served values decide: 250 against a Value of 100 wants ceil(2 x 2.5) = 5; 120 over an
    # AverageValue of 30 wants 4. The larger proposal wins; the legacy scale-up limit (max(2 x 2, 4)) allows 4.
    cells = [metric.cell for metric in row.metrics]
    assert cells == ["requests_per_second: 250/100", "queue_messages_ready: 60/30 (avg)"]
    assert [metric.failure for metric in row.metrics] == ["", ""]
    assert row.decision is not None and row.decision.proposed_replicas == 5
    assert row.verdict == "scaling up (limited to 4 by ScaleUpLimit)" and row.desired == 4


def test_custom_metrics_are_read_at_the_version_the_cluster_serves(api, kubeconfig) -> None:
    objects = app("rps", "shop", 2, "100m", T0, metrics=PODS_METRIC)
    objects.append(custom_items("shop", ["rps-5d9f8c7b6-00000", "rps-5d9f8c7b6-00001"], "30", T0))
    api.load(listing(objects, custom_version="v1beta2"))  # only v1beta2.custom.metrics.k8s.io is registered
    row = engine(kubeconfig, clock=lambda: T0).refresh().rows[0]

    custom = [urlsplit(path).path for path in api.paths() if "/apis/custom.metrics.k8s.io/" in path]
    assert custom == ["/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/http_requests"]
    assert row.metrics[0].cell == "http_requests: 30/10" and row.metrics[0].failure == ""
    assert row.verdict == "scaling up (limited to 4 by ScaleUpLimit)"


def test_a_forbidden_apiservice_list_leaves_v1beta1_and_watch_works(api, kubeconfig) -> None:
    objects = app("rps", "shop", 2, "100m", T0, metrics=PODS_METRIC)
    objects.append(custom_items("shop", ["rps-5d9f8c7b6-00000", "rps-5d9f8c7b6-00001"], "30", T0))
    api.load(listing(objects))
    api.fault(r"^/apis/apiregistration\.k8s\.io/", 403, {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
        "message": 'apiservices.apiregistration.k8s.io is forbidden: User "dev" cannot list resource "apiservices" '
                   'in API group "apiregistration.k8s.io" at the cluster scope'})
    frame = engine(kubeconfig, clock=lambda: T0).refresh()

    assert any(urlsplit(path).path == "/apis/apiregistration.k8s.io/v1/apiservices" for path in api.paths())
    custom = [urlsplit(path).path for path in api.paths() if "/apis/custom.metrics.k8s.io/" in path]
    assert custom == ["/apis/custom.metrics.k8s.io/v1beta1/namespaces/shop/pods/*/http_requests"]
    assert frame.problems == []  # the APIService list is optional: not a problem of the view
    row = frame.rows[0]
    assert row.metrics[0].cell == "http_requests: 30/10"
    assert row.verdict == "scaling up (limited to 4 by ScaleUpLimit)"
