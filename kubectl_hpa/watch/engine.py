"""The watch engine: informers for what changes rarely, batched metric reads per refresh, one decide() per HPA.

HPAs, pods, SuccessfulRescale events and the built-in scale targets (Deployments,
StatefulSets, ...) come from list+watch streams (:mod:`.informer`, converted as they
arrive by :mod:`.stores`). At every refresh the metrics are read in batches
(:mod:`.metrics`): PodMetrics once per namespace, each custom or external metric once
per namespace, so requests per refresh grow with namespaces and distinct metrics, not
with pods or HPAs. Only a target of a custom kind costs one GET of its ``/scale`` per HPA
per refresh (no list of it exists to watch). Each HPA then becomes a row (:mod:`.rows`)
and, for ``--record``, an observation (:mod:`.observation`).

The custom and external metrics APIs are requested at the versions the cluster serves,
read once from the APIService list at :meth:`Engine.start`, as ``explain`` reads them.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional, Union

from ..core.model import ControllerSettings, FetchError, HPASpec, Scale
from ..sources.cluster import Reader, fatal
from ..sources.cluster_client import Connection
from ..sources.kube import (
    BUILTIN_SCALABLE,
    MetricAPIVersions,
    api_prefix,
    group_version,
    key_of,
    metadata,
    status_for,
)
from ..sources.snapshot import SnapshotError, parse_hpa, parse_pod
from .informer import Informer
from .metrics import ReadingsCache, read_batched, read_problems, unreachable
from .reuse import HPAMemo, ReuseCounts, same_objects
from .rows import Frame, Row, Seen, Tracked, build_row, error_row
from .shadow import Shadow, with_shadow
from .stores import (
    EVENTS_QUERY,
    NO_PODS,
    PodIndex,
    hpa_order,
    latest_rescales,
    overlapping,
    pod_indexes,
    rescale_event,
    with_kind,
    workload_scale,
)

STOP_WAIT = 1.0  # seconds stop() waits for the watch threads (daemons) to end


def _pod_indexes(pods: dict, before: Optional[dict[str, PodIndex]]) -> dict[str, PodIndex]:
    """:func:`pod_indexes` of the pods informer's store, keeping the last index of a namespace whose pods are all
    the same objects in the same order: the HPAs of a namespace where no pod changed keep their pods."""
    indexes = pod_indexes(pods)
    for namespace, index in indexes.items():
        old = (before or {}).get(namespace)
        if old is not None and same_objects(old.pods, index.pods):
            indexes[namespace] = old
    return indexes


# What reading a scale target gives: the Scale (or why it could not be read) and its ready replicas.
ScaleRead = tuple[Union[Scale, FetchError], Optional[int]]


class Engine:
    """The HPAs of one scope (a namespace, or all), refreshed on demand: ``start``, then ``refresh`` per frame, ``stop``.

    ``watch=False`` lists once and never watches (``--once``, and tests that re-list by hand).
    ``clock`` is the time the decisions are made at (fixed in tests, for golden frames).
    """

    def __init__(self, connection: Connection, namespace: Optional[str], name: Optional[str] = None,
                 selector: Optional[str] = None, settings: ControllerSettings = ControllerSettings(),
                 watch: bool = True, watch_timeout: int = 300, clock: Callable[[], float] = time.time,
                 shadow: Optional[Shadow] = None):
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
        self.tracked: dict[str, Tracked] = {}
        # key -> (resourceVersion, HPASpec or why it cannot be read): an HPA is parsed again only when it changed.
        self.specs: dict[str, tuple[str, Union[HPASpec, str]]] = {}
        # id(HPA object) -> (the object, what _spec made of it), this refresh and the last: the object is kept in the
        # entry, so its id cannot be another object's while the entry lives.
        self._parsed: dict[int, tuple[dict, Union[HPASpec, str]]] = {}
        self._parsed_before: dict[int, tuple[dict, Union[HPASpec, str]]] = {}
        # (namespace, apiVersion, kind, name) of a custom target -> its /scale path, or why it has none.
        self.scale_paths: dict[tuple[str, str, str, str], tuple[Optional[str], Optional[dict]]] = {}
        # What each HPA's readings were read from: unchanged inputs are not parsed again (watch/metrics.py).
        self.readings_cache = ReadingsCache()
        # Each workload informer's store with its generation, copied again only when it changed, and looked at
        # once per refresh (not once per HPA that scales such a workload).
        self._stores: dict[tuple[str, str], tuple[int, dict]] = {}
        self._looked: set[tuple[str, str]] = set()
        # What a refresh derives from the informers' stores, with the store generation it was derived from: an
        # unchanged store is not indexed, sorted or scanned again (see _derived).
        self._derived: dict[str, tuple[int, Any]] = {}
        self.memos: dict[str, HPAMemo] = {}  # per HPA: what the last refresh read and decided, reused if unchanged
        self.reuse = ReuseCounts()  # decisions made anew / reused, over the engine's life
        self._overlap: tuple[list[tuple[HPASpec, tuple]], dict[str, tuple[str, ...]]] = ([], {})
        self.shadow = shadow  # --shadow: a candidate spec decided beside the live one (watch/shadow.py)

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
        # An unreadable APIService list (often forbidden) leaves the v1beta1 default, as explain does.
        discovery = Reader(self.connection)
        discovery.read_apiservices()
        self.versions = MetricAPIVersions.served(discovery.apiservices)
        self._informer("pods", f"/api/v1{self.scope}/pods", None,
                       lambda obj: parse_pod(with_kind(obj, "Pod"), "cluster")).list()
        self._informer("events", f"/api/v1{self.scope}/events", EVENTS_QUERY, rescale_event).list()
        if self.watch:
            for informer in self.informers.values():
                informer.start()

    def _informer(self, name: str, path: str, query: Optional[dict],
                  transform: Optional[Callable[[dict], Any]] = None) -> Informer:
        informer = Informer(self.connection, path, query, transform, name=name, watch_timeout=self.watch_timeout)
        self.informers[name] = informer
        return informer

    def stop(self) -> None:
        """Stop every watch at once (closing its stream), then wait briefly: threads are daemons."""
        informers = list(self.informers.values())
        for informer in informers:
            informer.stop(timeout=0)
        deadline = time.monotonic() + STOP_WAIT
        for informer in informers:
            informer.join(deadline - time.monotonic())

    def _workload_informer(self, group: str, resource: str, kind: str) -> Informer:
        """The list+watch of a built-in target kind, started the first time an HPA scales one."""
        informer = self.workloads.get((group, resource))
        if informer is None:
            informer = self._informer(f"{resource}", f"{api_prefix(group, 'v1')}{self.scope}/{resource}", None,
                                      lambda obj: workload_scale(with_kind(obj, kind)))
            self.workloads[(group, resource)] = informer
            informer.list()
            if self.watch:
                informer.start()
        return informer

    # ------------------------------------------------------------------ one refresh

    def refresh(self) -> Frame:
        """Read what changed since the last refresh, decide for every HPA, and return what to show.

        A refresh where nothing changed costs little: what is derived from an informer's store (pod indexes,
        the newest rescales, the HPA order) is kept while the store's generation stays, each HPA's pods and
        requests while its spec, target selector and namespace's pods stay, the overlap check while every
        HPA's pods stay, and its decision, row cells and recorded observation while watch/reuse.py can show
        they are the same. benchmarks/watch.py, 1,000 HPAs, nothing changed: 139 -> 39 ms of CPU per refresh in
        one namespace, 174 -> 67 ms in ten (there, the 20 metric GETs are most of what is left)."""
        now = self.clock()
        requests_before = len(self.connection.requests)
        self._looked = set()
        self._parsed_before, self._parsed = self._parsed, {}
        pods_by_ns = self._derive("pods", _pod_indexes)
        rescales = self._derive("events", lambda events, _old: latest_rescales(events.values()))
        ordered = self._derive("hpas", lambda hpas, _old: sorted(hpas.values(), key=hpa_order))

        hpas: list[tuple[dict, Union[Seen, str]]] = []  # each HPA object, and what was read for it (or why not)
        for obj in ordered:
            spec = self._spec(obj)
            if isinstance(spec, str):
                hpas.append((obj, spec))
                continue
            memo = self.memos.get(spec.key)
            if memo is None:
                memo = self.memos[spec.key] = HPAMemo()
            scale, ready = self._scale(spec)
            pods = memo.pods_for(scale, pods_by_ns.get(spec.namespace) or NO_PODS)
            hpas.append((obj, Seen(obj, spec, scale, ready, pods, memo.requests_for(spec, self.versions))))
        seen = [entry for _obj, entry in hpas if isinstance(entry, Seen)]
        answers = read_batched(self.connection, (entry.requests for entry in seen), self.readings_cache)
        self.readings_cache.observe(answers)
        selecting = self._overlapping(seen)

        rows: list[Row] = []
        for obj, entry in hpas:
            if isinstance(entry, str):
                rows.append(error_row(obj, key_of(obj, ""), entry))
                continue
            key = entry.spec.key
            memo = self.memos[key]
            rescale = rescales.get((entry.spec.namespace, entry.spec.name))
            row, self.tracked[key] = build_row(entry, answers, selecting.get(key, ()), rescale, self.tracked.get(key),
                                               self.settings, now, memo, self.reuse)
            row.observation = memo.observation(row, entry, rescale, now, self.reuse)
            if self.shadow is not None and row.decision is not None and self.shadow.applies(entry.spec):
                row.shadow = self.shadow.decide(entry, answers, selecting.get(key, ()), row.decision,
                                                self.settings, now)
                row.observation = with_shadow(row.observation, row.shadow)
            rows.append(row)
        lost = unreachable(answers)
        if lost:  # every read failed before any answer: the rows show the last state read, not a failing metric
            for row in rows:
                row.verdict, row.tone, row.observation = f"API server unreachable ({lost}): last state read", "bad", None
        current = {row.key for row in rows}
        for gone in set(self.tracked) - current:  # an HPA that disappeared forgets its history
            del self.tracked[gone]
        for gone in set(self.memos) - current:
            del self.memos[gone]
        problems = [i.problem for i in self.informers.values() if i.problem] + read_problems(answers)
        scope = "all namespaces" if self.namespace is None else f"namespace {self.namespace}"
        return Frame(now, rows, problems, scope, len(self.connection.requests) - requests_before,
                     self.settings.version.describe())

    def _derive(self, name: str, derive: Callable[[dict, Any], Any]) -> Any:
        """``derive(store, previous result)`` of the named informer's store, computed again only when the store
        changed since the last refresh (its generation moved)."""
        informer = self.informers[name]
        cached = self._derived.get(name)
        if cached is not None and cached[0] == informer.generation:
            return cached[1]
        generation, store = informer.versioned()
        result = derive(store, cached[1] if cached is not None else None)
        self._derived[name] = (generation, result)
        return result

    def _overlapping(self, seen: list[Seen]) -> dict[str, tuple[str, ...]]:
        """:func:`overlapping` of this refresh's HPAs, or the last refresh's answer when every HPA's spec and pods
        are the same objects as then (the check is quadratic in the pods an HPA shares)."""
        entries = [(entry.spec, entry.pods) for entry in seen]
        before, answer = self._overlap
        if len(before) != len(entries) or not all(
                a[0] is b[0] and a[1] is b[1] for a, b in zip(before, entries, strict=True)):
            answer = overlapping(entries)
            self._overlap = (entries, answer)
        return answer

    def _spec(self, obj: dict) -> Union[HPASpec, str]:
        """The HPA parsed as explain parses it, or why it cannot be; cached per object (the informer keeps an
        unchanged HPA as the same object) and per resourceVersion."""
        known = self._parsed_before.get(id(obj))
        if known is not None and known[0] is obj:
            self._parsed[id(obj)] = known
            return known[1]
        spec = self._parse(obj)
        self._parsed[id(obj)] = (obj, spec)
        return spec

    def _parse(self, obj: dict) -> Union[HPASpec, str]:
        key = key_of(obj, "")
        version = str(metadata(obj).get("resourceVersion", ""))
        cached = self.specs.get(key)
        if cached is not None and cached[0] == version and version:
            return cached[1]
        spec: Union[HPASpec, str]
        try:
            spec = parse_hpa(obj, "cluster")
        except SnapshotError as error:
            spec = str(error).removeprefix("cluster: ")
        self.specs[key] = (version, spec)
        return spec

    def _scale(self, spec: HPASpec) -> ScaleRead:
        """The target's scale: from the workload informers for built-in kinds, else a GET of its /scale."""
        target = spec.scale_target
        group, version = group_version(target.api_version)
        resource = BUILTIN_SCALABLE.get((group, target.kind))
        if resource is not None and version == "v1":
            informer = self._workload_informer(group, resource, target.kind)
            store = self._stores.get((group, resource))
            if (group, resource) not in self._looked:  # once per refresh: has the store changed since?
                self._looked.add((group, resource))
                if store is None or store[0] != informer.generation:
                    store = self._stores[(group, resource)] = informer.versioned()
            assert store is not None
            found = store[1].get((spec.namespace, target.name))
            if found is None:
                if not informer.synced.is_set():
                    return FetchError(informer.problem or f"cannot list {resource}"), None
                qualified = f"{resource}/scale.{group}" if group else f"{resource}/scale"
                return FetchError(f'{qualified} "{target.name}" not found'), None
            return found
        # A custom resource (or an unusual version): GET its /scale, as the controller does.
        cache_key = (spec.namespace, target.api_version, target.kind, target.name)
        if cache_key not in self.scale_paths:
            self.scale_paths[cache_key] = Reader(self.connection).scale_path(
                spec.namespace, {"kind": target.kind, "name": target.name, "apiVersion": target.api_version})
        path, failure = self.scale_paths[cache_key]
        if path is None:
            return FetchError(str((failure or {}).get("message", "cannot map the target kind"))), None
        response = self.connection.get(path)
        if not response.ok:
            return FetchError(str(status_for(response)["message"])), None
        status = response.body.get("status") or {}
        return Scale(int((response.body.get("spec") or {}).get("replicas") or 0), int(status.get("replicas") or 0),
                     status.get("selector") or None), None
