"""``kubectl hpa simulate``: known dynamics, fidelity to explain, determinism, outputs and bad scenarios."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from kubectl_hpa.core.decide import decide
from kubectl_hpa.render.timeline import LONG_TABLE_ROWS, render_table
from kubectl_hpa.sim.engine import simulate
from kubectl_hpa.sim.export import snapshot_for
from kubectl_hpa.sim.fields import ScenarioError
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import parse_scenario, read_scenario
from kubectl_hpa.sources.snapshot import load_text, sync_input
from tests.helpers import ROOT

SCENARIOS = ROOT / "fixtures" / "scenarios"
BOOTCAMP = ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, prog_name="kubectl hpa")
    return result.exit_code, result.stdout, result.stderr


def scenario_with(**changes) -> dict:
    """The bootcamp scenario as a document, with parts replaced."""
    document = yaml.safe_load(BOOTCAMP.read_text())
    for key, value in changes.items():
        document[key] = value
    return document


def run_document(document: dict, duration: float | None = None):
    scenario = parse_scenario(document, "test", ROOT)
    load = build_load(scenario.load)
    return simulate(scenario, load, duration or scenario.duration, keep_inputs=True)


def test_the_embedded_default_climbs_to_ten_and_returns_to_one_after_the_window() -> None:
    code, out, err = run("simulate", "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    timeline, summary = document["timeline"], document["summary"]
    assert summary["peakReplicas"] == 10
    assert summary["finalReplicas"] == 1
    load_stops = next(entry["t"] for entry in timeline if entry["t"] > 60 and entry["load"] == 0)
    first_drop = next(entry["t"] for entry in timeline if entry["t"] > load_stops and entry["desiredReplicas"] < 10)
    assert first_drop - load_stops >= 300  # the 5-minute downscale stabilization window
    assert {"peakReplicas", "finalReplicas", "timeToFirstScaleOutSeconds", "podMinutes", "rescales"} <= set(summary)
    assert {"t", "load", "replicas", "readyReplicas", "desiredReplicas", "metrics"} <= set(timeline[0])
    events = [entry["event"] for entry in timeline if "event" in entry]
    assert events[0] == "1 -> 4: cpu resource utilization (percentage of request) above target"


def test_the_default_table_names_each_rescale_and_its_limit() -> None:
    code, out, _ = run("simulate")
    assert code == 0
    assert "1 -> 4: cpu resource utilization (percentage of request) above target" in out
    assert "ScaleUpLimit" in out and "TooManyReplicas" in out and "ScaleDownStabilized" in out
    assert "Summary:" in out and "peak replicas" in out


def test_a_long_table_keeps_the_syncs_where_the_decision_changes() -> None:
    # A day of a moving load: every sync differs from the one before, a table of them would be ~5,800 rows.
    document = scenario_with(load={"type": "sine", "min": 0, "max": 400, "period": "3h"}, duration="1d")
    scenario = parse_scenario(document, "test", ROOT)
    result = simulate(scenario, build_load(scenario.load), 86400)
    table = render_table(result)
    body, _, rest = table.partition("\n(")
    rows = body.splitlines()[1:]
    skipped = int(rest.split()[0])
    assert len(result.steps) > LONG_TABLE_ROWS and len(rows) + skipped == len(result.steps)
    assert "syncs where only the load or a metric value changed are not shown" in rest
    events = [step.event for step in result.steps if step.event]
    assert len(events) > 20 and all(event in table for event in events)  # every rescale keeps its row
    assert len(rows) < len(result.steps) / 4
    wide = render_table(result, wide=True)
    assert len(wide.splitlines()) > len(result.steps)  # -o wide still has every sync


def test_default_behavior_limits_scale_up_to_4_pods_or_double_per_15s() -> None:
    document = scenario_with(load={"type": "constant", "rate": 20000})  # far more than 100 pods can take
    document["hpa"]["spec"]["behavior"] = {}  # behavior present: API defaults apply
    document["hpa"]["spec"]["maxReplicas"] = 100
    steps = run_document(document).steps
    changes = [(step.replicas, step.desired) for step in steps if step.event]
    up = [change for change in changes if change[1] > change[0]]
    assert up[:3] == [(1, 5), (5, 10), (10, 20)]


def test_a_300s_window_holds_the_scale_down_until_the_highest_recommendation_ages_out() -> None:
    document = scenario_with()
    document["hpa"]["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 300}}
    steps = run_document(document).steps
    last_high = max(step.t for step in steps if step.load > 0)  # the last sync that saw load
    drops = [step for step in steps if step.event and step.desired < step.replicas]
    assert drops and drops[0].t >= last_high + 300


def test_percent_policy_over_its_period() -> None:
    document = scenario_with()
    document["hpa"]["spec"]["behavior"] = {"scaleDown": {
        "stabilizationWindowSeconds": 0, "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]}}
    steps = run_document(document).steps
    downs = [(step.t, step.replicas, step.desired) for step in steps if step.event and step.desired < step.replicas]
    assert downs[0][1:] == (10, 5)  # at most half per minute
    assert downs[1][0] - downs[0][0] >= 60


@pytest.mark.parametrize(("select", "expected"), [("Min", (1, 2)), ("Disabled", None)])
def test_select_policy_min_and_disabled(select: str, expected) -> None:
    document = scenario_with()
    document["hpa"]["spec"]["behavior"] = {"scaleUp": {"selectPolicy": select}}
    steps = run_document(document).steps
    ups = [(step.replicas, step.desired) for step in steps if step.event and step.desired > step.replicas]
    if expected is None:
        assert ups == []
    else:
        assert ups[0] == expected  # Min picks the smaller of +4 pods and +100%


def test_tolerance_holds_a_load_just_above_target() -> None:
    document = scenario_with(load={"type": "constant", "rate": 10})
    document["hpa"]["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = 25
    document["workload"]["cpu"] = {"baseline": "0", "perRequest": "1.3m"}  # 13m of 50m: 26%, ratio 1.04
    steps = run_document(document, 600).steps
    assert all(step.desired == 1 for step in steps)
    assert "within tolerance" in steps[-1].limit


def test_unready_new_pods_do_not_trigger_a_second_scale_up() -> None:
    document = scenario_with(load={"type": "constant", "rate": 16})
    document["workload"]["startup"] = "90s"
    document["workload"]["cpu"] = {"baseline": "0", "perRequest": "1m"}  # 16m on one 50m pod: 32%, wants 4
    steps = run_document(document, 300).steps
    first = next(step for step in steps if step.event)
    assert (first.replicas, first.desired) == (1, 4)
    # While the three new pods start, the controller counts them as using 0 on a scale-up: no second jump.
    starting = [step for step in steps if first.t < step.t < first.t + 90]
    assert starting and all(step.desired == 4 for step in starting)
    assert any("unready/missing pods" in step.limit for step in starting)


def test_scale_to_zero_and_back_with_an_external_metric() -> None:
    document = scenario_with(load={"type": "step", "steps": [{"at": "0s", "rate": 0}, {"at": "5m", "rate": 30}]})
    document["hpa"]["spec"] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "worker"},
        "minReplicas": 0, "maxReplicas": 10,
        "metrics": [{"type": "External", "external": {"metric": {"name": "queue_messages_ready"},
                                                      "target": {"type": "Value", "value": "10"}}}],
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}
    document["workload"] = {"replicas": 2, "totalMetrics": {"queue_messages_ready": {"perRequest": "1"}}}
    document["pipeline"] = {"prometheus": {"scrapeInterval": "15s", "rateWindow": "30s"}}
    document["controller"] = {}
    scenario = parse_scenario(document, "test", ROOT)
    scenario = scenario.__class__(**{**scenario.__dict__,
                                     "controller": scenario.controller.with_gates({"HPAScaleToZero": True})})
    steps = simulate(scenario, build_load(scenario.load), 600).steps
    assert any(step.desired == 0 for step in steps if step.t < 300)
    woke = next(step for step in steps if step.t >= 300 and step.replicas == 0 and step.desired > 0)
    # From zero the proposal is ceil(value / target): no pod count, no tolerance. The rate window is still
    # filling when the controller first sees the queue, so it wakes to fewer pods than the steady 3.
    assert woke.desired == math.ceil(woke.metrics[0].current / 10) < 3


def test_same_scenario_and_seed_give_the_same_bytes_and_seeds_matter() -> None:
    path = str(SCENARIOS / "hello-actuator-pods.yaml")
    first, second = run("simulate", path, "-o", "json"), run("simulate", path, "-o", "json")
    assert first[0] == 0 and first[1] == second[1]
    other = run("simulate", path, "-o", "json", "--seed", "8")
    assert other[1] != first[1]  # start-up times are drawn per pod


@pytest.mark.parametrize("scenario_path", [BOOTCAMP, SCENARIOS / "hello-actuator-pods.yaml"])
def test_a_simulated_sync_written_as_a_snapshot_explains_to_the_same_decision(scenario_path: Path) -> None:
    scenario = read_scenario(scenario_path)
    result = simulate(scenario, build_load(scenario.load), scenario.duration or 900, keep_inputs=True)
    interesting = [i for i, d in enumerate(result.decisions) if d.rescale or d.metrics[0].rebalance is not None]
    checked = sorted(set(interesting[:12] + list(range(0, len(result.inputs), 7))))
    assert len(checked) > 10
    for index in checked:
        document = snapshot_for(result.inputs[index], scenario.hpa_manifest)
        snapshot = load_text(yaml.safe_dump(document), "sim")
        inputs = sync_input(snapshot, snapshot.hpas[0], scenario.controller)
        replayed, original = decide(inputs), result.decisions[index]
        assert replayed.desired_replicas == original.desired_replicas, index
        assert replayed.conditions == original.conditions, index
        assert replayed.metrics[0].usage_ratio == original.metrics[0].usage_ratio, index


def test_compare_variants_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "compare.png"
    code, out, err = run("simulate", str(SCENARIOS / "hello-actuator-pods.yaml"), "--compare", "--plot", str(png))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "controller: Kubernetes 1.37"  # once for every variant: they share the controller
    assert lines[1].split()[:2] == ["VARIANT", "PEAK"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert set(rows) == {"hello-actuator-pods", "window-300s"}
    assert float(rows["window-300s"][6]) > float(rows["hello-actuator-pods"][6])  # a longer window costs pods
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hpa_files_replace_or_compare(tmp_path: Path) -> None:
    hpa = yaml.safe_load(BOOTCAMP.read_text())["hpa"]
    hpa["spec"]["maxReplicas"] = 3
    small = tmp_path / "max3.yaml"
    small.write_text(yaml.safe_dump(hpa))
    code, out, _ = run("simulate", "--hpa", str(small), "-o", "json")
    assert code == 0 and json.loads(out)["summary"]["peakReplicas"] == 3
    code, out, _ = run("simulate", "--hpa", str(small), "--compare", "-o", "json")
    items = json.loads(out)["items"]
    assert [item["summary"]["peakReplicas"] for item in items] == [10, 3]


def test_csv_output_and_duration_override() -> None:
    code, out, _ = run("simulate", "-o", "csv", "--duration", "2m")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("t,load,cpu_current,cpu_target,replicas,readyReplicas,desiredReplicas")
    assert len(lines) == 1 + 9  # t = 0 .. 120 s every 15 s


def test_compare_with_a_recorded_run(tmp_path: Path) -> None:
    recording = tmp_path / "run.jsonl"
    lines = []
    for second in range(0, 1200, 15):
        observed = 1 if second < 75 else 10 if second < 720 else 1
        lines.append(json.dumps({"time": f"2026-11-30T10:{second // 60:02d}:{second % 60:02d}Z",
                                 "hpa": {"namespace": "default", "name": "kubernetes-bootcamp"},
                                 "currentReplicas": observed}))
    recording.write_text("\n".join(lines) + "\n")
    code, out, _ = run("simulate", "--compare-with", str(recording), "-o", "json")
    assert code == 0
    comparison = json.loads(out)["comparison"]
    assert comparison["samples"] == 80
    assert 0 < comparison["shareEqual"] < 1
    assert comparison["maxAbsoluteError"] >= 1


BAD = {
    "unknown load": ({"load": {"type": "tsunami"}}, "load.type: 'tsunami' is not one of"),
    "negative rate": ({"load": {"type": "constant", "rate": -1}}, "load.rate: must be at least 0"),
    "bad quantity": ({"workload": {"requests": {"cpu": "lots"}}}, "workload.requests.cpu: invalid quantity 'lots'"),
    "unknown field": ({"workload": {"replica": 2}}, "workload.replica: unknown field"),
    "bad duration": ({"duration": "soon"}, "duration: expected a duration"),
    "short rate window": ({"pipeline": {"prometheus": {"scrapeInterval": "30s", "rateWindow": "45s"}}},
                          "pipeline.prometheus.rateWindow: must cover at least two scrapes"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenarios_are_one_line_and_exit_1(case: str, tmp_path: Path) -> None:
    changes, expected = BAD[case]
    document = scenario_with(**changes)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document))
    code, out, err = run("simulate", str(path))
    assert code == 1
    assert out == ""
    assert expected in err, err
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: {path}")


def test_scenario_errors_name_the_field_in_python_too() -> None:
    with pytest.raises(ScenarioError, match="load.steps"):
        parse_scenario(scenario_with(load={"type": "step", "steps": "often"}), "test", ROOT)


def test_a_cold_start_lags_the_metric_pipeline_behind_the_load() -> None:
    """load.before: 0 means the pipeline saw no traffic before t = 0; the rate window then fills up."""
    base = yaml.safe_load((SCENARIOS / "hello-actuator-pods.yaml").read_text())
    base["load"] = {"type": "constant", "rate": 3}
    warm = run_document(base, 300)
    base["load"]["before"] = 0
    cold = run_document(base, 300)
    assert warm.steps[0].metrics[0].current == 3  # as if the load had always been there
    assert cold.steps[0].metrics[0].current < 1  # the 1m rate window holds only zeros and one sample
    first_out = [next(s.t for s in result.steps if s.desired > 1) for result in (warm, cold)]
    assert first_out[0] < first_out[1]


ALL_SCENARIOS = sorted(SCENARIOS.glob("*.yaml")) + sorted((ROOT / "fixtures" / "e2e" / "scenarios").glob("*.yaml")) \
    + sorted((ROOT / "benchmarks" / "scenarios").glob("*.yaml")) + [BOOTCAMP]


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.stem}")
@pytest.mark.parametrize("output", ["table", "wide", "csv", "json", "yaml"])
def test_every_scenario_simulates_in_every_output(path: Path, output: str) -> None:
    code, out, err = run("simulate", str(path), "--duration", "20m", "-o", output)
    assert code == 0, err
    assert out and "Traceback" not in err
