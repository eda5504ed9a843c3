"""The controller flags of every verb: values that mean nothing to the controller are usage errors (exit 2).

kube-controller-manager validates none of its ``--horizontal-pod-autoscaler-*`` flags, so the bounds are the
ones a value needs to mean something: a sync period must be positive (0 crashed ``simulate`` with a
ZeroDivisionError and passed silently through ``explain`` and ``watch``); 0 is a real tolerance, window or delay.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from tests.apiserver import run as run_live
from tests.helpers import SNAPSHOTS

FIXTURE = str(SNAPSHOTS / "bootcamp-cpu-219.yaml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, prog_name="kubectl hpa")
    return result.exit_code, result.stdout, result.stderr


def usage_error_line(err: str) -> str:
    """click's error line (after its Usage and Try lines): the one line that says what is wrong."""
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, err
    assert "Traceback" not in err and "internal error" not in err
    return errors[0]


VERBS = {
    "explain": ("explain", "-f", FIXTURE),
    "simulate": ("simulate", "--duration", "1m"),
    "watch": ("watch", "web", "--once"),  # refused before any connection is attempted
}


@pytest.mark.parametrize("verb", sorted(VERBS))
@pytest.mark.parametrize("value", ["0s", "0", "0ms", "0m0s"])
def test_a_zero_sync_period_is_a_usage_error_for_every_verb(verb: str, value: str) -> None:
    code, out, err = run(*VERBS[verb], "--sync-period", value)
    assert code == 2, (out, err)
    assert out == ""
    assert usage_error_line(err) == "Error: Invalid value for '--sync-period': must be greater than 0s"


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_a_negative_sync_period_is_a_usage_error(verb: str) -> None:
    code, _, err = run(*VERBS[verb], "--sync-period", "-15s")
    assert code == 2
    assert usage_error_line(err).startswith("Error: Invalid value for '--sync-period': '-15s'")


def test_a_positive_sync_period_still_drives_the_simulation() -> None:
    code, out, err = run("simulate", "--duration", "10s", "--sync-period", "5s", "-o", "csv")
    assert code == 0, err
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["0", "5", "10"]
    code, _, err = run("simulate", "--duration", "1m", "--sync-period", "500ms", "-o", "csv")
    assert code == 0, err


@pytest.mark.parametrize("flag", ["--cpu-initialization-period", "--initial-readiness-delay",
                                  "--downscale-stabilization"])
def test_the_other_durations_accept_zero_and_refuse_negative(flag: str) -> None:
    code, _, err = run("explain", "-f", FIXTURE, flag, "0s")
    assert code == 0, err
    code, _, err = run("explain", "-f", FIXTURE, flag, "-1s")
    assert code == 2
    assert usage_error_line(err).startswith(f"Error: Invalid value for '{flag}'")


def test_tolerance_accepts_zero_and_refuses_negative() -> None:
    assert run("explain", "-f", FIXTURE, "--tolerance", "0")[0] == 0
    code, _, err = run("explain", "-f", FIXTURE, "--tolerance", "-0.1")
    assert code == 2
    assert usage_error_line(err).startswith("Error: Invalid value for '--tolerance'")


def test_a_zero_sync_period_is_refused_before_reading_the_cluster(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    for args in (("explain", "web"), ("watch", "web", "--once"), ("simulate", "--from-cluster", "web")):
        api.reset_log()
        code, out, err = run_live(kubeconfig, *args, "--sync-period", "0s")
        assert code == 2, (args, err)
        assert out == "" and usage_error_line(err)
        assert api.requests == [], args
    code, out, err = run_live(kubeconfig, "watch", "web", "--once", "--sync-period", "30s")
    assert code == 0, err
    assert "web" in out
