"""What `pip install .` leaves out says which extra brings it, in one line, instead of a traceback.

The app, the load generator and the request benchmark need the ``loadgen`` or ``test`` extras. Each is
run here as a user runs it, with the missing package made unimportable (a stand-in module that raises
ImportError, first on PYTHONPATH), and must print one ``error:`` line naming the extra and exit 1.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loadgen import runner
from tests.helpers import ROOT

pytestmark = pytest.mark.process


def _without(tmp_path: Path, module: str) -> dict[str, str]:
    """An environment where ``import module`` fails as it does when the package is not installed."""
    (tmp_path / f"{module}.py").write_text(f"raise ImportError({f'No module named {module}'!r})\n")
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))


@pytest.mark.parametrize("command, module, extra", [
    ([sys.executable, str(ROOT / "fixtures" / "hello-actuator" / "hello_actuator.py"), "--port", "0"],
     "prometheus_client", "'.[loadgen]'"),
    ([sys.executable, str(ROOT / "benchmarks" / "api_requests.py")], "pytest_httpserver", "'.[test]'"),
])
def test_a_missing_extra_is_named_in_one_line(tmp_path: Path, command: list[str], module: str, extra: str) -> None:
    result = subprocess.run(command, env=_without(tmp_path, module), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert f"pip install {extra}" in result.stderr and "Traceback" not in result.stderr


def test_loadgen_without_locust_says_so_before_starting_it(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """locust runs as a child process; without it the child would fail with a traceback of its own."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "locust" else real(name, *a))
    assert runner.main(["--host", "http://127.0.0.1:9", "--run-time", "1s"]) == 1
    assert capsys.readouterr().err == runner.MISSING_LOCUST + "\n"
