"""How fast ``simulate`` runs, end to end in every output format, and how the engine's cost grows.

Targets (issue "fast at fleet scale"): ``simulate --duration 30d`` of the daily wave to 100 replicas
(benchmarks/scenarios/daily-100.yaml) in every output format under 2 s of CPU and 100 MiB, and 90
days at the same memory. Each end-to-end case runs ``python -m kubectl_hpa simulate ...`` as a
subprocess, output to /dev/null, and reads that process's own CPU time (user + system) and peak
resident set size from ``wait4``: the figures are the simulate process's, never this script's. Each
figure is printed beside its floor and the ratio (below 1.00 meets it). The second table times the
engine alone in fresh processes (this class of VM varies by 10-20% between processes, not within
one). It measures, it does not fail.

    python benchmarks/simulate_speed.py [--processes 3] [--days 30,90] [--only json,yaml] [--no-engine]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAILY = HERE / "scenarios" / "daily-100.yaml"
CPU_FLOOR_S = 2.0
MEMORY_FLOOR_MIB = 100.0


def formats(scratch: Path) -> dict[str, list[str]]:
    """Each output format's extra arguments (label: args)."""
    return {
        "table": ["-o", "table"],
        "wide": ["-o", "wide"],
        "csv": ["-o", "csv"],
        "json": ["-o", "json"],
        "yaml": ["-o", "yaml"],
        "--snapshot-at 12h": ["--snapshot-at", "12h"],
        "--compare-with": ["--compare-with", str(scratch / "recorded.jsonl")],
        "--plot": ["--plot", str(scratch / "chart.png")],
    }


def write_recording(path: Path, days: float) -> None:
    """A ``watch --record`` file of the HPA, one observation a minute for ``days`` (a daily wave of replicas)."""
    import math

    from kubectl_hpa.timefmt import format_time

    start = 1_780_000_000.0
    with path.open("w") as out:
        for minute in range(int(days * 1440)):
            replicas = 2 + int(49 * (1 - math.cos(2 * math.pi * minute / 1440)))
            out.write(json.dumps({"time": format_time(start + 60 * minute), "hpa": {"namespace": "shop", "name": "web"},
                                  "currentReplicas": replicas}) + "\n")


def run_cli(args: list[str], timeout: float) -> dict:
    """One simulate process: its own CPU seconds and peak RSS (MiB) from wait4, its exit code."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "kubectl_hpa", *args], stdout=sink,
                                   stderr=subprocess.PIPE)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                return {"error": f"timed out after {timeout:.0f} s"}
            time.sleep(0.01)
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    return {"cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024,
            "wall": time.perf_counter() - started, "code": process.returncode,
            "error": stderr.strip().splitlines()[-1] if process.returncode else ""}


def end_to_end(days_list: list[float], processes: int, only: list[str], timeout: float) -> None:
    print(f"simulate {DAILY.relative_to(HERE.parent)} --duration Nd, each format in its own process "
          f"(median of {processes}; floors {CPU_FLOOR_S:g} s CPU, {MEMORY_FLOOR_MIB:g} MiB)")
    print(f"{'format':<20} {'days':>4} {'CPU s':>7} {'floor':>6} {'ratio':>6} {'peak MiB':>9} {'floor':>6} "
          f"{'ratio':>6} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as scratch:
        for days in days_list:
            write_recording(Path(scratch) / "recorded.jsonl", days)  # as long as the run: 1,440 lines a day
            for label, extra in formats(Path(scratch)).items():
                if only and label.lstrip("-").split()[0] not in only and label not in only:
                    continue
                args = ["simulate", str(DAILY), "--duration", f"{days:g}d", *extra]
                runs = [run_cli(args, timeout) for _ in range(processes)]
                failed = next((run for run in runs if run.get("error")), None)
                if failed is not None:
                    print(f"{label:<20} {days:>4g} failed: {failed['error']}")
                    continue
                cpu = statistics.median(run["cpu"] for run in runs)
                rss = statistics.median(run["rss"] for run in runs)
                wall = statistics.median(run["wall"] for run in runs)
                print(f"{label:<20} {days:>4g} {cpu:7.2f} {CPU_FLOOR_S:6.1f} {cpu / CPU_FLOOR_S:6.2f} "
                      f"{rss:9.1f} {MEMORY_FLOOR_MIB:6.0f} {rss / MEMORY_FLOOR_MIB:6.2f} {wall:7.2f}", flush=True)


def cases(days: float) -> list[tuple[str, dict, float, bool]]:
    """(label, changes to the daily scenario, days, steady path on)."""
    base: list[tuple[str, dict, float, bool]] = [(f"daily wave, max 100 replicas, {days:g} days", {}, days, True)]
    base += [(f"daily wave, max 100 replicas, {d} days", {}, d, True) for d in (1, 3, 10)]  # growth with time
    base += [(f"daily wave, max {replicas} replicas, 3 days", {"peak": peak, "max": replicas}, 3, True)
             for peak, replicas in ((500, 10), (50_000, 1000))]  # growth with replicas
    base.append(("every sync through decide(), 100 replicas, 3 days", {}, 3, False))
    # The per-pod model (README, "A realistic model"): CPU limits, connections, metrics-server's rate.
    base += [(f"realistic model{label}, 100 replicas, 1 day", {"realistic": variance}, 1, True)
             for label, variance in (("", 0.0), (" with variance 0.05", 0.05))]
    return base


REALISTIC = {
    "seed": 1,
    "pipeline": {"metricsServer": {"resolution": "15s", "sampling": "rate", "phase": "random", "kubeletPeriod": "10s"},
                 "prometheus": {"scrapeInterval": "15s", "rateWindow": "1m", "phase": "random"}},
    "traffic": {"model": "connections", "connectionLifetime": "30s"},
    "limits": {"cpu": 1},
}


def measure(changes: dict, days: float, steady: bool) -> dict:
    """One run of the engine in this process: CPU seconds and the summary."""
    import yaml

    from kubectl_hpa.sim.engine import simulate
    from kubectl_hpa.sim.load import build_load
    from kubectl_hpa.sim.scenario import parse_scenario

    document = yaml.safe_load(DAILY.read_text())
    if "peak" in changes:
        document = copy.deepcopy(document)
        document["load"]["max"] = changes["peak"]
        document["hpa"]["spec"]["maxReplicas"] = changes["max"]
    if "realistic" in changes:
        document = copy.deepcopy(document)
        document["seed"], document["pipeline"] = REALISTIC["seed"], REALISTIC["pipeline"]
        document["workload"].update(traffic=REALISTIC["traffic"], limits=REALISTIC["limits"])
        if changes["realistic"]:
            document["workload"]["variance"] = changes["realistic"]
    scenario = parse_scenario(document, str(DAILY), DAILY.parent)
    load = build_load(scenario.load)
    started, wall = time.process_time(), time.perf_counter()
    result = simulate(scenario, load, days * 86400, steady=steady)
    seconds, wall = time.process_time() - started, time.perf_counter() - wall
    summary = result.summary()
    return {"seconds": seconds, "wall": wall, "syncs": summary["syncs"], "decided": result.decided,
            "peak": summary["peakReplicas"]}


def engine(days: float, processes: int) -> None:
    print(f"\nthe engine alone (no output), median of {processes} processes")
    print(f"{'case':<52} {'CPU s (median, range)':>22} {'wall s':>7} {'syncs':>8} {'decide()':>9} "
          f"{'sim days/CPU s':>15} {'peak':>5}")
    for label, changes, case_days, steady in cases(days):
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--one", json.dumps([changes, case_days, steady])],
                                          check=True, capture_output=True, text=True).stdout)
                for _ in range(processes)]
        times = sorted(run["seconds"] for run in runs)
        median, wall = statistics.median(times), statistics.median(run["wall"] for run in runs)
        spread = f"{median:.2f} ({times[0]:.2f}-{times[-1]:.2f})"
        first = runs[0]
        print(f"{label:<52} {spread:>22} {wall:7.2f} {first['syncs']:8d} {first['decided']:9d} "
              f"{case_days / median:15.1f} {first['peak']:5d}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", default="30,90", help="simulated days of the end-to-end runs, comma-separated")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--only", default="", help="formats to run, comma-separated (table,wide,csv,json,yaml,"
                                                   "snapshot-at,compare-with,plot)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one process may take")
    parser.add_argument("--no-engine", action="store_true", help="skip the engine-alone table")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a JSON case, measured in this process
    args = parser.parse_args()
    if args.one:
        changes, days, steady = json.loads(args.one)
        print(json.dumps(measure(changes, days, steady)))
        return
    days_list = [float(day) for day in args.days.split(",")]
    end_to_end(days_list, args.processes, [name for name in args.only.split(",") if name], args.timeout)
    if not args.no_engine:
        engine(days_list[0], args.processes)


if __name__ == "__main__":
    main()
