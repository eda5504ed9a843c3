"""Real local processes for the pipeline tests: hello-actuator, Prometheus and locust, all on 127.0.0.1.

Every process is started with Popen (never in-process: locust monkey-patches with gevent), waited on with
bounded timeouts, and stopped by PID with SIGTERM, then SIGKILL if it does not exit.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_SCRIPT = REPO_ROOT / "fixtures" / "hello-actuator" / "hello_actuator.py"
LOCAL_PROMETHEUS_CONFIG = REPO_ROOT / "fixtures" / "manifests" / "prometheus-local.yml"
ADAPTER_CONFIG = REPO_ROOT / "fixtures" / "manifests" / "adapter-config.yaml"
STAGES_DIR = REPO_ROOT / "loadgen" / "stages"

T = TypeVar("T")


def wait_until(probe: Callable[[], T | None], timeout_s: float, interval_s: float = 0.1, what: str = "") -> T:
    """Poll probe until it returns something truthy; fail with `what` after timeout_s."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except OSError as error:  # connection refused while starting, etc.
            last_error = error
        time.sleep(interval_s)
    raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for {what or probe} (last error: {last_error})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout_s: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def http_request(method: str, url: str, timeout_s: float = 10.0) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, data=b"" if method in ("POST", "PUT") else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def stop_process(process: subprocess.Popen, timeout_s: float = 10.0) -> int:
    """SIGTERM by PID, bounded wait, then SIGKILL; returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)
    return process.returncode


def counter_value(exposition: str, name: str = "hello_counter_total") -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"{name} not in exposition")


@dataclass
class AppProcess:
    """hello-actuator as a child process on an ephemeral 127.0.0.1 port (read from its first log line)."""

    process: subprocess.Popen
    port: int
    log_lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, *extra_args: str, timeout_s: float = 10.0) -> AppProcess:
        process = subprocess.Popen(
            [sys.executable, str(APP_SCRIPT), "--port", "0", "--bind", "127.0.0.1", *extra_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=timeout_s)
        selector.close()
        line = process.stdout.readline() if ready else ""
        if "listening on http://" not in line:
            stop_process(process)
            raise RuntimeError(f"hello-actuator did not start: {line!r}")
        port = int(line.split("http://", 1)[1].split()[0].rsplit(":", 1)[1])
        return cls(process, port, [line])

    def counter(self) -> float:
        return counter_value(http_get(f"{self.url}/actuator/prometheus")[1])

    def stop(self) -> int:
        code = stop_process(self.process)
        if self.process.stdout:
            self.log_lines += self.process.stdout.readlines()
            self.process.stdout.close()
        return code


@dataclass(frozen=True)
class ScrapeTarget:
    address: str
    namespace: str
    pod: str


def render_local_prometheus_config(targets: list[ScrapeTarget]) -> str:
    """The committed local config with its static_configs replaced by these targets."""
    config = yaml.safe_load(LOCAL_PROMETHEUS_CONFIG.read_text())
    job = config["scrape_configs"][0]
    job["static_configs"] = [
        {"targets": [target.address], "labels": {"namespace": target.namespace, "pod": target.pod}} for target in targets
    ]
    return yaml.safe_dump(config, sort_keys=False)


@dataclass
class PrometheusProcess:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, binary: str, workdir: Path, targets: list[ScrapeTarget]) -> PrometheusProcess:
        config_path = workdir / "prometheus.yml"
        config_path.write_text(render_local_prometheus_config(targets))
        port = free_port()
        log_path = workdir / "prometheus.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config_path}",
                    f"--storage.tsdb.path={workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=1h",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return cls(process, port, log_path)

    def stop(self) -> int:
        return stop_process(self.process, timeout_s=15)


def locust_env() -> dict[str, str]:
    """Environment for locust children: the checkout importable, no stray proxy for 127.0.0.1."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


@contextmanager
def backfilled_prometheus(prometheus: str, promtool: str, workdir: Path, history: list[str],
                          retention: str = "") -> Iterator[str]:
    """Debian's prometheus on 127.0.0.1 holding ``history`` (OpenMetrics lines, ``# EOF`` added), backfilled with
    ``promtool tsdb create-blocks-from openmetrics``: a real TSDB behind the real HTTP API, without waiting for
    scrapes. Yields its URL; stopped on exit. ``retention`` (``30d``) keeps history older than the default 15 days."""
    (workdir / "history.om").write_text("\n".join([*history, "# EOF"]) + "\n")
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(workdir / "history.om"),
                    str(workdir / "data")], check=True, capture_output=True, timeout=120)
    (workdir / "prometheus.yml").write_text("global: {scrape_interval: 15s}\nscrape_configs: []\n")
    port = free_port()
    flags = [f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'data'}",
             *([f"--storage.tsdb.retention.time={retention}"] if retention else []),
             f"--web.listen-address=127.0.0.1:{port}"]
    with (workdir / "prometheus.log").open("w") as log:
        process = subprocess.Popen([prometheus, *flags], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_get(f"{url}/-/ready", 2.0)[0] == 200 or None, timeout_s=30, what="prometheus ready")
        yield url
    finally:
        stop_process(process)
