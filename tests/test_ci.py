"""CI installs what the tests call, and pins the tools it runs: `.ci/run` and tox.ini, read as CI runs them."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

CI_RUN = (ROOT / ".ci" / "run").read_text()
KUBECTL_TESTS = ["tests/cli/test_explain.py::test_installed_entry_point_and_kubectl_plugin_discovery",
                 "tests/cli/test_explain_live.py::test_kubectl_reads_the_same_shapes"]


def _tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    return parser


def test_ci_installs_kubectl_and_makes_its_absence_a_failure() -> None:
    """Debian's kubernetes-client package is the kubectl binary; CI installs it when kubectl is missing."""
    assert re.search(r"command -v kubectl\b.*kubernetes-client", CI_RUN), CI_RUN
    assert "KUBECTL_HPA_REQUIRE_KUBECTL=1" in CI_RUN
    assert "KUBECTL_HPA_REQUIRE_KUBECTL" in _tox()["testenv"]["passenv"].split()


def test_ci_pins_its_tools_to_exact_versions() -> None:
    """tox, ruff and mypy change their verdicts between releases: CI runs the ones the project was checked with."""
    assert re.search(r"pip install .*\btox==\d+\.\d+\.\d+", CI_RUN), CI_RUN
    deps = _tox()["testenv:lint"]["deps"].split()
    for tool in ("ruff", "mypy"):
        pinned = [dep for dep in deps if dep.startswith(tool + "==")]
        assert len(pinned) == 1 and re.fullmatch(rf"{tool}==\d+\.\d+\.\d+", pinned[0]), deps


@pytest.mark.process
@pytest.mark.parametrize("required, outcome", [("", "2 skipped"), ("1", "2 failed")])
def test_the_kubectl_tests_skip_without_kubectl_except_in_ci(tmp_path: Path, required: str, outcome: str) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "KUBECTL_HPA_REQUIRE_KUBECTL": required}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *KUBECTL_TESTS],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert outcome in result.stdout, result.stdout + result.stderr
    assert "kubectl binary not found on PATH (apt-get install -y kubernetes-client)" in result.stdout
