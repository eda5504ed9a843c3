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


# ``kubectl hpa explain`` exit codes (its --help): 0 no problem found, 1 error, 2 usage error, 3 a problem found.
EXPLAIN_NORMAL_EXITS = {0: "no problem found", 3: "a problem found"}


def explain_text(returncode: int, stdout: str, stderr: str) -> str:
    """The text the harness logs for one explain run: the report, plus the exit meaning when it is not a report
    (1 error, 2 usage error, anything else) or when the report is empty."""
    text = stdout.rstrip()
    if returncode not in EXPLAIN_NORMAL_EXITS or not text:
        meaning = EXPLAIN_NORMAL_EXITS.get(returncode) or {1: "error", 2: "usage error"}.get(returncode, "unexpected")
        text = f"{text}\n(kubectl hpa explain exit {returncode}, {meaning}: {stderr.strip()})".strip()
    return text


def explain(cluster: Cluster, namespace: Optional[str], name: Optional[str], timeout: float = 45.0) -> str:
    """``kubectl hpa explain NAME -n NS`` (or every HPA with ``-A`` when name is None); an error becomes text,
    never an exception."""
    target = [name, "-n", namespace] if name and namespace else ["-A"]
    command = [*plugin_command(), "explain", *target, "--color", "never", *cluster.connection_args()]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=cluster.env(),
                                cwd=REPO_ROOT)
    except subprocess.TimeoutExpired:
        return f"(kubectl hpa explain {name or '-A'} did not answer within {timeout:.0f}s)"
    return explain_text(result.returncode, result.stdout, result.stderr)


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
    interval: str = "5s"  # lighter than the 2 s default: three scenarios may share one small node
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    note: str = ""

    def command(self) -> list[str]:
        return [*plugin_command(), "watch", self.name, "-n", self.namespace, "--record", str(self.record),
                "--interval", self.interval, *self.cluster.connection_args()]

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


def simulate(scenario: Path, recording: Path, plot: Optional[Path], timeout: float = 180.0,
             kubernetes_version: Optional[str] = None) -> Prediction:
    """``kubectl hpa simulate SCENARIO --compare-with TIMELINE -o json [--plot PNG] [--kubernetes-version V]``
    (the cluster's release, so the prediction emulates the controller that actually ran)."""
    command = [*plugin_command(), "simulate", str(scenario), "--compare-with", str(recording), "-o", "json"]
    if kubernetes_version:
        command += ["--kubernetes-version", kubernetes_version]
    if plot is not None:
        command += ["--plot", str(plot)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
    if result.returncode != 0 and plot is not None and "matplotlib" in result.stderr:
        prediction = simulate(scenario, recording, None, timeout, kubernetes_version)  # no chart, still a prediction
        return Prediction(prediction.ok, prediction.document, f"{prediction.message}; no chart: {result.stderr.strip()}")
    if result.returncode != 0:
        return Prediction(False, {}, f"simulate failed (exit {result.returncode}): {result.stderr.strip()}")
    document = json.loads(result.stdout)
    return Prediction(True, document, "ok", plot if plot is not None and plot.exists() else None)
