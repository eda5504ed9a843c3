"""``simulate --prometheus URL --query Q``: load replayed from a real Prometheus (Debian's binary, 127.0.0.1).

The recorded traffic is backfilled with ``promtool tsdb create-blocks-from openmetrics`` (an hour of
``hello_counter_total`` at 2 req/s, then 6 req/s), so the test reads a real TSDB through the real HTTP API
without waiting an hour for scrapes.
"""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from tests.helpers import ROOT, require_binary
from tests.pipeline.pipeline_support import backfilled_prometheus, free_port

pytestmark = pytest.mark.process  # every test here spawns a process

HINT = "apt-get install -y prometheus"


@pytest.fixture(scope="module")
def prometheus_with_history(tmp_path_factory: pytest.TempPathFactory):
    prometheus, promtool = require_binary("prometheus", HINT), require_binary("promtool", HINT)
    workdir = tmp_path_factory.mktemp("prometheus")
    now = int(time.time())
    lines = ["# HELP hello_counter Number of /hello calls", "# TYPE hello_counter counter"]
    value = 0.0
    for stamp in range(now - 3600, now - 60, 15):
        value += (2 if stamp < now - 1800 else 6) * 15
        lines.append(f'hello_counter_total{{app="demo",namespace="default",pod="hello-actuator-1"}} {value} {stamp}')
    with backfilled_prometheus(prometheus, promtool, workdir, lines) as url:
        yield url


def test_load_replayed_from_a_range_query(prometheus_with_history: str) -> None:
    result = CliRunner().invoke(cli, [
        "simulate", str(ROOT / "fixtures" / "scenarios" / "hello-actuator-pods.yaml"),
        "--prometheus", prometheus_with_history, "--query", "sum(rate(hello_counter_total[1m]))",
        "--since", "1h", "--duration", "1h", "-o", "json"], prog_name="kubectl hpa")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["load"] == "prometheus sum(rate(hello_counter_total[1m]))"
    loads = [entry["load"] for entry in document["timeline"]]
    early, late = loads[10:100], loads[140:220]  # well inside each half, away from the rate window's edges
    assert all(abs(rate - 2) < 0.05 for rate in early), early
    assert all(abs(rate - 6) < 0.05 for rate in late), late
    replicas = [entry["desiredReplicas"] for entry in document["timeline"]]
    assert 2 in replicas[:120] and 6 in replicas[140:]  # 1 req/s per pod: 2 pods, then 6


def test_a_query_without_samples_is_one_clear_line(prometheus_with_history: str) -> None:
    result = CliRunner().invoke(cli, ["simulate", "--prometheus", prometheus_with_history, "--query",
                                      "sum(rate(nothing_here_total[1m]))", "--since", "30m"], prog_name="kubectl hpa")
    assert result.exit_code == 1
    assert "returned no samples" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_prometheus_is_one_clear_line() -> None:
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(cli, ["simulate", "--prometheus", f"http://127.0.0.1:{port}", "--query", "up"],
                                prog_name="kubectl hpa")
    assert result.exit_code == 1
    assert f"cannot query http://127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
