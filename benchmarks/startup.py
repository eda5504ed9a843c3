"""Start-up cost of the plugin next to kubectl's own, on this machine.

Targets (issues "Foundation" and 18): ``kubectl hpa --help`` at most 2x, ``kubectl hpa explain -f <fixture>``
at most 2x and ``kubectl hpa simulate`` at most 2.5x ``kubectl version --client``. Prints medians of
repeated wall-clock runs, each beside its floor (the target times kubectl's median) and the ratio; it
measures, it does not fail. ``python -X importtime -m kubectl_hpa explain -f <fixture>`` shows where the
time goes (an editable install adds a path finder to every start: ``pip install .`` for the real figure);
``tests/test_startup.py`` guards, structurally, which modules each offline path loads.

An editable install (and any ``.pth`` hook of the interpreter) runs at every start and is measured with the
plugin; ``--plugin`` measures another command line instead, e.g. a non-editable copy run by an interpreter
without those hooks (its script, not ``-m``: with ``-m`` the repository, the working directory, would come first
on ``sys.path`` and be imported instead)::

    python -m venv /tmp/venv && pip install --target /tmp/real . click PyYAML tabulate
    python benchmarks/startup.py --plugin "env PYTHONPATH=/tmp/real /tmp/venv/bin/python /tmp/real/bin/kubectl-hpa"

    python benchmarks/startup.py [--runs 15] [--plugin COMMAND]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from measured import compile_package, ratio_header, ratio_line  # noqa: E402

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
    parser.add_argument("--plugin", metavar="COMMAND", help="the plugin's command line (default: kubectl-hpa on PATH, "
                        "else python -m kubectl_hpa)")
    args = parser.parse_args()
    plugin = shlex.split(args.plugin) if args.plugin else plugin_command()
    compile_package()
    kubectl = shutil.which("kubectl")
    if not kubectl:
        raise SystemExit("kubectl not found: the start-up floors are multiples of `kubectl version --client`")
    baseline = median_seconds([kubectl, "version", "--client"], args.runs)
    print(f"kubectl version --client: {baseline * 1000:.0f} ms (median of {args.runs})")
    print(ratio_header(62))
    for label, extra, target in (("kubectl hpa --help", ["--help"], 2.0),
                                 ("kubectl hpa explain -f bootcamp-cpu-219.yaml", ["explain", "-f", str(FIXTURE)], 2.0),
                                 ("kubectl hpa simulate", ["simulate"], 2.5)):
        seconds = median_seconds(plugin + extra, args.runs)
        print(ratio_line(f"{label} (<= {target:g}x kubectl)", seconds * 1000, target * baseline * 1000, "ms", 62))
    print(f"(plugin run as: {' '.join(plugin)}; {args.runs} runs each)")


if __name__ == "__main__":
    main()
