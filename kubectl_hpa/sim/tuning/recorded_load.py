"""``tune --timeline FILE.jsonl``: the load a ``watch --record`` recording implies, through the scenario's model.

A recording holds what the HPA read (each metric's current value), not requests per second, so the load is
the workload model read backwards: for a CPU utilization metric, a pod's usage is ``current% x its CPU
request``, and the load on it ``(usage - baseline) / perRequest``; for a Pods metric the scenario models
(``workload.podsMetrics``), ``(value - baseline) / perRequest``. Times the Ready pods (the observed
readyReplicas, else the replicas) that is the total the pods served then. The first metric the model can
read backwards is used; the rate holds from one observation to the next, as a csv load does.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Optional

from ...record import Observation, read_observations
from ..fields import ScenarioError
from ..load import LoadProfile
from ..scenario import MetricModel, Scenario


def _per_pod(scenario: Scenario, observation: Observation) -> Optional[float]:
    """The load on one pod at this observation, from the first metric the model can invert (None: none)."""
    workload = scenario.workload
    for metric in observation.metrics:
        if metric.current is None or not isinstance(metric.current, (int, float)):
            continue
        model: Optional[MetricModel] = None
        usage: Optional[float] = None
        if metric.name == "cpu" and metric.unit == "%" and workload.requests.get("cpu"):
            model, usage = workload.cpu, float(metric.current) / 100 * workload.requests["cpu"]
        elif metric.name in workload.pods_metrics and metric.unit != "%":
            model, usage = workload.pods_metrics[metric.name], float(metric.current) * 1000
        if model is not None and usage is not None and model.per_request > 0:
            return max(0.0, (usage - model.baseline) / model.per_request)
    return None


def recorded_load(path: Path, scenario: Scenario) -> LoadProfile:
    """The load of the recording's HPA (the scenario's when the file holds several), as a step function from
    the first observation (t = 0)."""
    from ...record import RecordError

    try:
        observations = read_observations(path, prefer=scenario.hpa.key)
    except RecordError as error:
        raise ScenarioError(f"--timeline {error}") from None
    start = observations[0].time
    times: list[float] = []
    rates: list[float] = []
    for observation in observations:
        per_pod = _per_pod(scenario, observation)
        if per_pod is None:
            continue
        pods = observation.ready_replicas if observation.ready_replicas is not None else observation.current_replicas
        times.append(observation.time - start)
        rates.append(per_pod * pods)
    if not times:
        raise ScenarioError(f"--timeline {path}: no observation has a metric the scenario's workload model can turn "
                            "back into load (a CPU utilization, or a Pods metric listed in workload.podsMetrics)")
    end = times[-1] + (times[-1] - times[-2] if len(times) > 1 else 0.0)

    def rate_at(t: float) -> float:
        index = bisect.bisect_right(times, t) - 1
        return rates[max(index, 0)] if t <= end else 0.0

    return LoadProfile(rate_at, end, f"recorded {path.name} ({len(times)} observations)")
