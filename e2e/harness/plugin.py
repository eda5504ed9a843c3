"""kubectl-hpa as the harness uses it: ``explain`` on every poll, ``watch --record`` for the run, ``simulate`` for
the prediction. Always subprocesses with a timeout (``python -m kubectl_hpa``, the same code as ``kubectl hpa``).

``watch`` is being built in parallel with this harness: :class:`WatchRecorder` checks that the verb exists first
and, if not, says so once and leaves the timeline to the harness's own poll recording (same format,
kubectl_hpa/record.py), so a run never fails for want of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .cluster import Cluster
from .versions import REPO_ROOT


def plugin_command() -> list[str]:
    return [sys.executable, "-m", "kubectl_hpa"]


def explain(cluster: Cluster, namespace: str, name: str, timeout: float = 45.0) -> str:
    """``kubectl hpa explain NAME -n NS`` against the cluster; an error becomes text, never an exception."""
    command = [*plugin_command(), "explain", name, "-n", namespace, "--color", "never", *cluster.connection_args()]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=cluster.env(),
                                cwd=REPO_ROOT)
    except subprocess.TimeoutExpired:
        return f"(kubectl hpa explain {name} did not answer within {timeout:.0f}s)"
    text = result.stdout.rstrip()
    if result.returncode not in (0, 1) or not text:  # explain may exit 1 when it reports a finding
        text = f"{text}\n(kubectl hpa explain exit {result.returncode}: {result.stderr.strip()})".strip()
    return text


def watch_available(timeout: float = 30.0) -> tuple[bool, str]:
    """Whether this kubectl-hpa has ``watch --record``."""
    try:
        result = subprocess.run([*plugin_command(), "watch", "--help"], capture_output=True, text=True,
                                timeout=timeout, cwd=REPO_ROOT)
    except subprocess.TimeoutExpired:
        return False, "`kubectl hpa watch --help` did not answer"
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        return False, f"`kubectl hpa watch` is not available in this build ({reason[-1] if reason else result.returncode})"
    if "--record" not in result.stdout:
        return False, "`kubectl hpa watch` has no --record option in this build"
    return True, "kubectl hpa watch --record"


@dataclass
class WatchRecorder:
    """``kubectl hpa watch NAME -n NS --record FILE`` for the length of a run, bounded by ``max_s``."""

    cluster: Cluster
    namespace: str
    name: str
    record: Path
    max_s: float
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    note: str = ""

    def command(self) -> list[str]:
        return [*plugin_command(), "watch", self.name, "-n", self.namespace, "--record", str(self.record),
                *self.cluster.connection_args()]

    def start(self) -> bool:
        available, self.note = watch_available()
        if not available:
            self.note += "; the timeline comes from the harness's own polls instead (same format)"
            return False
        log = self.record.with_suffix(".log").open("w")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=self.cluster.env(),
                                        cwd=REPO_ROOT)
        log.close()
        return True

    def stop(self) -> str:
        if self.process is None:
            return self.note
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            return "watch --record stopped"
        return f"watch --record exited early (rc {self.process.returncode}); see {self.record.with_suffix('.log').name}"

    def recorded(self) -> bool:
        return self.record.exists() and self.record.stat().st_size > 0


@dataclass(frozen=True)
class Prediction:
    ok: bool
    document: dict
    message: str
    chart: Optional[Path] = None


def simulate(scenario: Path, recording: Path, plot: Optional[Path], timeout: float = 180.0) -> Prediction:
    """``kubectl hpa simulate SCENARIO --compare-with TIMELINE -o json [--plot PNG]``."""
    command = [*plugin_command(), "simulate", str(scenario), "--compare-with", str(recording), "-o", "json"]
    if plot is not None:
        command += ["--plot", str(plot)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
    if result.returncode != 0 and plot is not None and "matplotlib" in result.stderr:
        prediction = simulate(scenario, recording, None, timeout)  # no chart, still a prediction
        return Prediction(prediction.ok, prediction.document, f"{prediction.message}; no chart: {result.stderr.strip()}")
    if result.returncode != 0:
        return Prediction(False, {}, f"simulate failed (exit {result.returncode}): {result.stderr.strip()}")
    document = json.loads(result.stdout)
    return Prediction(True, document, "ok", plot if plot is not None and plot.exists() else None)
