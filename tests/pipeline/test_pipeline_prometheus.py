"""Real pipeline below the cluster: app -> Prometheus (1 s scrape) -> the adapter's rendered query.

Two app instances stand in for two pods of one Deployment. Pod "hello-actuator-const" gets metronome
traffic (1 req/s, then 2 req/s) and must read ~1.0 then ~2.0 through the fixture rule. Pod
"hello-actuator-poisson" gets the same rates as random arrivals, which is the evidence for rate() over
irate() in adapter-config.yaml: the test measures both and prints the numbers.
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_support import (
    ADAPTER_CONFIG,
    REPO_ROOT,
    STAGES_DIR,
    AppProcess,
    PrometheusProcess,
    ScrapeTarget,
    locust_env,
    stop_process,
    wait_until,
)

from kubectl_hpa.pipeline.adapter import (
    Series,
    exposed_metrics,
    load_rules,
    main,
    render_for_metric,
)
from kubectl_hpa.pipeline.prometheus import PrometheusClient
from kubectl_hpa.pipeline.restmapper import GroupResource
from kubectl_hpa.pipeline.stages import load_plan

pytestmark = [pytest.mark.slow, pytest.mark.process]

NAMESPACE = "default"
CONST, POISSON = "hello-actuator-const", "hello-actuator-poisson"
PLAN_FILE = STAGES_DIR / "pipeline-1-then-2.yaml"
PODS = GroupResource("", "pods")
# Settled windows: rate[1m] needs the whole minute of the new rate (+ scrape and locust start lag).
PHASES = {"1 req/s": ((67.0, 74.0), (0.8, 1.25)), "2 req/s": ((142.0, 149.0), (1.6, 2.4))}
POISSON_BANDS = {"1 req/s": (0.6, 1.5), "2 req/s": (1.3, 2.8)}  # ~4 sd of a Poisson count over 60 s


@dataclasses.dataclass
class Stack:
    apps: dict[str, AppProcess]
    prometheus: PrometheusProcess

    @property
    def client(self) -> PrometheusClient:
        return PrometheusClient(self.prometheus.url)


@pytest.fixture(scope="module")
def stack(prometheus_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    apps: dict[str, AppProcess] = {}
    prometheus = None
    try:
        for pod in (CONST, POISSON):
            apps[pod] = AppProcess.start("--app-label", "demo")
        targets = [ScrapeTarget(f"127.0.0.1:{app.port}", NAMESPACE, pod) for pod, app in apps.items()]
        prometheus = PrometheusProcess.start(prometheus_binary, tmp_path_factory.mktemp("prometheus"), targets)
        client = PrometheusClient(prometheus.url)
        # /-/ready comes in 0.1 s, the first scrape ~5 s later: wait for both targets to be up.
        wait_until(
            lambda: len([s for s in client.query('up{job="hello-actuator"} == 1')]) == 2,
            timeout_s=30,
            interval_s=0.25,
            what="both hello-actuator targets up",
        )
        yield Stack(apps, prometheus)
    finally:
        if prometheus is not None:
            prometheus.stop()
        for app in apps.values():
            app.stop()


def test_adapter_discovery_against_real_prometheus(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    """The seriesQuery finds the scraped series and the rule exposes pods/hello_counter_per_second."""
    rules = load_rules(ADAPTER_CONFIG)
    discovered = [
        [Series(s["__name__"], frozenset(s) - {"__name__"}) for s in stack.client.series(rule.series_query)] for rule in rules
    ]
    assert {str(item) for item in exposed_metrics(rules, discovered)} == {
        "pods/hello_counter_per_second",
        "namespaces/hello_counter_per_second",
    }
    assert (
        main(
            [
                "--config",
                str(ADAPTER_CONFIG),
                "--metric",
                "hello_counter_per_second",
                "--namespace",
                NAMESPACE,
                "--pods",
                f"{CONST},{POISSON}",
                "--prometheus-url",
                stack.prometheus.url,
            ]
        )
        == 0
    )
    assert "pods/hello_counter_per_second" in capsys.readouterr().out


def _start_load(app: AppProcess, pacing: str, prefix: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "loadgen", "--host", app.url, "--stages", str(PLAN_FILE), "--pacing", pacing, "--csv", str(prefix)],
        cwd=REPO_ROOT,
        env=locust_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 3),
        "sd": round(statistics.pstdev(values), 3),
        "min": min(values),
        "max": max(values),
        "zeros": sum(1 for v in values if v == 0),
    }


def test_rendered_query_reads_one_then_two_per_second(stack: Stack, tmp_path: Path) -> None:
    rules = load_rules(ADAPTER_CONFIG)
    series = [[Series("hello_counter_total", frozenset({"namespace", "pod"}))]]
    query = render_for_metric(rules, series, "hello_counter_per_second", PODS, NAMESPACE, [CONST, POISSON]).query
    irate_rule = dataclasses.replace(rules[0], metrics_query=rules[0].metrics_query.replace("rate(", "irate("))
    irate_query = irate_rule.render_query("hello_counter_total", PODS, NAMESPACE, [CONST, POISSON])
    assert "irate(" in irate_query and query.count("rate(") == 1

    plan = load_plan(PLAN_FILE)
    loads = [
        _start_load(stack.apps[CONST], "constant", tmp_path / "const"),
        _start_load(stack.apps[POISSON], "poisson", tmp_path / "poisson"),
    ]
    started = time.monotonic()
    samples: list[tuple[float, str, float, float]] = []  # (t, pod, rate, irate)
    try:
        end = started + PHASES["2 req/s"][0][1]
        while (now := time.monotonic()) < end:
            rate_values = {s.labels["pod"]: s.value for s in stack.client.query(query)}
            irate_values = {s.labels["pod"]: s.value for s in stack.client.query(irate_query)}
            for pod in rate_values:
                samples.append((now - started, pod, rate_values[pod], irate_values.get(pod, 0.0)))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))
        for load in loads:
            load.wait(timeout=plan.total_duration_s + 30 - (time.monotonic() - started))
    finally:
        for load in loads:
            stop_process(load)
    assert [load.returncode for load in loads] == [0, 0]

    report = {}
    for phase, ((low_t, high_t), (low, high)) in PHASES.items():
        settled = {pod: [r for t, p, r, _ in samples if p == pod and low_t <= t <= high_t] for pod in (CONST, POISSON)}
        phase_start = 10.0 if phase == "1 req/s" else 85.0
        irates = [i for t, p, _, i in samples if p == POISSON and phase_start <= t <= high_t]
        report[phase] = {
            "const rate[1m]": _summary(settled[CONST]),
            "poisson rate[1m]": _summary(settled[POISSON]),
            "poisson irate": _summary(irates),
        }
        print(f"\n{phase}: " + "; ".join(f"{k} {v}" for k, v in report[phase].items()))
        assert len(settled[CONST]) >= 5
        assert all(low <= value <= high for value in settled[CONST]), (phase, settled[CONST])
        p_low, p_high = POISSON_BANDS[phase]
        assert all(p_low <= value <= p_high for value in settled[POISSON]), (phase, settled[POISSON])
        # The evidence for rate over irate: irate jumps with every arrival and often reads 0.
        assert report[phase]["poisson irate"]["sd"] > 2 * report[phase]["poisson rate[1m]"]["sd"]
    assert report["1 req/s"]["poisson irate"]["zeros"] >= 0.1 * report["1 req/s"]["poisson irate"]["n"]
