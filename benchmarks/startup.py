"""Start-up cost of the plugin next to kubectl's own, on this machine.

Targets (issue "Foundation"): ``kubectl hpa --help`` at most 2x and
``kubectl hpa explain -f <fixture>`` at most 3x ``kubectl version --client``.
Prints medians of repeated wall-clock runs; it measures, it does not fail.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "snapshots" / "bootcamp-cpu-219.yaml"


def plugin_command() -> list[str]:
    script = shutil.which("kubectl-hpa")
    return [script] if script else [sys.executable, "-m", "kubectl_hpa"]


def median_seconds(command: list[str], runs: int) -> float:
    subprocess.run(command, capture_output=True, check=False, cwd=ROOT)  # warm the page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, cwd=ROOT)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    plugin = plugin_command()
    rows = []
    kubectl = shutil.which("kubectl")
    baseline = median_seconds([kubectl, "version", "--client"], args.runs) if kubectl else None
    rows.append(("kubectl version --client", baseline, None))
    for label, extra, target in (("kubectl hpa --help", ["--help"], 2.0),
                                 ("kubectl hpa explain -f bootcamp-cpu-219.yaml", ["explain", "-f", str(FIXTURE)], 3.0)):
        rows.append((label, median_seconds(plugin + extra, args.runs), target))
    print(f"{'command':<48} {'median':>9} {'x kubectl':>10} {'target':>7}")
    for label, seconds, target in rows:
        ratio = f"{seconds / baseline:.1f}x" if baseline and seconds is not None else "-"
        shown = f"{seconds * 1000:.0f} ms" if seconds is not None else "n/a"
        print(f"{label:<48} {shown:>9} {ratio:>10} {f'<= {target:.0f}x' if target else '':>7}")
    print(f"(plugin run as: {' '.join(plugin)}; {args.runs} runs each)")


if __name__ == "__main__":
    main()
