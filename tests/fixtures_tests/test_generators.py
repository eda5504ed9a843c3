"""Regenerating the snapshot fixtures changes nothing: each generator's output is the committed YAML, byte for byte.

The generators write next to themselves (``HERE = Path(__file__).parent``), so each runs as
documented (``python generate.py``) from a copy of fixtures/snapshots/ (generators only) in a
temporary directory; the committed files are never written. A difference means a fixture was
edited by hand or a generator changed without its YAML being regenerated and committed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, SNAPSHOTS

GENERATORS = {  # folder under fixtures/snapshots: what its generate.py writes there
    ".": "the tutorial snapshots",
    "diagnostics": "one snapshot per diagnostic",
}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """fixtures/snapshots/ as the generators write it, in a temporary directory."""
    out = tmp_path_factory.mktemp("snapshots")
    for folder in GENERATORS:
        (out / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy2(SNAPSHOTS / folder / "generate.py", out / folder / "generate.py")
    for folder in GENERATORS:  # the diagnostics generator imports the copied ../generate.py, as in the tree
        result = subprocess.run([sys.executable, "generate.py"], cwd=out / folder, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, f"{folder}/generate.py failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.mark.parametrize("folder", sorted(GENERATORS))
def test_regenerating_changes_nothing(regenerated: Path, folder: str) -> None:
    committed = {path.name: path for path in sorted((SNAPSHOTS / folder).glob("*.yaml"))}
    written = {path.name: path for path in sorted((regenerated / folder).glob("*.yaml"))}
    where = (SNAPSHOTS / folder).relative_to(ROOT)
    assert sorted(written) == sorted(committed), (
        f"{where}/generate.py writes {sorted(set(written) - set(committed))} that are not committed and does not "
        f"write {sorted(set(committed) - set(written))} that are")
    differ = [name for name in committed if committed[name].read_bytes() != written[name].read_bytes()]
    assert not differ, (f"{where}/generate.py writes these differently from the committed files (run "
                        f"`python {where}/generate.py` and commit, or fix the generator): {differ}")

