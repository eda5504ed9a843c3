"""A fresh test API server per test (on one HTTP server per module) and a kubeconfig pointing at it.

The HTTP server itself is the module-scoped ``apiserver_http`` fixture of tests/conftest.py; the
server code, the CLI runner ``run`` and ``CUSTOM_API`` live in tests/integration/apiserver.py.
"""

from __future__ import annotations

import pytest

from tests.integration.apiserver import FakeAPIServer


@pytest.fixture
def api(apiserver_http):
    fake = FakeAPIServer.fresh(apiserver_http)
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def kubeconfig(api, tmp_path):
    return api.kubeconfig(tmp_path / "kubeconfig", namespace="shop")
