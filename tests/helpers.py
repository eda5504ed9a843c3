"""What several test modules share: repository paths, golden files, binaries, the fuzzers' field walker.

Test modules import from here (``from tests.helpers import ...``), never from a conftest or from
another test module: a conftest is imported by pytest under its own module name, so importing it
again as ``tests.conftest`` makes a second copy, and a test module imported by another one runs
its collection twice.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import os
import time
from pathlib import Path
from types import ModuleType
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent

SNAPSHOTS = ROOT / "fixtures" / "snapshots"
UPDATE_GOLDEN_ENV = "UPDATE_GOLDEN"
# The only way a test writes a golden file: UPDATE_GOLDEN=1 in the environment. A missing golden fails.
UPDATE_GOLDEN = os.environ.get(UPDATE_GOLDEN_ENV) == "1"


def check_golden(path: Path, text: str, nodeid: str = "") -> None:
    """Assert ``text`` is exactly the golden file ``path``; UPDATE_GOLDEN=1 (re)writes it instead.

    A missing golden is a failure, not a silent first write: a refactor that renames a fixture or a
    golden must not turn a comparison into a pass. The file is compared byte for byte (no newline
    translation), so carriage returns and colour escapes count.
    """
    import pytest

    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
        return
    if not path.exists():
        where = f" '{nodeid}'" if nodeid else ""
        pytest.fail(f"golden file {path.relative_to(ROOT)} is missing; review the output, then create it with "
                    f"{UPDATE_GOLDEN_ENV}=1 python3 -m pytest -p no:cacheprovider{where}", pytrace=False)
    expected = path.read_bytes().decode()
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                            f"{path.relative_to(ROOT)} (golden)", "output"))
        if len(diff) > 6000:
            diff = diff[:6000] + f"\n... ({len(diff) - 6000} more characters of diff)\n"
        pytest.fail(f"output differs from golden {path.relative_to(ROOT)} "
                    f"({UPDATE_GOLDEN_ENV}=1 rewrites it once the change is intended):\n{diff}", pytrace=False)


@functools.cache
def snapshot_builders() -> ModuleType:
    """fixtures/snapshots/generate.py, loaded once under its own name: the fixtures' object builders
    (``hpa``, ``deployment``, ``pod``, ``pod_metrics``, ``cpu_metric``...), without putting its folder on sys.path."""
    spec = importlib.util.spec_from_file_location("tests_fixture_generate", SNAPSHOTS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def require_binary(name: str, install_hint: str, required_by: str = "KUBECTL_HPA_REQUIRE_PROMETHEUS") -> str:
    """A real binary the test needs: skip where it is missing, fail instead when CI sets ``required_by=1``."""
    import shutil

    import pytest

    path = shutil.which(name)
    if path:
        return path
    reason = f"{name} binary not found on PATH ({install_hint})"
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason}; {required_by}=1 makes this a failure", pytrace=False)
    pytest.skip(reason)


def require_kubectl() -> str:
    """The real kubectl binary: skipped where it is missing, a failure in CI (``.ci/run`` installs it)."""
    return require_binary("kubectl", "apt-get install -y kubernetes-client", "KUBECTL_HPA_REQUIRE_KUBECTL")


def field_paths(node, prefix: tuple = (), items: int = 4) -> list[tuple]:
    """Every path to a field of a decoded document (the first ``items`` of each list), for fuzzing."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += field_paths(value, prefix + (key,), items)
    elif isinstance(node, list):
        for index, value in enumerate(node[:items]):
            out += field_paths(value, prefix + (index,), items)
    return out


def replaced(document, path: tuple, value):
    """A deep copy of ``document`` with the field at ``path`` set to ``value``."""
    import copy

    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed
