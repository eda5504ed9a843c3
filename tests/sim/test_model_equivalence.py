"""The per-pod model with its defaults (even traffic, instant samples at phase 0, one container, no limit, no
variance) gives the original model's timeline, row by row; and a scenario that uses none of the new fields
runs the original code (the goldens in tests/cli/golden/simulate pin those bytes)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_hpa.sim.scenario import parse_scenario
from tests.helpers import ROOT
from tests.sim.model_cases import document, per_pod, run

WAVE = {"type": "sine", "min": 5, "max": 120, "period": "2h"}
BEHAVIORS = [None, {}, {"scaleDown": {"stabilizationWindowSeconds": 0}},
             {"scaleDown": {"stabilizationWindowSeconds": 300,
                            "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60}]}}]


def test_the_per_pod_form_of_a_scenario_runs_the_per_pod_model() -> None:
    plain = parse_scenario(document(["cpu"], WAVE), "test", ROOT)
    assert not plain.per_pod_model and not plain.extended
    assert parse_scenario(per_pod(document(["cpu"], WAVE)), "test", ROOT).per_pod_model


def test_the_per_pod_model_with_defaults_gives_the_original_timeline_on_a_wave() -> None:
    original = document(["cpu", "memory", "pods", "external"], WAVE, behavior=BEHAVIORS[3])
    assert run(per_pod(original), 4 * 3600).steps == run(original, 4 * 3600).steps


loads = st.one_of(
    st.builds(lambda low, high, hours: {"type": "sine", "min": low, "max": low + high, "period": f"{hours}h"},
              st.integers(0, 20), st.integers(1, 300), st.integers(1, 4)),
    st.builds(lambda base, peak, at: {"type": "spike", "base": base, "peak": peak, "at": f"{at}m", "duration": "25m"},
              st.integers(0, 30), st.integers(0, 400), st.integers(0, 40)),
    st.builds(lambda rate: {"type": "constant", "rate": rate}, st.integers(0, 500)),
)


# The original model reads a scrape with the pods as they are at the sync; the per-pod one with the pods
# as they were at the scrape. They agree whenever no rescale falls between a scrape and the sync that
# reads it, which holds when the resolution divides the sync period (every sync reads a scrape of its
# own instant): the pairs below.
PERIODS = [("15s", "15s"), ("15s", "30s"), ("30s", "30s"), ("10s", "20s"), ("15s", "45s"), ("5s", "15s")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(metrics=st.lists(st.sampled_from(["cpu", "memory", "pods", "external"]), min_size=1, max_size=3, unique=True),
       behavior=st.sampled_from(range(len(BEHAVIORS))), load=loads,
       startup=st.sampled_from(["0s", "20s", "31s", {"distribution": "uniform", "min": "5s", "max": "45s"}]),
       retain=st.booleans(), low=st.integers(1, 3), high=st.integers(3, 25), periods=st.sampled_from(PERIODS),
       replicas=st.integers(1, 6), seed=st.integers(0, 5),
       controller=st.fixed_dictionaries({}, optional={
           "cpuInitializationPeriod": st.sampled_from(["0s", "1m", "5m"]),
           "initialReadinessDelay": st.sampled_from(["0s", "30s", "2m"]),
           "tolerance": st.sampled_from([0.1, 0.05, 0.0])}))
def test_the_per_pod_model_with_defaults_gives_the_original_timeline(metrics, behavior, load, startup, retain, low,
                                                                       high, periods, replicas, seed,
                                                                       controller) -> None:
    resolution, sync = periods
    original = document(metrics, load, behavior=BEHAVIORS[behavior], startup=startup, retain=retain, low=low,
                        high=high, resolution=resolution, replicas=replicas, seed=seed,
                        controller={**controller, "syncPeriod": sync})
    assert run(per_pod(original), 2 * 3600).steps == run(original, 2 * 3600).steps
