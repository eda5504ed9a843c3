"""Time budgets derived from the metric pipeline, in the shape of Kubernetes' own HPA e2e tests.

test/e2e/autoscaling/horizontal_pod_autoscaling_behavior.go budgets a reaction as
``metricsAvailableDelay (30 s new usage fills the window + 30 s old usage leaves + 15 s new pod metrics)
+ 15 s reconcile + 10 s actuation`` and checks scale-down against ``window < waited < window + reaction +
consumer delay + buffer``. The lower bound here is ``window - sync period``: the stabilization window runs from the
controller's last high recommendation, which can be one sync before the load stop the harness measures from (with
the plain window, about 6% of modelled memory runs failed falsely).

Here every term is computed from the pipeline that actually serves the metric:

- resource metrics (metrics-server): ``--metric-resolution`` R; a rate needs two scrapes, so new usage fills the
  window in 2R, old usage leaves in 2R, a new pod is measured after R: ``5R`` (= the upstream 75 s at R = 15 s);
- Prometheus metrics (adapter): ``rate(...[W])`` fills in W, plus a scrape for the first sample and one for the
  newest: ``W + 2 x scrape``. The adapter's relist interval only matters for discovery (gated before the test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

MetricPath = Literal["resource", "prometheus"]


@dataclass(frozen=True)
class Pipeline:
    metric_resolution_s: float = 15.0  # metrics-server --metric-resolution (fixtures/e2e/metrics-server.yaml)
    scrape_interval_s: float = 5.0  # Prometheus global.scrape_interval (fixtures/manifests/prometheus.yaml)
    rate_window_s: float = 60.0  # the adapter rule's rate(...[1m]) (fixtures/manifests/adapter-config.yaml)
    sync_period_s: float = 15.0  # kube-controller-manager --horizontal-pod-autoscaler-sync-period (default)
    actuation_s: float = 10.0  # Deployment -> ReplicaSet -> pods scheduled
    pod_startup_s: float = 30.0  # image preloaded; readiness probe every 5 s, 2 failures allowed
    load_start_s: float = 5.0  # locust spawning its users / the exec that makes a pod hold memory
    buffer_s: float = 60.0  # the upstream waitBuffer

    def metrics_delay(self, path: MetricPath) -> float:
        if path == "resource":
            return 5 * self.metric_resolution_s
        return self.rate_window_s + 2 * self.scrape_interval_s

    def reaction(self, path: MetricPath) -> float:
        """From a change in load to the HPA acting on it (upstream maxHPAReactionTime)."""
        return self.metrics_delay(path) + self.sync_period_s + self.actuation_s


@dataclass(frozen=True)
class Budget:
    """The two-sided windows one scenario is held to (seconds)."""

    scale_out_deadline_s: float  # load start -> at least N ready replicas
    scale_in_not_before_s: float  # load stop -> the first scale-in may not come earlier (window - one sync)
    scale_in_deadline_s: float  # load stop -> back at minReplicas
    terms: dict

    def document(self) -> dict:
        return {"scaleOutDeadlineSeconds": self.scale_out_deadline_s,
                "scaleInNotBeforeSeconds": self.scale_in_not_before_s,
                "scaleInDeadlineSeconds": self.scale_in_deadline_s, "terms": self.terms}


def scale_down_window(hpa: dict) -> float:
    """behavior.scaleDown.stabilizationWindowSeconds, or the controller's 300 s default."""
    window = ((hpa.get("spec") or {}).get("behavior") or {}).get("scaleDown", {}).get("stabilizationWindowSeconds")
    return float(300 if window is None else window)


def scale_down_policy_time(hpa: dict, from_replicas: int, to_replicas: int) -> float:
    """Seconds the scaleDown policies need to go from ``from_replicas`` to ``to_replicas`` (the first step is free).

    selectPolicy Max (the default) takes the policy allowing the biggest step; Min the smallest; Disabled never.
    With behavior set but no scaleDown policies, the API default is Percent 100 per 15 s (one step)."""
    spec = hpa.get("spec") or {}
    scale_down = (spec.get("behavior") or {}).get("scaleDown") or {}
    if scale_down.get("selectPolicy") == "Disabled":
        return math.inf
    policies = scale_down.get("policies") or [{"type": "Percent", "value": 100, "periodSeconds": 15}]
    choose = min if scale_down.get("selectPolicy") == "Min" else max
    replicas, elapsed, first = from_replicas, 0.0, True
    while replicas > to_replicas:
        steps = []
        for policy in policies:
            if policy["type"] == "Pods":
                steps.append((int(policy["value"]), float(policy["periodSeconds"])))
            else:  # Percent: the controller keeps ceil(replicas x (1 - p/100))
                keep = math.ceil(replicas * (1 - float(policy["value"]) / 100))
                steps.append((replicas - keep, float(policy["periodSeconds"])))
        step, period = choose(steps, key=lambda item: item[0])
        if step <= 0:
            return math.inf
        replicas = max(to_replicas, replicas - step)
        elapsed += 0.0 if first else period
        first = False
    return elapsed


def budget_for(hpa: dict, path: MetricPath, peak_replicas: int, pipeline: Pipeline = Pipeline()) -> Budget:
    """Scale-out deadline and the scale-in window for one HPA whose metric comes through ``path``."""
    spec = hpa.get("spec") or {}
    window = scale_down_window(hpa)
    reaction = pipeline.reaction(path)
    policy = scale_down_policy_time(hpa, peak_replicas, int(spec.get("minReplicas", 1)))
    out = pipeline.load_start_s + reaction + pipeline.pod_startup_s + pipeline.buffer_s
    # After the load stops the metric decays over the same delay, then the window must pass, then the policies.
    scale_in = window + reaction + policy + pipeline.sync_period_s + pipeline.buffer_s
    terms: dict[str, Any] = {
        "metricPath": path, "metricsDelay": pipeline.metrics_delay(path), "sync": pipeline.sync_period_s,
        "actuation": pipeline.actuation_s, "reaction": reaction, "podStartup": pipeline.pod_startup_s,
        "loadStart": pipeline.load_start_s, "scaleDownWindow": window, "scaleDownPolicies": policy,
        "buffer": pipeline.buffer_s,
    }
    # The controller's window starts at its last high recommendation, which can come up to one sync period before
    # the harness sees the load stop: the bound that always holds is window - sync (never negative).
    not_before = max(0.0, window - pipeline.sync_period_s)
    return Budget(scale_out_deadline_s=out, scale_in_not_before_s=not_before, scale_in_deadline_s=scale_in,
                  terms=terms)
