"""``controller.kubernetesVersion`` and ``controller.featureGates`` in a scenario, ``simulate --kubernetes-version``,
and the controller a simulation's outputs (title, JSON, exported snapshot) say they emulated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from kubectl_hpa.sim.fields import ScenarioError
from kubectl_hpa.sim.scenario import parse_scenario
from tests.helpers import ROOT

BOOTCAMP = ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, prog_name="kubectl hpa")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def scenario(tmp_path: Path, **controller) -> Path:
    document = yaml.safe_load(BOOTCAMP.read_text())
    document["controller"] = {**(document.get("controller") or {}), **controller}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_old_scenarios_keep_working_and_assume_the_newest_release() -> None:
    code, out, err = run("simulate", str(BOOTCAMP), "--duration", "2m", "-o", "json")
    assert code == 0
    assert json.loads(out)["kubernetesVersion"] == "1.37"
    assert err.splitlines() == ["note: the scenario does not say which Kubernetes release it runs; emulating the HPA "
                                "controller of 1.37, the newest release (--kubernetes-version to choose)"]


def test_the_scenario_chooses_and_the_flag_overrides(tmp_path: Path) -> None:
    path = scenario(tmp_path, kubernetesVersion="1.30", featureGates={"HPAScaleToZero": True})
    code, out, err = run("simulate", str(path), "--duration", "2m", "-o", "json")
    assert code == 0 and err == "", err
    document = json.loads(out)
    assert document["kubernetesVersion"] == "1.30"
    assert document["featureGates"] == {"HPAScaleToZero": True, "HPAContainerMetrics": True}
    code, out, err = run("simulate", str(path), "--duration", "2m")
    assert out.splitlines()[0] == "controller: Kubernetes 1.30 (HPAScaleToZero=true)"  # the table's title
    code, out, err = run("simulate", str(path), "--duration", "2m", "-o", "json", "--kubernetes-version", "1.35",
                         "--feature-gates", "HPAScaleToZero=false")
    assert code == 0, err
    assert json.loads(out)["kubernetesVersion"] == "1.35" and json.loads(out)["featureGates"]["HPAScaleToZero"] is False
    code, out, err = run("simulate", str(path), "--duration", "2m", "--compare")
    assert out.splitlines()[0] == "controller: Kubernetes 1.30 (HPAScaleToZero=true)"


def test_feature_gates_as_a_string(tmp_path: Path) -> None:
    path = scenario(tmp_path, kubernetesVersion="v1.36.3", featureGates="HPAScaleToZero=true,DevicePlugins=true")
    code, out, err = run("simulate", str(path), "--duration", "2m", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["featureGates"]["HPAScaleToZero"] is True
    assert err.splitlines() == ["note: the scenario sets feature gate DevicePlugins, which does not change HPA "
                                "decisions; ignored"]


def test_an_exported_sync_explains_under_the_same_controller(tmp_path: Path) -> None:
    path = scenario(tmp_path, kubernetesVersion="1.34", featureGates={"HPAScaleToZero": True})
    code, snap, err = run("simulate", str(path), "--snapshot-at", "2m")
    assert code == 0, err
    annotations = yaml.safe_load(snap)["metadata"]["annotations"]
    assert annotations["kubectl-hpa.io/kubernetes-version"] == "1.34"
    assert annotations["kubectl-hpa.io/feature-gates"] == "HPAScaleToZero=true"
    exported = tmp_path / "sync.yaml"
    exported.write_text(snap)
    code, out, err = run("explain", "-f", str(exported))
    assert err == "" and "controller: Kubernetes 1.34 (HPAScaleToZero=true)" in out.splitlines()


@pytest.mark.parametrize("controller, words", [
    ({"kubernetesVersion": 1.30}, 'controller.kubernetesVersion: expected a Kubernetes version as a string like "1.30", '
                                  "got 1.3 (quote it: YAML reads 1.30 as the number 1.3)"),
    ({"featureGates": {"HPAScaleToZero": "yes"}}, "controller.featureGates.HPAScaleToZero: expected true or false"),
    ({"featureGates": ["HPAScaleToZero"]}, "controller.featureGates: expected a mapping of gate names"),
    ({"kubernetsVersion": "1.30"}, "controller.kubernetsVersion: unknown field"),
])
def test_a_malformed_field_is_a_scenario_error(controller: dict, words: str) -> None:
    document = yaml.safe_load(BOOTCAMP.read_text())
    document["controller"] = controller
    with pytest.raises(ScenarioError, match=words.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        parse_scenario(document, "test", ROOT)


@pytest.mark.parametrize("controller, words", [
    ({"kubernetesVersion": "1.20"}, "error: the scenario runs 1.20: Kubernetes 1.20 is not supported"),
    ({"kubernetesVersion": "one"}, "error: the scenario runs one: 'one' is not a Kubernetes version"),
    ({"kubernetesVersion": "1.30", "featureGates": {"PodLevelResources": True}},
     "error: the scenario: unrecognized feature gate: PodLevelResources (Kubernetes 1.30 has no such gate)"),
    ({"featureGates": "HPAScaleToZero"}, "error: the scenario: missing bool value for HPAScaleToZero"),
])
def test_what_cannot_be_emulated_is_exit_2(tmp_path: Path, controller: dict, words: str) -> None:
    code, out, err = run("simulate", str(scenario(tmp_path, **controller)), "--duration", "2m")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(words), err
    code, out, err = run("simulate", str(scenario(tmp_path, **controller)), "--kubernetes-version", "1.1")
    assert code == 2 and err.startswith("error: Kubernetes 1.1 is not supported")  # the flag, before anything runs


def test_a_bad_scenario_field_exits_1(tmp_path: Path) -> None:
    code, out, err = run("simulate", str(scenario(tmp_path, kubernetesVersion=1.3)))
    assert code == 1 and "controller.kubernetesVersion" in err and len(err.splitlines()) == 1
