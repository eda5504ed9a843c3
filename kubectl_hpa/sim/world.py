"""A model of the cluster around one HPA: pods that start and become Ready, and metrics that lag load.

It produces, at each sync, exactly what the controller would read (a core
``SyncInput``), and applies the controller's decision back (new pods, deleted
pods). The load is shared evenly by Ready pods, as a Service does.

Metric lag follows the pipeline: metrics-server reports CPU and memory per
resolution interval (a new pod has no sample until it has been scraped twice);
Prometheus scrapes every interval and the adapter's ``rate(...[W])`` averages
the samples inside its window (a series needs two samples to exist).

A scenario that uses the newer model's fields (scenario.per_pod_model) runs the per-pod model: how load
reaches each pod (traffic.py: even, connections, pinned, per-pod variance), several containers with
limits (containers.py), and metrics-server's rate over its window at its own phase (metrics_server.py).
Its defaults give the original model's numbers (tests/sim/test_model_equivalence.py); a scenario that
uses none of it runs the original code, unchanged.

``readings`` is what decide() reads; ``steady_view`` is the same reduced to what a steady sync
(core.steady) needs, with everything that cannot change between two rescales worked out once.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterator, NamedTuple, Optional

from ..core.model import (
    CONTAINER_RESOURCE,
    EXTERNAL,
    OBJECT,
    PODS,
    RESOURCE,
    ContainerRequests,
    ExternalMetrics,
    ObjectMetric,
    Pod,
    PodMetricSample,
    PodResourceSample,
    PodsMetrics,
    Reading,
    ResourceMetrics,
    Scale,
)
from ..core.steady import PodSamples, SteadyReading
from .containers import PodContainers, demand
from .load import LoadProfile, SequenceRun
from .metrics_server import MetricsServer
from .scenario import MetricModel, Scenario
from .traffic import Member, Traffic

RATE_STEP = 1.0  # seconds between the points a CPU rate over a window is integrated on (midpoints)
MIN_WEIGHT = 0.05  # per-pod variance never leaves a pod without load

CONTAINER = "app"
STEADY_RESOURCES = ("cpu", "memory")  # what the pods report; other resources have no samples

# pods, Ready pods, all pods, steady readings, load (requests/s)
SteadyView = tuple[tuple[Pod, ...], int, int, tuple[SteadyReading, ...], float]


class Layout(NamedTuple):
    """The pods as the controller sees them, valid while the groups and their readiness hold."""

    version: int  # World._version when it was built
    valid_from: float  # the last time a group became Ready
    valid_until: float  # the next time one does
    pods: tuple[Pod, ...]
    ready: int
    existing: int


@dataclass
class PodGroup:
    """Pods created together with the same start-up time: they are indistinguishable to the controller."""

    name: str
    created: float
    ready_at: float
    count: int
    memory_high: float = 0.0
    _views: dict = field(default_factory=dict)  # (ready, count) -> the core Pod, rebuilt only on change
    weight: float = 1.0  # its share of the load against an average pod's (per-pod variance)
    memory_highs: dict = field(default_factory=dict)  # per-pod model, retained memory: container -> high-water mark


@dataclass(frozen=True)
class Scrape:
    """What Prometheus saw at one scrape: each Ready pod's request rate and the total."""

    time: float
    per_ready_pod: float
    total: float
    loads: Optional[dict] = None  # per-pod model: group name -> each pod's requests/s then


class World:
    throttled = False  # at the last sync: some pod's CPU demand passes its limit (per-pod model, with limits)
    fold_alike = True  # per-pod model: fold pods that take the same load (tests turn it off to compare)

    def __init__(self, scenario: Scenario, load: LoadProfile) -> None:
        self.scenario = scenario
        self._rate_at = load.history_rate_at
        self._load = load
        self._rate_memo = (math.nan, 0.0)  # (time, requests/s): a sync asks for the same instant twice
        self.random = random.Random(scenario.seed)
        self.groups: list[PodGroup] = []
        self.replicas = scenario.workload.replicas  # the target's spec.replicas
        self._counter = 0
        self._labels = {"app": scenario.hpa.scale_target.name}
        self._requests = ContainerRequests(CONTAINER, dict(scenario.workload.requests))
        pipeline, settings = scenario.pipeline, scenario.controller
        self._resolution = pipeline.resolution
        self._scrapes: deque[Scrape] = deque(maxlen=int(pipeline.rate_window / pipeline.scrape_interval) + 3)
        # The pipeline has history when the simulation starts.
        self._next_scrape = -pipeline.rate_window + self._phase(pipeline.prometheus_phase, pipeline.scrape_interval,
                                                                "prometheus")
        # Only Pods, Object and External metrics come through Prometheus.
        self._scraping = any(spec.type in (PODS, OBJECT, EXTERNAL) for spec in scenario.hpa.metrics)
        # The pods as the controller sees them change only when groups do (``_version``) or a group
        # becomes Ready.
        self._version = 0
        self._layout = Layout(-1, 0.0, 0.0, (), 0, 0)
        # After this age a Ready pod is indistinguishable from older ones: past the CPU initialization
        # period, scraped by metrics-server, and with a full rate() window behind it.
        self._maturity = max(settings.cpu_initialization_period, 2 * pipeline.resolution,
                             pipeline.rate_window + 2 * pipeline.scrape_interval)
        self._init_model(scenario, load)
        initial = scenario.workload.initial
        if initial and sum(pods.count for pods in initial) == self.replicas:
            for pods in initial:
                self._add_group(-pods.age, pods.count, startup=pods.startup)
        elif self.replicas:
            self._add_group(-3600.0, self.replicas, startup=0.0)
        if self._per_pod:
            start = min((group.created for group in self.groups), default=0.0)
            self._traffic.rebalance(start, self._members(start))
            self._traffic_time = start

    def _init_model(self, scenario: Scenario, load: LoadProfile) -> None:
        """The newer model's parts; with none of its fields set, nothing here changes a number."""
        workload, pipeline = scenario.workload, scenario.pipeline
        self._extended, self._per_pod = scenario.extended, scenario.per_pod_model
        self._sequence = SequenceRun(load) if load.stages else None
        if self._sequence is not None:
            self._rate_at = self._sequence.rate_at
        self._pod = PodContainers(workload.pod_containers)
        self._containers, self._sidecars = self._pod.requests() if self._per_pod else ((self._requests,), ())
        self._pod_requests = workload.pod_requests
        self._server = MetricsServer(pipeline.resolution, self._phase(pipeline.phase, pipeline.resolution,
                                                                      "metrics-server"),
                                     pipeline.sampling == "rate", pipeline.kubelet_period,
                                     self._phase(None, pipeline.kubelet_period, "kubelet")
                                     if pipeline.kubelet_period else 0.0)
        self._traffic = Traffic(workload.traffic.model, workload.traffic.connection_lifetime)
        self._traffic_time = -math.inf
        self._variance = random.Random(f"{scenario.seed}:variance") if workload.variance else None
        self._samples: dict[str, Optional[tuple[float, float, dict]]] = {}  # this scrape's, by group
        self._samples_at = math.nan
        self._points: dict[tuple[float, float], tuple[list[float], list[float]]] = {}

    def _phase(self, phase: Optional[float], interval: float, what: str) -> float:
        """A scrape phase as given, or drawn from the seed (whole seconds; its own stream, so drawing
        it changes no start-up time)."""
        if phase is not None:
            return phase
        return float(random.Random(f"{self.scenario.seed}:{what}").randrange(int(max(interval, 1.0))))

    # ------------------------------------------------------------------ pods

    @property
    def pod_count(self) -> int:
        return sum(group.count for group in self.groups)

    def _layout_at(self, now: float) -> Layout:
        layout = self._layout
        if layout.version == self._version and layout.valid_from <= now < layout.valid_until:
            return layout
        groups = self.groups
        self._layout = layout = Layout(
            self._version,
            max((g.ready_at for g in groups if g.ready_at <= now), default=-math.inf),
            min((g.ready_at for g in groups if g.ready_at > now), default=math.inf),
            tuple(self._core_pod(group, now) for group in groups),
            sum(group.count for group in groups if group.ready_at <= now),
            sum(group.count for group in groups),
        )
        return layout

    def _add_group(self, now: float, count: int, startup: float) -> None:
        if self._variance is not None:  # pods that differ are each their own group
            for _ in range(count):
                weight = max(MIN_WEIGHT, self._variance.gauss(1.0, self.scenario.workload.variance))
                self._add_pods(now, 1, startup, weight)
            return
        self._add_pods(now, count, startup, 1.0)

    def _add_pods(self, now: float, count: int, startup: float, weight: float) -> None:
        self._version += 1
        self._counter += 1
        self.groups.append(PodGroup(name=f"{self.scenario.hpa.scale_target.name}-{self._counter}", created=now,
                                    ready_at=now + startup, count=count, weight=weight))

    def _startup_delay(self) -> float:
        """Drawn per pod, in whole seconds (so pods started together mostly share a group)."""
        startup = self.scenario.workload.startup
        if startup.distribution == "uniform":
            return float(round(self.random.uniform(startup.low, startup.high)))
        if startup.distribution == "normal":
            return float(round(max(0.0, self.random.gauss(startup.seconds, startup.stddev))))
        return startup.seconds

    def ready_count(self, now: float) -> int:
        return self._layout_at(now).ready

    def scale_to(self, desired: int, now: float) -> None:
        """Apply a new spec.replicas: create pods now, or delete the least useful ones first."""
        self._merge_mature(now)
        self.replicas = desired
        self._version += 1
        missing = desired - self.pod_count
        if missing > 0:
            delays: dict[float, int] = {}
            for _ in range(missing):
                delay = self._startup_delay()
                delays[delay] = delays.get(delay, 0) + 1
            for delay, count in sorted(delays.items()):
                self._add_group(now, count, delay)
            self._rebalance(now)
            return
        surplus = -missing
        # The ReplicaSet removes not-ready pods before ready ones, and newer before older.
        for group in sorted(self.groups, key=lambda g: (g.ready_at <= now, -g.created, g.name)):
            if surplus <= 0:
                break
            taken = min(surplus, group.count)
            group.count -= taken
            surplus -= taken
        self.groups = [group for group in self.groups if group.count > 0]
        self._rebalance(now)

    def _rebalance(self, now: float) -> None:
        """Per-pod model: the Ready pods changed by a rescale at ``now``."""
        if self._per_pod:
            self._traffic.rebalance(now, self._members(now))
            self._traffic_time = now

    def _members(self, now: float) -> tuple[Member, ...]:
        return tuple(Member(g.name, g.count, g.weight) for g in self.groups if g.ready_at <= now)

    def _sync_traffic(self, now: float) -> None:
        """Tell the traffic model of every pod that became Ready since it last heard, at that moment."""
        for moment in sorted({g.ready_at for g in self.groups if self._traffic_time < g.ready_at <= now}):
            self._traffic.rebalance(moment, self._members(moment))
        self._traffic_time = max(self._traffic_time, now)

    def _merge_mature(self, now: float) -> None:
        """Fold pods past every start-up effect into one group: they decide alike (a property test shows
        a group decides like its pods). Done only when pods change anyway (a rescale), so a steady
        stretch keeps its pods; which of them a scale-down removes does not matter."""
        if self._per_pod:
            self._merge_alike(now)
            return
        if self.scenario.workload.memory.retain or len(self.groups) < 2:
            return  # pods that keep their own memory high-water marks stay distinct
        mature = [g for g in self.groups if now - g.created >= self._maturity and now - g.ready_at >= self._maturity]
        if len(mature) < 2:
            return
        keeper = min(mature, key=lambda g: g.created)
        keeper.count += sum(g.count for g in mature if g is not keeper)
        self._version += 1
        self.groups = [g for g in self.groups if g is keeper or g not in mature]

    def _merge_alike(self, now: float) -> None:
        """Per-pod model: fold mature pods whose load has been the same over every window that looks back
        (same weight, same share in every traffic segment since), and that sit side by side in the order a
        scale-down removes pods, so the fold changes no number (which of them goes first does not matter)."""
        if not self.fold_alike or len(self.groups) < 2 or self._pod.retains:
            return
        since = now - self._maturity
        order = sorted(self.groups, key=lambda g: (g.ready_at <= now, -g.created, g.name))
        merged: list[list[PodGroup]] = []
        run: list[PodGroup] = []
        signature: Optional[tuple] = None
        for group in [*order, None]:
            mark: Optional[tuple] = None
            if group is not None and now - group.created >= self._maturity and now - group.ready_at >= self._maturity:
                mark = (group.weight, self._traffic.history(group.name, since))
            if group is not None and mark is not None and mark == signature:
                run.append(group)
                continue
            if len(run) > 1:
                merged.append(run)
            run, signature = ([group] if group is not None and mark is not None else []), mark
        if not merged:
            return
        folded: set[int] = set()
        for alike in merged:
            keeper = alike[0]
            keeper.count += sum(g.count for g in alike[1:])
            folded.update(id(g) for g in alike[1:])
        self._version += 1
        self.groups = [g for g in self.groups if id(g) not in folded]

    def observe(self, now: float) -> tuple[tuple[Pod, ...], int, int]:
        """What a sync reads of the workload: the pods, how many are Ready, how many exist."""
        layout = self._layout_at(now)
        return layout.pods, layout.ready, layout.existing

    def _core_pod(self, group: PodGroup, now: float) -> Pod:
        ready = group.ready_at <= now
        key = (ready, group.count)
        view = group._views.get(key)
        if view is None:
            view = Pod(name=group.name, phase="Running", ready="True" if ready else "False",
                       ready_transition_time=group.ready_at if ready else group.created, start_time=group.created,
                       containers=self._containers, sidecars=self._sidecars, pod_requests=self._pod_requests,
                       labels=self._labels, count=group.count)
            group._views = {key: view}
        return view

    # ------------------------------------------------------------------ the metric pipeline

    def rate_at(self, moment: float) -> float:
        """The load at ``moment`` (requests/s), as the metric pipeline saw it."""
        if self._rate_memo[0] != moment:
            self._rate_memo = (moment, self._rate_at(moment))
        return self._rate_memo[1]

    def per_ready_pod_rate(self, now: float) -> float:
        ready = self.ready_count(now)
        return self.rate_at(now) / ready if ready else 0.0

    @property
    def moves_between_syncs(self) -> bool:
        """Whether ``advance`` has anything to do: Prometheus scrapes to record, the newer model's
        traffic and stages, or memory high-water marks. Without any, the engine skips the call."""
        return self._scraping or self._extended or self._per_pod or self.scenario.workload.memory.retain

    def advance(self, now: float) -> None:
        """Record every Prometheus scrape up to ``now`` (the load seen by the pods at that instant)."""
        if self._extended:
            self._advance_model(now)
        interval = self.scenario.pipeline.scrape_interval
        while self._scraping and self._next_scrape <= now:
            moment = self._next_scrape
            rate = self.rate_at(moment)
            ready = self.ready_count(moment)
            loads = {g.name: self._traffic.load(g.name, moment, rate) for g in self.groups} if self._per_pod else None
            self._scrapes.append(Scrape(moment, rate / ready if ready else 0.0, rate, loads))
            self._next_scrape += interval
        if self._per_pod:
            self._retain_memory(now)
            return
        if self.scenario.workload.memory.retain:  # memory that is never given back keeps its high-water mark
            per_ready = self.per_ready_pod_rate(now)
            for group in self.groups:
                usage = _usage(self.scenario.workload.memory, group.ready_at <= now, per_ready)
                group.memory_high = max(group.memory_high, usage)

    def _advance_model(self, now: float) -> None:
        """The newer model's part of a sync: a driver's stages, the traffic, what the summary counts."""
        if self._sequence is not None:
            self._sequence.observe(now, self.ready_count(now), self.replicas)
        if self._per_pod:
            self._sync_traffic(now)
            if self._pod.limited:
                total = self.rate_at(now)
                self.throttled = any(self._pod.throttled(self._traffic.load(g.name, now, total)) for g in self.groups)

    def _retain_memory(self, now: float) -> None:
        """Per-pod model: memory that is never given back keeps each container's high-water mark."""
        if not self._pod.retains:
            return
        total = self.rate_at(now)
        for group in self.groups:
            load = self._traffic.load(group.name, now, total)
            for container in self._pod.containers:
                if container.memory.retain:
                    usage = demand(container.memory, load)
                    group.memory_highs[container.name] = max(group.memory_highs.get(container.name, 0.0), usage)

    # ------------------------------------------------------------------ metrics-server, per pod

    def _pod_samples(self, now: float) -> list[tuple[PodGroup, tuple[float, float, dict]]]:
        """Each group metrics-server has a sample of, with the sample: its time, window and per-container
        usage (as reported: whole millicores and bytes). A rate's samples are kept for their scrape."""
        scraped = self._server.last_scrape(now)
        if scraped != self._samples_at or not self._server.rate:
            self._samples, self._samples_at = {}, scraped
        found = []
        for group in self.groups:
            if group.name in self._samples:
                sample = self._samples[group.name]
            else:
                window = self._server.window(group.created, scraped)
                sample = self._samples[group.name] = None if window is None else self._measure(group, *window)
            if sample is not None:
                found.append((group, sample))
        return found

    def _measure(self, group: PodGroup, start: float, end: float) -> tuple[float, float, dict]:
        """One pod of ``group`` as metrics-server reports it for the interval ``start``..``end``."""
        traffic, pod = self._traffic, self._pod
        load_end = traffic.load(group.name, end, self.rate_at(end))
        loads, mean = [load_end], load_end
        if self._server.rate:
            moments, totals = self._window_points(start, end)
            if pod.limited:
                loads = traffic.window_loads(group.name, moments, totals)
            else:
                mean = traffic.mean_load(group.name, moments, totals)
        usage = {}
        for container in pod.containers:
            if "cpu" in container.limits:  # capped point by point
                cpu = pod.mean_cpu(container, loads)
            else:  # linear in the load: the mean load's usage
                cpu = demand(container.cpu, mean if not pod.limited else sum(loads) / len(loads))
            memory = demand(container.memory, load_end)
            if container.memory.retain:
                memory = max(memory, group.memory_highs.get(container.name, 0.0))
            usage[container.name] = {"cpu": _as_reported("cpu", cpu), "memory": _as_reported("memory", memory)}
        window = end - start if self._server.rate else self._resolution
        return end, window, usage

    def _window_points(self, start: float, end: float) -> tuple[list[float], list[float]]:
        """The midpoints a CPU rate over ``start``..``end`` is integrated on, and the offered load at each
        (the same for every pod sampled over that interval: kept for the scrape)."""
        key = (start, end)
        found = self._points.get(key)
        if found is None:
            steps = max(1, int(math.ceil((end - start) / RATE_STEP - 1e-9)))
            width = (end - start) / steps
            moments = [start + (index + 0.5) * width for index in range(steps)]
            if len(self._points) > 8:
                self._points.clear()
            found = self._points[key] = (moments, [self._rate_at(moment) for moment in moments])
        return found

    def _pod_resource_metrics(self, now: float) -> ResourceMetrics:
        return ResourceMetrics(tuple(PodResourceSample(group.name, stamp, window, usage)
                                     for group, (stamp, window, usage) in self._pod_samples(now)))

    def _pod_steady_reading(self, name: str, container: Optional[str], now: float) -> SteadyReading:
        """A Resource or ContainerResource metric's values in group order, if every pod has one at one time."""
        found = self._pod_samples(now)
        if len(found) != len(self.groups) or name not in STEADY_RESOURCES:
            return None
        stamps = {(stamp, window) for _, (stamp, window, _) in found}
        if len(stamps) != 1:
            return None
        if container is None:
            values = tuple([sum(usage[name] for usage in sample[2].values()) for _, sample in found])
        else:
            values = tuple([sample[2][container][name] for _, sample in found])
        (stamp, window), = stamps
        return PodSamples(values, stamp, window)

    def readings(self, now: float) -> tuple[Reading, ...]:
        readings: list[Reading] = []
        resource: Optional[ResourceMetrics] = None
        for spec in self.scenario.hpa.metrics:
            if spec.type in (RESOURCE, CONTAINER_RESOURCE):
                resource = resource or (self._pod_resource_metrics(now) if self._per_pod else self._resource_metrics(now))
                readings.append(resource)
            elif spec.type == PODS:
                readings.append(self._pods_metric(spec.name, now))
            elif spec.type in (OBJECT, EXTERNAL):
                value, stamp = self._total_metric(spec.name, now)
                readings.append(ObjectMetric(value, stamp) if spec.type == OBJECT else ExternalMetrics((value,), stamp))
            else:
                readings.append(None)
        return tuple(readings)

    def _sampled(self, now: float) -> tuple[float, list[PodGroup], float]:
        """metrics-server's latest sample time, the groups it has sampled, and the load per Ready pod then."""
        resolution = self._resolution
        scraped = math.floor(now / resolution) * resolution
        # metrics-server needs two kubelet samples of a pod
        cutoff = scraped - resolution
        sampled = [group for group in self.groups if group.created <= cutoff]
        return scraped, sampled, self.per_ready_pod_rate(scraped)

    def _reported(self, resource: str, groups: list[PodGroup], scraped: float, per_ready: float) -> tuple[int, ...]:
        """Each group's pods as metrics-server reports them."""
        workload = self.scenario.workload
        model = workload.cpu if resource == "cpu" else workload.memory
        busy, idle = _usage(model, True, per_ready), _usage(model, False, per_ready)
        if resource == "memory" and model.retain:  # memory never given back: each group's high-water mark
            return tuple([_as_reported(resource, max(busy if group.ready_at <= scraped else idle, group.memory_high))
                          for group in groups])
        busy_reported, idle_reported = _as_reported(resource, busy), _as_reported(resource, idle)
        return tuple([busy_reported if group.ready_at <= scraped else idle_reported for group in groups])

    def _resource_metrics(self, now: float) -> ResourceMetrics:
        scraped, sampled, per_ready = self._sampled(now)
        cpu, memory = (self._reported(name, sampled, scraped, per_ready) for name in ("cpu", "memory"))
        return ResourceMetrics(tuple(
            PodResourceSample(group.name, scraped, self._resolution, {CONTAINER: {"cpu": cpu[i], "memory": memory[i]}})
            for i, group in enumerate(sampled)))

    def _window(self, now: float) -> list[Scrape]:
        window = self.scenario.pipeline.rate_window
        last = max((scrape.time for scrape in self._scrapes if scrape.time <= now), default=None)
        if last is None:
            return []
        return [scrape for scrape in self._scrapes if last - window < scrape.time <= last]

    def _pods_metric_values(self, name: str, now: float) -> list[tuple[PodGroup, int, float]]:
        """Each group's adapter value (rate over the window) and its newest sample time."""
        model = self.scenario.workload.pods_metrics.get(name, MetricModel(per_request=1000.0))
        scrapes = self._window(now)
        values = []
        for group in self.groups:
            seen = [scrape for scrape in scrapes if scrape.time >= group.created]
            if len(seen) < 2:  # rate() needs two samples of the pod's series
                continue
            if self._per_pod:
                rate = sum(_scraped_load(scrape, group) for scrape in seen) / len(seen)
            else:
                rate = sum(scrape.per_ready_pod if scrape.time >= group.ready_at else 0.0 for scrape in seen) / len(seen)
            values.append((group, int(round(model.baseline + model.per_request * rate)), seen[-1].time))
        return values

    def _pods_metric(self, name: str, now: float) -> PodsMetrics:
        window = self.scenario.pipeline.rate_window
        return PodsMetrics(tuple(PodMetricSample(group.name, value, stamp, window)
                                 for group, value, stamp in self._pods_metric_values(name, now)))

    def steady_view(self) -> Callable[[float], SteadyView]:
        """What a steady sync reads at ``now`` (``observe``, ``steady_readings``, the load) in one call,
        with what stays the same between syncs worked out once for the pods as they are now. Once
        every pod is sampled and was Ready at the sample, a Resource metric's pods all report the
        same value; anything else is left to ``steady_readings``."""
        layout_at, rate_at = self._layout_at, self.rate_at

        def general(now: float) -> SteadyView:
            layout = layout_at(now)
            return layout.pods, layout.ready, layout.existing, self.steady_readings(now), rate_at(now)

        uniform = self._uniform()
        if uniform is None:
            return general
        resources, settled, pods, count = uniform
        version, resolution, floor = self._version, self._resolution, math.floor
        fixed: list[Layout] = []  # the layout once every group is Ready
        new_samples = tuple.__new__  # skips PodSamples' Python-level __new__ (a hot line)

        def view(now: float) -> SteadyView:
            scraped = floor(now / resolution) * resolution
            if scraped < settled or self._version != version:
                return general(now)
            if now < settled:
                layout = layout_at(now)
            else:  # every group is Ready: one layout until the pods change
                if not fixed:
                    fixed.append(layout_at(now))
                layout = fixed[0]
            total = rate_at(scraped)
            per_ready = total / pods
            # Every pod reports the same: a Ready pod's usage as metrics-server rounds it.
            readings = tuple([new_samples(PodSamples, ((_as_reported(name, _usage(model, True, per_ready)),) * count,
                                                       scraped, resolution)) for name, model in resources])
            return layout.pods, layout.ready, layout.existing, readings, total if now == scraped else rate_at(now)

        return view

    def steady_usage(self, counts: Callable[[float, float, float], bool]) -> Optional[SteadyUsage]:
        """The steady view reduced to numbers (:class:`SteadyUsage`), for an HPA with one Resource metric (or
        ContainerResource of the pod's one container) whose pods all report the same value; None when the
        world is not uniform (the per-pod model, a Pods metric, several metrics, retained memory).
        ``counts(now, sample time, window)`` says whether a young pod's sample counts
        (``SteadyRun.samples_count``).

        A month is 172,800 syncs, nearly all of them steady: this path builds no reading and no tuple
        of pods for them (about a third of a steady sync's cost)."""
        uniform = self._uniform()
        if uniform is None or len(uniform[0]) != 1:
            return None
        ((name, model),), settled, pods, _ = uniform
        return SteadyUsage(self, counts, name, model, settled, pods)

    def _uniform(self) -> Optional[tuple[list[tuple[str, MetricModel]], float, int, int]]:
        """When every pod of the idealized model reports the same value for each of the HPA's metrics
        (each a cpu or memory Resource metric of the one container): those metrics' (name, usage model),
        the time from which every pod is Ready and sampled, the pod count and the number of groups.
        None otherwise."""
        workload = self.scenario.workload
        if self._per_pod or not self.groups:
            return None
        resources = []
        for spec in self.scenario.hpa.metrics:
            if (spec.type not in (RESOURCE, CONTAINER_RESOURCE) or spec.container not in (None, CONTAINER)
                    or spec.name not in STEADY_RESOURCES or (spec.name == "memory" and workload.memory.retain)):
                return None
            resources.append((spec.name, workload.cpu if spec.name == "cpu" else workload.memory))
        groups = self.groups
        settled = max(max(group.created for group in groups) + self._resolution, max(group.ready_at for group in groups))
        return resources, settled, sum(group.count for group in groups), len(groups)

    def steady_readings(self, now: float) -> tuple[SteadyReading, ...]:
        """The same readings as ``readings``, reduced to what a steady sync needs: per-pod values in
        ``observe`` order (None unless every pod has one) or one total."""
        readings: list[SteadyReading] = []
        groups = len(self.groups)
        for spec in self.scenario.hpa.metrics:
            if spec.type in (RESOURCE, CONTAINER_RESOURCE) and self._per_pod:
                readings.append(self._pod_steady_reading(spec.name, spec.container, now))
            elif spec.type in (RESOURCE, CONTAINER_RESOURCE):
                scraped, sampled, per_ready = self._sampled(now)
                if len(sampled) != groups or spec.container not in (None, CONTAINER) or spec.name not in STEADY_RESOURCES:
                    readings.append(None)
                    continue
                readings.append(PodSamples(self._reported(spec.name, sampled, scraped, per_ready), scraped,
                                           self._resolution))
            elif spec.type == PODS:
                found = self._pods_metric_values(spec.name, now)
                # A series' newest sample is the window's newest scrape: one time for every pod.
                readings.append(PodSamples(tuple([value for _, value, _ in found]), found[-1][2],
                                           self.scenario.pipeline.rate_window) if found and len(found) == groups else None)
            elif spec.type in (OBJECT, EXTERNAL):
                readings.append(self._total_metric(spec.name, now)[0])
            else:
                readings.append(None)
        return tuple(readings)

    def _total_metric(self, name: str, now: float) -> tuple[int, float]:
        model = self.scenario.workload.total_metrics.get(name, MetricModel(per_request=1000.0))
        scrapes = self._window(now)
        if not scrapes:
            return int(round(model.baseline)), now
        rate = sum(scrape.total for scrape in scrapes) / len(scrapes)
        return int(round(model.baseline + model.per_request * rate)), scrapes[-1].time

    def scale(self) -> Scale:
        return Scale(spec_replicas=self.replicas, status_replicas=self.pod_count,
                     selector=f"app={self.scenario.hpa.scale_target.name}")


class SteadyUsage:
    """What a steady sync reads, as numbers (``World.steady_usage``): ``usage(now)`` is the one metric's
    summed usage over every pod (milli, weighted by count, as ``SteadyRun.sync_usage`` takes it) and the
    load at ``now``; None at a sync it cannot answer (the pods changed, or one is not Ready or not sampled
    yet, or a young pod's sample may not count): the caller then reads ``steady_view``. This is the view's
    own arithmetic: every pod reports ``value``, so the sum of value x count over the groups is ``value`` x
    the pod count, exactly (integers)."""

    def __init__(self, world: World, counts: Callable[[float, float, float], bool], name: str, model: MetricModel,
                 settled: float, pods: int) -> None:
        self._world, self._counts = world, counts
        self._version, self._resolution, self._rate_at = world._version, world._resolution, world.rate_at
        # The load at a scrape (a time the run has reached: not before 0): the profile's own function where it
        # is a pure function of time (not a ``sequence``, whose stages move with the run), else through rate_at.
        self._load_at = world.rate_at if world._sequence is not None else world._load.rate_at
        self._baseline, self._per_request, self._cpu = model.baseline, model.per_request, name == "cpu"
        self._settled, self._pods = settled, pods
        self._counted = False  # whether counts() has said yes: it stays yes (its reasons hold from then on)

    def __call__(self, now: float) -> Optional[tuple[int, float]]:
        resolution = self._resolution
        scraped = math.floor(now / resolution) * resolution
        settled = self._settled
        if scraped < settled or now < settled or self._world._version != self._version:
            return None
        if not self._counted:
            if not self._counts(now, scraped, resolution):
                return None
            self._counted = True
        total = self._load_at(scraped)
        # _as_reported(_usage(model, True, total / pods)), inlined: this runs once a sync.
        pods = self._pods
        used = self._baseline + self._per_request * (total / pods)
        value = int(round(used)) if self._cpu else int(round(used / 1000)) * 1000
        return value * pods, total if now == scraped else self._rate_at(now)

    def stream(self, first: float, period: float, start: int, stop: int) -> Iterator[tuple[float, int, float]]:
        """``(now, usage, load)`` for the syncs ``start`` to ``stop`` (exclusive, at ``first + index x period``,
        the engine's own times), as calling the view at each gives, until one it cannot answer. Only after
        a sync it answered, with nothing scaled since: the pods are the same and the young-pod rule has said
        yes, so only the time is checked. One loop for a stretch of syncs (``engine.Run.fold``): about a
        quarter of the cost of a call a sync."""
        if not self._counted:
            raise ValueError("stream() continues after a sync the view answered")
        resolution, settled, floor = self._resolution, self._settled, math.floor
        load_at, rate_at, pods = self._load_at, self._rate_at, self._pods
        baseline, per_request, cpu = self._baseline, self._per_request, self._cpu
        for index in range(start, stop):
            now = first + index * period
            scraped = floor(now / resolution) * resolution
            if scraped < settled or now < settled:
                return
            total = load_at(scraped)
            used = baseline + per_request * (total / pods)
            value = int(round(used)) if cpu else int(round(used / 1000)) * 1000
            yield now, value * pods, total if now == scraped else rate_at(now)


def _scraped_load(scrape: Scrape, group: PodGroup) -> float:
    """Per-pod model: each pod of ``group``'s requests/s at a Prometheus scrape. A pod created by the rescale
    of the scrape's own sync is scraped with it, at the even share of that instant, as the original model
    has it (a new series' first sample)."""
    loads = scrape.loads or {}
    if group.name in loads:
        return loads[group.name]
    return scrape.per_ready_pod * group.weight if scrape.time >= group.ready_at else 0.0


def _usage(model: MetricModel, ready: bool, per_ready: float) -> float:
    """A pod's baseline, plus its share of the load once Ready (a Service sends only to Ready pods)."""
    return model.baseline + model.per_request * per_ready if ready else model.baseline


def _as_reported(resource: str, usage: float) -> int:
    """metrics-server reports whole millicores and whole bytes."""
    return int(round(usage)) if resource == "cpu" else int(round(usage / 1000)) * 1000
