"""The watch engine: informers for what changes rarely, batched metric reads per refresh, one decide() per HPA.

HPAs, pods, SuccessfulRescale events and the built-in scale targets (Deployments,
StatefulSets, ...) come from list+watch streams (:mod:`.informer`). At every
refresh the metrics are read in batches: PodMetrics once per namespace, each
custom or external metric once per namespace (without a pod selector; the pods of
each HPA are picked here), so requests per refresh grow with namespaces and
distinct metrics, not with pods or HPAs. Only a target of a custom kind costs one
GET of its ``/scale`` per HPA per refresh (no list of it exists to watch).

Each HPA keeps its own :class:`ControllerState`: the state a decision returns is
fed to the next refresh's SyncInput (kept at the controller's sync period, as the
controller stores one recommendation per sync), so the stabilization window and
when scale-down becomes allowed are visible, although the API never shows them.
Scale events come from the rescales actually observed, not from our decisions.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from ..core.decide import decide
from ..core.model import (
    CONTAINER_RESOURCE,
    OBJECT,
    PODS,
    RESOURCE,
    Condition,
    ControllerSettings,
    ControllerState,
    Decision,
    FetchError,
    HPASpec,
    Pod,
    Scale,
    SyncInput,
)
from ..core.normalize import record_scale_event
from ..core.selector import SelectorError, parse_selector
from ..record import Observation
from ..render.summary import metric_cell, verdict
from ..sources.cluster import Reader, fatal
from ..sources.cluster_client import Connection
from ..sources.kube import (
    BUILTIN_SCALABLE,
    REQUEST,
    MetricAPIVersions,
    MetricRequest,
    Response,
    api_prefix,
    group_version,
    metric_request,
    status_for,
    workload_selector,
)
from ..sources.snapshot import Snapshot, SnapshotError, parse_hpa, parse_pod, readings_for
from ..timefmt import format_clock, format_time, parse_time
from .informer import Informer, Key

RESCALE_MESSAGE = re.compile(r"New size: (\d+); reason: (.*)")


@dataclass
class MetricView:
    name: str
    cell: str  # "cpu: 42%/50%", "<forbidden>" or "<unknown>" when the read failed
    value: Optional[float]  # the current value (percent or units), for trends and history
    unit: str
    target: Optional[float]
    failure: str = ""  # "forbidden" | "unknown" | ""
    trend: int = 0  # direction of the last change: 1 up, -1 down, 0 none yet


@dataclass
class Row:
    key: str
    namespace: str
    name: str
    target: str
    metrics: list[MetricView]
    current: int
    desired: int  # what the core computes now
    live_desired: Optional[int]  # status.desiredReplicas the controller wrote
    min_replicas: int
    max_replicas: int
    verdict: str
    tone: str  # good | warn | bad: what colour means
    last_rescale: str
    replicas_history: list[int]
    metric_history: list[float]
    decision: Optional[Decision] = None
    observation: Optional[Observation] = None

    def signature(self) -> tuple:
        """What a plain-line log prints a new line for."""
        return (self.current, self.desired, self.verdict, tuple(m.cell for m in self.metrics), self.last_rescale)


@dataclass
class Frame:
    time: float
    rows: list[Row]
    problems: list[str]
    scope: str
    requests: int = 0  # metric and /scale GETs this refresh


@dataclass
class _Tracked:
    state: ControllerState
    kept_at: float
    current: Optional[int]
    up_events: tuple = ()
    down_events: tuple = ()
    replicas: deque = field(default_factory=lambda: deque(maxlen=40))
    metric: deque = field(default_factory=lambda: deque(maxlen=40))
    last_values: dict = field(default_factory=dict)  # metric name -> (value, trend)


def _event(obj: dict) -> tuple:
    involved = obj.get("involvedObject") or {}
    stamp = obj.get("lastTimestamp") or obj.get("eventTime") or obj.get("firstTimestamp") or \
        (obj.get("metadata") or {}).get("creationTimestamp")
    return (str(involved.get("namespace") or (obj.get("metadata") or {}).get("namespace") or ""),
            str(involved.get("name", "")), str(obj.get("reason", "")), str(obj.get("message", "")),
            parse_time(stamp) if stamp else 0.0)


def _workload(obj: dict) -> tuple[Scale, Optional[int]]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    scale = Scale(spec_replicas=int(spec.get("replicas", 1)), status_replicas=int(status.get("replicas") or 0),
                  selector=workload_selector(obj))
    ready = status.get("readyReplicas")
    return scale, int(ready) if ready is not None else None


def _with_kind(obj: dict, kind: str) -> dict:
    """Watch events carry kind; list items do not. The workload selector needs it for ReplicationControllers."""
    return obj if "kind" in obj else {"kind": kind, **obj}


class PodIndex:
    """The pods of one namespace by label pair, so matching a selector does not scan every pod."""

    def __init__(self) -> None:
        self.pods: list[Pod] = []
        self.by_label: dict[tuple[str, str], list[Pod]] = {}

    def add(self, pod: Pod) -> None:
        self.pods.append(pod)
        for pair in pod.labels.items():
            self.by_label.setdefault(pair, []).append(pod)

    def candidates(self, selector) -> list[Pod]:
        for requirement in selector.requirements:
            if requirement.operator in ("=", "in") and len(requirement.values) == 1:
                return self.by_label.get((requirement.key, requirement.values[0]), [])
        return self.pods


class Engine:
    def __init__(self, connection: Connection, namespace: Optional[str], name: Optional[str] = None,
                 selector: Optional[str] = None, settings: ControllerSettings = ControllerSettings(),
                 watch: bool = True, watch_timeout: int = 300, clock=time.time):
        self.connection = connection
        self.namespace = namespace  # None: all namespaces
        self.name = name
        self.selector = selector
        self.settings = settings
        self.watch = watch
        self.watch_timeout = watch_timeout
        self.clock = clock
        self.scope = f"/namespaces/{namespace}" if namespace else ""
        self.versions = MetricAPIVersions()  # until start() reads which versions the cluster serves
        self.informers: dict[str, Informer] = {}
        self.workloads: dict[tuple[str, str], Informer] = {}
        self.tracked: dict[str, _Tracked] = {}
        self._specs: dict[str, tuple[str, Any]] = {}  # key -> (resourceVersion, HPASpec | error text)
        self._scale_paths: dict[tuple[str, str, str, str], tuple[Optional[str], Optional[dict]]] = {}

    # ------------------------------------------------------------------ start / stop

    def start(self) -> None:
        """List everything once (the HPA list must work: it is the command), then start the watches."""
        query: dict = {}
        if self.selector:
            query["labelSelector"] = self.selector
        if self.name:
            query["fieldSelector"] = f"metadata.name={self.name}"
        hpas = self._informer("hpas", f"/apis/autoscaling/v2{self.scope}/horizontalpodautoscalers", query)
        response = hpas.list()
        if not response.ok:
            where = f"in namespace {self.namespace}" if self.namespace else "in all namespaces"
            raise fatal(response, f"list horizontalpodautoscalers.autoscaling {where}")
        # The custom and external metrics APIs at the versions the cluster serves, as explain reads them
        # (an unreadable APIService list leaves the v1beta1 default).
        discovery = Reader(self.connection)
        discovery.read_apiservices()
        self.versions = MetricAPIVersions.served(discovery.apiservices)
        self._informer("pods", f"/api/v1{self.scope}/pods", None,
                       lambda obj: parse_pod(_with_kind(obj, "Pod"), "cluster")).list()
        self._informer("events", f"/api/v1{self.scope}/events",
                       {"fieldSelector": "involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale"},
                       _event).list()
        if self.watch:
            for informer in self.informers.values():
                informer.start()

    def _informer(self, name: str, path: str, query: Optional[dict], transform=None) -> Informer:
        informer = Informer(self.connection, path, query, transform, name=name, watch_timeout=self.watch_timeout)
        self.informers[name] = informer
        return informer

    def stop(self) -> None:
        """Stop every watch at once (closing its stream), then wait briefly: threads are daemons."""
        informers = list(self.informers.values())
        for informer in informers:
            informer.stop(timeout=0)
        deadline = time.monotonic() + 1.0
        for informer in informers:
            if informer._thread is not None:
                informer._thread.join(max(0.0, deadline - time.monotonic()))

    def _workload_informer(self, group: str, resource: str, kind: str) -> Informer:
        informer = self.workloads.get((group, resource))
        if informer is None:
            informer = self._informer(f"{resource}", f"{api_prefix(group, 'v1')}{self.scope}/{resource}", None,
                                      lambda obj: _workload(_with_kind(obj, kind)))
            self.workloads[(group, resource)] = informer
            informer.list()
            if self.watch:
                informer.start()
        return informer

    # ------------------------------------------------------------------ one refresh

    def refresh(self) -> Frame:
        now = self.clock()
        requests_before = len(self.connection.requests)
        hpa_objects = sorted(self.informers["hpas"].items(), key=lambda h: (
            str((h.get("metadata") or {}).get("namespace") or ""), str((h.get("metadata") or {}).get("name", ""))))
        pods_by_ns: dict[str, PodIndex] = {}
        for (ns, _pod_name), pod in self.informers["pods"].snapshot().items():
            pods_by_ns.setdefault(ns, PodIndex()).add(pod)
        rescales: dict[Key, tuple] = {}
        for event in self.informers["events"].items():
            ns, involved, reason, _message, stamp = event
            if reason == "SuccessfulRescale" and stamp >= rescales.get((ns, involved), (0, 0, 0, 0, -1.0))[4]:
                rescales[(ns, involved)] = event

        entries: list[tuple[Any, ...]] = []  # (hpa object, spec or error text, scale or FetchError, ready, pods)
        for obj in hpa_objects:
            spec = self._spec(obj)
            if isinstance(spec, str):
                entries.append((obj, spec, None, None, ()))
                continue
            scale, ready = self._scale(spec)
            pods = self._pods_for(scale, pods_by_ns.get(spec.namespace) or PodIndex())
            entries.append((obj, spec, scale, ready, pods))

        responses = self._read_metrics([(e[1], e[4]) for e in entries if not isinstance(e[1], str)])
        selecting = self._selecting([(e[1], e[4]) for e in entries if not isinstance(e[1], str)])

        rows, seen = [], set()
        for obj, spec, scale, ready, pods in entries:
            key = f"{(obj.get('metadata') or {}).get('namespace', '')}/{(obj.get('metadata') or {}).get('name', '')}"
            seen.add(key)
            if isinstance(spec, str):
                rows.append(self._error_row(obj, key, spec))
                continue
            rows.append(self._row(obj, spec, scale, ready, pods, responses, selecting.get(spec.key, ()),
                                  rescales.get((spec.namespace, spec.name)), now))
        for gone in set(self.tracked) - seen:  # an HPA that disappeared forgets its history
            del self.tracked[gone]
        problems = [i.problem for i in self.informers.values() if i.problem]
        problems += sorted({f"{_short(path)}: {status_for(r)['message']}" for path, r in responses.items()
                            if not r.ok and r.status != 403})
        scope = "all namespaces" if self.namespace is None else f"namespace {self.namespace}"
        return Frame(now, rows, problems, scope, len(self.connection.requests) - requests_before)

    def _spec(self, obj: dict) -> Any:
        metadata = obj.get("metadata") or {}
        key = f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"
        version = str(metadata.get("resourceVersion", ""))
        cached = self._specs.get(key)
        if cached is not None and cached[0] == version and version:
            return cached[1]
        try:
            spec: Any = parse_hpa(obj, "cluster")
        except SnapshotError as error:
            spec = str(error).removeprefix("cluster: ")
        self._specs[key] = (version, spec)
        return spec

    def _scale(self, spec: HPASpec) -> tuple[Any, Optional[int]]:
        target = spec.scale_target
        group, version = group_version(target.api_version)
        resource = BUILTIN_SCALABLE.get((group, target.kind))
        if resource is not None and version == "v1":
            informer = self._workload_informer(group, resource, target.kind)
            found = informer.snapshot().get((spec.namespace, target.name))
            if found is None:
                if not informer.synced.is_set():
                    return FetchError(informer.problem or f"cannot list {resource}"), None
                qualified = f"{resource}/scale.{group}" if group else f"{resource}/scale"
                return FetchError(f'{qualified} "{target.name}" not found'), None
            return found
        # A custom resource (or an unusual version): GET its /scale, as the controller does.
        cache_key = (spec.namespace, target.api_version, target.kind, target.name)
        if cache_key not in self._scale_paths:
            self._scale_paths[cache_key] = Reader(self.connection).scale_path(
                spec.namespace, {"kind": target.kind, "name": target.name, "apiVersion": target.api_version})
        path, failure = self._scale_paths[cache_key]
        if path is None:
            return FetchError(str((failure or {}).get("message", "cannot map the target kind"))), None
        response = self.connection.get(path)
        if not response.ok:
            return FetchError(str(status_for(response)["message"])), None
        status = response.body.get("status") or {}
        return Scale(int((response.body.get("spec") or {}).get("replicas") or 0), int(status.get("replicas") or 0),
                     status.get("selector") or None), None

    @staticmethod
    def _pods_for(scale: Any, pods: PodIndex) -> tuple[Pod, ...]:
        if not isinstance(scale, Scale) or not scale.selector:
            return ()
        try:
            selector = parse_selector(scale.selector)
        except SelectorError:
            return ()
        return tuple(pod for pod in pods.candidates(selector) if selector.matches(pod.labels))

    # ------------------------------------------------------------------ metrics, batched

    def _metric_requests(self, spec: HPASpec) -> list[Optional[MetricRequest]]:
        """Per metric of the HPA: the batched request that answers it (per namespace, no pod selector)."""
        return [metric_request(spec.namespace, metric.type, metric.name, selector=metric.selector,
                               described=metric.described_object, versions=self.versions)
                for metric in spec.metrics]

    def _read_metrics(self, entries: list[tuple[HPASpec, tuple[Pod, ...]]]) -> dict[str, Response]:
        wanted: dict[str, MetricRequest] = {}
        for spec, _pods in entries:
            for request in self._metric_requests(spec):
                if request is not None:
                    wanted.setdefault(request.key, request)
        return {key: self.connection.get(request.path, request.query) for key, request in wanted.items()}

    def _selecting(self, entries: list[tuple[HPASpec, tuple[Pod, ...]]]) -> dict[str, tuple[str, ...]]:
        """namespace/name of every HPA whose pods overlap each HPA's (the AmbiguousSelector check)."""
        owners: dict[tuple[str, str], list[str]] = {}
        for spec, pods in entries:
            for pod in pods:
                owners.setdefault((spec.namespace, pod.name), []).append(spec.key)
        out: dict[str, tuple[str, ...]] = {}
        for spec, pods in entries:
            keys = {spec.key}
            for pod in pods:
                keys.update(owners.get((spec.namespace, pod.name), ()))
            out[spec.key] = tuple(sorted(keys)) if len(keys) > 1 else ()
        return out

    def _readings(self, spec: HPASpec, scale: Scale, pods: tuple[Pod, ...], responses: dict[str, Response]) -> tuple:
        """Hand the batched answers, cut down to this HPA's pods, to the snapshot reader the explainer uses."""
        names = {pod.name for pod in pods}
        objects: list[dict] = []
        for metric, request in zip(spec.metrics, self._metric_requests(spec), strict=True):
            if request is None:
                continue
            response = responses.get(request.key)
            if response is None:
                continue
            if not response.ok:
                objects.append(status_for(response))
                continue
            body = response.body
            if metric.type in (RESOURCE, CONTAINER_RESOURCE):
                objects.extend({"kind": "PodMetrics", **item} for item in body.get("items") or ()
                               if (item.get("metadata") or {}).get("name") in names)
            elif metric.type == PODS:
                items = [item for item in body.get("items") or ()
                         if (item.get("describedObject") or {}).get("name") in names]
                objects.append({**body, "kind": "MetricValueList", "items": items})
            elif metric.type == OBJECT:
                objects.append({**body, "kind": "MetricValueList"})
            else:
                objects.append({**body, "kind": "ExternalMetricValueList",
                                "metadata": {**(body.get("metadata") or {}), "namespace": spec.namespace,
                                             "annotations": {REQUEST: f"GET {request.path}"}}})
        return readings_for(Snapshot(source="cluster", objects=objects), spec, scale)

    # ------------------------------------------------------------------ rows

    def _row(self, obj: dict, spec: HPASpec, scale: Any, ready: Optional[int], pods: tuple[Pod, ...],
             responses: dict[str, Response], selecting: tuple[str, ...], rescale: Optional[tuple], now: float) -> Row:
        status = obj.get("status") or {}
        conditions_raw = [c for c in status.get("conditions") or () if isinstance(c, dict)]
        previous = tuple(Condition(str(c.get("type", "")), str(c.get("status", "")), str(c.get("reason", "")),
                                   str(c.get("message", ""))) for c in conditions_raw)
        live_desired = status.get("desiredReplicas") if isinstance(status.get("desiredReplicas"), int) else None
        tracked = self.tracked.get(spec.key)
        state_in = tracked.state if tracked is not None else ControllerState()
        if isinstance(scale, Scale):
            readings = self._readings(spec, scale, pods, responses)
        else:
            readings = ()
        inputs = SyncInput(hpa=spec, scale=scale, pods=pods, readings=readings, now=now, settings=self.settings,
                           state=state_in, selecting_hpas=selecting, previous_conditions=previous,
                           previous_desired_replicas=live_desired)
        decision = decide(inputs)
        current = scale.spec_replicas if isinstance(scale, Scale) else None
        if tracked is None:
            tracked = _Tracked(state=decision.state or state_in, kept_at=now, current=current)
            self.tracked[spec.key] = tracked
        else:
            if now - tracked.kept_at >= self.settings.sync_period and decision.state is not None:
                tracked.state, tracked.kept_at = decision.state, now  # one recommendation per controller sync
            if current is not None and tracked.current is not None and current != tracked.current \
                    and spec.behavior is not None:  # a rescale we saw: the controller's scale events
                if current > tracked.current:
                    tracked.up_events = record_scale_event(tracked.up_events, spec.behavior.scale_up, now,
                                                           current - tracked.current)
                else:
                    tracked.down_events = record_scale_event(tracked.down_events, spec.behavior.scale_down, now,
                                                             tracked.current - current)
            if current is not None:
                tracked.current = current
        tracked.state = replace(tracked.state, scale_up_events=tracked.up_events,
                                scale_down_events=tracked.down_events)

        forbidden = {index for index, request in enumerate(self._metric_requests(spec))
                     if request is not None and getattr(responses.get(request.key), "status", None) == 403}
        metrics = []
        for index, result in enumerate(decision.metrics):
            value = _value(result)
            target = _target(result)
            cell = metric_cell(result)
            failure = ""
            if result.error is not None or value is None:
                failure = "forbidden" if index in forbidden else "unknown"
                if failure == "forbidden":
                    cell = cell.replace("<unknown>", "<forbidden>")
            previous_value, trend = tracked.last_values.get(result.spec.name, (None, 0))
            if value is not None and previous_value is not None and value != previous_value:
                trend = 1 if value > previous_value else -1
            if value is not None:
                tracked.last_values[result.spec.name] = (value, trend)
            unit = "%" if result.utilization is not None and result.spec.target.average_utilization is not None else ""
            metrics.append(MetricView(result.spec.name, cell, value, unit, target, failure, trend))
        if not metrics and not isinstance(scale, Scale):
            metrics = [MetricView(m.name, f"{m.name}: <unknown>", None, "", None, "unknown") for m in spec.metrics]
        text, tone = describe(decision, forbidden=bool(forbidden))
        if current is not None:
            tracked.replicas.append(current)
        main = next((m.value for m in metrics if m.value is not None), None)
        if main is not None:
            tracked.metric.append(main)
        last = ""
        if rescale is not None:
            match = RESCALE_MESSAGE.match(rescale[3])
            last = f"{format_clock(rescale[4])} -> {match.group(1)}: {match.group(2)}" if match else \
                f"{format_clock(rescale[4])} {rescale[3]}"
        elif status.get("lastScaleTime"):
            try:
                last = format_clock(parse_time(status["lastScaleTime"]))
            except ValueError:
                last = ""
        row = Row(key=spec.key, namespace=spec.namespace, name=spec.name,
                  target=f"{spec.scale_target.kind}/{spec.scale_target.name}", metrics=metrics,
                  current=decision.current_replicas, desired=decision.desired_replicas, live_desired=live_desired,
                  min_replicas=spec.effective_min_replicas, max_replicas=spec.max_replicas, verdict=text, tone=tone,
                  last_rescale=last, replicas_history=list(tracked.replicas), metric_history=list(tracked.metric),
                  decision=decision)
        row.observation = _observation(row, decision, conditions_raw, ready, status, rescale, now)
        return row

    def _error_row(self, obj: dict, key: str, message: str) -> Row:
        metadata = obj.get("metadata") or {}
        ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        return Row(key=key, namespace=str(metadata.get("namespace", "")), name=str(metadata.get("name", "")),
                   target=f"{ref.get('kind', '?')}/{ref.get('name', '?')}", metrics=[], current=0, desired=0,
                   live_desired=None, min_replicas=0, max_replicas=0, verdict=f"error: {message}", tone="bad",
                   last_rescale="", replicas_history=[], metric_history=[])


def describe(decision: Decision, forbidden: bool = False) -> tuple[str, str]:
    """The core's verdict in the watch's words, with what the API hides (the window), and its tone."""
    text = verdict(decision)
    stabilization = decision.stabilization
    if text == "holding: scale-down window" and stabilization is not None:
        text = "held by the scale-down window"
        if stabilization.allowed_down_at is not None:
            text += f" until {format_clock(stabilization.allowed_down_at)}"
        text += f" (max recommendation {stabilization.down_recommendation}, wants {decision.proposed_replicas})"
    elif text == "holding: scale-up window" and stabilization is not None:
        text = f"held by the scale-up window (min recommendation {stabilization.up_recommendation})"
    elif text == "metric failing: holding" and forbidden:
        text = "metric failing (forbidden): holding"
    if text.startswith(("error", "metric failing", "disabled")):
        tone = "bad"
    elif text.startswith(("holding: within tolerance", "holding")) and "window" not in text:
        tone = "good"
    else:
        tone = "warn"
    if decision.error and tone != "bad":  # one of several metrics failed: the others still decide
        text += " (a metric is failing)"
        tone = "bad"
    return text, tone


def _value(result) -> Optional[float]:
    if result.error is not None:
        return None
    if result.utilization is not None and result.spec.target.average_utilization is not None:
        return float(result.utilization)
    milli = result.value if (result.spec.target.type == "Value" and result.value is not None) else result.average_value
    return milli / 1000 if milli is not None else None


def _target(result) -> Optional[float]:
    target = result.spec.target
    if target.average_utilization is not None and target.average_value is None:
        return float(target.average_utilization)
    milli = target.value if target.type == "Value" else target.average_value
    return milli / 1000 if milli is not None else None


def _observation(row: Row, decision: Decision, conditions: list[dict], ready: Optional[int], status: dict,
                 rescale: Optional[tuple], now: float) -> Observation:
    metrics = []
    for view, result in zip(row.metrics, decision.metrics, strict=False):
        entry: dict = {"name": view.name, "type": result.spec.type, "current": _number(view.value),
                       "target": _number(view.target), "unit": view.unit}
        if view.failure:
            entry["error"] = view.failure if view.failure == "forbidden" else (result.error or "unknown")
        metrics.append(entry)
    extra: dict = {"target": row.target, "minReplicas": row.min_replicas, "maxReplicas": row.max_replicas,
                   "computedReplicas": decision.desired_replicas, "branch": decision.branch}
    if decision.proposed_replicas is not None:
        extra["proposedReplicas"] = decision.proposed_replicas
    if decision.rescale_reason:
        extra["rescaleReason"] = decision.rescale_reason
    stabilization = decision.stabilization
    if stabilization is not None:
        extra["windowMaxRecommendation"] = stabilization.down_recommendation
        if stabilization.allowed_down_at is not None:
            extra["scaleDownAllowedAt"] = format_time(stabilization.allowed_down_at)
    if status.get("lastScaleTime"):
        extra["lastScaleTime"] = status["lastScaleTime"]
    if rescale is not None:
        extra["lastRescale"] = {"time": format_time(rescale[4]), "message": rescale[3]}
    return Observation(time=now, namespace=row.namespace, name=row.name, current_replicas=row.current,
                       desired_replicas=row.live_desired if row.live_desired is not None else row.desired,
                       ready_replicas=ready, metrics=tuple(metrics),
                       conditions=tuple({k: c.get(k) for k in ("type", "status", "reason", "message") if k in c}
                                        for c in conditions),
                       verdict=row.verdict, extra=extra)


def _number(value: Optional[float]) -> Any:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 3)


def _short(path: str) -> str:
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    return f"{parts[1]} {parts[4]}" if len(parts) > 4 and parts[3] == "namespaces" else path
