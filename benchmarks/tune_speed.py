"""How fast ``tune`` replays candidates: a week of 15 s syncs (40,321 syncs each) for 1,000 candidate specs.

Target (issue 19): under a minute of wall time on 2 cores. It runs the tune use case as the CLI does
(the default search space around benchmarks/scenarios/daily-100.yaml, --budget 1000, every usable core
up to --workers) and prints the wall time beside the floor and the ratio, the CPU seconds of this process
and its workers, the CPU time per candidate, and the CPU seconds over the workers (the wall time on cores
nobody else uses) beside the floor. The machine's other load shows in wall time, not in CPU time: both are
printed. It measures, it does not fail.

    python benchmarks/tune_speed.py [--days 7] [--candidates 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAILY = HERE / "scenarios" / "daily-100.yaml"
FLOOR_SECONDS = 60.0


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from kubectl_hpa.usecases.simulate import SimulationRequest
    from kubectl_hpa.usecases.tune import TuneRequest, tune

    request = TuneRequest(SimulationRequest(scenario_file=str(DAILY), duration=args.days * 86400),
                          budget=args.candidates, workers=args.workers)
    cpu, wall = cpu_seconds(), time.perf_counter()
    tuning = tune(request)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    result = tuning.result
    replayed = len(result.candidates)
    syncs = result.current.summary["syncs"]
    print(f"{'case':<58} {'wall s':>8} {'floor s':>8} {'ratio':>6} {'CPU s':>8} {'CPU ms/spec':>12} "
          f"{'2 free cores s':>15} {'ratio':>6}")
    label = f"tune: {replayed} specs x {args.days:g} days ({syncs} syncs), {result.workers} workers"
    ideal = cpu / max(result.workers, 1)  # the wall time on cores nobody else uses
    print(f"{label:<58} {wall:8.1f} {FLOOR_SECONDS:8.0f} {wall / FLOOR_SECONDS:6.2f} {cpu:8.1f} "
          f"{cpu / max(replayed, 1) * 1000:12.0f} {ideal:15.1f} {ideal / FLOOR_SECONDS:6.2f}")
    print(f"stages: {result.stages}; front: {len(result.front)} specs; space: {result.space_size:,} specs")


if __name__ == "__main__":
    main()
