"""Load, bounded in time: locust through ``python -m loadgen`` (a subprocess; never imported here), and the
app's memory endpoint through ``kubectl exec`` (so a memory HPA is driven without privileges).

The actual load window is read back from locust's ``_stats_history.csv`` (first and last second with users), so
the scale-in assertions measure from when the last request was sent, not from when the process exited.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .cluster import Cluster
from .versions import REPO_ROOT

STOP_GRACE_S = 15.0


@dataclass
class LocustLoad:
    host: str
    stages: Path
    csv_prefix: Path
    path: str = "/hello"
    python: str = sys.executable
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    started_at: Optional[float] = None
    exited_at: Optional[float] = None
    log_path: Optional[Path] = None

    def command(self) -> list[str]:
        return [self.python, "-m", "loadgen", "--host", self.host, "--stages", str(self.stages),
                "--csv", str(self.csv_prefix), "--path", self.path]

    @property
    def planned_s(self) -> float:
        from kubectl_hpa.pipeline.stages import load_plan

        return load_plan(self.stages).total_duration_s

    def start(self) -> float:
        self.csv_prefix.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = self.csv_prefix.with_name(self.csv_prefix.name + ".log")
        log = self.log_path.open("w")
        # loadgen is not an installed package: run it from the checkout. It bounds locust itself (plan + 30 s).
        self.process = subprocess.Popen(self.command(), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.started_at = time.time()
        return self.started_at

    def poll(self) -> Optional[int]:
        if self.process is None:
            return None
        code = self.process.poll()
        if code is not None and self.exited_at is None:
            self.exited_at = time.time()
        return code

    @property
    def running(self) -> bool:
        return self.process is not None and self.poll() is None

    def stop(self) -> Optional[int]:
        """Terminate (then kill) the child if it still runs; safe to call twice."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.poll()
        return self.process.returncode

    def window(self) -> tuple[float, float]:
        """(first, last) epoch second with locust users, from the history CSV; else the process times."""
        measured = load_window_from_history(self.history_csv)
        if measured is not None:
            return measured
        start = self.started_at or time.time()
        return start, self.exited_at or start + self.planned_s

    @property
    def history_csv(self) -> Path:
        return self.csv_prefix.with_name(self.csv_prefix.name + "_stats_history.csv")

    def outputs(self) -> list[Path]:
        prefix = self.csv_prefix
        names = ["_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv", ".json", ".log"]
        return [p for p in (prefix.with_name(prefix.name + n) for n in names) if p.exists()]


def load_window_from_history(path: Path) -> Optional[tuple[float, float]]:
    """(first, last) Timestamp of the Aggregated rows with a User Count above 0; None if there are none."""
    try:
        with path.open(newline="") as handle:
            rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    except OSError:
        return None
    loaded = [float(row["Timestamp"]) for row in rows if float(row.get("User Count") or 0) > 0]
    return (min(loaded), max(loaded)) if loaded else None


def memory_request_code(method: str, mib: Optional[int] = None, port: int = 8080) -> str:
    """Python run inside the app container (its image has python and nothing else) to call /actuator/memory."""
    query = f"?mib={int(mib)}" if mib is not None else ""
    return ("import urllib.request as u;"
            f"r=u.urlopen(u.Request('http://127.0.0.1:{port}/actuator/memory{query}',method='{method}'),timeout=60);"
            "print(r.read().decode())")


@dataclass
class MemoryHold:
    """Make one pod of ``deployment`` hold ``mib`` MiB (POST), and release it (DELETE) when done."""

    cluster: Cluster
    namespace: str
    deployment: str
    mib: int
    container: str = "hello-actuator"
    pod: Optional[str] = None
    started_at: Optional[float] = None
    stopped_at: Optional[float] = None

    def _exec(self, method: str, mib: Optional[int]) -> str:
        return self.cluster.kubectl("-n", self.namespace, "exec", self.pod or "", "-c", self.container, "--",
                                    "python", "-c", memory_request_code(method, mib), timeout=90).stdout.strip()

    def start(self) -> str:
        pods = self.cluster.kubectl_json("-n", self.namespace, "get", "pods", "-l", f"app={self.deployment}")
        running = sorted(p["metadata"]["name"] for p in pods.get("items", [])
                         if p.get("status", {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"))
        if not running:
            raise RuntimeError(f"no running pod of deployment {self.deployment}")
        self.pod = running[0]
        answer = self._exec("POST", self.mib)
        self.started_at = time.time()
        return f"{self.pod}: {answer}"

    def stop(self) -> str:
        if self.pod is None or self.stopped_at is not None:
            return "nothing held"
        try:
            answer = self._exec("DELETE", None)
        finally:
            self.stopped_at = time.time()
        return f"{self.pod}: {answer}"
