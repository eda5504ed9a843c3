"""``--kubernetes-version`` and ``--feature-gates`` offline: ``explain -f`` (the flags and the snapshot's annotations),
every verb's help, and the one-line exit-2 errors for a release or gate kubectl-hpa cannot emulate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from tests.helpers import SNAPSHOTS

SNAPSHOT = SNAPSHOTS / "bootcamp-cpu-219.yaml"
ASSUMED = ("note: the snapshot's cluster does not say which Kubernetes release it runs; emulating the HPA controller "
           "of 1.37, the newest release (--kubernetes-version to choose)")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, prog_name="kubectl hpa")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def annotated(tmp_path: Path, **annotations: str) -> Path:
    """The bootcamp snapshot with more List annotations (what `kubectl hpa snapshot` records)."""
    document = yaml.safe_load(SNAPSHOT.read_text())
    document["metadata"]["annotations"].update(annotations)
    path = tmp_path / "snap.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_without_a_version_the_newest_release_is_assumed_and_said_once() -> None:
    code, out, err = run("explain", "-f", str(SNAPSHOT))
    assert code == 0, err
    assert err.splitlines() == [ASSUMED]
    assert out.splitlines()[2] == "controller: Kubernetes 1.37"  # the header block: name, numbers, controller
    code, out, err = run("explain", "-f", str(SNAPSHOT), "-o", "json")
    document = json.loads(out)
    assert document["kubernetesVersion"] == "1.37"
    assert document["featureGates"] == {"HPAScaleToZero": True, "HPAConfigurableTolerance": True,
                                        "PodLevelResources": True}


def test_the_flag_chooses_the_release_and_its_gates() -> None:
    code, out, err = run("explain", "-f", str(SNAPSHOT), "--kubernetes-version", "v1.30.6", "-o", "json")
    assert code == 0 and err == "", err  # a release given: nothing to say
    document = json.loads(out)
    assert document["kubernetesVersion"] == "1.30"
    # 1.30: HPAScaleToZero alpha (off), HPAContainerMetrics GA; the gates of 1.32+ do not exist yet
    assert document["featureGates"] == {"HPAScaleToZero": False, "HPAContainerMetrics": True}
    assert document["desiredReplicas"] == 10  # the other fields are all still there
    code, out, err = run("explain", "-f", str(SNAPSHOT), "--kubernetes-version", "1.36",
                         "--feature-gates", "HPAScaleToZero=true")
    assert code == 0, err
    assert "controller: Kubernetes 1.36 (HPAScaleToZero=true)" in out.splitlines()
    code, out, err = run("explain", "-f", str(SNAPSHOT), "--kubernetes-version", "1.36",
                         "--feature-gates", "HPAScaleToZero=true", "-o", "yaml")
    assert yaml.safe_load(out)["featureGates"]["HPAScaleToZero"] is True


def test_gates_that_do_not_shape_a_decision_are_accepted_with_one_note() -> None:
    code, out, err = run("explain", "-f", str(SNAPSHOT), "--kubernetes-version", "1.37",
                         "--feature-gates", "InPlacePodVerticalScaling=true,HPAScaleToZero=false")
    assert code == 0, err
    assert err.splitlines() == ["note: feature gate InPlacePodVerticalScaling does not change HPA decisions; ignored"]
    assert "controller: Kubernetes 1.37 (HPAScaleToZero=false)" in out


def test_a_newer_release_than_known_is_emulated_as_the_newest_with_a_note() -> None:
    code, out, err = run("explain", "-f", str(SNAPSHOT), "--kubernetes-version", "1.45", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["kubernetesVersion"] == "1.38"
    assert len(err.splitlines()) == 1 and "1.45 is newer" in err


@pytest.mark.parametrize("args, words", [
    (("--kubernetes-version", "1.25"), "error: Kubernetes 1.25 is not supported"),
    (("--kubernetes-version", "v1.20.3"), "error: Kubernetes 1.20 is not supported"),
    (("--kubernetes-version", "banana"), "error: 'banana' is not a Kubernetes version"),
    (("--kubernetes-version", "2.1"), "is not a Kubernetes version"),
    (("--feature-gates", "HPAScaleToZero"), "error: missing bool value for HPAScaleToZero"),
    (("--feature-gates", "HPAScaleToZero=maybe"), "error: invalid value of HPAScaleToZero=maybe"),
    (("--kubernetes-version", "1.30", "--feature-gates", "HPAConfigurableTolerance=true"),
     "error: unrecognized feature gate: HPAConfigurableTolerance (Kubernetes 1.30 has no such gate)"),
    (("--kubernetes-version", "1.31", "--feature-gates", "HPAContainerMetrics=false"),
     "error: cannot set feature gate HPAContainerMetrics to false, feature is locked to true"),
    (("--feature-gates", "HPAConfigurableTolerance=false"),  # assumed 1.37: GA, locked
     "error: cannot set feature gate HPAConfigurableTolerance to false"),
])
def test_what_cannot_be_emulated_is_one_line_and_exit_2(args: tuple[str, ...], words: str) -> None:
    code, out, err = run("explain", "-f", str(SNAPSHOT), *args)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert words in lines[-1] and lines[-1].startswith("error: ")
    assert all(line.startswith("note: ") for line in lines[:-1])
    assert "Traceback" not in err


def test_the_snapshot_annotations_choose_the_controller(tmp_path: Path) -> None:
    path = annotated(tmp_path, **{"kubectl-hpa.io/kubernetes-version": "v1.31.4-gke.1200",
                                  "kubectl-hpa.io/feature-gates": "HPAScaleToZero=true"})
    code, out, err = run("explain", "-f", str(path))
    assert code == 0 and err == "", err
    assert "controller: Kubernetes 1.31 (HPAScaleToZero=true)" in out.splitlines()
    code, out, err = run("explain", "-f", str(path), "--kubernetes-version", "1.35", "-o", "json")  # the flag wins
    assert json.loads(out)["kubernetesVersion"] == "1.35" and json.loads(out)["featureGates"]["HPAScaleToZero"]
    code, out, err = run("explain", "-f", str(path), "--feature-gates", "HPAScaleToZero=false", "-o", "json")
    assert json.loads(out)["kubernetesVersion"] == "1.31" and not json.loads(out)["featureGates"]["HPAScaleToZero"]


def test_a_snapshot_of_an_unsupported_cluster_is_exit_2_unless_a_release_is_given(tmp_path: Path) -> None:
    path = annotated(tmp_path, **{"kubectl-hpa.io/kubernetes-version": "v1.24.17"})
    code, out, err = run("explain", "-f", str(path))
    assert code == 2 and out == ""
    assert err.splitlines() == ["error: the snapshot's cluster runs v1.24.17: Kubernetes 1.24 is not supported: "
                                "kubectl-hpa emulates the HPA controller of 1.26 to 1.38 (--kubernetes-version "
                                "emulates another)"]
    code, out, err = run("explain", "-f", str(path), "--kubernetes-version", "1.26", "-o", "json")
    assert code == 0 and json.loads(out)["kubernetesVersion"] == "1.26", err
    bad_gates = annotated(tmp_path, **{"kubectl-hpa.io/kubernetes-version": "1.30",
                                       "kubectl-hpa.io/feature-gates": "PodLevelResources=true"})
    code, out, err = run("explain", "-f", str(bad_gates))
    assert code == 2 and err.splitlines() == [
        "error: the snapshot's cluster: unrecognized feature gate: PodLevelResources (Kubernetes 1.30 has no such gate)"]


def test_table_keeps_its_columns() -> None:
    code, out, err = run("explain", "-f", str(SNAPSHOT), "-o", "table", "--kubernetes-version", "1.33")
    assert code == 0, err
    assert out.splitlines()[0].split()[-1] == "PROBLEMS"  # scripts reading the last column keep working


@pytest.mark.parametrize("verb", ["explain", "snapshot", "simulate", "watch"])
def test_every_verb_takes_the_flags_and_says_the_default(verb: str) -> None:
    code, out, _err = run(verb, "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--kubernetes-version VERSION" in text and "--feature-gates GATES" in text
    assert "Default: the cluster's version (/version), or the one a snapshot recorded, else 1.37, the newest release." \
        in text
