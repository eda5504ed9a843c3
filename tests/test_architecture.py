"""The layers of design.md, enforced: a pure core, kubernetes only in sources/, arrows pointing inward.

import-linter reads the contracts from setup.cfg ([importlinter] sections) and follows imports transitively,
so a core module that reached the kubernetes client through a helper would fail here too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.process  # every test here spawns a process


def test_import_contracts_hold() -> None:
    command = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(command), "--config", str(ROOT / "setup.cfg"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout
