"""Fixture manifests: read them, derive the per-scenario app variants from the one app manifest, and move
everything into namespaces the harness owns.

Namespaces: the vendored manifests say ``monitoring`` (Prometheus, the adapter) and ``default`` (the app). On an
existing cluster those may hold someone else's objects (a kube-prometheus-stack install lives in ``monitoring``), so
:func:`relocate` moves them into ``kubectl-hpa-e2e-monitoring`` and ``kubectl-hpa-e2e``, namespaces the harness
creates and is the only one to delete. metrics-server stays in ``kube-system`` (its APIService and RBAC expect it).

The custom-metric scenario applies fixtures/manifests/hello-actuator.yaml unchanged. The CPU and memory scenarios
need other requests (see fixtures/e2e/hpa-*.yaml for why), so :func:`app_variant` derives a renamed copy of the same
Deployment + Service; every other field (probes, scrape annotations, securityContext) stays the fixture's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from .versions import E2E_FIXTURES, FIXTURES

APP_MANIFEST = FIXTURES / "manifests" / "hello-actuator.yaml"
PROMETHEUS_MANIFEST = FIXTURES / "manifests" / "prometheus.yaml"
ADAPTER_MANIFEST = FIXTURES / "manifests" / "prometheus-adapter.yaml"
ADAPTER_CONFIG = FIXTURES / "manifests" / "adapter-config.yaml"
METRICS_SERVER_MANIFEST = E2E_FIXTURES / "metrics-server.yaml"
KIND_CONFIG = E2E_FIXTURES / "kind-config.yaml"

APP_NAMESPACE = "kubectl-hpa-e2e"
MONITORING_NAMESPACE = "kubectl-hpa-e2e-monitoring"
MANAGED_BY = ("app.kubernetes.io/managed-by", "kubectl-hpa-e2e")  # on every object the harness applies


def read_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def dump_documents(documents: list[dict]) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)


def by_kind(documents: list[dict], kind: str) -> list[dict]:
    return [doc for doc in documents if doc.get("kind") == kind]


@dataclass(frozen=True)
class AppVariant:
    """A renamed hello-actuator: name (Deployment, Service, labels), requests/limits, env and NodePort."""

    name: str
    requests: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    node_port: Optional[int] = None  # None: a ClusterIP Service (no host traffic needed)


def app_variant(documents: list[dict], variant: AppVariant) -> list[dict]:
    """A copy of the app's Deployment + Service under ``variant.name``; the input is not modified."""
    out = []
    for original in documents:
        doc = copy.deepcopy(original)
        meta = doc.setdefault("metadata", {})
        meta["name"] = variant.name
        meta.setdefault("labels", {})["app"] = variant.name
        if doc["kind"] == "Deployment":
            spec = doc["spec"]
            spec["replicas"] = 1
            spec["selector"] = {"matchLabels": {"app": variant.name}}
            template = spec["template"]
            template["metadata"].setdefault("labels", {})["app"] = variant.name
            container = template["spec"]["containers"][0]
            resources = container.setdefault("resources", {})
            resources["requests"] = {**resources.get("requests", {}), **variant.requests}
            resources["limits"] = {**resources.get("limits", {}), **variant.limits}
            env = {item["name"]: item for item in container.get("env", [])}
            env.update({key: {"name": key, "value": str(value)} for key, value in variant.env.items()})
            env["HELLO_APP_LABEL"] = {"name": "HELLO_APP_LABEL", "value": variant.name}
            container["env"] = list(env.values())
        elif doc["kind"] == "Service":
            doc["spec"]["selector"] = {"app": variant.name}
            ports = doc["spec"]["ports"]
            if variant.node_port is None:
                doc["spec"]["type"] = "ClusterIP"
                for port in ports:
                    port.pop("nodePort", None)
            else:
                doc["spec"]["type"] = "NodePort"
                ports[0]["nodePort"] = variant.node_port
        out.append(doc)
    return out


def with_image(documents: list[dict], image: str) -> list[dict]:
    """The app manifests with their container image replaced (a user-built or registry image)."""
    out = copy.deepcopy(documents)
    for doc in by_kind(out, "Deployment"):
        for container in doc["spec"]["template"]["spec"]["containers"]:
            container["image"] = image
    return out


def node_port_of(documents: list[dict]) -> Optional[int]:
    for service in by_kind(documents, "Service"):
        for port in service["spec"].get("ports", []):
            if "nodePort" in port:
                return int(port["nodePort"])
    return None


def kind_host_ports(path: Path = KIND_CONFIG) -> dict[int, int]:
    """containerPort -> hostPort of the kind config's extraPortMappings (NodePorts published on the host)."""
    config = yaml.safe_load(path.read_text())
    ports = {}
    for node in config.get("nodes", []):
        for mapping in node.get("extraPortMappings", []):
            ports[int(mapping["containerPort"])] = int(mapping["hostPort"])
    return ports


def kind_node_image(path: Path = KIND_CONFIG) -> str:
    config = yaml.safe_load(path.read_text())
    images = {node.get("image") for node in config.get("nodes", [])}
    if len(images) != 1:
        raise ValueError(f"{path}: expected one node image, got {sorted(map(str, images))}")
    return images.pop()


def namespace_document(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def relocate(documents: list[dict], old: str, new: str) -> list[dict]:
    """A copy of ``documents`` with namespace ``old`` replaced by ``new`` everywhere it is named: the Namespace
    object, metadata.namespace, (Cluster)RoleBinding subjects, APIService spec.service, and ``<svc>.<old>.svc``
    URLs in container args. Other namespaces (kube-system) are left alone."""
    out = copy.deepcopy(documents)
    for doc in out:
        meta = doc.setdefault("metadata", {})
        if doc.get("kind") == "Namespace" and meta.get("name") == old:
            meta["name"] = new
        if meta.get("namespace") == old:
            meta["namespace"] = new
        for subject in doc.get("subjects", []) or []:
            if subject.get("namespace") == old:
                subject["namespace"] = new
        service = (doc.get("spec") or {}).get("service") if doc.get("kind") == "APIService" else None
        if service and service.get("namespace") == old:
            service["namespace"] = new
        if doc.get("kind") in ("Deployment", "StatefulSet", "DaemonSet"):
            for container in doc["spec"]["template"]["spec"].get("containers", []):
                container["args"] = [arg.replace(f".{old}.svc", f".{new}.svc") for arg in container.get("args", [])]
    return out


def in_namespace(documents: list[dict], namespace: str) -> list[dict]:
    """Namespaced documents moved to ``namespace`` (the app and the HPAs; they name no other namespace)."""
    out = copy.deepcopy(documents)
    for doc in out:
        if doc.get("kind") not in CLUSTER_SCOPED:
            doc.setdefault("metadata", {})["namespace"] = namespace
    return out


def labelled(document: dict) -> dict:
    """A copy carrying the harness's managed-by label (how a later run tells its own objects from others')."""
    doc = copy.deepcopy(document)
    key, value = MANAGED_BY
    doc.setdefault("metadata", {}).setdefault("labels", {})[key] = value
    return doc


CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "APIService",
                            "CustomResourceDefinition", "PriorityClass", "StorageClass"})


def object_ref(document: dict) -> tuple[str, str, str]:
    """(kind.group, namespace or "", name): what kubectl get/delete take (``apiservice.apiregistration.k8s.io``)."""
    api_version = document.get("apiVersion", "v1")
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    kind = document["kind"].lower() + (f".{group}" if group else "")
    namespace = "" if document["kind"] in CLUSTER_SCOPED else document.get("metadata", {}).get("namespace", "default")
    return kind, namespace, document["metadata"]["name"]
