"""The cluster the suite runs against: a kind cluster made through pytest-kind, or an existing one.

Both give the same small interface (kubectl with the right kubeconfig and context, image loading, where a
NodePort is reachable from this host, the connection flags for kubectl-hpa), so tests never branch on it.

pytest-kind 22.11.1 reads ``KIND_VERSION``/``KUBECTL_VERSION`` from the environment when it is *imported* (pytest
imports it at start-up as a plugin, before any conftest runs) and defaults to kind 0.17 / Kubernetes 1.25, too old
for metrics-server 0.9. :func:`pin_pytest_kind` therefore sets the module attributes themselves, from
fixtures/e2e/versions.yaml, and picks the download URLs for this OS/architecture (pytest-kind hard-codes amd64).
Its ``kind_cluster`` fixture also calls kind even when given ``--kubeconfig``; the existing-cluster path here
never touches kind.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .versions import REPO_ROOT, Versions

DOCKER_TIMEOUT_S = 20.0


def container_engine_status(docker: str = "docker", timeout: float = DOCKER_TIMEOUT_S) -> tuple[bool, str]:
    """(True, version) when ``docker info`` reaches a daemon; else (False, a one-line reason)."""
    path = shutil.which(docker)
    if path is None:
        return False, f"`{docker}` is not on PATH"
    try:
        result = subprocess.run([path, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"`{docker} info` did not answer within {timeout:.0f}s"
    if result.returncode != 0:
        lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        return False, f"`{docker} info` failed: {lines[-1] if lines else f'exit {result.returncode}'}"
    return True, f"docker engine {result.stdout.strip()}"


def download_urls(versions: Versions, system: Optional[str] = None, machine: Optional[str] = None) -> dict[str, str]:
    """KIND_DOWNLOAD_URL and KUBECTL_DOWNLOAD_URL for this platform (pytest-kind assumes amd64)."""
    system = (system or platform.system()).lower()
    machine = (machine or platform.machine()).lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "amd64"
    suffix = ".exe" if system == "windows" else ""
    return {
        "KIND_DOWNLOAD_URL": f"https://github.com/kubernetes-sigs/kind/releases/download/{versions.kind}/"
                             f"kind-{system}-{arch}",
        "KUBECTL_DOWNLOAD_URL": f"https://dl.k8s.io/release/{versions.kubectl}/bin/{system}/{arch}/kubectl{suffix}",
    }


def pin_pytest_kind(versions: Versions) -> dict[str, str]:
    """Point pytest-kind at the pinned kind and kubectl; returns what it set (for the log)."""
    import pytest_kind.cluster as kind_module

    kind_module.KIND_VERSION = versions.kind
    kind_module.KUBECTL_VERSION = versions.kubectl
    urls = download_urls(versions)
    for key, value in urls.items():
        os.environ.setdefault(key, value)  # a user's own mirror wins
    return {"KIND_VERSION": versions.kind, "KUBECTL_VERSION": versions.kubectl,
            **{key: os.environ[key] for key in urls}}


def image_load_command(context: Optional[str], image: str) -> Optional[list[str]]:
    """How to get a local docker image into an existing cluster, guessed from its context name; None = no way known
    (Docker Desktop shares the docker image store, so nothing is needed there)."""
    if not context:
        return None
    if context.startswith("kind-"):
        return ["kind", "load", "docker-image", "--name", context[len("kind-"):], image]
    if context.startswith("k3d-"):
        return ["k3d", "image", "import", "-c", context[len("k3d-"):], image]
    if context == "minikube" or context.startswith("minikube"):
        return ["minikube", "image", "load", "-p", context, image]
    return None


@dataclass
class Cluster:
    """kubectl access to one cluster, plus what the harness needs to know about it."""

    name: str
    kubeconfig: Path
    context: Optional[str]
    kubectl_bin: str
    flavour: str  # "kind" | "existing"
    node_address: str = "127.0.0.1"  # where NodePorts answer from this host
    host_ports: dict = field(default_factory=dict)  # nodePort -> host port (kind extraPortMappings)
    _kind: object = None  # pytest_kind.KindCluster on the kind path

    def connection_args(self) -> list[str]:
        args = ["--kubeconfig", str(self.kubeconfig)]
        if self.context:
            args += ["--context", self.context]
        return args

    def kubectl_command(self, *args: str) -> list[str]:
        return [self.kubectl_bin, *self.connection_args(), *args]

    def kubectl(self, *args: str, input: Optional[str] = None, timeout: float = 120.0,
                check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(self.kubectl_command(*args), input=input, capture_output=True, text=True,
                                timeout=timeout, env=self.env())
        if check and result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed (exit {result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()}")
        return result

    def kubectl_json(self, *args: str, timeout: float = 60.0) -> dict:
        return json.loads(self.kubectl(*args, "-o", "json", timeout=timeout).stdout)

    def raw(self, path: str, timeout: float = 30.0) -> dict:
        return json.loads(self.kubectl("get", "--raw", path, timeout=timeout).stdout)

    def env(self) -> dict[str, str]:
        """For subprocesses (kubectl-hpa, kubectl): KUBECONFIG set explicitly, never inherited by accident."""
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    def url_for_node_port(self, node_port: int) -> str:
        return f"http://{self.node_address}:{self.host_ports.get(node_port, node_port)}"

    def load_image(self, image: str) -> str:
        """Make a locally built image available to the nodes; returns what it did, for the log."""
        if self._kind is not None:
            self._kind.load_docker_image(image)
            return f"kind load docker-image {image}"
        command = image_load_command(self.context, image)
        if command is None:
            return (f"existing cluster (context {self.context or 'current'}): not loading {image}; make sure its "
                    f"nodes can pull it (or pass --app-image REGISTRY/IMAGE:TAG)")
        if shutil.which(command[0]) is None:
            return f"existing cluster: `{command[0]}` not on PATH, so {image} was not loaded ({' '.join(command)})"
        subprocess.run(command, check=True, timeout=600)
        return " ".join(command)

    def delete(self) -> None:
        if self._kind is not None:
            self._kind.delete()


def kind_cluster(name: str, versions: Versions, config_file: Path, host_ports: dict[int, int],
                 kind_bin: Optional[str] = None, kubectl_bin: Optional[str] = None) -> Cluster:
    """Create (or reuse, as pytest-kind does) the kind cluster ``name`` from the pinned config."""
    pin_pytest_kind(versions)
    from pytest_kind import KindCluster

    kind = KindCluster(name, image=versions.node_image, kind_path=Path(kind_bin) if kind_bin else None,
                       kubectl_path=Path(kubectl_bin) if kubectl_bin else None)
    kind.create(config_file=config_file)
    kind.ensure_kubectl()
    return Cluster(name=name, kubeconfig=Path(kind.kubeconfig_path).resolve(), context=f"kind-{name}",
                   kubectl_bin=str(Path(kind.kubectl_path).resolve()), flavour="kind", node_address="127.0.0.1",
                   host_ports=dict(host_ports), _kind=kind)


def default_kubeconfig(environ: Optional[dict] = None) -> Path:
    """The first file of $KUBECONFIG, else ~/.kube/config (kubectl's own order, minus merging)."""
    environ = os.environ if environ is None else environ
    first = (environ.get("KUBECONFIG") or "").split(os.pathsep)[0]
    return Path(first).expanduser() if first else Path("~/.kube/config").expanduser()


def existing_cluster(kubeconfig: Optional[str], context: Optional[str], node_address: Optional[str] = None,
                     kubectl_bin: Optional[str] = None) -> Cluster:
    """An already running cluster (minikube, Docker Desktop, k3d, a kind cluster you made): no kind involved."""
    path = Path(kubeconfig).expanduser() if kubeconfig else default_kubeconfig()
    if not path.is_file():
        raise FileNotFoundError(f"kubeconfig {path} does not exist")
    binary = kubectl_bin or shutil.which("kubectl")
    if binary is None:
        raise FileNotFoundError("kubectl is not on PATH (needed for an existing cluster)")
    cluster = Cluster(name=context or "current-context", kubeconfig=path.resolve(), context=context,
                      kubectl_bin=binary, flavour="existing")
    cluster.node_address = node_address or guess_node_address(cluster)
    return cluster


def guess_node_address(cluster: Cluster) -> str:
    """Where NodePorts answer: localhost for Docker Desktop, else the first node's InternalIP."""
    if cluster.context == "docker-desktop":
        return "127.0.0.1"
    nodes = cluster.kubectl_json("get", "nodes").get("items", [])
    return first_internal_ip(nodes) or "127.0.0.1"


def first_internal_ip(nodes: Sequence[dict]) -> Optional[str]:
    for node in nodes:
        for address in node.get("status", {}).get("addresses", []):
            if address.get("type") == "InternalIP":
                return address.get("address")
    return None


def build_image(image: str, context: Path, docker: str = "docker", timeout: float = 900.0) -> None:
    subprocess.run([docker, "build", "-t", image, str(context)], check=True, timeout=timeout, cwd=REPO_ROOT)
