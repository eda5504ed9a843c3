"""`kubectl hpa upgrade-check`: exit codes, the text view (golden), -o json|yaml, and the live read.

The goldens live in tests/cli/upgrade_golden/, outside tests/cli/golden/ (test_views.py fails on any
golden there that none of its own cases reads). ``UPDATE_GOLDEN=1`` rewrites them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from tests.apiserver import empty_cluster, run
from tests.helpers import ROOT, check_golden

FIXTURES = ROOT / "fixtures" / "upgrade"
GOLDEN = Path(__file__).resolve().parent / "upgrade_golden"
AT = ("--at", "2026-11-30T10:00:00Z")


def invoke(*args: str, env: dict | None = None) -> tuple[int, str, str]:
    """The CLI in process, without any KUBECTL_HPA_* default or colour from the environment."""
    import os

    environment = {key: None for key in os.environ if key.startswith("KUBECTL_HPA_") or key in ("NO_COLOR", "TERM")}
    environment.update(env or {})
    result = CliRunner().invoke(cli, ["upgrade-check", *args], env=environment, prog_name="kubectl hpa")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def fixture(name: str) -> str:
    return str(FIXTURES / name)


GOLDEN_CASES = {  # golden name: arguments
    "succeeded-pods.1.37-1.38": ("-f", fixture("succeeded-pods.yaml"), "--to", "1.38"),
    "shop.1.34-1.38": ("-f", fixture("shop.yaml"), "--to", "1.38"),
    "scale-to-zero.1.35-1.36": ("-f", fixture("scale-to-zero.yaml"), "--from", "1.35", "--from-feature-gates",
                                "HPAScaleToZero=true", "--to", "1.36"),
    "beta-manifests.1.37-1.38": ("-f", fixture("beta-manifests.yaml"), "--from", "1.37", "--to", "1.38", *AT),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_text_view_matches_golden(name: str, request: pytest.FixtureRequest) -> None:
    code, out, err = invoke(*GOLDEN_CASES[name], "--color", "never")
    text = f"exit={code}\n{out}{err}".replace(f"{ROOT}/", "")  # the same golden wherever the clone lives
    check_golden(GOLDEN / f"{name}.txt", text, request.node.nodeid)


def test_every_upgrade_golden_belongs_to_a_case() -> None:
    expected = {GOLDEN / f"{name}.txt" for name in GOLDEN_CASES}
    assert sorted(p.name for p in GOLDEN.glob("*") if p not in expected) == []


def test_something_changes_exit_3_and_the_text_names_it() -> None:
    code, out, err = invoke("-f", fixture("succeeded-pods.yaml"), "--to", "1.38")
    assert code == 3, err
    assert "shop/web -> Deployment/web: desired 4 -> 2" in out
    assert "Succeeded pods are ignored like Failed ones: touches shop/web (3 Succeeded pods)" in out
    assert "\033[" not in out  # not a terminal: plain text


def test_nothing_changes_exit_0_and_says_so() -> None:
    code, out, err = invoke("-f", fixture("succeeded-pods.yaml"), "--from", "1.37", "--to", "v1.37.4")
    assert code == 0, err
    assert "no change (desired 4)" in out and "nothing changes" in out


def test_the_version_the_snapshot_recorded_is_the_default_from() -> None:
    code, out, _ = invoke("-f", fixture("succeeded-pods.yaml"), "--to", "1.38", "-o", "json")
    assert code == 3
    assert json.loads(out)["from"]["kubernetesVersion"] == "1.37"  # kubectl-hpa.io/kubernetes-version: v1.37.2


def test_gates_the_snapshot_recorded_apply_to_the_from_side() -> None:
    code, out, _ = invoke("-f", fixture("shop.yaml"), "--to", "1.38", "-o", "json")
    document = json.loads(out)
    assert code == 3
    assert document["from"]["kubernetesVersion"] == "1.34"
    assert document["from"]["featureGates"]["HPAScaleToZero"] is True  # kubectl-hpa.io/feature-gates


@pytest.mark.parametrize("args, message", [
    (("-f", fixture("tolerance.yaml"), "--to", "1.38"), "does not say which Kubernetes release it runs: give --from"),
    (("-f", fixture("tolerance.yaml"), "--from", "1.20", "--to", "1.38"), "Kubernetes 1.20 is not supported"),
    (("-f", fixture("tolerance.yaml"), "--from", "1.34", "--to", "banana"), "is not a Kubernetes version"),
    (("-f", fixture("tolerance.yaml"), "--from", "1.34", "--to", "1.38", "--to-feature-gates", "HPAScaleToZero=maybe"),
     "invalid value of HPAScaleToZero=maybe"),
    (("-f", fixture("tolerance.yaml"), "--from", "1.37", "--from-feature-gates", "HPAConfigurableTolerance=false",
      "--to", "1.38"), "locked to true"),
    (("-f", fixture("tolerance.yaml"), "--from", "1.34"), "Missing option '--to'"),
    (("-f", fixture("tolerance.yaml"), "--from", "1.34", "--to", "1.38", "-o", "table"), "Invalid value for '-o'"),
])
def test_usage_errors_exit_2_in_one_line(args: tuple[str, ...], message: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2 and out == "", err
    assert message in err


@pytest.mark.parametrize("args, message", [
    (("-f", "/nonexistent/snap.yaml", "--from", "1.37", "--to", "1.38"), "/nonexistent/snap.yaml: No such file"),
    (("-f", fixture("succeeded-pods.yaml"), "--to", "1.38", "-n", "elsewhere"),
     "no HorizontalPodAutoscaler found in namespace elsewhere"),
    (("nope", "-f", fixture("succeeded-pods.yaml"), "--to", "1.38"), "no HorizontalPodAutoscaler named 'nope'"),
])
def test_input_errors_exit_1_in_one_line(args: tuple[str, ...], message: str) -> None:
    code, out, err = invoke(*args)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_json_and_yaml_are_the_same_document() -> None:
    code, out, _ = invoke("-f", fixture("shop.yaml"), "--to", "1.38", "-o", "json")
    assert code == 3
    document = json.loads(out)
    code, out, _ = invoke("-f", fixture("shop.yaml"), "--to", "1.38", "-o", "yaml")
    assert code == 3 and yaml.safe_load(out) == document
    assert (document["apiVersion"], document["kind"]) == ("kubectl-hpa.io/v1alpha1", "UpgradeCheck")
    assert [h["metadata"]["name"] for h in document["hpas"]] == ["web", "api", "worker"]
    for hpa in document["hpas"]:
        assert set(hpa) == {"metadata", "scaleTargetRef", "changed", "from", "to", "differences"}
        assert hpa["from"]["kubernetesVersion"] == "1.34" and hpa["to"]["kubernetesVersion"] == "1.38"
        assert hpa["changed"] == bool(hpa["differences"])
    for change in document["changes"]:
        assert {"key", "release", "prs", "title", "summary", "inEffect", "everyHPA", "touches"} <= set(change)


def test_colour_only_when_asked_and_never_with_no_color() -> None:
    args = ("-f", fixture("succeeded-pods.yaml"), "--to", "1.38")
    assert "\033[" in invoke(*args, "--color", "always")[1]
    assert "\033[" not in invoke(*args, env={"NO_COLOR": "1"})[1]


def test_controller_flags_reach_both_controllers() -> None:
    """--tolerance 0.5: 1.06 is inside either way, so the per-HPA 5% decides alone on 1.35: 4 -> 5 stays."""
    code, out, _ = invoke("-f", fixture("tolerance.yaml"), "--from", "1.34", "--to", "1.35", "--tolerance", "0.5",
                          "-o", "json")
    hpa = json.loads(out)["hpas"][0]
    assert code == 3 and (hpa["from"]["desiredReplicas"], hpa["to"]["desiredReplicas"]) == (4, 5)


# ----------------------------------------------------------------------------- live, over the fake API server


def test_live_read_compares_the_cluster_hpas(api, kubeconfig) -> None:
    api.load(FIXTURES / "succeeded-pods.yaml")
    code, out, err = run(kubeconfig, "upgrade-check", "web", "-n", "shop", "--from", "1.37", "--to", "1.38", *AT,
                         "-o", "json")
    assert code == 3, err
    (hpa,) = json.loads(out)["hpas"]
    assert (hpa["from"]["desiredReplicas"], hpa["to"]["desiredReplicas"]) == (4, 2)
    assert api.methods() == {"GET"}
    code, out, err = run(kubeconfig, "upgrade-check", "--from", "1.37", "--to", "1.37", *AT)  # the context's shop
    assert code == 0, err
    assert "shop/web -> Deployment/web: no change (desired 4)" in out


def test_live_read_without_any_hpa_is_no_resources(api, kubeconfig) -> None:
    empty_cluster(api)
    code, out, err = run(kubeconfig, "upgrade-check", "--from", "1.37", "--to", "1.38")
    assert (code, out, err) == (0, "", "No resources found in shop namespace.\n")  # as kubectl and `explain` say it
    code, out, err = run(kubeconfig, "upgrade-check", "-A", "--from", "1.37", "--to", "1.38")
    assert (code, out, err) == (0, "", "No resources found\n")


def test_live_read_uses_the_version_the_server_reports(api, kubeconfig) -> None:
    """No --from: the release of the API server's /version (the live read records it in the snapshot)."""
    api.load(FIXTURES / "succeeded-pods.yaml")
    api.fault(r"^/version$", 200, {"major": "1", "minor": "36", "gitVersion": "v1.36.1", "platform": "linux/amd64"})
    code, out, err = run(kubeconfig, "upgrade-check", "web", "--to", "1.38", *AT, "-o", "json")
    assert code == 3, err
    document = json.loads(out)
    assert (document["from"]["kubernetesVersion"], document["direction"]) == ("1.36", "upgrade")
    assert any("/version" in path for path in api.paths()) and api.methods() == {"GET"}


def test_live_read_of_a_server_hiding_its_version_needs_from(api, kubeconfig) -> None:
    api.load(FIXTURES / "succeeded-pods.yaml")
    api.fault(r"^/version$", 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                                   "message": "the server could not find the requested resource", "code": 404})
    code, out, err = run(kubeconfig, "upgrade-check", "web", "--to", "1.38", *AT)
    assert code == 2 and out == ""
    assert "the cluster does not say which Kubernetes release it runs: give --from" in err
