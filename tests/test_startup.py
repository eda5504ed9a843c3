"""Start-up stays light: the offline paths import what they use, nothing of the network or plotting stacks.

Structural, not timed (the figures are in benchmarks/startup.py): each command runs in a fresh interpreter, which
then lists ``sys.modules``; a module a path must not load fails the test with the path and the module named.
"""

from __future__ import annotations

import ast
import functools
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
CLIENT = ("kubectl_hpa.sources.cluster_client", "kubectl_hpa.sources.kubeconfig", "kubectl_hpa.sources.kube_client",
          "kubectl_hpa.sources.reader", "kubectl_hpa.sources.cluster")
"""Our side of a live read: the flags need only ``kubectl_hpa.sources.options``."""
LAZY = ("importlib.resources", "zipfile", "statistics", "random")
"""Standard modules an offline start does without (issue 18): the bundled scenario is a file next to the package;
the one median diagnostics take is computed in place."""

RUN = """
import runpy, sys
sys.argv = ["kubectl-hpa", *sys.argv[1:]]
try:
    runpy.run_module("kubectl_hpa", run_name="__main__")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + repr({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""
"""The wrapper imports nothing the plugin would not (no json: whether a path loads it is one of the questions)."""


def imported(args: list[str]) -> set[str]:
    """The modules loaded by ``kubectl hpa <args>`` in a fresh interpreter (the command must succeed)."""
    result = subprocess.run([sys.executable, "-c", RUN, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    report = ast.literal_eval(result.stderr.rsplit("\nMODULES ", 1)[1])
    assert report["code"] in (0, None), result.stderr
    return set(report["modules"])


@functools.cache
def at_start() -> frozenset[str]:
    """The modules a bare interpreter has loaded before running anything: those its site hooks import (a ``.pth``
    file may load pathlib or importlib.resources) are no command's doing."""
    result = subprocess.run([sys.executable, "-c", "import sys; print(sorted(sys.modules))"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    return frozenset(ast.literal_eval(result.stdout))


def ours(modules: set[str]) -> set[str]:
    """The modules a command loaded beyond what the interpreter starts with."""
    return modules - at_start()


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
    assert loaded(modules, NETWORK + HEAVY) == [] and loaded(ours(modules), LAZY) == []
    assert sorted(modules & set(CLIENT)) == []
    for package in ("kubectl_hpa.sim", "kubectl_hpa.watch", "kubectl_hpa.render.plot", "kubectl_hpa.render.timeline"):
        assert under(modules, package) == [], package


@pytest.mark.process
def test_offline_explain_of_yaml_as_text_skips_pathlib_and_json() -> None:
    """A YAML snapshot explained as text needs neither pathlib (with the urllib.parse it loads) nor json: ~5 ms."""
    modules = imported(["explain", "-f", str(SNAPSHOT)])
    assert loaded(ours(modules), ("pathlib", "json", "urllib")) == []


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
    # A simulation draws start-up times and scrape phases from its seed: random is the one lazy module it needs.
    assert loaded(modules, NETWORK + HEAVY) == [] and loaded(ours(modules), tuple(set(LAZY) - {"random"})) == []
    assert sorted(modules & set(CLIENT)) == []  # the connection flags come from sources.options
    # An HPA manifest is read by sources.hpa alone, not by the snapshot reader behind the sources.snapshot facade.
    for module in ("kubectl_hpa.sources.snapshot", "kubectl_hpa.sources.assemble", "kubectl_hpa.sources.document",
                   "kubectl_hpa.sources.readings"):
        assert module not in modules, module
    for package in ("kubectl_hpa.diagnose", "kubectl_hpa.watch", "kubectl_hpa.render.plot"):
        assert under(modules, package) == [], package


@pytest.mark.process
def test_yaml_imported_by_us_words_errors_as_before() -> None:
    """``inputs.import_yaml`` defers the compilation of PyYAML's NON_PRINTABLE pattern (6-7 ms of every start that
    reads YAML); the pure reader, which alone uses it, still refuses the same characters with the same words."""
    probe = """
import sys
{setup}
import yaml
for text in ("a: \\x01", "a: \\ufffe", "ok: [1, 2]", "\\x85a: b"):
    try:
        print(repr(yaml.load(text, Loader=yaml.SafeLoader)))
    except yaml.YAMLError as error:
        print(str(error))
print(yaml.reader.Reader.NON_PRINTABLE.pattern == {pattern!r})
"""
    from kubectl_hpa.inputs import _PURE_READER_PATTERN

    def run(setup: str) -> str:
        code = probe.format(setup=setup, pattern=_PURE_READER_PATTERN)
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              check=True).stdout

    deferred = run("from kubectl_hpa.inputs import import_yaml; import_yaml()")
    assert deferred == run("")
    assert "unacceptable character #x0001" in deferred and deferred.endswith("True\n")
