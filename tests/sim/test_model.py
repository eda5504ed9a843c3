"""The per-pod model: metrics-server's rate over its window, how load reaches pods, limits, containers,
initial pods and a driver's stages; each checked on what the controller reads, and the fast path against
decide() on every kind of scenario it can run."""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import pytest

from kubectl_hpa.core.model import ControllerSettings, ResourceMetrics
from kubectl_hpa.core.versions import controller_version
from kubectl_hpa.sim.engine import simulate
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.metrics_server import FRESH_CONTAINER_MIN, MetricsServer
from kubectl_hpa.sim.scenario import parse_scenario
from kubectl_hpa.sim.traffic import Member, Traffic
from kubectl_hpa.sim.world import World
from tests.helpers import ROOT
from tests.sim.model_cases import document, run

WAVE = {"type": "sine", "min": 5, "max": 120, "period": "2h"}
STEP = {"type": "step", "steps": [{"at": 0, "rate": 10}, {"at": "100s", "rate": 40}]}
SIDECAR_POD = [{"name": "app", "requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"cpu": "300m"}},
               {"name": "proxy", "sidecar": True, "requests": {"cpu": "50m", "memory": "32Mi"},
                "cpu": {"baseline": "2m", "perRequest": "0.5m"}}]


def world_for(doc: dict) -> World:
    scenario = parse_scenario(copy.deepcopy(doc), "test", ROOT)
    return World(scenario, build_load(scenario.load))


def cpu_of(world: World, now: float) -> dict:
    """Each pod's CPU as the controller reads it (all containers summed), by pod name."""
    world.advance(now)
    reading = world.readings(now)[0]
    assert isinstance(reading, ResourceMetrics)
    return {item.pod: sum(usage["cpu"] for usage in item.containers.values()) for item in reading.samples}


# ----------------------------------------------------------------------------- metrics-server


def test_a_rate_sample_covers_the_window_between_two_scrapes() -> None:
    # 10 -> 40 req/s at 100 s, 4m per request and 10m baseline, two pods: 30m per pod, then 90m.
    doc = document(["cpu"], STEP, metrics_server={"sampling": "rate", "phase": "5s"})
    world = world_for(doc)
    assert set(cpu_of(world, 95).values()) == {30}  # the scrape at 95 s covers 80..95 s
    assert set(cpu_of(world, 110).values()) == {70}  # 95..110 s: 5 s at 30m, 10 s at 90m
    assert set(cpu_of(world, 125).values()) == {90}
    instant = world_for(document(["cpu"], STEP))
    assert set(cpu_of(instant, 105).values()) == {90}  # the original model: the usage at the scrape


def test_reaction_to_a_step_takes_one_to_two_resolutions_with_a_rate() -> None:
    """The first sync whose reading shows the whole step comes 1-2 resolutions after it, at any phase."""
    for resolution in (15, 30):
        for phase in range(0, resolution, 5):
            doc = document(["cpu"], STEP, resolution=f"{resolution}s",
                           metrics_server={"sampling": "rate", "phase": f"{phase}s"})
            world = world_for(doc)
            seen = next(t for t in range(0, 400, 15) if set(cpu_of(world, t).values()) == {90})
            assert resolution <= seen - 100 < 2 * resolution + 15  # a sync every 15 s reads the scrape


def test_a_pod_is_sampled_after_two_scrapes_or_from_its_start_when_fresh() -> None:
    server = MetricsServer(resolution=30.0, phase=0.0, rate=True)
    assert server.window(created=0.0, scraped=30.0) == (0.0, 30.0)
    assert server.window(created=5.0, scraped=30.0) == (5.0, 30.0)  # started 25 s before: fresh
    assert server.window(created=30.0 - FRESH_CONTAINER_MIN + 1, scraped=30.0) is None  # too young
    assert MetricsServer(30.0, 0.0, rate=False).window(created=5.0, scraped=30.0) is None  # instant: two scrapes
    assert server.last_scrape(29.0) == 0.0 and MetricsServer(30.0, 7.0, True).last_scrape(29.0) == -23.0 + 30.0


def test_a_kubelet_period_makes_samples_older_and_windows_uneven() -> None:
    server = MetricsServer(resolution=15.0, phase=0.0, rate=True, kubelet_period=10.0, kubelet_phase=3.0)
    assert server.point(30.0) == 23.0 and server.point(15.0) == 13.0
    assert server.window(created=-100.0, scraped=30.0) == (13.0, 23.0)  # a 10 s window, stamped 7 s before the scrape
    assert server.window(created=-100.0, scraped=45.0) == (23.0, 43.0)  # then a 20 s one
    doc = document(["cpu"], STEP, metrics_server={"sampling": "rate", "phase": "0s", "kubeletPeriod": "10s"})
    world = world_for(doc)
    world.advance(60.0)
    reading = world.readings(60.0)[0]
    assert isinstance(reading, ResourceMetrics)
    stamp, window = reading.samples[0].timestamp, reading.samples[0].window
    assert 50.0 < stamp <= 60.0 and 5.0 < window < 25.0


def test_a_random_phase_is_fixed_by_the_seed() -> None:
    phases = set()
    for seed in range(8):
        doc = document(["cpu"], WAVE, seed=seed, metrics_server={"sampling": "rate", "phase": "random"})
        assert world_for(doc)._server.phase == world_for(doc)._server.phase
        phases.add(world_for(doc)._server.phase)
    assert len(phases) > 1 and all(0 <= phase < 15 for phase in phases)


# ----------------------------------------------------------------------------- how load reaches pods


def test_connections_move_to_a_new_pod_as_they_turn_over() -> None:
    traffic = Traffic("connections", 30.0)
    traffic.rebalance(0.0, (Member("old", 1, 1.0),))
    traffic.rebalance(100.0, (Member("old", 1, 1.0), Member("new", 1, 1.0)))
    assert traffic.share("new", 100.0) == 0.0 and traffic.share("old", 100.0) == 1.0
    assert traffic.share("new", 130.0) == pytest.approx(0.5 * (1 - math.exp(-1)))
    assert traffic.share("new", 130.0) + traffic.share("old", 130.0) == pytest.approx(1.0)
    traffic.rebalance(200.0, (Member("new", 1, 1.0),))  # the old pod is deleted: its clients reconnect
    assert traffic.share("new", 200.0) == pytest.approx(1.0)
    assert traffic.share("old", 120.0) > 0.5  # the past stays as it was


def test_pinned_load_stays_on_the_pods_that_had_it() -> None:
    traffic = Traffic("pinned", 30.0)
    traffic.rebalance(0.0, (Member("a", 1, 1.0), Member("b", 1, 1.0)))
    traffic.rebalance(50.0, (Member("a", 1, 1.0), Member("b", 1, 1.0), Member("c", 2, 1.0)))
    assert traffic.share("c", 5000.0) == 0.0 and traffic.share("a", 5000.0) == 0.5
    traffic.rebalance(60.0, (Member("a", 1, 1.0), Member("c", 2, 1.0)))  # b is deleted: a takes its load
    assert traffic.share("a", 60.0) == 1.0 and traffic.share("c", 60.0) == 0.0


def test_even_load_follows_the_weights_of_per_pod_variance() -> None:
    traffic = Traffic("even", 30.0)
    traffic.rebalance(0.0, (Member("a", 1, 1.2), Member("b", 1, 0.8)))
    assert traffic.load("a", 10.0, 100.0) == pytest.approx(60.0)
    assert traffic.load("b", 10.0, 100.0) == pytest.approx(40.0)


def test_pinned_load_scales_on_average_but_leaves_the_new_pods_idle() -> None:
    doc = document(["cpu"], {"type": "constant", "rate": 100}, workload={"traffic": "pinned"})
    world = world_for(doc)
    assert set(cpu_of(world, 0.0).values()) == {210}  # 2 pods, 50 req/s each
    world.scale_to(4, 0.0)
    later = cpu_of(world, 120.0)
    counts = {group.name: group.count for group in world.groups}
    assert sorted(later.values()) == [10, 210]  # the two old pods keep 50 req/s each, the new ones idle
    assert sum(value * counts[name] for name, value in later.items()) == 2 * 210 + 2 * 10


def test_per_pod_variance_is_seeded_and_keeps_the_total() -> None:
    doc = document(["cpu"], {"type": "constant", "rate": 100}, replicas=5, workload={"variance": 0.2})
    first, second = cpu_of(world_for(doc), 60.0), cpu_of(world_for(doc), 60.0)
    assert first == second and len(set(first.values())) > 1
    assert abs(sum(first.values()) - (5 * 10 + 400)) <= 5  # each pod rounds to a whole millicore
    other = cpu_of(world_for({**doc, "seed": 2}), 60.0)
    assert other != first


# ----------------------------------------------------------------------------- limits and containers


def test_usage_is_capped_at_the_cpu_limit_and_the_timeline_says_throttled() -> None:
    doc = document(["cpu"], {"type": "constant", "rate": 200}, high=3, workload={"limits": {"cpu": "300m"}})
    result = run(doc, 1800)
    assert max(step.metrics[0].current for step in result.steps) == 150.0  # 300m of a 200m request
    throttled = [step for step in result.steps if "CPU throttled" in step.limit]
    assert throttled and result.summary()["timeThrottledSeconds"] == 15.0 * len(throttled)
    unlimited = run(document(["cpu"], {"type": "constant", "rate": 200}, high=3), 1800)
    assert max(step.metrics[0].current for step in unlimited.steps) > 150.0
    assert "timeThrottledSeconds" not in unlimited.summary()  # an older scenario's summary keeps its keys


def test_a_container_resource_metric_reads_its_own_container() -> None:
    doc = document(["cpu"], {"type": "constant", "rate": 40}, workload={"containers": SIDECAR_POD})
    doc["workload"].pop("requests")
    doc["hpa"]["spec"]["metrics"] = [{"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "proxy", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    step = run(doc, 120).steps[-1]
    assert step.metrics[0].current == 24.0  # the proxy: 2m + 0.5m x 20 req/s = 12m of 50m


def test_sidecars_and_pod_level_requests_count_as_the_release_counts_them() -> None:
    doc = document(["cpu"], {"type": "constant", "rate": 40}, workload={"containers": SIDECAR_POD})
    doc["workload"].pop("requests")
    # 2 pods: app 10m + 4m x 20 = 90m, proxy 2m + 0.5m x 20 = 12m: 102m of 250m (app + sidecar) = 40%
    assert run(doc, 60).steps[-1].metrics[0].current == 40.0
    old = replace(ControllerSettings(), version=controller_version(28))  # before native sidecars counted
    assert run_with(doc, old).steps[-1].metrics[0].current == 51.0  # 102m of the app's 200m
    doc["workload"]["podRequests"] = {"cpu": "400m"}
    # Pod-level requests count from 1.34 (PodLevelResources): 102m of 400m.
    assert run_with(doc, replace(ControllerSettings(), version=controller_version(34))).steps[-1].metrics[0].current \
        == 25.0
    assert run_with(doc, replace(ControllerSettings(), version=controller_version(33))).steps[-1].metrics[0].current \
        == 40.0


def run_with(doc: dict, settings: ControllerSettings):
    scenario = parse_scenario(copy.deepcopy(doc), "test", ROOT)
    scenario = replace(scenario, controller=settings)
    return simulate(scenario, build_load(scenario.load), 60)


def test_several_containers_report_each_container() -> None:
    doc = document(["cpu"], {"type": "constant", "rate": 40}, workload={"containers": SIDECAR_POD})
    doc["workload"].pop("requests")
    world = world_for(doc)
    world.advance(30.0)
    reading = world.readings(30.0)[0]
    assert isinstance(reading, ResourceMetrics)
    assert {name: usage["cpu"] for name, usage in reading.samples[0].containers.items()} == {"app": 90, "proxy": 12}


# ----------------------------------------------------------------------------- initial pods and a driver


def test_initial_pods_can_be_young_and_unready() -> None:
    doc = document(["cpu"], {"type": "constant", "rate": 20}, low=3,
                   workload={"initialPods": [{"count": 1, "age": "1h"}, {"count": 2, "age": "0s", "startup": "40s"}]})
    doc["workload"].pop("replicas")
    result = run(doc, 300)
    assert [step.ready for step in result.steps[:4]] == [1, 1, 1, 3]
    assert result.summary()["timeWithUnreadyPodsSeconds"] == 45.0


def test_a_stage_waits_for_ready_replicas() -> None:
    load = {"type": "sequence", "stages": [{"rate": 100, "until": {"readyReplicas": 4}, "timeout": "10m"},
                                           {"rate": 5, "for": "5m"}, {"rate": 0}]}
    doc = document(["cpu"], load, startup="30s")
    result = run(doc, 1200)
    reached = next(step.t for step in result.steps if step.ready == 4)
    # The driver polls at each sync: the sync that sees 4 Ready pods already runs the next stage.
    assert all(step.load == 100 for step in result.steps if step.t < reached)
    assert all(step.load == 5 for step in result.steps if reached <= step.t < reached + 300)
    assert result.steps[-1].load == 0


# ----------------------------------------------------------------------------- the fast path stays exact

REALISTIC = {"sampling": "rate", "phase": "random", "kubeletPeriod": "10s"}
CASES = {
    "rate-random-phase": document(["cpu"], WAVE, metrics_server=REALISTIC, prometheus={"phase": "random"}),
    "rate-30s": document(["cpu", "memory"], WAVE, resolution="30s", metrics_server=REALISTIC),
    "connections": document(["cpu"], WAVE, metrics_server=REALISTIC,
                            workload={"traffic": {"model": "connections", "connectionLifetime": "2m"}}),
    "pinned-pods-metric": document(["cpu", "pods"], WAVE, workload={"traffic": "pinned"}),
    "variance": document(["cpu", "external"], WAVE, metrics_server=REALISTIC, workload={"variance": 0.15}),
    "limits": document(["cpu"], WAVE, workload={"limits": {"cpu": "250m"}}, high=4),
    "sidecar": document(["cpu"], WAVE, metrics_server=REALISTIC, workload={"containers": SIDECAR_POD}),
    "retained-memory": document(["memory"], WAVE, retain=True, workload={"variance": 0.1}),
    "young-initial-pods": document(["cpu"], WAVE, metrics_server=REALISTIC, workload={
        "initialPods": [{"count": 2, "age": "10s", "startup": "25s"}]}),
}
for case in ("sidecar",):
    CASES[case]["workload"].pop("requests")
CASES["young-initial-pods"]["workload"].pop("replicas")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fast_path_gives_decides_timeline_in_the_per_pod_model(name: str) -> None:
    steady, full = run(CASES[name], 4 * 3600), run(CASES[name], 4 * 3600, steady=False)
    assert steady.steps == full.steps
    assert steady.summary() == full.summary()
    assert steady.decided < len(steady.steps) / 2  # most syncs still take the fast path


@pytest.mark.parametrize("name", ["connections", "pinned-pods-metric", "sidecar", "limits", "rate-random-phase"])
def test_folding_pods_that_take_the_same_load_changes_no_number(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    wave = {"type": "sine", "min": 5, "max": 300, "period": "1h"}  # many rescales: many folds
    doc = {**copy.deepcopy(CASES[name]), "load": wave}
    folded = run(doc, 6 * 3600)
    monkeypatch.setattr(World, "fold_alike", False)
    kept = run(doc, 6 * 3600)
    assert folded.steps == kept.steps
