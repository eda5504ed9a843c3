"""One sync of a simulation written as a snapshot, so ``explain -f`` can replay (and check) it.

The reader is sources/snapshot.py, so the writer takes its annotation keys, our ControllerState
apiVersion and the metric API groups from sources/kube.py, where the reader's come from: a key
renamed there is renamed here, and a simulated sync never drifts out of what ``explain -f`` reads.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Optional

from ..core.model import (
    ExternalMetrics,
    FetchError,
    MetricSpec,
    ObjectMetric,
    Pod,
    PodsMetrics,
    Reading,
    ResourceMetrics,
    Scale,
    SyncInput,
)
from ..core.quantity import format_duration, format_milli
from ..sources.kube import (
    CAPTURED_AT,
    CUSTOM_METRICS_GROUP,
    DEFAULT_METRICS_VERSION,
    EXTERNAL_METRICS_GROUP,
    FEATURE_GATES,
    KUBERNETES_VERSION,
    RESOURCE_METRICS_GROUP,
    RESOURCE_METRICS_VERSION,
    STATE_API_VERSION,
    format_feature_gates,
)
from ..timefmt import format_time, parse_time
from .engine import Run, clock
from .fields import ScenarioError

# Simulations run on their own clock from t = 0; snapshots place it on a fixed calendar day.
EPOCH = parse_time("2026-01-01T00:00:00Z")

NOTE = "kubectl-hpa.io/note"
"""On the List: which simulation and sync it is (for a person reading the file; ``explain -f`` ignores it)."""
POD_METRICS_API_VERSION = f"{RESOURCE_METRICS_GROUP}/{RESOURCE_METRICS_VERSION}"
CUSTOM_METRICS_API_VERSION = f"{CUSTOM_METRICS_GROUP}/v1beta2"
"""v1beta2, the version whose items carry ``metric.name`` and ``windowSeconds``, the shape written below."""
EXTERNAL_METRICS_API_VERSION = f"{EXTERNAL_METRICS_GROUP}/{DEFAULT_METRICS_VERSION}"


def _time(t: float) -> str:
    return format_time(EPOCH + t)


def _names(pod: Pod) -> list[str]:
    """A simulated group of ``count`` identical pods becomes that many pods in the snapshot."""
    return [pod.name] if pod.count == 1 else [f"{pod.name}-{index}" for index in range(1, pod.count + 1)]


SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""The characters Kubernetes uses for generated names (``pod-template-hash``, pod name suffixes)."""
TEMPLATE_HASH = "pod-template-hash"


def _uid(namespace: str, kind: str, name: str) -> str:
    """A stable uid per object: the same scenario writes the same bytes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kubectl-hpa-sim:{namespace}/{kind}/{name}"))


def _template_hash(namespace: str, name: str) -> str:
    """A stable ``pod-template-hash``, 10 characters of the alphabet the Deployment controller uses."""
    digest = hashlib.sha256(f"{namespace}/{name}".encode()).digest()
    return "".join(SAFE_ALPHABET[byte % len(SAFE_ALPHABET)] for byte in digest[:10])


def _owner(kind: str, api_version: str, name: str, namespace: str) -> dict:
    """A controlling ownerReference, as the API serves it."""
    return {"apiVersion": api_version, "kind": kind, "name": name, "uid": _uid(namespace, kind, name),
            "controller": True, "blockOwnerDeletion": True}


def _pod(pod: Pod, name: str, namespace: str, owner: Optional[dict] = None, labels: Optional[dict] = None) -> dict:
    containers = [{"name": c.name, "image": "app:sim", "resources": {"requests": {
        name: format_milli(value) for name, value in c.requests.items()}}} for c in pod.containers]
    status: dict[str, Any] = {"phase": pod.phase}
    if pod.start_time is not None:
        status["startTime"] = _time(pod.start_time)
    if pod.ready is not None:
        status["conditions"] = [{"type": "Ready", "status": pod.ready,
                                 "lastTransitionTime": _time(pod.ready_transition_time or 0.0)}]
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "uid": _uid(namespace, "Pod", name),
                                "labels": {**pod.labels, **(labels or {})}}
    if owner is not None:
        metadata["ownerReferences"] = [dict(owner)]  # a copy each: no YAML anchors in the file
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"containers": containers},
            "status": status}


def _metric_objects(spec: MetricSpec, reading: Reading, namespace: str, names: dict[str, list[str]]) -> list[dict]:
    if isinstance(reading, ResourceMetrics):
        return [{"apiVersion": POD_METRICS_API_VERSION, "kind": "PodMetrics",
                 "metadata": {"name": name, "namespace": namespace},
                 "timestamp": _time(sample.timestamp), "window": format_duration(sample.window),
                 "containers": [{"name": container, "usage": {k: format_milli(v) for k, v in usage.items()}}
                                for container, usage in sample.containers.items()]}
                for sample in reading.samples for name in names.get(sample.pod, [sample.pod])]
    if isinstance(reading, PodsMetrics):
        return [{"apiVersion": CUSTOM_METRICS_API_VERSION, "kind": "MetricValueList", "metadata": {},
                 "items": [{"describedObject": {"kind": "Pod", "namespace": namespace, "name": name,
                                                "apiVersion": "/v1"},
                            "metric": {"name": spec.name}, "timestamp": _time(sample.timestamp),
                            "windowSeconds": int(sample.window), "value": format_milli(sample.value)}
                           for sample in reading.samples for name in names.get(sample.pod, [sample.pod])]}]
    if isinstance(reading, ObjectMetric) and spec.described_object is not None:
        return [{"apiVersion": CUSTOM_METRICS_API_VERSION, "kind": "MetricValueList", "metadata": {},
                 "items": [{"describedObject": {"kind": spec.described_object.kind, "namespace": namespace,
                                                "name": spec.described_object.name,
                                                "apiVersion": spec.described_object.api_version},
                            "metric": {"name": spec.name}, "timestamp": _time(reading.timestamp),
                            "value": format_milli(reading.value)}]}]
    if isinstance(reading, ExternalMetrics):
        labels = dict(spec.selector.match_labels) if spec.selector else {}
        return [{"apiVersion": EXTERNAL_METRICS_API_VERSION, "kind": "ExternalMetricValueList",
                 "metadata": {"namespace": namespace},
                 "items": [{"metricName": spec.name, "metricLabels": labels, "timestamp": _time(reading.timestamp),
                            "value": format_milli(value)} for value in reading.values]}]
    return []


def snapshot_for(inputs: SyncInput, manifest: dict) -> dict:
    """The List ``explain -f`` reads for this sync: the HPA (``manifest`` with the status the controller
    last wrote), its workload, the pods one by one, the metric API answers and the controller's memory."""
    hpa = inputs.hpa
    namespace = hpa.namespace
    scale = inputs.scale
    if isinstance(scale, FetchError):
        raise ScenarioError("a simulated scale read never fails")
    assert isinstance(scale, Scale)
    hpa_object = {**manifest, "metadata": {**(manifest.get("metadata") or {}), "name": hpa.name,
                                           "namespace": namespace}}
    status: dict[str, Any] = {"currentReplicas": scale.status_replicas}
    if inputs.previous_conditions:
        status["conditions"] = [{"type": c.type, "status": c.status, "reason": c.reason, "message": c.message}
                                for c in inputs.previous_conditions]
    hpa_object["status"] = status
    template_pod = inputs.pods[0] if inputs.pods else None
    requests = {k: format_milli(v) for k, v in template_pod.containers[0].requests.items()} if template_pod else {}
    target = hpa.scale_target
    kind = target.kind if target.kind in ("Deployment", "StatefulSet", "ReplicaSet") else "Scale"
    api_version = target.api_version or "apps/v1"
    selector = {"app": target.name}

    def template(labels: dict[str, str]) -> dict:  # a new one each time: no YAML anchors in the file
        return {"metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "app", "resources": {"requests": dict(requests)}}]}}

    workload = {"apiVersion": api_version, "kind": kind,
                "metadata": {"name": target.name, "namespace": namespace,
                             **({"uid": _uid(namespace, kind, target.name)} if kind != "Scale" else {})},
                "spec": {"replicas": scale.spec_replicas, "selector": {"matchLabels": selector},
                         "template": template(selector)},
                "status": {"replicas": scale.status_replicas}}
    # As the API serves them: a Deployment's pods belong to its ReplicaSet (named after the template's
    # hash, which the pods carry as a label), a StatefulSet's or ReplicaSet's pods to it directly.
    owned: list[dict] = []
    owner: Optional[dict] = None
    pod_labels: dict[str, str] = {}
    if kind == "Deployment":
        template_hash = _template_hash(namespace, target.name)
        rs_name = f"{target.name}-{template_hash}"
        pod_labels = {TEMPLATE_HASH: template_hash}
        owned.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                      "metadata": {"name": rs_name, "namespace": namespace, "uid": _uid(namespace, "ReplicaSet", rs_name),
                                   "labels": {**selector, **pod_labels},
                                   "ownerReferences": [_owner("Deployment", api_version, target.name, namespace)]},
                      "spec": {"replicas": scale.spec_replicas,
                               "selector": {"matchLabels": {**selector, **pod_labels}},
                               "template": template({**selector, **pod_labels})},
                      "status": {"replicas": scale.status_replicas}})
        owner = _owner("ReplicaSet", "apps/v1", rs_name, namespace)
    elif kind in ("StatefulSet", "ReplicaSet"):
        owner = _owner(kind, api_version, target.name, namespace)
    names = {pod.name: _names(pod) for pod in inputs.pods}
    items: list[dict] = [hpa_object, workload, *owned,
                         *[_pod(pod, name, namespace, owner, pod_labels) for pod in inputs.pods
                           for name in names[pod.name]]]
    seen_resource = False
    for spec, reading in zip(hpa.metrics, inputs.readings, strict=False):
        if isinstance(reading, ResourceMetrics):
            if seen_resource:
                continue
            seen_resource = True
        items.extend(_metric_objects(spec, reading, namespace, names))
    state = inputs.state
    if state is not None:
        items.append({"apiVersion": STATE_API_VERSION, "kind": "ControllerState",
                      "metadata": {"name": hpa.name, "namespace": namespace},
                      "recommendations": [{"timestamp": _time(r.timestamp), "replicas": r.replicas}
                                          for r in state.recommendations] if state.seeded else [],
                      "scaleUpEvents": [{"timestamp": _time(e.timestamp), "replicaChange": e.replica_change}
                                        for e in state.scale_up_events],
                      "scaleDownEvents": [{"timestamp": _time(e.timestamp), "replicaChange": e.replica_change}
                                          for e in state.scale_down_events]})
    # The controller the simulation emulated, so that explain -f replays this sync under the same one.
    version = inputs.settings.version
    annotations = {CAPTURED_AT: _time(inputs.now), KUBERNETES_VERSION: version.release}
    if version.gate_settings:
        annotations[FEATURE_GATES] = format_feature_gates(dict(version.gate_settings))
    annotations[NOTE] = f"kubectl hpa simulate, sync at t={inputs.now:g}s"
    return {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": annotations}, "items": items}


def check_snapshot_at(run: Run, at: float) -> None:
    """Refuse, before anything runs, a ``--snapshot-at`` time no sync answers: before the first sync or past
    the end of the run (a ScenarioError naming the syncs' span)."""
    if run.syncs == 0:
        raise ScenarioError("the simulation kept no sync inputs")
    first, last = run.sync_time(0), run.sync_time(run.syncs - 1)
    if at > run.duration:
        raise ScenarioError(f"--snapshot-at {clock(at)} is past the end of the run ({clock(run.duration)}); "
                            f"the syncs run from {clock(first)} to {clock(last)}")
    if at < first:
        raise ScenarioError(f"--snapshot-at {clock(at)} is before the first sync ({clock(first)}): "
                            f"the HPA's first sync ran at {clock(first)}")


def snapshot_at(run: Run, at: float) -> tuple[dict, str]:
    """The snapshot of the last sync at or before ``at`` seconds, and a note when ``at`` falls between syncs
    ("" when a sync ran at ``at``). ``run`` keeps its last sync's inputs and ends at ``at`` (``Run(...,
    keep_last_inputs=True, until=at)``): the syncs after it are never simulated."""
    check_snapshot_at(run, at)
    if run.until != at or not run.keep_last_inputs:
        raise ValueError("the run must keep its last inputs and end at the snapshot's time")
    for _ in run:
        pass
    inputs = run.inputs[-1]
    note = ""
    if inputs.now != at:
        note = (f"--snapshot-at {clock(at)} falls between syncs: the snapshot is of the sync at "
                f"{clock(inputs.now)} (one every {format_duration(run.scenario.controller.sync_period)})")
    return snapshot_for(inputs, run.scenario.hpa_manifest), note
