"""What a live read keeps of the objects it GETs: what the controller and the checks read, not the secrets.

A snapshot is a support bundle users attach to bug reports, and ``explain`` reads the same
document, so every object the :class:`~kubectl_hpa.sources.reader.Reader` keeps goes through
:func:`redact` (the metrics-server Deployment through :func:`redact_metrics_server`). Pure
functions over the API's dicts; they copy, never edit, and leave shapes they do not know alone.

Kept, because something reads it:

- labels, ownerReferences, names, uids, timestamps (selectors, pod ownership, F08/F09/F31);
- a container's name, image, ports, resources and restartPolicy (requests: the replica
  calculator, F07, F10; ``restartPolicy: Always``: native sidecars), the pod-level resources,
  the pod's status but a terminated container's message (phase, readiness, start time: F27);
- the name of each env variable, and for ``valueFrom`` / ``envFrom`` only the kind of source
  (``secretKeyRef``, ``configMapRef``...): the API shape stays, the references and values go;
- the metrics-server Deployment's flag names, without their values (F03 reads
  ``--kubelet-insecure-tls`` / ``--kubelet-certificate-authority``);
- of ``kubectl.kubernetes.io/last-applied-configuration``: apiVersion, kind, metadata name and
  namespace, spec.replicas (F28 reads the applied apiVersion, F20 the applied replicas);
- of managedFields: the entries that own ``spec.replicas``, as manager, operation, subresource,
  apiVersion, time and that one field (F20 names who else writes the replicas);
- the annotation values a check reads or that carry no secret (:data:`KEPT_ANNOTATIONS`);
  every other annotation keeps its key (F07 and F28 look at keys) with the value :data:`PLACEHOLDER`.

Removed: env values and the names/keys they reference, envFrom references and prefixes, args and
command (but the metrics-server flag names), probes, lifecycle hooks and every other container field,
volume sources' contents (a volume keeps its name and the kind of source), terminated containers'
messages, KEDA trigger metadata values, and the rest of last-applied-configuration and managedFields.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Optional

from .kube import LAST_APPLIED

REDACTED_NOTE = ("env values and sources, envFrom references, container args and command (metrics-server's flag "
                 "names kept), probes and lifecycle hooks, volume sources, terminated containers' messages, "
                 "annotation values (those the checks read kept), KEDA trigger metadata values, "
                 "last-applied-configuration (apiVersion, kind, name and spec.replicas kept), "
                 "managedFields (spec.replicas owners kept)")
PLACEHOLDER = "<redacted>"
"""The value of an annotation that was kept by key only."""

KEPT_ANNOTATIONS = ("kubectl-hpa.io/", "autoscaling.alpha.kubernetes.io/", "deployment.kubernetes.io/",
                    "autoscaling.keda.sh/paused-replicas")
"""Annotations kept with their value (a key, or a prefix ending in ``/``): ours (a failed read's request), the
metrics autoscaling/v1 hides (F28), a Deployment's revision and replica bookkeeping, KEDA's paused
replicas (F31). None of them holds anything but numbers, names and metric specs."""
CONTAINER_FIELDS = ("name", "image", "imagePullPolicy", "ports", "resources", "resizePolicy", "restartPolicy")
"""What a container keeps besides its env names: resources (requests), restartPolicy (native sidecars)."""
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
ENV_SOURCES = ("configMapRef", "secretRef")
STATUS_LISTS = ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")
MANAGED_FIELDS_KEPT = ("manager", "operation", "apiVersion", "time", "subresource")


def redact(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An API object as a snapshot keeps it: metadata redacted everywhere, pod specs and KEDA triggers by kind."""
    out = dict(obj)
    meta = out.get("metadata")
    if isinstance(meta, Mapping):
        out["metadata"] = redact_metadata(meta)
    spec = out.get("spec")
    if not isinstance(spec, Mapping):
        return out
    kind = out.get("kind")
    if kind == "Pod":
        out["spec"] = redact_pod_spec(spec)
        if isinstance(out.get("status"), Mapping):
            out["status"] = redact_pod_status(out["status"])
    elif kind == "ScaledObject":
        out["spec"] = _redact_triggers(spec)
    elif isinstance(spec.get("template"), Mapping):  # a workload (or any object with a pod template)
        out["spec"] = {**spec, "template": redact_pod_template(spec["template"])}
    return out


def redact_metrics_server(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics-server Deployment: :func:`redact`, then its containers' flag names back (F03 reads them)."""
    out = redact(obj)
    served = _containers(obj)
    kept = _containers(out)
    if len(served) != len(kept):
        return out
    for original, container in zip(served, kept, strict=True):
        for key in ("args", "command"):
            if isinstance(original.get(key), list):
                container[key] = redact_args(original[key])
    return out


def redact_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Annotations by :func:`redact_annotations`, managedFields by :func:`redact_managed_fields`; the rest as served."""
    out = dict(meta)
    if isinstance(out.get("annotations"), Mapping):
        out["annotations"] = redact_annotations(out["annotations"])
    if "managedFields" in out:
        owners = redact_managed_fields(out["managedFields"])
        if owners:
            out["managedFields"] = owners
        else:
            del out["managedFields"]
    return out


def redact_annotations(annotations: Mapping[str, Any]) -> dict[str, Any]:
    """Every key; the values of :data:`KEPT_ANNOTATIONS`, last-applied reduced, the others :data:`PLACEHOLDER`."""
    out: dict[str, Any] = {}
    for key, value in annotations.items():
        if key == LAST_APPLIED:
            reduced = redact_last_applied(value)
            if reduced is not None:
                out[key] = reduced
        elif isinstance(value, str) and _kept_annotation(str(key)):
            out[key] = value
        else:
            out[key] = PLACEHOLDER
    return out


def _kept_annotation(key: str) -> bool:
    return any(key.startswith(kept) if kept.endswith("/") else key == kept for kept in KEPT_ANNOTATIONS)


def redact_last_applied(raw: Any) -> Optional[str]:
    """The applied manifest's apiVersion, kind, name, namespace and spec.replicas, as JSON; None if it is not JSON."""
    try:
        applied = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(applied, dict):
        return None
    out: dict[str, Any] = {key: applied[key] for key in ("apiVersion", "kind") if key in applied}
    meta = applied.get("metadata")
    if isinstance(meta, dict):
        out["metadata"] = {key: meta[key] for key in ("name", "namespace") if key in meta}
    spec = applied.get("spec")
    if isinstance(spec, dict) and "replicas" in spec:
        out["spec"] = {"replicas": spec["replicas"]}
    return json.dumps(out, separators=(",", ":"))


def redact_managed_fields(entries: Any) -> list[dict[str, Any]]:
    """The entries that own ``spec.replicas``, reduced to who, how, when and that field."""
    out = []
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, Mapping):
            continue
        spec = (entry.get("fieldsV1") or {}).get("f:spec") if isinstance(entry.get("fieldsV1"), Mapping) else None
        if not isinstance(spec, Mapping) or "f:replicas" not in spec:
            continue
        kept = {key: entry[key] for key in MANAGED_FIELDS_KEPT if key in entry}
        out.append({**kept, "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}})
    return out


def redact_pod_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """A workload's ``spec.template``: its metadata and pod spec, as a Pod's."""
    out = dict(template)
    if isinstance(out.get("metadata"), Mapping):
        out["metadata"] = redact_metadata(out["metadata"])
    if isinstance(out.get("spec"), Mapping):
        out["spec"] = redact_pod_spec(out["spec"])
    return out


def redact_pod_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Containers by :func:`redact_container`, volumes by name and kind of source; the rest as served."""
    out = dict(spec)
    for key in CONTAINER_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [redact_container(c) if isinstance(c, Mapping) else c for c in out[key]]
    if isinstance(out.get("volumes"), list):
        out["volumes"] = [_redact_volume(v) if isinstance(v, Mapping) else v for v in out["volumes"]]
    return out


def redact_container(container: Mapping[str, Any]) -> dict[str, Any]:
    """:data:`CONTAINER_FIELDS`, the env names with the kind of their source, envFrom's kinds of source."""
    out = {key: container[key] for key in CONTAINER_FIELDS if key in container}
    if isinstance(container.get("env"), list):
        out["env"] = [_redact_env(entry) for entry in container["env"] if isinstance(entry, Mapping)]
    if isinstance(container.get("envFrom"), list):
        out["envFrom"] = [{key: {} for key in ENV_SOURCES if key in entry}
                          for entry in container["envFrom"] if isinstance(entry, Mapping)]
    return out


def _redact_env(entry: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": entry["name"]} if "name" in entry else {}
    source = entry.get("valueFrom")
    if isinstance(source, Mapping):
        out["valueFrom"] = {str(kind): {} for kind in source}
    return out


def _redact_volume(volume: Mapping[str, Any]) -> dict[str, Any]:
    return {key: (value if key == "name" else {}) for key, value in volume.items()}


def redact_pod_status(status: Mapping[str, Any]) -> dict[str, Any]:
    """The pod's status without its containers' termination messages (whatever the app last wrote)."""
    out = dict(status)
    for key in STATUS_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [_redact_container_status(s) if isinstance(s, Mapping) else s for s in out[key]]
    return out


def _redact_container_status(status: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(status)
    for key in ("state", "lastState"):
        state = out.get(key)
        if isinstance(state, Mapping) and isinstance(state.get("terminated"), Mapping):
            out[key] = {**state, "terminated": {k: v for k, v in state["terminated"].items() if k != "message"}}
    return out


def redact_args(args: Iterable[Any]) -> list[str]:
    """The flag names of an args or command list (``--a=b`` -> ``--a``); values and other words dropped."""
    return [arg.split("=", 1)[0] for arg in args if isinstance(arg, str) and arg.startswith("-")]


def _containers(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A workload's pod template's containers (empty when the shape is not a workload's)."""
    spec = obj.get("spec")
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod = template.get("spec") if isinstance(template, Mapping) else None
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    return [c for c in containers if isinstance(c, dict)] if isinstance(containers, list) else []


def _redact_triggers(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A ScaledObject's triggers keep their type and references; their metadata keeps keys only."""
    out = dict(spec)
    if isinstance(out.get("triggers"), list):
        out["triggers"] = [{**t, "metadata": {k: PLACEHOLDER for k in t["metadata"]}}
                           if isinstance(t, Mapping) and isinstance(t.get("metadata"), Mapping) else t
                           for t in out["triggers"]]
    return out
