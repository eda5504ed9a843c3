"""The search: replay candidates through the simulation engine, keep the Pareto front, pick one.

A space that fits the budget is replayed whole (every combination: the exact front). Larger ones
do not scale that way (nine settings of five to thirteen values each are millions of specs),
so the search runs in three stages, each simulating whole candidates over the whole load:

1. screen: the current spec, and each setting moved alone through its values (the others as now);
2. combine: every combination of the values that were not dominated within their own sweep (a
   setting whose sweep changed nothing keeps its current value), thinned evenly to fit the budget;
3. refine: around every point of the Pareto front, each setting one step either way, again and again,
   until the front stops moving or the budget is spent. Dominated regions are never refined.

Every figure of every candidate is what ``simulate`` of that spec gives (the same engine function,
the same scenario and load): the stages choose which specs to replay, never estimate a figure.
Candidates are replayed in a bounded pool of worker processes (forked, so the load is shared); the
results come back in submission order, so the same input gives the same output.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..load import LoadProfile
from ..scenario import Scenario, Variant, hpa_spec
from .objectives import COST, RISK, Capacity, objective_vector, pareto_front, replay_figures
from .space import MAX, MIN, Space, Value, with_settings

SCREEN, COMBINE, REFINE, CURRENT, GRID = "screen", "combine", "refine", "current", "grid"


@dataclass(frozen=True)
class Problem:
    """What every candidate is replayed against: the scenario (its HPA is the current spec), the load, the length."""

    scenario: Scenario
    load: LoadProfile
    duration: float
    capacity: Capacity
    margin: float


@dataclass(frozen=True)
class Constraints:
    """A candidate is feasible when its figures stay within these (None: no limit)."""

    max_overload_seconds: Optional[float] = None
    max_rescales_per_hour: Optional[int] = None
    max_pod_hours: Optional[float] = None

    def allow(self, summary: dict) -> bool:
        risk = summary["timeOverCapacitySeconds"]
        if risk is None:
            risk = summary["timeOverTargetByMarginSeconds"]
        return ((self.max_overload_seconds is None or risk <= self.max_overload_seconds)
                and (self.max_rescales_per_hour is None or summary["maxRescalesPerHour"] <= self.max_rescales_per_hour)
                and (self.max_pod_hours is None or summary["podHours"] <= self.max_pod_hours))


@dataclass
class Candidate:
    settings: dict[str, Value]
    """Every parameter's value."""
    changes: dict[str, Value]
    """The parameters whose value differs from the current spec's."""
    stage: str
    manifest: dict
    summary: dict = field(default_factory=dict)
    feasible: bool = True

    @property
    def vector(self) -> tuple[float, float, float]:
        return objective_vector(self.summary)


@dataclass
class SearchResult:
    current: Candidate
    candidates: list[Candidate]
    """Every candidate replayed, the current spec first, in the order they were replayed."""
    front: list[int]
    """Indexes into ``candidates`` of the Pareto front of the feasible candidates, cheapest first."""
    recommended: Optional[int]
    """Index of the recommended candidate; None when no candidate meets the constraints."""
    stages: dict[str, int]
    """How many candidates each stage replayed."""
    space_size: int
    workers: int


# ----------------------------------------------------------------------------- replaying candidates

_PROBLEM: Optional[Problem] = None  # set in the parent before the pool forks: the workers inherit it


def replay(problem: Problem, manifest: dict) -> dict:
    """One candidate's figures: simulate() of the scenario with this HPA manifest, summarized."""
    hpa = hpa_spec(manifest, "candidate")
    scenario = problem.scenario.with_variant(Variant(problem.scenario.name, hpa, manifest))
    return replay_figures(scenario, problem.load, problem.duration, problem.capacity, problem.margin)


def _replay_inherited(manifest: dict) -> dict:
    assert _PROBLEM is not None
    return replay(_PROBLEM, manifest)


class Replayer:
    """Replays batches of manifests, in a pool of ``workers`` forked processes when there are more than one."""

    def __init__(self, problem: Problem, workers: int) -> None:
        self.problem = problem
        self.workers = workers if workers > 1 and "fork" in multiprocessing.get_all_start_methods() else 1
        self._pool: Any = None

    def __enter__(self) -> Replayer:
        global _PROBLEM
        if self.workers > 1:
            _PROBLEM = self.problem
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        global _PROBLEM
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        _PROBLEM = None

    def run(self, manifests: list[dict]) -> list[dict]:
        if self._pool is None or len(manifests) < 2:
            return [replay(self.problem, manifest) for manifest in manifests]
        chunk = max(1, math.ceil(len(manifests) / (self.workers * 4)))
        return list(self._pool.map(_replay_inherited, manifests, chunksize=chunk))


def default_workers() -> int:
    """Both cores of a small machine; never more than the CPUs this process may use, and at most 8."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 1
    return max(1, min(usable, 8))


# ----------------------------------------------------------------------------- the stages


class _Search:
    def __init__(self, problem: Problem, space: Space, current: dict[str, Value], budget: int,
                 replayer: Replayer, progress: Optional[Callable[[str, int], None]]) -> None:
        self.problem, self.space, self.current, self.budget = problem, space, current, budget
        self.replayer, self.progress = replayer, progress
        self.candidates: list[Candidate] = []
        self.seen: dict[tuple, int] = {}
        self.stages: dict[str, int] = {}
        self.parameters = space.parameters
        self.varied = [name for name in self.parameters if name in space.values]

    def key(self, settings: dict[str, Value]) -> tuple:
        return tuple(settings[name] for name in self.parameters)

    def remaining(self) -> int:
        return self.budget - len(self.candidates)

    def add(self, stage: str, batch: list[dict[str, Value]], limit: Optional[int] = None) -> list[int]:
        """Replay the settings not replayed yet (in order, at most ``limit`` and the budget); their indexes."""
        fresh: list[dict[str, Value]] = []
        keys: set[tuple] = set()
        for settings in batch:
            key = self.key(settings)
            if key in self.seen or key in keys or int(settings[MIN]) > int(settings[MAX]):
                continue
            keys.add(key)
            fresh.append(settings)
        room = self.remaining() if stage != CURRENT else len(fresh)
        if limit is not None:
            room = min(room, limit)
        fresh = fresh[:max(room, 0)]
        if not fresh:
            return []
        manifest, hpa = self.problem.scenario.hpa_manifest, self.problem.scenario.hpa
        made = []
        for settings in fresh:
            changes = {name: settings[name] for name in self.parameters if settings[name] != self.current[name]}
            made.append(Candidate(settings, changes, stage, with_settings(manifest, hpa, changes)))
        if self.progress is not None:
            self.progress(stage, len(made))
        for candidate, summary in zip(made, self.replayer.run([c.manifest for c in made]), strict=True):
            candidate.summary = summary
        start = len(self.candidates)
        for offset, candidate in enumerate(made):
            self.seen[self.key(candidate.settings)] = start + offset
            self.candidates.append(candidate)
        self.stages[stage] = self.stages.get(stage, 0) + len(made)
        return list(range(start, start + len(made)))

    def grid(self) -> None:
        """Every combination of the values (when the budget holds them all)."""
        batch: list[dict[str, Value]] = [dict(self.space.base)]
        for name in self.varied:
            batch = [{**settings, name: value} for settings in batch for value in self.space.values[name]]
        self.add(GRID, batch)

    def screen(self) -> dict[str, list[Value]]:
        """Each setting alone through its values; the values worth combining, per setting."""
        base = self.space.base
        self.add(SCREEN, [dict(base)])
        batch = [{**base, name: value} for name in self.varied for value in self.space.values[name]]
        self.add(SCREEN, batch)
        kept: dict[str, list[Value]] = {}
        for name in self.varied:
            sweep = [(value, self.seen[key]) for value in self.space.values[name]
                     if (key := self.key({**base, name: value})) in self.seen]
            vectors: list[tuple[float, ...]] = [self.candidates[index].vector for _, index in sweep]
            if len(set(vectors)) <= 1:  # this setting changed nothing over this load: keep it as it is
                kept[name] = [base[name]]
                continue
            kept[name] = [sweep[position][0] for position in pareto_front(vectors)]
        return kept

    def combine(self, kept: dict[str, list[Value]], share: float = 0.5) -> None:
        """The product of the kept values, each list thinned evenly (the longest first) to fit ``share`` of
        what is left of the budget."""
        room = max(1, int(self.remaining() * share))
        lists = {name: list(values) for name, values in kept.items()}
        while math.prod(len(values) for values in lists.values()) > room:
            name = max(lists, key=lambda n: (len(lists[n]), -self.varied.index(n)))
            if len(lists[name]) <= 1:
                break
            lists[name] = _thin(lists[name], len(lists[name]) - 1)
        batch: list[dict[str, Value]] = [dict(self.space.base)]
        for name in self.varied:
            batch = [{**settings, name: value} for settings in batch for value in lists[name]]
        self.add(COMBINE, batch)

    def refine(self, constraints: Constraints) -> None:
        """One step either way on each setting around each front point, until nothing new or no budget."""
        while self.remaining() > 0:
            front = self.front(constraints)
            held = {name: value for name, value in self.space.base.items() if name not in self.space.values}
            batch = []
            for index in front:
                settings = {**self.candidates[index].settings, **held}  # the current spec may differ (--fix =)
                for name in self.varied:
                    values = self.space.values[name]
                    if settings[name] not in values:
                        continue
                    position = values.index(settings[name])
                    for step in (-1, 1):
                        if 0 <= position + step < len(values):
                            batch.append({**settings, name: values[position + step]})
            if not self.add(REFINE, batch):
                return

    def front(self, constraints: Constraints) -> list[int]:
        pool = [index for index, c in enumerate(self.candidates) if c.feasible and constraints.allow(c.summary)]
        if not pool:
            pool = list(range(len(self.candidates)))
        positions = pareto_front([tuple(self.candidates[index].vector) for index in pool])
        return sorted((pool[position] for position in positions), key=lambda i: (self.candidates[i].vector, i))


def _thin(values: list[Value], count: int) -> list[Value]:
    """``count`` of ``values``, evenly spread, both ends kept."""
    if count >= len(values):
        return list(values)
    if count == 1:
        return [values[len(values) // 2]]
    return [values[round(index * (len(values) - 1) / (count - 1))] for index in range(count)]


def search(problem: Problem, space: Space, current: dict[str, Value], constraints: Constraints,
           objective: str = COST, budget: int = 600, workers: int = 1,
           progress: Optional[Callable[[str, int], None]] = None) -> SearchResult:
    """Screen, combine, refine (module docstring); the current spec is always the first candidate.
    ``constraints`` None-fields default to the current spec's figures (no worse than today)."""
    with Replayer(problem, workers) as replayer:
        state = _Search(problem, space, current, max(budget, 1), replayer, progress)
        state.add(CURRENT, [dict(current)])
        now = state.candidates[0]
        constraints = _defaults(constraints, now.summary, objective)
        if space.size() < state.remaining():  # small enough to replay whole: the exact front, no pruning
            state.grid()
        elif space.values or space.base != current:
            kept = state.screen()
            state.combine(kept)
            state.refine(constraints)
    for candidate in state.candidates:
        candidate.feasible = constraints.allow(candidate.summary)
    feasible = [index for index, c in enumerate(state.candidates) if c.feasible]
    front = state.front(constraints) if feasible else []
    recommended = None
    if front:
        recommended = min(front, key=lambda index: _preference(state.candidates[index], objective, index))
    return SearchResult(now, state.candidates, front, recommended, state.stages, space.size(), replayer.workers)


def _defaults(constraints: Constraints, current: dict, objective: str) -> Constraints:
    """No worse than the current spec on overload and on the busiest hour's rescales, unless told; minimizing
    risk, no dearer than today either."""
    risk = current["timeOverCapacitySeconds"]
    if risk is None:
        risk = current["timeOverTargetByMarginSeconds"]
    return Constraints(
        max_overload_seconds=risk if constraints.max_overload_seconds is None else constraints.max_overload_seconds,
        max_rescales_per_hour=(current["maxRescalesPerHour"] if constraints.max_rescales_per_hour is None
                               else constraints.max_rescales_per_hour),
        max_pod_hours=(current["podHours"] if constraints.max_pod_hours is None and objective != COST
                       else constraints.max_pod_hours))


def _preference(candidate: Candidate, objective: str, index: int) -> tuple:
    """The objective first, the other two next, then the fewest changes from today, then the order found."""
    cost, risk, churn = candidate.vector
    order = {COST: (cost, risk, churn), RISK: (risk, cost, churn)}.get(objective, (churn, cost, risk))
    return (*order, len(candidate.changes), index)


def constraints_in_effect(result: SearchResult, given: Constraints, objective: str) -> Constraints:
    """The constraints the search applied (the defaults filled from the current spec), for the report."""
    return _defaults(given, result.current.summary, objective)


__all__ = ["CURRENT", "COMBINE", "GRID", "REFINE", "SCREEN", "RISK", "Candidate", "Constraints", "Problem", "Replayer",
           "SearchResult", "constraints_in_effect", "default_workers", "replay", "search"]
