"""How fast ``simulate`` runs, and how its cost grows with replicas and with simulated time.

Target (issue "simulate"): 30 simulated days at a 15 s sync period with up to 100
replicas in at most 2 s of wall time on one core. Prints simulated time per wall
second; it measures, it does not fail.

    python benchmarks/simulate_speed.py [--days 30]
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import yaml

from kubectl_hpa.sim.engine import simulate
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import parse_scenario

HERE = Path(__file__).resolve().parent
DAILY = HERE / "scenarios" / "daily-100.yaml"


def run(document: dict, days: float) -> tuple[float, dict]:
    scenario = parse_scenario(document, str(DAILY), DAILY.parent)
    load = build_load(scenario.load)
    started = time.process_time()
    result = simulate(scenario, load, days * 86400)
    return time.process_time() - started, result.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    args = parser.parse_args()
    base = yaml.safe_load(DAILY.read_text())
    print(f"{'case':<44} {'CPU s':>7} {'syncs':>8} {'sim days / CPU s':>17} {'peak':>5}")
    cases = [(f"daily wave, max 100 replicas, {args.days:g} days", base, args.days)]
    for days in (1, 3, 10):  # growth with simulated time
        cases.append((f"daily wave, max 100 replicas, {days} days", base, days))
    for peak, replicas in ((500, 10), (50_000, 1000)):  # growth with replicas
        variant = copy.deepcopy(base)
        variant["load"]["max"] = peak
        variant["hpa"]["spec"]["maxReplicas"] = replicas
        cases.append((f"daily wave, max {replicas} replicas, 3 days", variant, 3))
    for label, document, days in cases:
        seconds, summary = run(document, days)
        print(f"{label:<44} {seconds:7.2f} {summary['syncs']:8d} {days / seconds:17.2f} {summary['peakReplicas']:5d}")


if __name__ == "__main__":
    main()
