"""The newer model's scenario fields: defaults that change nothing, and one-line errors that name the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from kubectl_hpa.sim import scenario as scenario_module
from kubectl_hpa.sim.fields import ScenarioError
from kubectl_hpa.sim.scenario import Pipeline, Traffic, Workload, parse_scenario
from tests.helpers import ROOT
from tests.sim.model_cases import document

BASE = document(["cpu"], {"type": "constant", "rate": 10})
REALISTIC = ROOT / "fixtures" / "scenarios" / "realistic-e2e-consumer.yaml"


def with_fields(**sections: dict) -> dict:
    changed = copy.deepcopy(BASE)
    for section, fields in sections.items():
        if section == "metricsServer":
            changed["pipeline"]["metricsServer"].update(fields)
        elif section == "prometheus":
            changed["pipeline"]["prometheus"].update(fields)
        else:
            changed[section].update(fields)
    return changed


def test_the_defaults_are_the_original_model_in_one_place() -> None:
    assert Pipeline().default_sampling and not Workload().per_pod and Traffic().model == "even"
    assert (scenario_module.DEFAULT_SAMPLING, scenario_module.DEFAULT_SCRAPE_PHASE, scenario_module.DEFAULT_TRAFFIC,
            scenario_module.DEFAULT_VARIANCE) == ("instant", 0.0, "even", 0.0)
    parsed = parse_scenario(copy.deepcopy(BASE), "test", ROOT)
    assert not parsed.per_pod_model and not parsed.extended


BAD = [
    (dict(metricsServer={"sampling": "average"}), "pipeline.metricsServer.sampling: 'average' is not one of instant, rate"),
    (dict(metricsServer={"phase": "20s"}), "pipeline.metricsServer.phase: must be less than the interval (15s)"),
    (dict(prometheus={"phase": "sometimes"}), "pipeline.prometheus.phase: expected a duration"),
    (dict(metricsServer={"kubeletPeriod": "20s"}), "pipeline.metricsServer.kubeletPeriod: must be at most the "
     "resolution (15s)"),
    (dict(workload={"traffic": "sticky"}), "workload.traffic.model: 'sticky' is not one of even, connections, pinned"),
    (dict(workload={"traffic": {"model": "connections", "connectionLifetime": "0s"}}),
     "workload.traffic.connectionLifetime: must be greater than 0"),
    (dict(workload={"traffic": {"lifetime": "30s"}}), "workload.traffic.lifetime: unknown field"),
    (dict(workload={"variance": 1.5}), "workload.variance: must be below 1"),
    (dict(workload={"variance": True}), "workload.variance: expected a number"),
    (dict(workload={"limits": {"memory": "1Gi"}}), "workload.limits.memory: only cpu can be modelled here"),
    (dict(workload={"limits": {"cpu": "lots"}}), "workload.limits.cpu: invalid quantity 'lots'"),
    (dict(workload={"containers": [{"requests": {"cpu": "1"}}]}), "workload.containers[0].name: required"),
    (dict(workload={"containers": [{"name": "app"}, {"name": "app"}]}), "workload.containers: two containers named 'app'"),
    (dict(workload={"containers": [{"name": "proxy", "sidecar": True}]}),
     "workload.containers: a pod needs one container that is not a sidecar"),
    (dict(workload={"containers": [{"name": "app", "sidecar": "yes"}]}), "workload.containers[0].sidecar: expected true or false"),
    (dict(workload={"containers": [{"name": "app", "share": -1}]}), "workload.containers[0].share: must be at least 0"),
    (dict(workload={"podRequests": {"gpu": "1"}}), "workload.podRequests.gpu: only cpu, memory can be modelled here"),
    (dict(workload={"initialPods": [{"count": 0}]}), "workload.initialPods[0].count: expected an integer >= 1"),
    (dict(workload={"initialPods": [{"count": 1, "age": "-5s"}]}), "workload.initialPods[0].age:"),
    (dict(workload={"initialPods": [{"count": 1}], "replicas": 3}),
     "workload.replicas: 3 is not the 1 pods of workload.initialPods"),
    (dict(load={"type": "sequence", "stages": []}), "load.stages: expected a list"),
    (dict(load={"type": "sequence", "stages": [{"rate": 1}, {"rate": 2}]}),
     "load.stages[0]: needs for (or until) to end"),
    (dict(load={"type": "sequence", "stages": [{"rate": 1, "until": {"podsReady": 3}}]}),
     "load.stages[0].until.podsReady: unknown field"),
    (dict(load={"type": "sequence", "stages": [{"rate": 1, "until": {"readyReplicas": -1}}]}),
     "load.stages[0].until.readyReplicas: expected an integer >= 0"),
    (dict(load={"type": "sequence", "stages": [{"rate": 1, "for": "1m", "until": {"replicas": 2}}]}),
     "load.stages[0].for: a stage lasts a time or waits"),
    (dict(load={"type": "sequence", "stages": [{"rate": 1, "timeout": "1m"}]}),
     "load.stages[0].timeout: only a stage with until has a timeout"),
]


@pytest.mark.parametrize("changes,message", BAD, ids=[message.split(":")[0] for _, message in BAD])
def test_a_bad_model_field_is_one_line_naming_it(changes: dict, message: str) -> None:
    doc = with_fields(**changes) if "load" not in changes else {**copy.deepcopy(BASE), "load": changes["load"]}
    if "containers" in changes.get("workload", {}):
        doc["workload"].pop("requests")
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(doc, "test", ROOT)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value), str(raised.value)


def test_requests_go_per_container_once_containers_are_listed() -> None:
    doc = with_fields(workload={"containers": [{"name": "app"}]})
    with pytest.raises(ScenarioError, match=r"^workload\.requests: set requests per container in workload\.containers"):
        parse_scenario(doc, "test", ROOT)


def test_a_container_resource_metric_must_name_a_container_of_the_workload() -> None:
    doc = copy.deepcopy(BASE)
    doc["hpa"]["spec"]["metrics"] = [{"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "web", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(doc, "test", ROOT)
    assert str(raised.value) == ("test: hpa.spec.metrics[0].containerResource.container: 'web' is not a container "
                                 "of the workload (workload.containers: app)")
    doc["workload"]["containers"] = [{"name": "web", "requests": {"cpu": "100m"}}]
    doc["workload"].pop("requests")
    assert parse_scenario(doc, "test", ROOT).per_pod_model


def test_the_cli_prints_one_error_line_for_a_bad_model_field(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(with_fields(workload={"traffic": "sticky"})))
    result = CliRunner().invoke(cli, ["simulate", str(path)], prog_name="kubectl hpa")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path}: workload.traffic.model: 'sticky' is not one of even, connections, "
                             "pinned\n")


def test_the_realistic_example_runs_and_reports_what_the_model_knows() -> None:
    result = CliRunner().invoke(cli, ["simulate", str(REALISTIC), "-o", "json"], prog_name="kubectl hpa")
    assert result.exit_code == 0, result.stderr
    summary = yaml.safe_load(result.stdout)["summary"]
    assert summary["rescales"] == 1 and summary["finalReplicas"] == 3  # the example: settles at 3
    assert summary["timeWithUnreadyPodsSeconds"] > 0 and summary["timeThrottledSeconds"] == 0


def test_the_readmes_blocks_are_scenarios_that_parse() -> None:
    """The two YAML blocks of README's per-pod section, laid over a scenario, parse (the docs cannot drift)."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### The per-pod model"):text.index("### Output")]
    blocks = [part.split("```", 1)[0] for part in section.split("```yaml\n")[1:]]
    assert len(blocks) == 2
    for block in blocks:
        fields = yaml.safe_load(block)
        doc = copy.deepcopy(BASE)
        for key, value in fields.items():
            if key != "load" and isinstance(value, dict) and isinstance(doc.get(key), dict):
                for inner, setting in value.items():
                    merged = doc[key].get(inner)
                    doc[key][inner] = {**merged, **setting} if isinstance(merged, dict) and isinstance(setting, dict) \
                        else setting
            else:
                doc[key] = value
        if "containers" in doc["workload"]:  # the block lists alternatives: containers instead of requests/limits,
            for key in ("requests", "limits", "replicas"):  # initialPods instead of replicas
                doc["workload"].pop(key)
        parsed = parse_scenario(doc, "README", ROOT)
        assert parsed.per_pod_model


def test_model_realistic_is_the_readme_block_under_the_scenario_own_fields() -> None:
    written_out = with_fields(metricsServer={"sampling": "rate", "phase": "random", "kubeletPeriod": "10s"},
                              prometheus={"phase": "random"},
                              workload={"traffic": {"model": "connections", "connectionLifetime": "30s"},
                                        "variance": 0.05})
    preset = {**copy.deepcopy(BASE), "model": "realistic"}
    by_name, by_hand = parse_scenario(preset, "test", ROOT), parse_scenario(written_out, "test", ROOT)
    assert by_name.per_pod_model and (by_name.pipeline, by_name.workload) == (by_hand.pipeline, by_hand.workload)
    # The scenario's own fields win over the preset's.
    own = {**with_fields(workload={"traffic": "even", "variance": 0.0}), "model": "realistic"}
    parsed = parse_scenario(own, "test", ROOT)
    assert parsed.workload.traffic.model == "even" and parsed.workload.variance == 0.0
    assert parsed.pipeline.sampling == "rate"
    # idealized is the default, by name too.
    assert parse_scenario({**copy.deepcopy(BASE), "model": "idealized"}, "test", ROOT).pipeline == \
        parse_scenario(copy.deepcopy(BASE), "test", ROOT).pipeline


def test_an_unknown_model_is_one_line_naming_the_choices() -> None:
    with pytest.raises(ScenarioError, match=r"^test: model: expected one of idealized, realistic, got 'cluster'$"):
        parse_scenario({**copy.deepcopy(BASE), "model": "cluster"}, "test", ROOT)


@pytest.mark.parametrize("verb", ["simulate", "tune"])
def test_an_hpa_file_must_name_a_container_of_the_workload_too(tmp_path: Path, verb: str) -> None:
    scenario, hpa_file = tmp_path / "scenario.yaml", tmp_path / "candidate.yaml"
    scenario.write_text(yaml.safe_dump(copy.deepcopy(BASE)))
    manifest = copy.deepcopy(BASE["hpa"])
    manifest["spec"]["metrics"] = [{"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "web", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    hpa_file.write_text(yaml.safe_dump(manifest))
    result = CliRunner().invoke(cli, [verb, str(scenario), "--hpa", str(hpa_file)], prog_name="kubectl hpa")
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: {hpa_file}: hpa.spec.metrics[0].containerResource.container: 'web' is not a "
                             "container of the workload (workload.containers: app)\n")
