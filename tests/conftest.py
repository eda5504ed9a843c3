"""The repository root on sys.path, and the test API server: one HTTP server, a fresh state per test.

Helpers live in tests/helpers.py (and tests/apiserver.py): import them from there, never from
a conftest or another test module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tests.apiserver import FakeAPIServer, serve  # noqa: E402 - after the root is on sys.path


@pytest.fixture(scope="session")
def apiserver_http() -> Iterator:
    """One real HTTP server for the session (stopping one takes 0.5 s); the ``api`` fixture gives each test a
    fresh state and its own URL prefix on it."""
    server = serve()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def api(apiserver_http) -> Iterator[FakeAPIServer]:
    """A fresh fake API server (its own state and URL prefix) on the module's HTTP server."""
    fake = FakeAPIServer.fresh(apiserver_http)
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def kubeconfig(api: FakeAPIServer, tmp_path: Path) -> Path:
    """A kubeconfig for ``api`` whose context's namespace is ``shop``."""
    return api.kubeconfig(tmp_path / "kubeconfig", namespace="shop")
