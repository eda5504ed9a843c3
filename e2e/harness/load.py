"""Load, bounded in time: locust through ``python -m loadgen`` (a subprocess; never imported here), and the
app's memory endpoint through ``kubectl exec`` (so a memory HPA is driven without privileges).

The actual load window is read back from locust's ``_stats_history.csv`` (first and last second with users), capped
at the moment the harness stopped it, so the scale-in assertions measure from when the last request was sent.

Stopping: ``python -m loadgen`` runs in its own process group and :meth:`LocustLoad.stop` signals the whole group,
so locust itself stops too (killing only the wrapper used to orphan locust, which kept loading for the rest of its
plan). Every request closes its connection (``--close-connections``): with keep-alive, each locust user keeps the
connection it opened to the first pod, and kube-proxy (which balances connections, not requests) never spreads the
load to the pods the HPA adds.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .cluster import Cluster
from .versions import REPO_ROOT
from .wait import Waiter

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
    stopped_at: Optional[float] = None  # when the harness cut the load short (None: it ran its plan)
    log_path: Optional[Path] = None
    run_time_s: Optional[float] = None  # cut the plan (tests)

    def command(self) -> list[str]:
        command = [self.python, "-m", "loadgen", "--host", self.host, "--stages", str(self.stages),
                   "--csv", str(self.csv_prefix), "--path", self.path, "--close-connections"]
        if self.run_time_s is not None:
            command += ["--run-time", f"{int(self.run_time_s)}s"]
        return command

    @property
    def planned_s(self) -> float:
        from kubectl_hpa.pipeline.stages import load_plan

        return load_plan(self.stages).total_duration_s

    def start(self) -> float:
        self.csv_prefix.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = self.csv_prefix.with_name(self.csv_prefix.name + ".log")
        log = self.log_path.open("w")
        # loadgen is not an installed package: run it from the checkout. It bounds locust itself (plan + 30 s).
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen(self.command(), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)  # its own process group: stop() reaches locust
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
        """SIGTERM to the whole process group (the wrapper and locust), SIGKILL after a grace; safe to call twice."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.stopped_at = time.time()
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait()
        _signal_group(self.process, signal.SIGKILL)  # anything of the group still alive (a locust the wrapper lost)
        self.poll()
        return self.process.returncode

    def window(self) -> tuple[float, float]:
        """(first, last) epoch second with locust users, from the history CSV, never past the stop; else the
        process times."""
        measured = load_window_from_history(self.history_csv)
        start = self.started_at or time.time()
        if measured is not None:
            first, last = measured
        else:
            first, last = start, self.exited_at or start + self.planned_s
        if self.stopped_at is not None:
            last = min(last, self.stopped_at)
        return first, max(first, last)

    @property
    def json_file(self) -> Path:
        return self.csv_prefix.with_name(self.csv_prefix.name + ".json")

    def totals(self) -> Optional[tuple[int, int]]:
        """(requests, failures) from locust's --json-file; None when locust wrote none (it never ran, or was killed)."""
        try:
            entries = json.loads(self.json_file.read_text())
        except (OSError, ValueError):
            return None
        return sum(e["num_requests"] for e in entries), sum(e["num_failures"] for e in entries)

    def expected_requests(self, seconds: float) -> float:
        """Requests the plan offers in its first ``seconds`` (integrated second by second)."""
        from kubectl_hpa.pipeline.stages import load_plan

        plan = load_plan(self.stages)
        return expected_requests(plan.offered_rate_at, min(seconds, plan.total_duration_s))

    @property
    def history_csv(self) -> Path:
        return self.csv_prefix.with_name(self.csv_prefix.name + "_stats_history.csv")

    def outputs(self) -> list[Path]:
        prefix = self.csv_prefix
        names = ["_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv", ".json", ".log"]
        return [p for p in (prefix.with_name(prefix.name + n) for n in names) if p.exists()]


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def expected_requests(rate_at: Callable[[float], Optional[float]], seconds: float) -> float:
    """The integral of a rate over [0, seconds), midpoint rule at 1 s steps (plans change on whole seconds)."""
    whole = int(seconds)
    total = sum(rate_at(t + 0.5) or 0.0 for t in range(whole))
    return total + (seconds - whole) * (rate_at(whole + (seconds - whole) / 2) or 0.0)


def wait_reachable(url: str, *, timeout: float = 90.0, interval: float = 3.0,
                   sleep: Optional[Callable[[float], None]] = None) -> str:
    """GET ``url`` until it answers 2xx (a NodePort through kube-proxy and kind's port mapping); returns a line for
    the log. A port that never answers fails here, naming the URL, instead of as "never reached N replicas"."""
    def probe() -> str:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the harness's own NodePort
            return f"{response.status} {response.read(200).decode(errors='replace').strip()}"

    waiter = Waiter(sleep=sleep) if sleep else Waiter()
    poll = waiter.until(probe, lambda answer: answer.startswith("2"), timeout=timeout, interval=interval,
                        what=f"{url} to answer (the app's NodePort, before the load)")
    return f"{url} answered {poll.value[:80]!r} after {poll.t:.0f}s"


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
