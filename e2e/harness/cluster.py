"""The cluster the suite runs against: a kind cluster the harness makes itself, or an existing one.

Both give the same small interface (kubectl with the right kubeconfig and context, image loading, where a
NodePort is reachable from this host, the connection flags for kubectl-hpa), so tests never branch on it.

kind is driven directly (not through pytest-kind's ``KindCluster``), because a first run on a CI runner needs what
``KindCluster`` does not do:

- kind and kubectl are downloaded with a timeout, retries and a SHA-256 check (:func:`download_tool`), at the
  versions of fixtures/e2e/versions.yaml, for this OS and architecture;
- a cluster of the same name is reused only when the harness finished creating it with the same pins (a marker
  written after the nodes are Ready); a cluster left by an interrupted ``kind create``, or made with other pins, is
  deleted and made again, and a ``kind create`` interrupted now deletes what it started (:meth:`KindTool.create`);
- the app image is built without provenance attestations and loaded with ``docker save`` + ``kind load
  image-archive``: ``kind load docker-image`` fails with ``ctr: content digest ... not found`` on Docker 29's
  containerd image store (kubernetes-sigs/kind#3795; the workaround documented by kind PR #4247).

pytest-kind stays installed for its command-line options (``--cluster-name``, ``--keep-cluster``, ``--kubeconfig``,
``--kind-image``, ``--kind-bin``, ``--kind-kubectl-bin``); e2e/conftest.py registers them itself only without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from .versions import REPO_ROOT, Versions

DOCKER_TIMEOUT_S = 20.0
DOWNLOAD_TIMEOUT_S = 60.0  # per attempt: a socket that stops answering fails the attempt, not the job
DOWNLOAD_ATTEMPTS = 3
KIND_CREATE_TIMEOUT_S = 600.0  # image pull + kubeadm; `kind create --wait` bounds the control plane itself
TOOLS_DIR = REPO_ROOT / ".pytest-kind"
Log = Callable[[str], None]


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
    if result.returncode != 0 or not result.stdout.strip():
        lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        return False, f"`{docker} info` failed: {lines[-1] if lines else f'exit {result.returncode}'}"
    return True, f"docker engine {result.stdout.strip()}"


# ----------------------------------------------------------------------------- downloads

def download_urls(versions: Versions, system: Optional[str] = None, machine: Optional[str] = None) -> dict[str, str]:
    """KIND_DOWNLOAD_URL and KUBECTL_DOWNLOAD_URL for this platform; a user's own mirror (the same environment
    variables) wins."""
    system = (system or platform.system()).lower()
    machine = (machine or platform.machine()).lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "amd64"
    suffix = ".exe" if system == "windows" else ""
    return {
        "KIND_DOWNLOAD_URL": f"https://github.com/kubernetes-sigs/kind/releases/download/{versions.kind}/"
                             f"kind-{system}-{arch}",
        "KUBECTL_DOWNLOAD_URL": f"https://dl.k8s.io/release/{versions.kubectl}/bin/{system}/{arch}/kubectl{suffix}",
    }


def checksum_url(url: str) -> str:
    """Where the published SHA-256 of a kind or kubectl binary lives (kind: ``.sha256sum``; dl.k8s.io: ``.sha256``)."""
    return url + (".sha256sum" if "kubernetes-sigs/kind" in url else ".sha256")


def parse_checksum(text: str) -> str:
    """The hex digest from ``<hex>`` or ``<hex>  <file name>`` (sha256sum format)."""
    words = text.split()
    if not words or len(words[0]) != 64 or any(c not in "0123456789abcdef" for c in words[0].lower()):
        raise ValueError(f"not a SHA-256 checksum: {text[:80]!r}")
    return words[0].lower()


class DownloadError(RuntimeError):
    pass


def _fetch(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - https URLs from versions.yaml
        return response.read()


def download_tool(url: str, dest: Path, *, sha256: Optional[str] = None, sha256_url: Optional[str] = None,
                  timeout: float = DOWNLOAD_TIMEOUT_S, attempts: int = DOWNLOAD_ATTEMPTS, backoff_s: float = 2.0,
                  log: Log = print, sleep: Callable[[float], None] = time.sleep) -> Path:
    """Download ``url`` to ``dest`` (executable), checked against ``sha256`` or the digest at ``sha256_url``.

    Each attempt is bounded by ``timeout`` (per socket operation); a failed or mismatching attempt is retried
    ``attempts`` times with a growing pause, then :class:`DownloadError` names every failure. An existing ``dest``
    is kept only if it matches the expected digest."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for attempt in range(1, attempts + 1):
        try:
            expected = sha256 or (parse_checksum(_fetch(sha256_url, timeout).decode()) if sha256_url else None)
            if dest.exists() and expected and hashlib.sha256(dest.read_bytes()).hexdigest() == expected:
                return dest
            body = _fetch(url, timeout)
            digest = hashlib.sha256(body).hexdigest()
            if expected and digest != expected:
                raise DownloadError(f"SHA-256 {digest} does not match the published {expected}")
            tmp = dest.with_suffix(".download")
            tmp.write_bytes(body)
            tmp.chmod(0o755)
            tmp.replace(dest)
            log(f"downloaded {url} ({len(body)} bytes, sha256 {digest[:12]}…{' checked' if expected else ''})")
            return dest
        except (OSError, urllib.error.URLError, ValueError, DownloadError) as error:
            errors.append(f"attempt {attempt}: {error.__class__.__name__}: {error}")
            log(f"download of {url} failed ({errors[-1]})")
            if attempt < attempts:
                sleep(backoff_s * attempt)
    raise DownloadError(f"could not download {url} in {attempts} attempts: " + "; ".join(errors))


def ensure_tools(versions: Versions, directory: Path = TOOLS_DIR, kind_bin: Optional[str] = None,
                 kubectl_bin: Optional[str] = None, log: Log = print) -> tuple[Path, Path]:
    """(kind, kubectl): the given binaries, else downloaded once into ``directory`` at the pinned versions."""
    urls = {key: os.environ.get(key, value) for key, value in download_urls(versions).items()}
    kind = Path(kind_bin) if kind_bin else download_tool(
        urls["KIND_DOWNLOAD_URL"], directory / f"kind-{versions.kind}",
        sha256_url=checksum_url(urls["KIND_DOWNLOAD_URL"]), log=log)
    kubectl = Path(kubectl_bin) if kubectl_bin else download_tool(
        urls["KUBECTL_DOWNLOAD_URL"], directory / f"kubectl-{versions.kubectl}",
        sha256_url=checksum_url(urls["KUBECTL_DOWNLOAD_URL"]), log=log)
    return kind.resolve(), kubectl.resolve()


# ----------------------------------------------------------------------------- images

def build_commands(docker: str, image: str, context: Path) -> list[list[str]]:
    """The build to try first (no provenance/SBOM attestations: a single-platform image that ``docker save`` and
    ``ctr import`` agree on), then the plain build for a legacy builder that does not know the flags."""
    return [[docker, "build", "--provenance=false", "--sbom=false", "-t", image, str(context)],
            [docker, "build", "-t", image, str(context)]]


def build_image(image: str, context: Path, docker: str = "docker", timeout: float = 900.0, log: Log = print) -> None:
    first, fallback = build_commands(docker, image, context)
    result = subprocess.run(first, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
    if result.returncode != 0 and "unknown flag" in result.stderr:
        log("docker build has no --provenance (legacy builder): building without it")
        result = subprocess.run(fallback, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"docker build of {image} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    log(f"built {image}")


def image_archive_commands(kind: str, cluster_name: str, image: str, archive: Path,
                           docker: str = "docker") -> list[list[str]]:
    """``docker save`` + ``kind load image-archive``: works with Docker 29's containerd image store, where
    ``kind load docker-image`` fails (kind#3795, PR #4247)."""
    return [[docker, "image", "save", "-o", str(archive), image],
            [kind, "load", "image-archive", "--name", cluster_name, str(archive)]]


def image_load_commands(context: Optional[str], image: str, archive: Path) -> Optional[list[list[str]]]:
    """How to get a local docker image into an existing cluster, guessed from its context name; None = no way known
    (Docker Desktop shares the docker image store, so nothing is needed there)."""
    if not context:
        return None
    if context.startswith("kind-"):
        return image_archive_commands("kind", context[len("kind-"):], image, archive)
    if context.startswith("k3d-"):
        return [["k3d", "image", "import", "-c", context[len("k3d-"):], image]]
    if context == "minikube" or context.startswith("minikube"):
        return [["minikube", "image", "load", "-p", context, image]]
    return None


def run_commands(commands: Sequence[Sequence[str]], timeout: float = 600.0) -> None:
    for command in commands:
        result = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed (exit {result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()[-2000:]}")


# ----------------------------------------------------------------------------- kind

def cluster_pins(versions: Versions, config_file: Path) -> dict:
    """What a reusable cluster must have been made with: the kind version, node image and kind config."""
    return {"kind": versions.kind, "nodeImage": versions.node_image,
            "config": hashlib.sha256(config_file.read_bytes()).hexdigest()}


def reuse_decision(exists: bool, marker: Optional[dict], pins: dict) -> str:
    """"create" (no cluster), "reuse" (the harness finished it with the same pins) or "recreate" (anything else:
    left by an interrupted create, made by hand, or made with other pins)."""
    if not exists:
        return "create"
    return "reuse" if marker == pins else "recreate"


@dataclass
class KindTool:
    """The kind binary for one named cluster; its bookkeeping lives in ``state_dir`` (kubeconfig, pins marker)."""

    kind: str
    name: str
    state_dir: Path
    log: Log = print

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"

    @property
    def marker(self) -> Path:
        return self.state_dir / "created-by-harness.json"

    def _run(self, *args: str, timeout: float = 300.0, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([self.kind, *args], capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"kind {' '.join(args)} failed (exit {result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()[-2000:]}")
        return result

    def exists(self) -> bool:
        return self.name in self._run("get", "clusters", timeout=60).stdout.split()

    def read_marker(self) -> Optional[dict]:
        try:
            return json.loads(self.marker.read_text())
        except (OSError, ValueError):
            return None

    def create(self, node_image: str, config_file: Path, pins: dict, wait_s: int = 180) -> str:
        """Create the cluster (or reuse one this harness finished with the same pins); returns what it did.

        Anything that interrupts the create (Ctrl-C, a timeout, an error) deletes the half-made cluster before
        it propagates, so the next run never reuses it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        decision = reuse_decision(self.exists(), self.read_marker(), pins)
        if decision == "reuse" and self.kubeconfig.exists():
            self._run("export", "kubeconfig", "--name", self.name, "--kubeconfig", str(self.kubeconfig), timeout=60)
            return f"reused kind cluster {self.name} (made by this harness with the same pins)"
        if decision != "create":
            self.log(f"kind cluster {self.name} exists but was not finished by this harness with these pins "
                     f"(marker {self.read_marker()}); deleting it and creating it again")
            self.delete()
        self.marker.unlink(missing_ok=True)
        try:
            self._run("create", "cluster", "--name", self.name, "--image", node_image, "--config", str(config_file),
                      "--kubeconfig", str(self.kubeconfig), "--wait", f"{wait_s}s", timeout=KIND_CREATE_TIMEOUT_S)
        except BaseException:
            self.log(f"kind create cluster {self.name} did not finish: deleting what it made")
            self.delete()
            raise
        return f"created kind cluster {self.name}"

    def mark_finished(self, pins: dict) -> None:
        self.marker.write_text(json.dumps(pins, indent=2) + "\n")

    def delete(self) -> None:
        self.marker.unlink(missing_ok=True)
        self._run("delete", "cluster", "--name", self.name, "--kubeconfig", str(self.kubeconfig), timeout=300,
                  check=False)

    def load_image(self, image: str, archive_dir: Path) -> str:
        archive_dir.mkdir(parents=True, exist_ok=True)
        archive = archive_dir / (image.replace("/", "_").replace(":", "_") + ".tar")
        try:
            run_commands(image_archive_commands(self.kind, self.name, image, archive))
        finally:
            archive.unlink(missing_ok=True)
        return f"docker image save {image} + kind load image-archive --name {self.name}"

    def export_logs(self, folder: Path) -> subprocess.CompletedProcess:
        return self._run("export", "logs", str(folder), "--name", self.name, timeout=300, check=False)


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
    kind: Optional[KindTool] = None  # the kind path only

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

    def load_image(self, image: str, archive_dir: Path) -> str:
        """Make a locally built image available to the nodes; returns what it did, for the log."""
        if self.kind is not None:
            return self.kind.load_image(image, archive_dir)
        archive_dir.mkdir(parents=True, exist_ok=True)
        archive = archive_dir / "app-image.tar"
        commands = image_load_commands(self.context, image, archive)
        if commands is None:
            return (f"existing cluster (context {self.context or 'current'}): not loading {image}; make sure its "
                    f"nodes can pull it (or pass --app-image REGISTRY/IMAGE:TAG)")
        missing = [c[0] for c in commands if shutil.which(c[0]) is None]
        if missing:
            return f"existing cluster: `{missing[0]}` not on PATH, so {image} was not loaded"
        try:
            run_commands(commands)
        finally:
            archive.unlink(missing_ok=True)
        return " && ".join(" ".join(c) for c in commands)

    def delete(self) -> None:
        if self.kind is not None:
            self.kind.delete()


def kind_cluster(name: str, versions: Versions, config_file: Path, host_ports: dict[int, int],
                 kind_bin: Optional[str] = None, kubectl_bin: Optional[str] = None, node_image: Optional[str] = None,
                 log: Log = print) -> tuple[Cluster, str]:
    """Create (or reuse, see :meth:`KindTool.create`) the kind cluster ``name`` from the pinned config."""
    kind_path, kubectl_path = ensure_tools(versions, kind_bin=kind_bin, kubectl_bin=kubectl_bin, log=log)
    tool = KindTool(str(kind_path), name, TOOLS_DIR / name, log=log)
    pins = cluster_pins(versions, config_file)
    if node_image:
        pins["nodeImage"] = node_image
    what = tool.create(node_image or versions.node_image, config_file, pins)
    cluster = Cluster(name=name, kubeconfig=tool.kubeconfig.resolve(), context=f"kind-{name}",
                      kubectl_bin=str(kubectl_path), flavour="kind", node_address="127.0.0.1",
                      host_ports=dict(host_ports), kind=tool)
    return cluster, what


def default_kubeconfig(environ: Optional[dict] = None) -> Path:
    """The first file of $KUBECONFIG, else ~/.kube/config (kubectl's own order, minus merging)."""
    environ = os.environ if environ is None else environ
    first = (environ.get("KUBECONFIG") or "").split(os.pathsep)[0]
    return Path(first).expanduser() if first else Path("~/.kube/config").expanduser()


def existing_cluster(kubeconfig: Optional[str], context: Optional[str], node_address: Optional[str] = None,
                     kubectl_bin: Optional[str] = None) -> Cluster:
    """An already running cluster (minikube, Docker Desktop, k3d, a kind cluster you made): no kind involved."""
    path = Path(kubeconfig).expanduser() if kubeconfig else default_kubeconfig()
    if not path.is_file() or path.stat().st_size == 0:
        raise FileNotFoundError(f"kubeconfig {path} does not exist or is empty (pass --kubeconfig; under tox, "
                                f"$KUBECONFIG is whatever the calling shell had)")
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
