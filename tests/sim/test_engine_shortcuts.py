"""The engine's shortcuts change no number: each is checked against the plain computation it stands for."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.metric_context import MetricContext, Tolerances
from kubectl_hpa.core.model import ControllerSettings, Pod
from kubectl_hpa.core.steady import PodSamples, _young_pods_count
from kubectl_hpa.sim.containers import PodContainers, demand
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import Container, MetricModel, parse_scenario
from kubectl_hpa.sim.world import World
from tests.helpers import ROOT
from tests.sim.test_steady import BEHAVIORS, METRICS, WAVE, scenario_document

FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(baseline=FINITE, per_request=FINITE, limit=st.one_of(st.none(), st.integers(0, 10**6)),
       loads=st.lists(FINITE, min_size=1, max_size=60))
def test_a_windows_mean_cpu_is_the_mean_of_each_points_capped_demand(baseline, per_request, limit, loads) -> None:
    model = MetricModel(per_request=per_request, baseline=baseline)
    container = Container("app", limits={} if limit is None else {"cpu": limit}, cpu=model)
    plain = [demand(model, load) if limit is None else min(demand(model, load), float(limit)) for load in loads]
    assert PodContainers((container,)).mean_cpu(container, loads) == sum(plain) / len(plain)


@settings(max_examples=60, deadline=None)
@given(metrics=st.lists(st.sampled_from(sorted(METRICS)), min_size=1, max_size=3, unique=True),
       retain=st.booleans(), times=st.lists(st.floats(0, 4000), min_size=1, max_size=8))
def test_a_world_that_does_not_move_between_syncs_is_left_as_it_was_by_advance(metrics, retain, times) -> None:
    document = scenario_document(metrics, BEHAVIORS["default"], WAVE, retain=retain)
    scenario = parse_scenario(copy.deepcopy(document), "test", ROOT)
    world = World(scenario, build_load(scenario.load))
    expected = ("pods" in metrics or "object" in metrics or "external" in metrics) or retain
    assert world.moves_between_syncs == expected
    if world.moves_between_syncs:
        return
    before = (list(world._scrapes), [vars(group).copy() for group in world.groups], world._next_scrape)
    for now in sorted(times):
        world.advance(now)
    assert (list(world._scrapes), [vars(group).copy() for group in world.groups], world._next_scrape) == before


@settings(max_examples=300, deadline=None)
@given(pods=st.lists(st.tuples(st.floats(0, 5000), st.floats(0, 600)), min_size=1, max_size=6),
       window=st.floats(1, 120), late=st.floats(0, 600), now=st.floats(0, 6000))
def test_a_sample_one_window_after_the_last_pod_became_ready_counts_for_every_young_pod(pods, window, late,
                                                                                        now) -> None:
    """SteadyRun's shortcut for young pods: one comparison against the latest Ready transition stands for
    cpu_unready_reason on every pod."""
    core_pods = tuple(Pod(name=f"web-{index}", ready="True", start_time=start, ready_transition_time=start + delay)
                      for index, (start, delay) in enumerate(pods))
    last_ready = max(pod.ready_transition_time or 0.0 for pod in core_pods)
    timestamp = last_ready + window + late
    reading = PodSamples(tuple(100 for _ in core_pods), timestamp, window)
    settings_ = ControllerSettings()
    context = MetricContext(spec_replicas=len(core_pods), status_replicas=len(core_pods), pods=core_pods, now=now,
                            settings=settings_, tolerances=Tolerances(down=0.1, up=0.1, legacy=False), weights={})
    assert reading.timestamp >= last_ready + reading.window
    assert _young_pods_count(core_pods, reading, now, context)
