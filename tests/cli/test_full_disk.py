"""A full disk under the output is the user's world, not our bug: one line as kubectl words it, exit 1.

Linux's /dev/full fails every write with ENOSPC, the way a full disk or quota does. Before, stdout on it
gave "internal error ... please report it", and `--plot /dev/full` exited 0 with nothing written
(matplotlib swallows a failed final write).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT, SNAPSHOTS

pytestmark = [pytest.mark.process,
              pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")]


def _run(*args: str, stdout_to_full: bool = True) -> subprocess.CompletedProcess:
    with open("/dev/full", "w") as full:
        return subprocess.run([sys.executable, "-m", "kubectl_hpa", *args], cwd=ROOT, text=True, timeout=120,
                              stdout=full if stdout_to_full else subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("args", [
    ("explain", "-f", str(SNAPSHOTS / "bootcamp-cpu-219.yaml"), "--kubernetes-version", "1.37"),
    ("simulate", "-o", "csv", "--kubernetes-version", "1.37"),
    ("explain", "--help"),
])
def test_output_to_a_full_disk_is_one_line(args: tuple[str, ...]) -> None:
    result = _run(*args)
    assert (result.returncode, result.stderr) == (1, "error: write /dev/stdout: no space left on device\n")


def test_a_plot_to_a_full_disk_fails_in_one_line() -> None:
    result = _run("simulate", "--kubernetes-version", "1.37", "--plot", "/dev/full", stdout_to_full=False)
    assert (result.returncode, result.stderr) == (1, "error: --plot /dev/full: No space left on device\n")
