"""Shared test helpers: the repository root on sys.path and paths to fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SNAPSHOTS = ROOT / "fixtures" / "snapshots"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


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
