"""How fast ``simulate`` runs, and how its cost grows with replicas and with simulated time.

Target (issue "simulate"): 30 simulated days at a 15 s sync period with up to 100
replicas in at most 2 s of wall time on one core. Each case runs in several fresh
processes (this class of VM varies by 10-20% between processes, not within one)
and the median CPU time is reported with the range. It measures, it does not fail.

    python benchmarks/simulate_speed.py [--processes 5] [--days 30]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAILY = HERE / "scenarios" / "daily-100.yaml"


def cases(days: float) -> list[tuple[str, dict, float, bool]]:
    """(label, changes to the daily scenario, days, steady path on)."""
    base: list[tuple[str, dict, float, bool]] = [(f"daily wave, max 100 replicas, {days:g} days", {}, days, True)]
    base += [(f"daily wave, max 100 replicas, {d} days", {}, d, True) for d in (1, 3, 10)]  # growth with time
    base += [(f"daily wave, max {replicas} replicas, 3 days", {"peak": peak, "max": replicas}, 3, True)
             for peak, replicas in ((500, 10), (50_000, 1000))]  # growth with replicas
    base.append(("every sync through decide(), 100 replicas, 3 days", {}, 3, False))
    return base


def measure(changes: dict, days: float, steady: bool) -> dict:
    """One run in this process: CPU seconds and the summary."""
    import yaml

    from kubectl_hpa.sim.engine import simulate
    from kubectl_hpa.sim.load import build_load
    from kubectl_hpa.sim.scenario import parse_scenario

    document = yaml.safe_load(DAILY.read_text())
    if changes:
        document = copy.deepcopy(document)
        document["load"]["max"] = changes["peak"]
        document["hpa"]["spec"]["maxReplicas"] = changes["max"]
    scenario = parse_scenario(document, str(DAILY), DAILY.parent)
    load = build_load(scenario.load)
    started, wall = time.process_time(), time.perf_counter()
    result = simulate(scenario, load, days * 86400, steady=steady)
    seconds, wall = time.process_time() - started, time.perf_counter() - wall
    summary = result.summary()
    return {"seconds": seconds, "wall": wall, "syncs": summary["syncs"], "decided": result.decided,
            "peak": summary["peakReplicas"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a JSON case, measured in this process
    args = parser.parse_args()
    if args.one:
        changes, days, steady = json.loads(args.one)
        print(json.dumps(measure(changes, days, steady)))
        return
    print(f"{'case':<52} {'CPU s (median, range)':>22} {'wall s':>7} {'syncs':>8} {'decide()':>9} "
          f"{'sim days/CPU s':>15} {'peak':>5}")
    for label, changes, days, steady in cases(args.days):
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--one", json.dumps([changes, days, steady])],
                                          check=True, capture_output=True, text=True).stdout)
                for _ in range(args.processes)]
        times = sorted(run["seconds"] for run in runs)
        median, wall = statistics.median(times), statistics.median(run["wall"] for run in runs)
        spread = f"{median:.2f} ({times[0]:.2f}-{times[-1]:.2f})"
        first = runs[0]
        print(f"{label:<52} {spread:>22} {wall:7.2f} {first['syncs']:8d} {first['decided']:9d} "
              f"{days / median:15.1f} {first['peak']:5d}")


if __name__ == "__main__":
    main()
