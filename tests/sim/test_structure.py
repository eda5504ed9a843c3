"""The simulator's and the pipeline's modules import each other one way, and only by public names.

A private helper imported from a sibling is how the old load.py <-> scenario.py cycle started:
the shared checks now live in sim/fields.py, and this test keeps it that way. (The cycles
themselves are checked for the whole package by import-linter's acyclic_siblings contract.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGES = [ROOT / "kubectl_hpa" / "sim", ROOT / "kubectl_hpa" / "pipeline"]


def private_imports(path: Path) -> list[str]:
    """``from <our module> import _name`` lines: a private name used outside its module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("kubectl_hpa")):
            found += [f"{path.name}:{node.lineno}: {alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_no_private_name_is_imported_from_another_module(package: Path) -> None:
    assert [line for path in sorted(package.glob("*.py")) for line in private_imports(path)] == []
