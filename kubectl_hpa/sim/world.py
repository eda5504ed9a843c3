"""A model of the cluster around one HPA: pods that start and become Ready, and metrics that lag load.

It produces, at each sync, exactly what the controller would read (a core
``SyncInput``), and applies the controller's decision back (new pods, deleted
pods). The load is shared evenly by Ready pods, as a Service does.

Metric lag follows the pipeline: metrics-server reports CPU and memory per
resolution interval (a new pod has no sample until it has been scraped twice);
Prometheus scrapes every interval and the adapter's ``rate(...[W])`` averages
the samples inside its window (a series needs two samples to exist).
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Optional

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
from .load import LoadProfile
from .scenario import MetricModel, Scenario

CONTAINER = "app"


@dataclass
class PodGroup:
    """Pods created together with the same start-up time: they are indistinguishable to the controller."""

    name: str
    created: float
    ready_at: float
    count: int
    memory_high: float = 0.0
    _views: dict = field(default_factory=dict)  # (ready, count) -> the core Pod, rebuilt only on change


@dataclass(frozen=True)
class Scrape:
    """What Prometheus saw at one scrape: each Ready pod's request rate and the total."""

    time: float
    per_ready_pod: float
    total: float


class World:
    def __init__(self, scenario: Scenario, load: LoadProfile) -> None:
        self.scenario = scenario
        self.rate_at = load.history_rate_at
        self.random = random.Random(scenario.seed)
        self.groups: list[PodGroup] = []
        self.replicas = scenario.workload.replicas  # the target's spec.replicas
        self._counter = 0
        self._labels = {"app": scenario.hpa.scale_target.name}
        self._requests = ContainerRequests(CONTAINER, dict(scenario.workload.requests))
        pipeline, settings = scenario.pipeline, scenario.controller
        self._scrapes: deque[Scrape] = deque(maxlen=int(pipeline.rate_window / pipeline.scrape_interval) + 3)
        self._next_scrape = -pipeline.rate_window  # the pipeline has history when the simulation starts
        # After this age a Ready pod is indistinguishable from older ones: past the CPU initialization
        # period, scraped by metrics-server, and with a full rate() window behind it.
        self._maturity = max(settings.cpu_initialization_period, 2 * pipeline.resolution,
                             pipeline.rate_window + 2 * pipeline.scrape_interval)
        if self.replicas:
            self._add_group(-3600.0, self.replicas, startup=0.0)

    # ------------------------------------------------------------------ pods

    @property
    def pod_count(self) -> int:
        return sum(group.count for group in self.groups)

    def _add_group(self, now: float, count: int, startup: float) -> None:
        self._counter += 1
        self.groups.append(PodGroup(name=f"{self.scenario.hpa.scale_target.name}-{self._counter}", created=now,
                                    ready_at=now + startup, count=count))

    def _startup_delay(self) -> float:
        """Drawn per pod, in whole seconds (so pods started together mostly share a group)."""
        startup = self.scenario.workload.startup
        if startup.distribution == "uniform":
            return float(round(self.random.uniform(startup.low, startup.high)))
        if startup.distribution == "normal":
            return float(round(max(0.0, self.random.gauss(startup.seconds, startup.stddev))))
        return startup.seconds

    def ready_count(self, now: float) -> int:
        return sum(group.count for group in self.groups if group.ready_at <= now)

    def scale_to(self, desired: int, now: float) -> None:
        """Apply a new spec.replicas: create pods now, or delete the least useful ones first."""
        self.replicas = desired
        missing = desired - self.pod_count
        if missing > 0:
            delays: dict[float, int] = {}
            for _ in range(missing):
                delay = self._startup_delay()
                delays[delay] = delays.get(delay, 0) + 1
            for delay, count in sorted(delays.items()):
                self._add_group(now, count, delay)
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

    def _merge_mature(self, now: float) -> None:
        if self.scenario.workload.memory.retain or len(self.groups) < 2:
            return  # pods that keep their own memory high-water marks stay distinct
        mature = [g for g in self.groups if now - g.created >= self._maturity and now - g.ready_at >= self._maturity]
        if len(mature) < 2:
            return
        keeper = min(mature, key=lambda g: g.created)
        keeper.count += sum(g.count for g in mature if g is not keeper)
        self.groups = [g for g in self.groups if g is keeper or g not in mature]

    def core_pods(self, now: float) -> tuple[Pod, ...]:
        return tuple(self._core_pod(group, now) for group in self.groups)

    def _core_pod(self, group: PodGroup, now: float) -> Pod:
        ready = group.ready_at <= now
        key = (ready, group.count)
        view = group._views.get(key)
        if view is None:
            view = Pod(name=group.name, phase="Running", ready="True" if ready else "False",
                       ready_transition_time=group.ready_at if ready else group.created, start_time=group.created,
                       containers=(self._requests,), labels=self._labels, count=group.count)
            group._views = {key: view}
        return view

    # ------------------------------------------------------------------ the metric pipeline

    def per_ready_pod_rate(self, now: float) -> float:
        ready = self.ready_count(now)
        return self.rate_at(now) / ready if ready else 0.0

    def advance(self, now: float) -> None:
        """Record every Prometheus scrape up to ``now`` (the load seen by the pods at that instant)."""
        interval = self.scenario.pipeline.scrape_interval
        while self._next_scrape <= now:
            moment = self._next_scrape
            rate = self.rate_at(moment)
            ready = self.ready_count(moment)
            self._scrapes.append(Scrape(moment, rate / ready if ready else 0.0, rate))
            self._next_scrape += interval
        if self.scenario.workload.memory.retain:  # memory that is never given back keeps its high-water mark
            for group in self.groups:
                usage = self._pod_usage(self.scenario.workload.memory, group, now)
                group.memory_high = max(group.memory_high, usage)
        self._merge_mature(now)

    def _pod_usage(self, model: MetricModel, group: PodGroup, moment: float, per_ready: Optional[float] = None) -> float:
        if group.ready_at > moment:
            return model.baseline
        rate = self.per_ready_pod_rate(moment) if per_ready is None else per_ready
        return model.baseline + model.per_request * rate

    def readings(self, now: float) -> tuple[Reading, ...]:
        readings: list[Reading] = []
        resource: Optional[ResourceMetrics] = None
        for spec in self.scenario.hpa.metrics:
            if spec.type in (RESOURCE, CONTAINER_RESOURCE):
                resource = resource or self._resource_metrics(now)
                readings.append(resource)
            elif spec.type == PODS:
                readings.append(self._pods_metric(spec.name, now))
            elif spec.type in (OBJECT, EXTERNAL):
                value, stamp = self._total_metric(spec.name, now)
                readings.append(ObjectMetric(value, stamp) if spec.type == OBJECT else ExternalMetrics((value,), stamp))
            else:
                readings.append(None)
        return tuple(readings)

    def _resource_metrics(self, now: float) -> ResourceMetrics:
        resolution = self.scenario.pipeline.resolution
        scraped = math.floor(now / resolution) * resolution
        workload = self.scenario.workload
        per_ready = self.per_ready_pod_rate(scraped)
        samples = []
        for group in self.groups:
            if group.created > scraped - resolution:  # metrics-server needs two kubelet samples of a pod
                continue
            cpu = self._pod_usage(workload.cpu, group, scraped, per_ready)
            memory = self._pod_usage(workload.memory, group, scraped, per_ready)
            if workload.memory.retain:
                memory = max(memory, group.memory_high)
            # metrics-server reports whole millicores and whole bytes.
            samples.append(PodResourceSample(group.name, scraped, resolution,
                                             {CONTAINER: {"cpu": int(round(cpu)), "memory": int(round(memory / 1000)) * 1000}}))
        return ResourceMetrics(tuple(samples))

    def _window(self, now: float) -> list[Scrape]:
        window = self.scenario.pipeline.rate_window
        last = max((scrape.time for scrape in self._scrapes if scrape.time <= now), default=None)
        if last is None:
            return []
        return [scrape for scrape in self._scrapes if last - window < scrape.time <= last]

    def _pods_metric(self, name: str, now: float) -> PodsMetrics:
        model = self.scenario.workload.pods_metrics.get(name, MetricModel(per_request=1000.0))
        scrapes = self._window(now)
        samples = []
        for group in self.groups:
            seen = [scrape for scrape in scrapes if scrape.time >= group.created]
            if len(seen) < 2:  # rate() needs two samples of the pod's series
                continue
            rate = sum(scrape.per_ready_pod if scrape.time >= group.ready_at else 0.0 for scrape in seen) / len(seen)
            value = model.baseline + model.per_request * rate
            samples.append(PodMetricSample(group.name, int(round(value)), seen[-1].time,
                                           self.scenario.pipeline.rate_window))
        return PodsMetrics(tuple(samples))

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
