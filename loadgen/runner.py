"""Build and run the headless locust command line for a stages file, bounded in time, with exact totals.

Locust runs in a child process (never imported here): its import monkey-patches the whole interpreter.
After the run the runner reads locust's --json-file (exact counts; the _stats.csv lags the final second).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
REPO_ROOT = LOCUSTFILE.parent.parent
EXIT_GRACE_S = 30.0  # beyond the planned duration, before the runner kills a stuck locust


@dataclass(frozen=True)
class LoadRun:
    """What to run: target URL, plan, limits and where results go."""

    host: str
    stages: Path | None = None
    run_time_s: float | None = None
    csv_prefix: Path | None = None
    users: int = 1
    per_user_rate: str = "max"
    pacing: str = ""
    path: str = "/hello"
    python: str = sys.executable
    close_connections: bool = False

    def command(self) -> list[str]:
        """The locust command line; also printed by --dry-run so it can be run by hand."""
        cmd = [
            self.python,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            self.host,
            "--path",
            self.path,
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        if self.stages is not None:
            cmd += ["--stages", str(self.stages)]
        else:
            cmd += ["--users", str(self.users), "--spawn-rate", str(max(self.users, 1)), "--per-user-rate", self.per_user_rate]
        if self.pacing:
            cmd += ["--pacing", self.pacing]
        if self.close_connections:
            cmd += ["--close-connections"]
        if self.run_time_s is not None:
            cmd += ["--run-time", f"{int(round(self.run_time_s))}s"]
        if self.csv_prefix is not None:
            cmd += ["--csv", str(self.csv_prefix), "--csv-full-history", "--json-file", str(self.csv_prefix)]
        return cmd

    def deadline_s(self) -> float | None:
        """Wall-clock bound for the child; None only for an unbounded run without stages or --run-time."""
        planned = self.run_time_s
        if self.stages is not None:
            from kubectl_hpa.pipeline.stages import load_plan

            total = load_plan(self.stages).total_duration_s
            planned = min(total, planned) if planned is not None else total
        return None if planned is None else planned + EXIT_GRACE_S


@dataclass(frozen=True)
class LoadResult:
    requests: int
    failures: int

    @classmethod
    def from_json(cls, path: Path) -> LoadResult:
        """Totals over all endpoints from locust's --json-file output."""
        entries = json.loads(path.read_text(encoding="utf-8"))
        return cls(sum(e["num_requests"] for e in entries), sum(e["num_failures"] for e in entries))


def _duration(text: str) -> float:
    from kubectl_hpa.pipeline.stages import parse_duration

    return parse_duration(text, "--run-time")


def parse_args(argv: list[str] | None = None) -> LoadRun:
    parser = argparse.ArgumentParser(prog="python -m loadgen", description=__doc__)
    parser.add_argument("--host", required=True, help="base URL: local app, NodePort or port-forward")
    parser.add_argument("--stages", type=Path, help="stages YAML (load plan); omit for constant users")
    parser.add_argument("--run-time", type=_duration, help="stop after this long, e.g. 60s, 2m (cuts the plan)")
    parser.add_argument("--csv", type=Path, dest="csv_prefix", help="prefix for locust CSV files and PREFIX.json")
    parser.add_argument("--users", type=int, default=1, help="without --stages: concurrent users")
    parser.add_argument("--per-user-rate", default="max", help="without --stages: req/s per user or 'max'")
    parser.add_argument("--pacing", default="", choices=["", "constant", "poisson"])
    parser.add_argument("--path", default="/hello", help="request path, e.g. '/hello?cpu_ms=20'")
    parser.add_argument("--close-connections", action="store_true",
                        help="one connection per request (Connection: close), so kube-proxy spreads the load over "
                             "every pod, including those added during the run")
    parser.add_argument("--dry-run", action="store_true", help="print the locust command and exit")
    args = parser.parse_args(argv)
    run = LoadRun(
        host=args.host,
        stages=args.stages,
        run_time_s=args.run_time,
        csv_prefix=args.csv_prefix,
        users=args.users,
        per_user_rate=args.per_user_rate,
        pacing=args.pacing,
        path=args.path,
        close_connections=args.close_connections,
    )
    if args.dry_run:
        print(subprocess.list2cmdline(run.command()))
        sys.exit(0)
    return run


def execute(run: LoadRun) -> int:
    """Run locust to completion (killed past its deadline) and print the exact totals."""
    if run.csv_prefix is not None:
        run.csv_prefix.parent.mkdir(parents=True, exist_ok=True)
    # The locustfile imports kubectl_hpa.pipeline.stages; make the checkout importable for the child.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    child = subprocess.Popen(run.command(), env=env)
    stopped: list[int] = []

    def forward(signum, _frame) -> None:
        # SIGTERM/SIGINT to the runner stops locust too (it writes its results on the way out), never orphans it.
        stopped.append(signum)
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = child.wait(timeout=run.deadline_s())
        if stopped:
            print(f"loadgen: stopped by signal {stopped[0]} (locust rc {code})", file=sys.stderr)
    except subprocess.TimeoutExpired:
        child.terminate()
        code = child.wait(timeout=10)
        print(f"loadgen: locust exceeded its deadline and was stopped (rc {code})", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.kill()
            child.wait()
    if run.csv_prefix is not None and (json_file := run.csv_prefix.with_name(run.csv_prefix.name + ".json")).exists():
        result = LoadResult.from_json(json_file)
        print(f"loadgen: {result.requests} requests, {result.failures} failures (locust rc {code})")
    return code


MISSING_LOCUST = "error: python -m loadgen needs locust: pip install '.[loadgen]' (or pip install locust==2.47.0)"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("locust") is None:  # locust runs as a child: say so before it fails there
        print(MISSING_LOCUST, file=sys.stderr)
        return 1
    return execute(args)
