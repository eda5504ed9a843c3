"""Properties of the per-pod model: under the realistic settings (README, "A realistic model") a sustained load
above target never scales down; in any per-pod scenario the fast path gives decide()'s timeline."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sim.model_cases import document, hpa, run

REQUEST = 500  # millicores
TARGET = 25  # percent


def realistic(load: dict, replicas: int, *, window: int, startup: int, resolution: int, phase: int, seed: int,
              lifetime: int, high: int = 10) -> dict:
    metric = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                          "averageUtilization": TARGET}}}
    return {
        "apiVersion": "kubectl-hpa.io/v1alpha1", "kind": "Scenario", "seed": seed,
        "hpa": hpa([metric], {"scaleDown": {"stabilizationWindowSeconds": window}}, 1, high),
        "workload": {"replicas": replicas, "requests": {"cpu": f"{REQUEST}m"}, "startup": f"{startup}s",
                     "cpu": {"baseline": "0m", "perRequest": "1m"},
                     "traffic": {"model": "connections", "connectionLifetime": f"{lifetime}s"}},
        "pipeline": {"metricsServer": {"resolution": f"{resolution}s", "sampling": "rate", "phase": f"{phase}s"}},
        "load": load,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wanted=st.integers(2, 6), start=st.integers(1, 5), window=st.sampled_from([0, 15, 60, 300]),
       startup=st.integers(0, 60), resolution=st.sampled_from([15, 30]), phase=st.integers(0, 29),
       seed=st.integers(0, 9), lifetime=st.sampled_from([30, 60, 120]))
def test_a_sustained_load_above_target_never_scales_down(wanted, start, window, startup, resolution, phase, seed,
                                                          lifetime) -> None:
    """A constant load aimed mid-bucket for ``wanted`` pods (as the e2e tests aim theirs), on fewer pods
    than that: the count only rises, to ``wanted`` (or one less, where the load is within the tolerance of
    the target on those: 5.5 pods' worth on 5 is 1.1 times the target)."""
    start = min(start, wanted - 1)
    usage = wanted * REQUEST * TARGET // 100 - REQUEST * TARGET // 200  # usageForReplicas(wanted)
    doc = realistic({"type": "constant", "rate": usage}, start, window=window, startup=startup,
                    resolution=resolution, phase=phase % resolution, seed=seed, lifetime=lifetime)
    result = run(doc, 1800)
    downs = [step for step in result.steps if step.event and step.desired < step.replicas]
    assert not downs, downs[0]
    final = result.steps[-1]
    ratio = final.metrics[0].ratio
    assert final.desired == wanted or (final.desired == wanted - 1 and ratio is not None and ratio <= 1.1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(metrics=st.lists(st.sampled_from(["cpu", "memory", "pods", "external"]), min_size=1, max_size=3, unique=True),
       traffic=st.sampled_from(["even", "pinned", {"model": "connections", "connectionLifetime": "45s"}]),
       sampling=st.sampled_from(["instant", "rate"]), phase=st.sampled_from(["0s", "4s", "random"]),
       resolution=st.sampled_from(["15s", "30s", "60s"]), variance=st.sampled_from([0, 0.1]),
       limit=st.sampled_from([None, "150m", "400m"]), window=st.sampled_from([None, 0, 120]),
       startup=st.sampled_from(["0s", "25s", {"distribution": "uniform", "min": "5s", "max": "40s"}]),
       seed=st.integers(0, 5), sync=st.sampled_from(["10s", "15s", "20s"]),
       kubelet=st.sampled_from(["0s", "10s"]))
def test_the_fast_path_is_exact_in_any_per_pod_scenario(metrics, traffic, sampling, phase, resolution, variance,
                                                        limit, window, startup, seed, sync, kubelet) -> None:
    workload: dict = {"traffic": traffic, "variance": variance}
    if limit is not None:
        workload["limits"] = {"cpu": limit}
    doc = document(metrics, {"type": "sine", "min": 5, "max": 150, "period": "1h"}, startup=startup,
                   behavior=None if window is None else {"scaleDown": {"stabilizationWindowSeconds": window}},
                   resolution=resolution, seed=seed, controller={"syncPeriod": sync}, workload=workload,
                   metrics_server={"sampling": sampling, "phase": phase if phase == "random" or
                                   int(phase[:-1]) < int(resolution[:-1]) else "0s", "kubeletPeriod": kubelet},
                   prometheus={"phase": phase})
    assert run(doc, 2 * 3600).steps == run(doc, 2 * 3600, steady=False).steps
