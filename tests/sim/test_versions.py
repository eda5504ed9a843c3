"""The simulated controller follows the release it emulates, between syncs as in them."""

from __future__ import annotations

from dataclasses import replace

from kubectl_hpa.core.versions import ControllerVersion
from kubectl_hpa.sim.engine import simulate
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import read_scenario
from tests.helpers import ROOT

BOOTCAMP = ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml"


def test_a_new_hpa_is_reconciled_at_once_from_1_37_and_one_sync_period_later_before() -> None:
    """kubernetes#138294: the work queue used to add a new HPA rate-limited, one sync period (15 s) away."""
    scenario = read_scenario(BOOTCAMP)
    runs = {}
    for minor in (36, 37):
        at_release = replace(scenario, controller=replace(scenario.controller, version=ControllerVersion(minor)))
        runs[minor] = simulate(at_release, build_load(at_release.load), 120).steps
    assert [step.t for step in runs[37][:3]] == [0.0, 15.0, 30.0]
    assert [step.t for step in runs[36][:3]] == [15.0, 30.0, 45.0]
    assert runs[36][-1].t == runs[37][-1].t == 120.0
    assert len(runs[37]) == len(runs[36]) + 1
