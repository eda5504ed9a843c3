"""Run the plugin as its own process and measure that process: CPU time, peak memory, wall time.

Shared by the benchmarks. Why a wrapper: a child started from a large parent (the benchmark, which serves
the test API server) inherits the parent's peak RSS in ``ru_maxrss`` (Linux keeps the larger of the old and
the new ``maxrss`` across ``exec``, and ``subprocess`` forks with ``vfork``), so ``wait4`` over-reports it.
The plugin's own peak is ``VmHWM`` of ``/proc/self/status``, which belongs to its address space alone: the
wrapper reads it, with the CPU time of every thread, when the interpreter exits, and writes both to a file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent

_WRAPPER = """
import atexit, json, os, resource, runpy, sys

def _report(path=os.environ.pop("KUBECTL_HPA_BENCH_REPORT")):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(path, "w", encoding="ascii") as out:
        json.dump({"cpu": usage.ru_utime + usage.ru_stime, "peak_kib": peak}, out)

atexit.register(_report)
sys.argv = ["kubectl-hpa", *sys.argv[1:]]
runpy.run_module("kubectl_hpa", run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class Measured:
    """One run of the plugin: exit code, output, and what it cost its own process."""

    code: int
    stdout: str
    stderr: str
    cpu: float  # seconds, user + system, all threads
    peak_mib: float  # VmHWM of the plugin's process
    wall: float  # seconds, launch to exit

    def check(self, *codes: int) -> Measured:
        if self.code not in codes:
            raise SystemExit(f"the plugin exited {self.code}: {self.stderr.strip()[-400:]}")
        return self


def compile_package() -> None:
    """Byte-compile the package first, as an installed one is: with PYTHONDONTWRITEBYTECODE set (or a read-only
    tree) every run would compile each module whose source is newer than its .pyc, and that would be measured."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kubectl_hpa")], capture_output=True,
                   check=False)


def wrapped(args: list[str], report: Path, env: Optional[dict[str, str]] = None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run ``kubectl hpa ARGS`` and write its costs to ``report`` at exit."""
    environment = {**os.environ, "NO_COLOR": "1", **(env or {}), "KUBECTL_HPA_BENCH_REPORT": str(report)}
    return [sys.executable, "-c", _WRAPPER, *args], environment


def costs(report: Path) -> tuple[float, float]:
    """(CPU seconds, peak MiB) the wrapped process wrote at exit (NaN, 0 when it wrote nothing)."""
    figures = json.loads(report.read_text()) if report.exists() else {"cpu": float("nan"), "peak_kib": 0}
    return figures["cpu"], figures["peak_kib"] / 1024


def plugin(args: list[str], env: Optional[dict[str, str]] = None, timeout: float = 600.0,
           stdout: Optional[int] = subprocess.PIPE) -> Measured:
    """``kubectl hpa ARGS`` in a fresh interpreter, measured (see the module's docstring)."""
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "report.json"
        command, environment = wrapped(args, report, env)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=environment, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, timeout=timeout, check=False)
        wall = time.perf_counter() - started
        cpu, peak = costs(report)
    return Measured(done.returncode, done.stdout or "", done.stderr, cpu, peak, wall)


def ratio_line(label: str, value: float, floor: float, unit: str, width: int = 46, target: bool = True) -> str:
    """``label  value unit  floor unit  ratio``: every figure beside its floor (a target, or with ``target=False`` a
    reference it is compared with, such as the same figure at a smaller size)."""
    shown = f"{value:.3g}" if value < 100 else f"{value:.0f}"
    ratio = value / floor if floor else float("inf")
    verdict = ("ok" if ratio <= 1.0 else "OVER") if target else ""
    return f"{label:<{width}} {shown:>8} {unit:<4} {floor:>8g} {unit:<4} {ratio:>6.2f}x  {verdict}"


def ratio_header(width: int = 46) -> str:
    return f"{'figure':<{width}} {'value':>8} {'':<4} {'floor':>8} {'':<4} {'ratio':>7}"
