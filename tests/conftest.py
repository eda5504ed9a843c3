"""The repository root on sys.path, and the test API server shared by the tests of one module.

Helpers live in tests/helpers.py (and tests/integration/apiserver.py): import them from there, never from
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



@pytest.fixture(scope="module")
def apiserver_http() -> Iterator:
    """One real HTTP server per test module (stopping one takes 0.5 s); the ``api`` fixture resets it per test."""
    from tests.integration.apiserver import serve

    server = serve()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()
