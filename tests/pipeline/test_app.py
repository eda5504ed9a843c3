"""hello-actuator as a real process: endpoints, counter, exposition format, memory, graceful shutdown."""

from __future__ import annotations

import json
import threading
import time

import pytest
from pipeline_support import AppProcess, http_get, http_request
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.process  # every test here spawns a process


def test_hello_answers_and_increments_counter(app: AppProcess) -> None:
    before = app.counter()
    for _ in range(3):
        assert http_get(f"{app.url}/hello") == (200, "hello")
    assert app.counter() == before + 3


def test_exposition_parses_and_has_no_created_series(app: AppProcess) -> None:
    status, body = http_get(f"{app.url}/actuator/prometheus")
    assert status == 200
    families = {family.name: family for family in text_string_to_metric_families(body)}
    hello = families["hello_counter"]
    assert hello.type == "counter"
    assert [(s.name, s.labels) for s in hello.samples] == [("hello_counter_total", {"app": "demo"})]
    assert not [line for line in body.splitlines() if "_created" in line]
    assert "process_resident_memory_bytes" in families
    assert "hello_memory_held_bytes" in families


def test_health_is_up(app: AppProcess) -> None:
    status, body = http_get(f"{app.url}/actuator/health")
    assert (status, json.loads(body)) == (200, {"status": "UP"})


def test_unknown_path_is_404_and_not_counted(app: AppProcess) -> None:
    before = app.counter()
    assert http_get(f"{app.url}/nope")[0] == 404
    assert app.counter() == before


def test_cpu_work_per_request_costs_cpu_time(app: AppProcess) -> None:
    started = time.perf_counter()
    assert http_get(f"{app.url}/hello?cpu_ms=200")[0] == 200
    assert time.perf_counter() - started >= 0.2
    assert http_get(f"{app.url}/hello?cpu_ms=abc")[0] == 400


def test_memory_hold_and_release_moves_rss(app: AppProcess) -> None:
    status, body = http_request("POST", f"{app.url}/actuator/memory?mib=64")
    held = json.loads(body)
    assert status == 200 and held["held_mib"] == 64
    baseline_rss = json.loads(http_request("DELETE", f"{app.url}/actuator/memory")[1])["rss_mib"]
    assert held["rss_mib"] - baseline_rss >= 50, (held, baseline_rss)
    assert json.loads(http_get(f"{app.url}/actuator/memory")[1])["held_mib"] == 0
    assert http_request("POST", f"{app.url}/actuator/memory?mib=-1")[0] == 400


def test_configuration_by_environment_and_flags() -> None:
    process = AppProcess.start("--app-label", "shop")
    try:
        http_get(f"{process.url}/hello")
        body = http_get(f"{process.url}/actuator/prometheus")[1]
        assert 'hello_counter_total{app="shop"} 1.0' in body
    finally:
        process.stop()


def test_sigterm_finishes_in_flight_request_and_exits_zero() -> None:
    process = AppProcess.start()
    result: dict[str, object] = {}

    def slow_request() -> None:
        result["response"] = http_get(f"{process.url}/hello?delay_ms=1500", timeout_s=10)

    client = threading.Thread(target=slow_request)
    client.start()
    time.sleep(0.3)  # the request is now in flight
    signalled = time.monotonic()
    code = process.stop()
    exited_after = time.monotonic() - signalled
    client.join(timeout=10)
    assert result["response"] == (200, "hello")
    assert code == 0
    assert exited_after < 5, exited_after
    assert any("drained" in line for line in process.log_lines)
