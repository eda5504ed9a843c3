"""A test API server per test, a kubeconfig pointing at it, and a CLI runner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from kubectl_hpa.cli.main import cli
from tests.integration.apiserver import FakeAPIServer

CUSTOM_API = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
              "metadata": {"name": "v1beta1.custom.metrics.k8s.io"},
              "spec": {"group": "custom.metrics.k8s.io", "version": "v1beta1",
                       "service": {"namespace": "monitoring", "name": "prometheus-adapter", "port": 443}},
              "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                         "message": "all checks passed"}]}}


@pytest.fixture
def api():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield FakeAPIServer(server)
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def kubeconfig(api, tmp_path):
    return api.kubeconfig(tmp_path / "kubeconfig", namespace="shop")


def run(kubeconfig, *args: str, env: dict | None = None) -> tuple[int, str, str]:
    environment = {"NO_COLOR": "1", "KUBECONFIG": str(kubeconfig), **(env or {})}
    result = CliRunner().invoke(cli, list(args), env=environment, prog_name="kubectl hpa")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
