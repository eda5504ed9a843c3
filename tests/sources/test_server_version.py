"""The API server's release (``GET /version``) as the live reader takes it, over real HTTP."""

from __future__ import annotations

from kubectl_hpa.sources.cluster import read_all, read_hpa, server_version
from kubectl_hpa.sources.cluster_client import ConnectionOptions, connect
from tests.helpers import SNAPSHOTS


def test_server_version_is_the_git_version_or_none(api, kubeconfig) -> None:
    """GET /version once; any failure (forbidden, missing, not JSON) is "unknown", never an error or a failed read."""
    api.load(SNAPSHOTS / "web-scale-down-stabilized.yaml")
    client = connect(ConnectionOptions(kubeconfig=str(kubeconfig)))
    api.git_version = "v1.35.0-eks-3025e55"
    assert server_version(client) == "v1.35.0-eks-3025e55"
    document = read_hpa(client, "web")
    assert document["metadata"]["annotations"]["kubectl-hpa.io/kubernetes-version"] == "v1.35.0-eks-3025e55"
    for code in (403, 404, 500):
        api.faults.clear()
        api.version_fails(code)
        assert server_version(client) is None
    api.faults.clear()
    api.fault(r"^/version$", 200, "<html>not an API server</html>")
    assert server_version(client) is None
    document = read_hpa(client, "web")
    assert "kubectl-hpa.io/kubernetes-version" not in document["metadata"]["annotations"]
    assert not [item for item in document["items"] if item["kind"] == "Status"]
    assert {method for method, _path, _headers in api.requests} == {"GET"}


def test_read_all_records_it_too_even_with_no_hpa(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "web-scale-down-stabilized.yaml")
    client = connect(ConnectionOptions(kubeconfig=str(kubeconfig)))
    assert read_all(client, None)["metadata"]["annotations"]["kubectl-hpa.io/kubernetes-version"] == "v1.37.2"
    assert read_all(client, "empty")["metadata"]["annotations"]["kubectl-hpa.io/kubernetes-version"] == "v1.37.2"
    assert api.paths().count("/version") == 2  # one per read, whatever the HPA count
