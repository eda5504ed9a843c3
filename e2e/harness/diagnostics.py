"""What a red run leaves behind: the cluster's state, collected before the cluster is deleted.

:func:`collect` runs on a failure, an error in the set-up, or an interrupt (e2e/conftest.py), before the kind cluster
is deleted: ``kind export logs``, events, ``describe`` of the HPAs, pods and APIServices, the logs of
metrics-server, Prometheus and prometheus-adapter, and ``kubectl hpa explain -A``. Every command is bounded and may
fail (the API server may be what broke): its exit code and error go into ``cluster/INDEX.md`` and collection goes on.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .cluster import Cluster
from .manifests import APP_NAMESPACE, MONITORING_NAMESPACE
from .plugin import explain

COMMAND_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Item:
    file: str
    what: str
    kubectl: Optional[tuple[str, ...]] = None  # kubectl arguments; None = a special step


def plan(namespaces: tuple[str, ...] = (APP_NAMESPACE,)) -> list[Item]:
    """The kubectl reads, in the order they are written (the cheap, most useful ones first)."""
    items = [
        Item("get-all.txt", "pods, deployments, HPAs, services, APIServices",
             ("get", "pods,deployments,hpa,services", "-A", "-o", "wide")),
        Item("apiservices.yaml", "APIServices with their conditions", ("get", "apiservices", "-o", "yaml")),
        Item("events.txt", "events, all namespaces", ("get", "events", "-A", "--sort-by=.lastTimestamp")),
        Item("nodes.txt", "nodes (allocatable, conditions)", ("describe", "nodes")),
        Item("logs-metrics-server.txt", "metrics-server logs",
             ("-n", "kube-system", "logs", "deployment/metrics-server", "--all-containers", "--tail=500")),
        Item("logs-prometheus.txt", "Prometheus logs",
             ("-n", MONITORING_NAMESPACE, "logs", "deployment/prometheus", "--all-containers", "--tail=500")),
        Item("logs-prometheus-adapter.txt", "prometheus-adapter logs",
             ("-n", MONITORING_NAMESPACE, "logs", "deployment/prometheus-adapter", "--all-containers", "--tail=500")),
    ]
    for namespace in namespaces:
        items += [Item(f"describe-hpa-{namespace}.txt", f"describe HPAs in {namespace}",
                       ("-n", namespace, "describe", "hpa")),
                  Item(f"describe-pods-{namespace}.txt", f"describe pods in {namespace}",
                       ("-n", namespace, "describe", "pods"))]
    items.append(Item("explain-all.txt", "kubectl hpa explain -A (every HPA)"))
    items.append(Item("kind-logs/", "kind export logs (node journal, kubelet, containerd, every container)"))
    return items


def collect(cluster: Cluster, folder: Path, reason: str, namespaces: tuple[str, ...] = (APP_NAMESPACE,),
            log: Callable[[str], None] = print, timeout: float = COMMAND_TIMEOUT_S) -> Path:
    """Write the cluster's state into ``folder/cluster``; never raises. Returns the folder."""
    out = folder / "cluster"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    started = time.monotonic()
    for item in plan(namespaces):
        began = time.monotonic()
        try:
            if item.kubectl is not None:
                result = cluster.kubectl(*item.kubectl, check=False, timeout=timeout)
                (out / item.file).write_text(result.stdout + (f"\n--- stderr ---\n{result.stderr}" if result.stderr
                                                               else ""))
                status = "ok" if result.returncode == 0 else f"exit {result.returncode}: {_last_line(result.stderr)}"
            elif item.file == "explain-all.txt":
                text = explain(cluster, None, None, timeout=timeout)
                (out / item.file).write_text(text + "\n")
                status = "ok" if "(kubectl hpa explain exit" not in text else _last_line(text)
            elif cluster.kind is not None:
                result = cluster.kind.export_logs(out / item.file)
                status = "ok" if result.returncode == 0 else f"exit {result.returncode}: {_last_line(result.stderr)}"
            else:
                status = "skipped: not a kind cluster"
        except subprocess.TimeoutExpired:
            status = f"timed out after {timeout:.0f}s"
        except Exception as error:  # noqa: BLE001 - collection goes on whatever broke
            status = f"{error.__class__.__name__}: {error}"
        rows.append(f"| `{item.file}` | {item.what} | {status} | {time.monotonic() - began:.1f}s |")
    index = [f"# Cluster state ({reason})", "",
             f"Collected {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())} from `{cluster.name}` "
             f"({cluster.flavour}) in {time.monotonic() - started:.0f}s, before the cluster was deleted.", "",
             "| file | what | result | took |", "|---|---|---|---|", *rows, ""]
    (out / "INDEX.md").write_text("\n".join(index))
    log(f"cluster state ({reason}) written to {out}")
    return out


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return (lines[-1] if lines else "no output").replace("|", "/")[:200]
