"""The tune use case: the HPA settings a load wants, found by replaying candidate specs through ``simulate``.

The scenario, its HPA (``--hpa``, ``--from-cluster``), its load (``--prometheus``) and the controller
emulated are chosen exactly as ``simulate`` chooses them (:func:`.simulate.prepare`), so a candidate's
figures are what ``kubectl hpa simulate`` of its manifest prints. The search itself is
:mod:`kubectl_hpa.sim.tuning.search`; this module settles the space, the constraints and the
objective, times the run and lists the model's assumptions for the report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..sim.load import LoadProfile
from ..sim.scenario import Scenario
from ..sim.tuning.objectives import COST, DEFAULT_MARGIN, Capacity, capacity_of
from ..sim.tuning.outcome import Tuning
from ..sim.tuning.search import Constraints, Problem, constraints_in_effect, default_workers, search
from ..sim.tuning.space import build_space, current_settings
from .simulate import SimulationRequest, prepare

DEFAULT_BUDGET = 600
"""Candidates replayed at most (a week of 15 s syncs is about 0.1-0.5 CPU s each)."""


@dataclass(frozen=True)
class TuneRequest:
    simulation: SimulationRequest = SimulationRequest()
    """The scenario, its HPA, load, controller and length, as ``simulate`` takes them."""
    vary: tuple[str, ...] = ()
    fix: tuple[str, ...] = ()
    objective: str = COST
    max_overload_seconds: Optional[float] = None
    max_overload_share: Optional[float] = None
    """``--max-overload 1%``: a share of the run (0.01), instead of seconds."""
    max_rescales_per_hour: Optional[int] = None
    capacity: Optional[float] = None
    margin: float = DEFAULT_MARGIN
    budget: int = DEFAULT_BUDGET
    workers: Optional[int] = None
    """None: both cores (every CPU this process may use, at most 8)."""
    timeline: Optional[str] = None
    """``--timeline FILE.jsonl``: the load a ``watch --record`` recording implies, instead of the scenario's."""


def tune(request: TuneRequest, progress: Optional[Callable[[str, int], None]] = None) -> Tuning:
    prepared = prepare(request.simulation)
    scenario, load, duration = prepared.scenario, prepared.load, prepared.duration
    if request.timeline is not None:
        from ..sim.tuning.recorded_load import recorded_load

        load = recorded_load(Path(request.timeline), scenario)
        duration = request.simulation.duration or load.length or duration
    started = time.perf_counter()
    capacity = capacity_of(scenario.workload, request.capacity)
    problem = Problem(scenario, load, duration, capacity, request.margin)
    current = current_settings(scenario.hpa, scenario.controller)
    overload = request.max_overload_seconds
    if request.max_overload_share is not None:
        overload = request.max_overload_share * duration
    given = Constraints(overload, request.max_rescales_per_hour)
    # Whether maxReplicas is worth varying depends on the current spec reaching it: replay it first (the
    # search replays it again as its first candidate; a run is cheap next to a search).
    space = build_space(current, scenario.hpa, scenario.controller, reaches_max=True,
                        vary=request.vary, fix=request.fix)
    if not request.vary:
        from ..sim.tuning.search import replay

        reaches = replay(problem, scenario.hpa_manifest)["timeAtMaxSeconds"] > 0
        space = build_space(current, scenario.hpa, scenario.controller, reaches_max=reaches, fix=request.fix)
    workers = request.workers or default_workers()
    result = search(problem, space, current, given, request.objective, request.budget, workers, progress)
    return Tuning(scenario, load, duration, space, result, constraints_in_effect(result, given, request.objective),
                  request.objective, capacity, request.margin, time.perf_counter() - started, prepared.notes,
                  assumptions(scenario, load, duration, capacity, recorded=request.timeline is not None))


def assumptions(scenario: Scenario, load: LoadProfile, duration: float, capacity: Capacity,
                recorded: bool = False) -> tuple[str, ...]:
    """What the figures rest on, in the report's words: the tune is only as good as the load and the model."""
    from ..render.tune import span

    workload, pipeline, controller = scenario.workload, scenario.pipeline, scenario.controller
    startup = workload.startup
    if startup.distribution == "uniform":
        start = f"{startup.low:g}-{startup.high:g}s (uniform, seed {scenario.seed})"
    elif startup.distribution == "normal":
        start = f"{startup.seconds:g}s +/- {startup.stddev:g}s (normal, seed {scenario.seed})"
    else:
        start = f"{startup.seconds:g}s"
    per_pod = ("unknown, so overload is not measured (risk is the time over target by the margin)"
               if capacity.requests_per_second is None else
               f"{capacity.requests_per_second:g} req/s ({capacity.source})")
    lines: tuple[str, ...] = (
        f"load: {load.description} over {span(duration)}, replayed as recorded; the future is assumed to "
        "look like it (no growth, no new peaks)",
        "the load does not react to the replicas: no retries, queueing or back-off when pods are overloaded",
        "CPU per pod = baseline + perRequest x the load per Ready pod (linear: no saturation, no throttling "
        "unless the scenario models limits), shared evenly unless the scenario says otherwise",
        f"a pod's capacity: {per_pod}",
        f"new pods are Ready after {start}; nodes always have room (no Pending pods, no cluster autoscaler)",
        f"metrics: metrics-server every {pipeline.resolution:g}s, Prometheus every {pipeline.scrape_interval:g}s "
        f"with rate() over {pipeline.rate_window:g}s",
        ("the per-pod model: metric windows, scrape phases and traffic as the scenario sets them"
         if scenario.per_pod_model else
         "the idealized model: a sample is the usage at its scrape, load reaches a new pod the moment it is Ready "
         "(model: realistic in the scenario adds metric windows, connections and per-pod variance)"),
        f"controller: sync every {controller.sync_period:g}s, tolerance {controller.tolerance:g}; no other "
        "autoscaler (VPA, KEDA) acts on the workload",
    )
    if recorded:  # watch --record keeps metrics, not requests: the load is the model read backwards
        lines = (lines[0], "the recording's load is its metrics read back through this workload model: as right "
                 "as the model's baseline and perRequest are", *lines[1:])
    return lines

