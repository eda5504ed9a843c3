"""The harness's pure helpers on recorded data: budgets, two-sided assertions, waiting, timelines, load windows.

Data: data/locust-smoke_stats_history.csv is a real locust run (python -m loadgen, smoke.yaml cut to 12 s, against
the local hello-actuator); data/custom-simulated-timeline.jsonl is `kubectl hpa simulate` of the custom-metric
scenario written in the recording format (a stand-in until a cluster run's timeline is committed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from e2e.harness.assertions import (
    Sample,
    ScalingAssertionError,
    check_at_min_before_load,
    check_no_scale_in_while_loaded,
    check_scale_in,
    check_scale_out,
    require,
)
from e2e.harness.budget import Pipeline, budget_for, scale_down_policy_time
from e2e.harness.cluster import container_engine_status, download_urls, first_internal_ip, image_load_commands
from e2e.harness.load import LocustLoad, load_window_from_history, memory_request_code
from e2e.harness.manifests import ADAPTER_CONFIG
from e2e.harness.results import metric_entries, observation, plan_with_idle_tail, scenario_for_run, trim_timeline
from e2e.harness.scenario import scenario_named
from e2e.harness.stack import (
    apiservice_available,
    hpa_condition,
    hpa_has_metrics,
    metric_values,
    pod_metrics_served,
    resource_listed,
)
from e2e.harness.versions import load_versions
from e2e.harness.wait import Waiter, WaitTimeout
from kubectl_hpa.record import read_observations

DATA = Path(__file__).resolve().parent / "data"
TIMELINE = DATA / "custom-simulated-timeline.jsonl"
LOAD_START = 1796013600.0  # the timeline's first observation = the load start
LOAD_STOP = LOAD_START + 210  # stages/custom.yaml: 3m30s


def recorded_samples() -> list[Sample]:
    return [Sample(o.time, o.current_replicas, o.ready_replicas or 0) for o in read_observations(TIMELINE)]


# ----------------------------------------------------------------------------- budgets

def test_resource_reaction_matches_the_upstream_e2e_budget() -> None:
    # horizontal_pod_autoscaling_behavior.go: maxHPAReactionTime = (30 + 30 + 15) + 15 + 10 = 100 s
    assert Pipeline().reaction("resource") == 100
    assert Pipeline().reaction("prometheus") == 60 + 10 + 15 + 10
    assert Pipeline(metric_resolution_s=30).reaction("resource") == 150 + 25


def test_budget_for_the_custom_scenario_spells_out_its_terms() -> None:
    budget = scenario_named("custom").budget()
    assert budget.scale_in_not_before_s == 30 - 15  # the window minus one sync: it may start before the load stop
    assert budget.scale_out_deadline_s == 5 + 95 + 30 + 60
    assert budget.scale_in_deadline_s == 30 + 95 + 0 + 15 + 60
    assert budget.document()["terms"]["metricPath"] == "prometheus"


@pytest.mark.parametrize("scale_down,expected", [
    ({}, 0.0),  # default Percent 100 / 15 s: one step, no wait
    ({"policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}]}, 60.0),  # 3 -> 2 -> 1: one extra period... x2
    ({"policies": [{"type": "Percent", "value": 50, "periodSeconds": 20}]}, 20.0),  # 3 -> ceil(1.5)=2 -> 1
    ({"policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}, {"type": "Pods", "value": 2, "periodSeconds": 10}],
      "selectPolicy": "Max"}, 0.0),
    ({"selectPolicy": "Disabled"}, float("inf")),
])
def test_scale_down_policy_time(scale_down: dict, expected: float) -> None:
    hpa = {"spec": {"minReplicas": 1, "behavior": {"scaleDown": scale_down}}}
    if expected == 60.0:
        assert scale_down_policy_time(hpa, 3, 1) == 30.0  # first step free, second after one period
        assert scale_down_policy_time(hpa, 4, 1) == 60.0
    else:
        assert scale_down_policy_time(hpa, 3, 1) == expected


def test_default_window_is_five_minutes_without_behavior() -> None:
    budget = budget_for({"spec": {"minReplicas": 1}}, "resource", 3)
    assert budget.scale_in_not_before_s == 300 - 15


# ----------------------------------------------------------------------------- two-sided assertions

def test_the_recorded_custom_run_passes_every_check() -> None:
    samples = recorded_samples()
    budget = scenario_named("custom").budget()
    before = [Sample(LOAD_START - 10, 1, 1)] + samples
    assert require(check_at_min_before_load(before, LOAD_START, 1)).passed
    out = require(check_scale_out(samples, LOAD_START, 3, budget.scale_out_deadline_s))
    held = require(check_no_scale_in_while_loaded(samples, LOAD_START + out.seconds, LOAD_STOP, 3))
    scale_in = require(check_scale_in(samples, LOAD_STOP, 1, budget.scale_in_not_before_s, budget.scale_in_deadline_s))
    assert out.seconds == 15 and held.seconds == 195 and scale_in.seconds == 75


def test_scale_out_after_the_deadline_fails_and_shows_the_timeline() -> None:
    samples = [Sample(LOAD_START + t, r, r) for t, r in [(0, 1), (100, 1), (200, 3)]]
    outcome = check_scale_out(samples, LOAD_START, 3, deadline_s=150)
    assert not outcome.passed and outcome.seconds == 200 and "+100s:1/1" in outcome.message
    with pytest.raises(ScalingAssertionError, match="past the 150s deadline"):
        require(outcome)
    assert "never reached" in check_scale_out(samples[:2], LOAD_START, 3, 150).message


def test_ready_replicas_count_for_scale_out_not_the_decision() -> None:
    samples = [Sample(LOAD_START + 10, 3, 1), Sample(LOAD_START + 40, 3, 3)]
    assert check_scale_out(samples, LOAD_START, 3, 150).seconds == 40


def test_scale_in_under_load_fails() -> None:
    samples = [Sample(LOAD_START + t, r, r) for t, r in [(30, 3), (60, 3), (90, 2), (120, 3)]]
    outcome = check_no_scale_in_while_loaded(samples, LOAD_START + 30, LOAD_STOP, 3)
    assert not outcome.passed and "scaled in to 2 at +60s" in outcome.message


def test_scale_in_before_the_window_fails_even_if_it_ends_at_min() -> None:
    samples = [Sample(LOAD_STOP + t, r, r) for t, r in [(0, 3), (10, 1)]]
    outcome = check_scale_in(samples, LOAD_STOP, 1, not_before_s=30, deadline_s=200)
    assert not outcome.passed and "before the 30s lower bound (stabilization window minus one sync)" in outcome.message


def test_scale_in_late_or_never_fails() -> None:
    late = [Sample(LOAD_STOP + t, r, r) for t, r in [(0, 3), (250, 1)]]
    assert "past the 200s deadline" in check_scale_in(late, LOAD_STOP, 1, 30, 200).message
    never = [Sample(LOAD_STOP + t, 3, 3) for t in (0, 100, 200)]
    assert "not back to minReplicas" in check_scale_in(never, LOAD_STOP, 1, 30, 200).message


def test_scaling_before_the_load_is_caught() -> None:
    samples = [Sample(LOAD_START - 20, 1, 1), Sample(LOAD_START - 10, 2, 2)]
    assert not check_at_min_before_load(samples, LOAD_START, 1).passed


# ----------------------------------------------------------------------------- waiting

class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_waiter_polls_until_done_without_real_sleeping() -> None:
    clock = FakeClock()
    values = iter([{"items": []}, {"items": [{"containers": []}]}, {"items": [{"containers": [{"usage": {}}]}]}])
    seen = []
    poll = Waiter(clock, clock.sleep).until(lambda: next(values), pod_metrics_served, timeout=60, interval=5,
                                            what="pod metrics", on_poll=seen.append)
    assert poll.t == 10 and len(seen) == 3


def test_waiter_times_out_with_the_last_value_and_error() -> None:
    clock = FakeClock()
    calls = iter([{"status": {}}] + [RuntimeError("connection refused")] * 100)

    def probe():
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    with pytest.raises(WaitTimeout, match=r"timed out after 30s waiting for APIService.*no Available.*connection refused"):
        Waiter(clock, clock.sleep).until(lambda: apiservice_available(probe()), lambda s: s[0], timeout=30,
                                         interval=10, what="APIService", describe=lambda s: s[1])
    assert clock.now == 30


# ----------------------------------------------------------------------------- API documents

def test_readiness_gates_read_api_documents() -> None:
    available = {"status": {"conditions": [{"type": "Available", "status": "False", "reason": "FailedDiscoveryCheck",
                                            "message": "failing or missing response"}]}}
    assert apiservice_available(available) == (False, "FailedDiscoveryCheck: failing or missing response")
    discovery = {"resources": [{"name": "namespaces/hello_counter_per_second"}, {"name": "pods/hello_counter_per_second"}]}
    assert resource_listed(discovery, "pods/hello_counter_per_second")
    assert not resource_listed({"resources": []}, "pods/hello_counter_per_second")
    values = {"items": [{"describedObject": {"kind": "Pod", "name": "hello-actuator-abc"}, "value": "2500m"}]}
    assert metric_values(values) == {"hello-actuator-abc": "2500m"}


HPA = {
    "metadata": {"name": "hello-actuator", "namespace": "default"},
    "spec": {"metrics": [{"type": "Pods", "pods": {"metric": {"name": "hello_counter_per_second"},
                                                   "target": {"type": "AverageValue", "averageValue": "1"}}}]},
    "status": {"currentReplicas": 1, "desiredReplicas": 3,
               "currentMetrics": [{"type": "Pods", "pods": {"metric": {"name": "hello_counter_per_second"},
                                                            "current": {"averageValue": "2500m"}}}],
               "conditions": [{"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}]},
}


def test_hpa_readiness_and_recording_line() -> None:
    assert hpa_has_metrics(HPA) and hpa_condition(HPA, "ScalingActive") == ("True", "ValidMetricFound")
    assert not hpa_has_metrics({**HPA, "status": {"conditions": []}})
    assert metric_entries(HPA) == [{"name": "hello_counter_per_second", "current": 2.5, "target": 1.0}]
    cpu = {"spec": {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 50}}}]},
        "status": {"currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": 130, "averageValue": "65m"}}}]}}
    assert metric_entries(cpu) == [{"name": "cpu", "current": 130, "target": 50, "unit": "%"}]
    line = json.loads(observation(HPA, {"spec": {"replicas": 3}, "status": {"readyReplicas": 1}}, LOAD_START).to_json())
    assert line["currentReplicas"] == 3 and line["readyReplicas"] == 1 and line["desiredReplicas"] == 3
    assert line["time"] == "2026-11-30T04:40:00Z" and line["conditions"][0]["reason"] == "ValidMetricFound"


# ----------------------------------------------------------------------------- timelines and simulate

def test_timeline_comparison_against_the_simulator(tmp_path: Path) -> None:
    """The harness's simulate inputs reproduce the recording exactly; a shifted recording shows an error."""
    from kubectl_hpa.cli.simulate import simulate

    scenario = scenario_named("custom")
    from e2e.harness.results import write_simulation_inputs

    scenario_path = write_simulation_inputs(tmp_path, scenario.sim_scenario, scenario.plan, 210, 600)
    lines = TIMELINE.read_text().splitlines()
    trimmed = tmp_path / "timeline.jsonl"
    trimmed.write_text("\n".join(trim_timeline(lines, LOAD_START)) + "\n")
    result = CliRunner().invoke(simulate, [str(scenario_path), "--compare-with", str(trimmed), "-o", "json"])
    assert result.exit_code == 0, result.output
    exact = json.loads(result.stdout)["comparison"]  # stdout only: simulate may add a note on stderr
    # compare.py predicts each step's *desired* replicas, so the syncs where a change is still being actuated
    # (t = 0: desired 3, 1 running; the two scale-in steps) differ even against the simulator's own timeline.
    assert exact["samples"] == 41 and exact["shareEqual"] >= 0.9
    shifted = [json.loads(line) for line in lines]
    for record in shifted[14:17]:
        record["currentReplicas"] = 1  # a real cluster that scaled in early
    trimmed.write_text("\n".join(json.dumps(r) for r in shifted) + "\n")
    result = CliRunner().invoke(simulate, [str(scenario_path), "--compare-with", str(trimmed), "-o", "json"])
    comparison = json.loads(result.stdout)["comparison"]
    assert comparison["maxAbsoluteError"] == 2 and comparison["shareEqual"] < exact["shareEqual"]
    assert comparison["meanAbsoluteError"] > exact["meanAbsoluteError"]


def test_trim_and_idle_tail_and_scenario_rewrite(tmp_path: Path) -> None:
    lines = TIMELINE.read_text().splitlines()
    assert len(trim_timeline(lines, LOAD_START + 60)) == len(lines) - 4
    plan = plan_with_idle_tail({"version": 1, "stages": [{"name": "x", "duration": "3m30s", "rate": 2.5}]}, 389.6)
    assert plan["stages"][-1] == {"name": "e2e-idle-after-load", "duration": "390s", "rate": 0}
    rewritten = scenario_for_run({"hpa": "../hpa-custom.yaml", "load": {"type": "stages", "file": "x"}},
                                 scenario_named("custom").sim_scenario.parent, tmp_path / "s.yaml", 601.2)
    assert Path(rewritten["hpa"]).is_absolute() and rewritten["duration"] == "601s"
    assert rewritten["load"] == {"type": "stages", "file": str((tmp_path / "s.yaml").resolve())}


def test_load_window_from_a_real_locust_history() -> None:
    start, stop = load_window_from_history(DATA / "locust-smoke_stats_history.csv")
    assert start == 1796013446 and 10 <= stop - start <= 13
    assert load_window_from_history(DATA / "missing.csv") is None


def test_locust_command_runs_loadgen_bounded_with_csv(tmp_path: Path) -> None:
    scenario = scenario_named("cpu")
    load = LocustLoad("http://127.0.0.1:30081", scenario.plan, tmp_path / "locust", path=scenario.request_path)
    command = load.command()
    assert command[1:3] == ["-m", "loadgen"] and "--stages" in command and "/hello?cpu_ms=12" in command
    assert load.planned_s == 210
    assert "locust" not in __import__("sys").modules, "the pytest process must never import locust"


def test_memory_request_code_is_plain_python() -> None:
    code = memory_request_code("POST", 90)
    compile(code, "<exec>", "exec")
    assert "/actuator/memory?mib=90" in code and "method='POST'" in code
    assert "?mib" not in memory_request_code("DELETE")


# ----------------------------------------------------------------------------- cluster helpers

def test_download_urls_follow_the_pins_and_the_platform() -> None:
    versions = load_versions()
    urls = download_urls(versions, "Darwin", "arm64")
    assert urls["KIND_DOWNLOAD_URL"].endswith(f"/{versions.kind}/kind-darwin-arm64")
    assert urls["KUBECTL_DOWNLOAD_URL"] == f"https://dl.k8s.io/release/{versions.kubectl}/bin/darwin/arm64/kubectl"
    assert download_urls(versions, "Linux", "x86_64")["KIND_DOWNLOAD_URL"].endswith("kind-linux-amd64")


def test_image_loading_is_guessed_from_the_context(tmp_path: Path) -> None:
    archive = tmp_path / "i.tar"
    # kind: docker save + kind load image-archive, never `kind load docker-image` (kind#3795 on Docker 29)
    assert image_load_commands("kind-dev", "i:1", archive) == [
        ["docker", "image", "save", "-o", str(archive), "i:1"],
        ["kind", "load", "image-archive", "--name", "dev", str(archive)]]
    assert image_load_commands("k3d-lab", "i:1", archive) == [["k3d", "image", "import", "-c", "lab", "i:1"]]
    assert image_load_commands("minikube", "i:1", archive) == [["minikube", "image", "load", "-p", "minikube", "i:1"]]
    assert image_load_commands("docker-desktop", "i:1", archive) is None
    assert image_load_commands(None, "i:1", archive) is None


def test_node_address_and_engine_detection() -> None:
    nodes = [{"status": {"addresses": [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP",
                                                                                "address": "172.18.0.2"}]}}]
    assert first_internal_ip(nodes) == "172.18.0.2" and first_internal_ip([]) is None
    ok, reason = container_engine_status("definitely-not-docker-xyz")
    assert not ok and "not on PATH" in reason


def test_adapter_rule_renders_the_query_the_hpa_depends_on() -> None:
    from kubectl_hpa.pipeline.adapter import load_rules, normalize_resource, render_for_metric, series_from_query

    rules = load_rules(ADAPTER_CONFIG)
    series = [series_from_query(rule.series_query) for rule in rules]
    rendered = render_for_metric(rules, series, "hello_counter_per_second", normalize_resource("pods"), "default",
                                 ["hello-actuator-a", "hello-actuator-b"])
    assert rendered.query == ('sum(rate(hello_counter_total{namespace="default",pod=~"hello-actuator-a|hello-actuator-b"}'
                              '[1m])) by (pod)')
    window = rendered.query.split("[", 1)[1].split("]", 1)[0]
    assert window == f"{int(Pipeline().rate_window_s / 60)}m", "budget.py's rate window must match the rule"
