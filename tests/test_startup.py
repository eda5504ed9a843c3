"""Start-up stays light: the offline paths import what they use, nothing of the network or plotting stacks.

Structural, not timed (the figures are in benchmarks/startup.py): each command runs in a fresh interpreter, which
then lists ``sys.modules``; a module a path must not load fails the test with the path and the module named.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "fixtures" / "snapshots" / "bootcamp-cpu-219.yaml"

NETWORK = ("kubernetes", "urllib3", "requests", "http", "ssl", "socket", "email", "multiprocessing", "logging",
           "subprocess")
"""The client and HTTP/TLS stack: only live reads (a cluster, Prometheus) load them."""
HEAVY = ("matplotlib", "numpy", "tabulate", "hypothesis", "orjson", "asyncio")
"""Plotting, tables and test tooling: never on the default offline paths."""

RUN = """
import json, runpy, sys
sys.argv = ["kubectl-hpa", *json.loads(sys.argv[1])]
try:
    runpy.run_module("kubectl_hpa", run_name="__main__")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def imported(args: list[str]) -> set[str]:
    """The modules loaded by ``kubectl hpa <args>`` in a fresh interpreter (the command must succeed)."""
    result = subprocess.run([sys.executable, "-c", RUN, json.dumps(args)], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    report = json.loads(result.stderr.rsplit("\nMODULES ", 1)[1])
    assert report["code"] in (0, None), result.stderr
    return set(report["modules"])


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in packages or name in packages)


def under(modules: set[str], prefix: str) -> list[str]:
    return sorted(name for name in modules if name == prefix or name.startswith(prefix + "."))


@pytest.fixture(scope="module")
def json_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snapshot") / "bootcamp-cpu-219.json"
    path.write_text(json.dumps(yaml.safe_load(SNAPSHOT.read_text())))
    return path


@pytest.mark.process
def test_help_imports_no_verb() -> None:
    modules = imported(["--help"])
    assert loaded(modules, NETWORK + HEAVY + ("yaml",)) == []
    assert under(modules, "kubectl_hpa.core") == [] and under(modules, "kubectl_hpa.sources") == []


@pytest.mark.process
@pytest.mark.parametrize("output", [[], ["-o", "json"]])
def test_offline_explain_imports_no_client_no_simulator(output: list[str]) -> None:
    modules = imported(["explain", "-f", str(SNAPSHOT), *output])
    assert {"kubectl_hpa.core.decide", "kubectl_hpa.diagnose", "yaml"} <= modules  # the path did run
    assert loaded(modules, NETWORK + HEAVY) == []
    for package in ("kubectl_hpa.sim", "kubectl_hpa.watch", "kubectl_hpa.render.plot", "kubectl_hpa.render.timeline"):
        assert under(modules, package) == [], package


@pytest.mark.process
def test_a_json_snapshot_is_read_without_yaml(json_snapshot: Path) -> None:
    modules = imported(["explain", "-f", str(json_snapshot)])
    assert "kubectl_hpa.core.decide" in modules
    assert "yaml" not in modules
    assert loaded(modules, NETWORK + HEAVY) == []


@pytest.mark.process
@pytest.mark.parametrize("output", [[], ["-o", "json"], ["-o", "table"]])
def test_offline_simulate_imports_no_client_no_diagnostics(output: list[str]) -> None:
    modules = imported(["simulate", *output])
    assert "kubectl_hpa.sim.engine" in modules
    assert loaded(modules, NETWORK + HEAVY) == []
    for package in ("kubectl_hpa.diagnose", "kubectl_hpa.watch", "kubectl_hpa.render.plot"):
        assert under(modules, package) == [], package
