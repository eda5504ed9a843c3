"""``tune``: its figures are ``simulate``'s, its front is a Pareto front, and on a daily wave whose best
settings are known by construction it finds them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.sim.fields import ScenarioError
from kubectl_hpa.sim.tuning.objectives import busiest_hour, dominates, pareto_front
from kubectl_hpa.usecases.simulate import SimulationRequest, simulate
from kubectl_hpa.usecases.tune import TuneRequest, tune

SIMULATE_KEYS = ("peakReplicas", "finalReplicas", "timeToFirstScaleOutSeconds", "timeAboveTargetSeconds",
                 "timeAtMaxSeconds", "podMinutes", "rescales", "timeToReturnToMinSeconds",
                 "timeFromBelowTargetToMinSeconds", "syncs", "durationSeconds")

# A daily wave from 100 to 1000 req/s. A pod's CPU request is 1 core and each request/s costs 10m, so a pod
# serves 100 req/s at 100% of its request (its capacity). The wave's steepest climb adds 0.5 req/s per sync:
# the HPA tracks it within its tolerance, so no target up to 80% ever overloads a pod, and the cost (pod-hours)
# falls as the target rises. At the trough, 100 req/s needs 2 pods at 80% (1.25 pods' worth of CPU), so any
# minReplicas of 2 or less costs the same and more costs more. Known best by construction, over targets
# 40..80 and minReplicas 1..6: target 80, minReplicas <= 2.
WAVE = {
    "apiVersion": "kubectl-hpa.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "daily-wave"},
    "duration": "24h",
    "hpa": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 6, "maxReplicas": 30,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 40}}}]}},
    "workload": {"replicas": 6, "requests": {"cpu": "1", "memory": "256Mi"}, "startup": "30s",
                 "cpu": {"baseline": "0", "perRequest": "10m"}},
    "controller": {"kubernetesVersion": "1.37"},
    "load": {"type": "sine", "min": 100, "max": 1000, "period": "24h", "phase": 0},
}


@pytest.fixture()
def wave(tmp_path: Path) -> Path:
    path = tmp_path / "wave.yaml"
    path.write_text(yaml.safe_dump(WAVE))
    return path


def _simulated(scenario: Path, manifest: dict, tmp_path: Path, name: str) -> dict:
    """``simulate``'s summary of the scenario with ``manifest`` as its HPA (the verb's own use case)."""
    hpa = tmp_path / f"{name}.yaml"
    hpa.write_text(yaml.safe_dump(manifest))
    run = simulate(SimulationRequest(scenario_file=str(scenario), hpa_files=(str(hpa),))).runs[0][1]
    for _ in run:  # the run streams its steps; its summary is complete once they have passed
        pass
    return run.summary()


def test_known_best_settings_are_found_and_every_figure_is_simulates(wave: Path, tmp_path: Path) -> None:
    tuning = tune(TuneRequest(SimulationRequest(scenario_file=str(wave)),
                              vary=("target=40..80/10", "minReplicas=1..6"), workers=2))
    result = tuning.result
    assert result.space_size == 5 * 6
    best = result.candidates[result.recommended]
    assert best.settings["target"] == 80 and best.settings["minReplicas"] <= 2, best.changes
    assert best.summary["timeOverCapacitySeconds"] == 0
    # The spec known best, replayed by simulate on its own: the tune found it, or one as good on every objective.
    known = dict(WAVE["hpa"], spec=dict(WAVE["hpa"]["spec"], minReplicas=2))
    known["spec"]["metrics"] = [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    reference = _simulated(wave, known, tmp_path, "known")
    assert reference["podMinutes"] == best.summary["podMinutes"]
    front = [result.candidates[index] for index in result.front]
    assert any(c.summary["podMinutes"] <= reference["podMinutes"] and c.summary["rescales"] <= reference["rescales"]
               for c in front)
    # Exactly simulate's figures: the recommendation, the current spec and a few others, key by key.
    for index in sorted({0, result.recommended, *result.front[:3], len(result.candidates) - 1}):
        candidate = result.candidates[index]
        simulated = _simulated(wave, candidate.manifest, tmp_path, f"c{index}")
        assert {key: candidate.summary[key] for key in SIMULATE_KEYS} == simulated, candidate.changes


def test_the_default_space_finds_a_spec_as_good_as_the_known_best_on_every_objective(wave: Path,
                                                                                        tmp_path: Path) -> None:
    tuning = tune(TuneRequest(SimulationRequest(scenario_file=str(wave), duration=6 * 3600.0), budget=150,
                              max_rescales_per_hour=60, workers=2))
    result = tuning.result
    assert len(result.candidates) <= 150
    known = dict(WAVE["hpa"], spec=dict(WAVE["hpa"]["spec"], minReplicas=2))
    known["spec"]["metrics"] = [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    from kubectl_hpa.sim.tuning.objectives import capacity_of, replay_figures
    from kubectl_hpa.usecases.simulate import prepare

    hpa = tmp_path / "known.yaml"
    hpa.write_text(yaml.safe_dump(known))
    run = prepare(SimulationRequest(scenario_file=str(wave), hpa_files=(str(hpa),), duration=6 * 3600.0))
    reference = replay_figures(run.scenario, run.load, run.duration, capacity_of(run.scenario.workload, None))
    vector = (reference["podHours"], reference["timeOverCapacitySeconds"], reference["rescalesPerDay"])
    assert any(result.candidates[i].vector == vector or dominates(result.candidates[i].vector, vector)
               for i in result.front), [result.candidates[i].vector for i in result.front]


def test_same_input_same_output_whatever_the_workers(wave: Path) -> None:
    request = dict(vary=("target=50..80/10", "scaleDown.stabilizationWindowSeconds=0,300"), budget=20)
    one = tune(TuneRequest(SimulationRequest(scenario_file=str(wave), duration=7200.0), workers=1, **request))
    two = tune(TuneRequest(SimulationRequest(scenario_file=str(wave), duration=7200.0), workers=2, **request))
    assert [(c.changes, c.summary) for c in one.result.candidates] == \
        [(c.changes, c.summary) for c in two.result.candidates]
    assert one.result.front == two.result.front and one.result.recommended == two.result.recommended


def test_the_budget_bounds_the_replays_and_the_current_spec_comes_first(wave: Path) -> None:
    tuning = tune(TuneRequest(SimulationRequest(scenario_file=str(wave), duration=3600.0), budget=12, workers=1))
    candidates = tuning.result.candidates
    assert len(candidates) == 12
    assert candidates[0].stage == "current" and candidates[0].changes == {}
    assert all(candidate.changes for candidate in candidates[1:])


def test_constraints_rule_out_specs_and_say_when_nothing_qualifies(wave: Path) -> None:
    tuning = tune(TuneRequest(SimulationRequest(scenario_file=str(wave), duration=7200.0),
                              vary=("target=40,80",), max_rescales_per_hour=0, workers=1))
    feasible = [c for c in tuning.result.candidates if c.feasible]
    assert all(c.summary["maxRescalesPerHour"] == 0 for c in feasible)
    assert all(not c.feasible for c in tuning.result.candidates if c.summary["maxRescalesPerHour"] > 0)
    if not feasible:
        assert tuning.result.recommended is None


def test_tolerance_is_searched_only_where_the_release_has_it(wave: Path) -> None:
    old = SimulationRequest(scenario_file=str(wave), duration=3600.0, kubernetes_version="1.32")
    tuning = tune(TuneRequest(old, budget=10, workers=1))
    assert not any(name.endswith("tolerance") for name in tuning.space.values)
    with pytest.raises(ScenarioError, match="per-HPA tolerance"):
        tune(TuneRequest(old, vary=("scaleUp.tolerance=0.05,0.1",), workers=1))
    new = tune(TuneRequest(SimulationRequest(scenario_file=str(wave), duration=3600.0), budget=10, workers=1))
    assert "scaleDown.tolerance" in new.space.values


@pytest.mark.parametrize("flag, message", [
    (("--vary", "replicas=3"), "unknown setting 'replicas'"),
    (("--vary", "target=80..40"), "LOW <= HIGH"),
    (("--vary", "scaleDown.policies=Percent:10"), "not a policy"),
    (("--fix", "minReplicas=1,2"), "one value"),
    (("--vary", "scaleDown.stabilizationWindowSeconds=2h"), "0 to 3600"),
])
def test_a_bad_space_is_one_line_naming_the_setting(wave: Path, flag: tuple[str, str], message: str) -> None:
    option, text = flag
    request = TuneRequest(SimulationRequest(scenario_file=str(wave), duration=600.0), workers=1,
                          **({"vary": (text,)} if option == "--vary" else {"fix": (text,)}))
    with pytest.raises(ScenarioError, match=message):
        tune(request)


def test_fixed_settings_hold_in_every_candidate(wave: Path) -> None:
    tuning = tune(TuneRequest(SimulationRequest(scenario_file=str(wave), duration=3600.0), budget=40, workers=1,
                              fix=("minReplicas", "target=70")))
    assert "minReplicas" not in tuning.space.values and "target" not in tuning.space.values
    assert all(c.settings["minReplicas"] == 6 for c in tuning.result.candidates)
    assert all(c.settings["target"] == 70 for c in tuning.result.candidates[1:])


vectors = st.lists(st.tuples(*(st.integers(0, 5),) * 3), min_size=1, max_size=40)


@given(vectors)
@settings(max_examples=200, deadline=None)
def test_the_front_is_every_undominated_vector_once(points: list[tuple[int, int, int]]) -> None:
    front = pareto_front([tuple(map(float, p)) for p in points])
    expected_vectors = {p for p in points if not any(dominates(q, p) for q in points)}
    assert {points[i] for i in front} == expected_vectors
    assert len(front) == len(expected_vectors)  # equal vectors: one of them


@given(st.lists(st.integers(0, 20_000), max_size=60))
def test_the_busiest_hour_is_the_most_events_in_any_60_minutes(times: list[int]) -> None:
    ordered = sorted(float(t) for t in times)
    brute = max((sum(1 for t in ordered if start <= t < start + 3600) for start in ordered), default=0)
    assert busiest_hour(ordered) == brute



def test_a_second_metrics_target_is_tuned_and_its_figures_are_simulates(tmp_path: Path) -> None:
    """An HPA on CPU and memory: the memory target is a setting of its own (``metrics[1].target``), written
    into the candidate's manifest, and each candidate's figures are what simulate gives for that manifest."""
    document = yaml.safe_load(yaml.safe_dump(WAVE))
    document["hpa"]["spec"]["metrics"].append({"type": "Resource", "resource": {
        "name": "memory", "target": {"type": "AverageValue", "averageValue": "400Mi"}}})
    document["workload"]["memory"] = {"baseline": "100Mi", "perRequest": "8Mi"}
    document["duration"] = "4h"
    path = tmp_path / "two-metrics.yaml"
    path.write_text(yaml.safe_dump(document))
    tuning = tune(TuneRequest(SimulationRequest(scenario_file=str(path)),
                              vary=("target=40,80", "metrics[1].target=300Mi,400Mi,800Mi"), budget=10, workers=1))
    result = tuning.result
    assert result.space_size == 2 * 3 and len(result.candidates) == 6
    memory_targets = {c.manifest["spec"]["metrics"][1]["resource"]["target"]["averageValue"] for c in result.candidates}
    assert memory_targets == {"314572800", "400Mi", "838860800"}  # the current spec keeps its text
    by_target = {c.settings["metrics[1].target"]: c.summary["podMinutes"] for c in result.candidates
                 if c.settings["target"] == 80}
    assert by_target[314572800] > by_target[838860800]  # the memory target binds: a lower one costs more pods
    for candidate in result.candidates[:4]:
        simulated = _simulated(path, candidate.manifest, tmp_path, f"m{candidate.settings['metrics[1].target']:g}")
        assert {key: candidate.summary[key] for key in SIMULATE_KEYS} == simulated, candidate.changes
