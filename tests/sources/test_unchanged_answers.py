"""An answer the same as the previous one to the same request is not parsed again (watch reads metrics every
refresh); any difference, in the text or the status, is parsed as usual. Served over real HTTP."""

from __future__ import annotations

from pathlib import Path

from kubectl_hpa.sources.cluster_client import ConnectionOptions, connect
from tests.apiserver import FakeAPIServer, empty_cluster, scaled_hpa

PODS = "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"


def test_the_same_answer_keeps_its_parsed_body(api: FakeAPIServer, kubeconfig: Path) -> None:
    empty_cluster(api)
    scaled_hpa(api, 3)
    connection = connect(ConnectionOptions(kubeconfig=str(kubeconfig)))
    first = connection.get(PODS)
    again = connection.get(PODS, previous=first)
    assert again.ok and again.text == first.text and again.body is first.body
    assert len(connection.requests) == 2  # both were sent: only the parsing is saved

    api.objects = [item for item in api.objects if (item.get("metadata") or {}).get("name") != "web-00002"]
    changed = connection.get(PODS, previous=first)
    assert changed.body is not first.body
    assert [i["metadata"]["name"] for i in changed.body["items"]] == ["web-00000", "web-00001"]

    api.fault(r"metrics\.k8s\.io", 503, "service unavailable\n")
    failing = connection.get(PODS, previous=changed)
    assert failing.status == 503 and failing.body is None
