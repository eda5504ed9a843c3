"""Scenario documents the model tests share (a helper module, not a test module: test modules import it)."""

from __future__ import annotations

import copy
from typing import Any, Optional

from kubectl_hpa.sim.engine import Result, simulate
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import parse_scenario
from tests.helpers import ROOT

CPU = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}
MEMORY = {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue",
                                                                          "averageValue": "200Mi"}}}
PODS = {"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                 "target": {"type": "AverageValue", "averageValue": "10"}}}
EXTERNAL = {"type": "External", "external": {"metric": {"name": "backlog"},
                                             "target": {"type": "AverageValue", "averageValue": "20"}}}
METRICS = {"cpu": CPU, "memory": MEMORY, "pods": PODS, "external": EXTERNAL}
REQUESTS = {"cpu": "200m", "memory": "256Mi"}


def hpa(metrics: list, behavior: Optional[dict] = None, low: int = 1, high: int = 12, name: str = "web") -> dict:
    spec: dict[str, Any] = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                            "minReplicas": low, "maxReplicas": high, "metrics": metrics}
    if behavior is not None:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": "shop"}, "spec": spec}


def document(metrics: list[str], load: dict, *, behavior: Optional[dict] = None, startup: object = "20s",
             retain: bool = False, low: int = 1, high: int = 12, resolution: str = "15s", replicas: int = 2,
             seed: int = 1, controller: Optional[dict] = None, workload: Optional[dict] = None,
             metrics_server: Optional[dict] = None, prometheus: Optional[dict] = None) -> dict:
    """A scenario on the metrics named (cpu, memory, pods, external); ``workload``, ``metrics_server`` and
    ``prometheus`` add fields to those sections."""
    return {
        "apiVersion": "kubectl-hpa.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "model"}, "seed": seed,
        "hpa": hpa([METRICS[name] for name in metrics], behavior, low, high),
        "workload": {"replicas": replicas, "requests": dict(REQUESTS), "startup": startup,
                     "cpu": {"baseline": "10m", "perRequest": "4m"},
                     "memory": {"baseline": "100Mi", "perRequest": "1Mi", "retain": retain},
                     "podsMetrics": {"requests_per_second": {"perRequest": "1"}},
                     "totalMetrics": {"backlog": {"perRequest": "1"}}, **(workload or {})},
        "pipeline": {"metricsServer": {"resolution": resolution, **(metrics_server or {})},
                     "prometheus": {"scrapeInterval": "15s", "rateWindow": "1m", **(prometheus or {})}},
        "controller": dict(controller or {}),
        "load": load,
    }


def per_pod(document_: dict) -> dict:
    """The same scenario written so that it runs the per-pod model with its defaults: one container, named
    app, with the workload's requests and all of its usage (share 1)."""
    changed = copy.deepcopy(document_)
    workload = changed["workload"]
    workload["containers"] = [{"name": "app", "requests": workload.pop("requests")}]
    return changed


def run(document_: dict, duration: float, steady: bool = True, keep_inputs: bool = False) -> Result:
    scenario = parse_scenario(copy.deepcopy(document_), "test", ROOT)
    return simulate(scenario, build_load(scenario.load), duration, keep_inputs=keep_inputs, steady=steady)
