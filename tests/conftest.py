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
