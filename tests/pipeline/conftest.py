"""Fixtures for the pipeline tests: markers, the repo on sys.path, the local app and the prometheus binary."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from pipeline_support import AppProcess  # noqa: E402

from tests.helpers import require_binary  # noqa: E402

REQUIRE_PROMETHEUS = "KUBECTL_HPA_REQUIRE_PROMETHEUS"
HINT = "apt-get install -y prometheus"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs real processes for tens of seconds (locust, Prometheus)")


@pytest.fixture(scope="module")
def app() -> Iterator[AppProcess]:
    """A hello-actuator shared by a module's tests; they compare counter deltas, not absolutes."""
    process = AppProcess.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    """Debian's prometheus; skipped when missing unless KUBECTL_HPA_REQUIRE_PROMETHEUS=1 (CI)."""
    return require_binary("prometheus", HINT, REQUIRE_PROMETHEUS)


@pytest.fixture(scope="session")
def promtool_binary() -> str:
    return require_binary("promtool", HINT, REQUIRE_PROMETHEUS)
