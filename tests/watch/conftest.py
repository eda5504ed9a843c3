"""The integration tests' API server and kubeconfig, plus waiting helpers for the watch tests."""

from __future__ import annotations

import time
from typing import Callable

from tests.integration.conftest import api, kubeconfig  # noqa: F401 - fixtures


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05, what: str = "") -> object:
    """Poll until ``predicate()`` is truthy or fail after ``timeout`` seconds (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)
