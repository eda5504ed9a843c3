"""Install the metrics stack and the apps from the vendored manifests, and gate on real readiness.

Gates (each a poll with a deadline, never a sleep):
- metrics-server: Deployment rolled out, APIService ``v1beta1.metrics.k8s.io`` Available, and pod metrics served
  (``/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods`` lists pods);
- Prometheus and prometheus-adapter rolled out, APIService ``v1beta1.custom.metrics.k8s.io`` Available;
- the custom metric discovered: ``/apis/custom.metrics.k8s.io/v1beta1`` lists ``pods/hello_counter_per_second``
  (after the adapter's first relist, up to ``--metrics-relist-interval=1m``) and the app's pods have values.
The ``*_ready``/``*_listed`` functions are pure (they read API documents) and are unit-tested offline.

Bookkeeping (:class:`Inventory`): before applying, the harness asks which of the objects already exist. Absent ones
are created and recorded; ones carrying its managed-by label (an earlier run) are reused; anyone else's make it stop
with their names (it never changes or deletes them: a metrics-server that exists but is not Available stays as it
was). Teardown on an existing cluster deletes exactly the recorded ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .cluster import Cluster
from .manifests import (
    ADAPTER_MANIFEST,
    APP_MANIFEST,
    APP_NAMESPACE,
    MANAGED_BY,
    METRICS_SERVER_MANIFEST,
    MONITORING_NAMESPACE,
    PROMETHEUS_MANIFEST,
    dump_documents,
    in_namespace,
    labelled,
    namespace_document,
    object_ref,
    read_documents,
    relocate,
    with_image,
)
from .wait import Poll, Waiter

CUSTOM_METRIC = "hello_counter_per_second"
Log = Callable[[str], None]


# ----------------------------------------------------------------------------- pure gates

def apiservice_available(apiservice: dict) -> tuple[bool, str]:
    """(Available, "reason: message") from an APIService object."""
    for condition in apiservice.get("status", {}).get("conditions", []):
        if condition.get("type") == "Available":
            ok = condition.get("status") == "True"
            return ok, f"{condition.get('reason', '')}: {condition.get('message', '')}".strip(": ")
    return False, "no Available condition yet"


def pod_metrics_served(pod_metrics_list: dict) -> bool:
    """A metrics.k8s.io PodMetricsList with at least one pod that has container usage."""
    return any(item.get("containers") for item in pod_metrics_list.get("items", []))


def resource_listed(api_resource_list: dict, name: str) -> bool:
    """Whether an APIResourceList (discovery) names ``name``, e.g. ``pods/hello_counter_per_second``."""
    return any(resource.get("name") == name for resource in api_resource_list.get("resources", []))


def metric_values(metric_value_list: dict) -> dict[str, str]:
    """pod name -> value from a custom.metrics.k8s.io MetricValueList."""
    return {item.get("describedObject", {}).get("name", "?"): str(item.get("value"))
            for item in metric_value_list.get("items", [])}


def hpa_condition(hpa: dict, kind: str) -> tuple[Optional[str], str]:
    """(status, reason) of one HPA condition, e.g. ScalingActive -> ("True", "ValidMetricFound")."""
    for condition in hpa.get("status", {}).get("conditions", []) or []:
        if condition.get("type") == kind:
            return condition.get("status"), condition.get("reason", "")
    return None, "no such condition yet"


def hpa_has_metrics(hpa: dict) -> bool:
    """ScalingActive=True and a current value for every metric: the HPA can decide."""
    status, _ = hpa_condition(hpa, "ScalingActive")
    current = hpa.get("status", {}).get("currentMetrics") or []
    return status == "True" and len(current) >= len(hpa.get("spec", {}).get("metrics", []))


# ----------------------------------------------------------------------------- bookkeeping

Ref = tuple  # (kind.group, namespace, name), see manifests.object_ref


class ForeignObjectsError(RuntimeError):
    """Objects the harness would overwrite already exist and are not its own: it refuses to touch them."""


def classify(document: dict, live: Optional[dict]) -> str:
    """"create" (absent), "ours" (present with the harness's managed-by label) or "foreign" (anyone else's)."""
    if live is None:
        return "create"
    key, value = MANAGED_BY
    return "ours" if (live.get("metadata", {}).get("labels") or {}).get(key) == value else "foreign"


@dataclass
class Inventory:
    """What the harness created (and may delete) versus what was there before (never deleted).

    Written to ``installed.json`` after every apply, so a run that died can be cleaned up by hand."""

    created: list = field(default_factory=list)
    found_ours: list = field(default_factory=list)
    foreign: list = field(default_factory=list)
    path: Optional[Path] = None

    def record(self, documents: list[dict], live: dict) -> list[Ref]:
        """Classify ``documents`` against ``live`` (ref -> object, for those that exist); returns foreign refs."""
        foreign = []
        for document in documents:
            ref = object_ref(document)
            verdict = classify(document, live.get(ref))
            if verdict == "create" and ref not in self.created:
                self.created.append(ref)
            elif verdict == "ours" and ref not in self.created and ref not in self.found_ours:
                self.found_ours.append(ref)
            elif verdict == "foreign":
                foreign.append(ref)
        self.foreign += [ref for ref in foreign if ref not in self.foreign]
        self.save()
        return foreign

    def forget(self, refs: list[Ref]) -> None:
        self.created = [ref for ref in self.created if ref not in refs]
        self.save()

    def teardown_order(self) -> list[Ref]:
        """Created objects, newest first, namespaces last (deleting one deletes what is in it)."""
        newest_first = list(reversed(self.created))
        return ([ref for ref in newest_first if ref[0] != "namespace"] +
                [ref for ref in newest_first if ref[0] == "namespace"])

    def document(self) -> dict:
        def rows(refs):
            return [{"kind": k, "namespace": ns or None, "name": n} for k, ns, n in refs]
        return {"created": rows(self.created), "foundFromAnEarlierRun": rows(self.found_ours),
                "foreignLeftAlone": rows(self.foreign)}

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps(self.document(), indent=2) + "\n")


def live_objects(list_document: dict) -> dict:
    """ref -> object from ``kubectl get -f - -o json --ignore-not-found`` (a List, or one object, or nothing)."""
    items = list_document.get("items", [list_document] if list_document.get("kind") else [])
    return {object_ref(item): item for item in items if item.get("kind")}


# ----------------------------------------------------------------------------- installation

@dataclass
class Stack:
    cluster: Cluster
    log: Log = print
    timeout_s: float = 300.0
    inventory: Inventory = field(default_factory=Inventory)
    wait_sleep: Optional[Callable[[float], None]] = None  # interruptible sleep for the waits (the Ctrl-C path)

    def _wait(self, *args, **kwargs):
        waiter = Waiter(sleep=self.wait_sleep) if self.wait_sleep else Waiter()
        return waiter.until(*args, **kwargs)

    def apply(self, documents: list[dict], what: str) -> None:
        """Apply ``documents`` (labelled as the harness's); refuse if any of them exists and is someone else's."""
        documents = [labelled(doc) for doc in documents]
        text = dump_documents(documents)
        found = self.cluster.kubectl("get", "-f", "-", "-o", "json", "--ignore-not-found", input=text, timeout=60)
        live = live_objects(json.loads(found.stdout)) if found.stdout.strip() else {}
        foreign = self.inventory.record(documents, live)
        if foreign:
            names = ", ".join(f"{k}/{n}" + (f" -n {ns}" if ns else "") for k, ns, n in foreign)
            self.inventory.forget([object_ref(doc) for doc in documents if object_ref(doc) not in live])
            raise ForeignObjectsError(
                f"{what}: these objects already exist and were not made by this harness, so it will neither change "
                f"nor delete them: {names}. Use a kind cluster, or a cluster without them.")
        self.log(f"applying {what}")
        self.cluster.kubectl("apply", "-f", "-", input=text, timeout=120)

    def teardown(self) -> list[str]:
        """Delete what this harness created (never what was there before); returns one line per object."""
        lines = []
        for kind, namespace, name in self.inventory.teardown_order():
            args = ["delete", f"{kind}/{name}", "--ignore-not-found", "--wait=false"]
            if namespace:
                args += ["-n", namespace]
            result = self.cluster.kubectl(*args, check=False, timeout=60)
            lines.append(f"{' '.join(args)}: exit {result.returncode} {(result.stderr or result.stdout).strip()}")
        return lines

    def rollout(self, namespace: str, deployment: str, timeout_s: Optional[float] = None) -> None:
        timeout_s = timeout_s or self.timeout_s
        self.cluster.kubectl("-n", namespace, "rollout", "status", f"deployment/{deployment}",
                             f"--timeout={int(timeout_s)}s", timeout=timeout_s + 30)
        self.log(f"deployment {namespace}/{deployment} rolled out")

    def wait_apiservice(self, name: str, timeout_s: Optional[float] = None) -> None:
        self._wait(lambda: apiservice_available(self.cluster.kubectl_json("get", "apiservice", name)),
                   lambda state: state[0], timeout=timeout_s or self.timeout_s, interval=3,
                   what=f"APIService {name} Available", describe=lambda state: state[1])
        self.log(f"APIService {name} Available")

    def install_metrics_server(self) -> None:
        self.apply(read_documents(METRICS_SERVER_MANIFEST), "metrics-server (fixtures/e2e/metrics-server.yaml)")
        self.rollout("kube-system", "metrics-server")
        self.wait_apiservice("v1beta1.metrics.k8s.io")
        self._wait(lambda: self.cluster.raw("/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods"),
                   pod_metrics_served, timeout=self.timeout_s, interval=5, what="pod metrics from metrics-server",
                   describe=lambda doc: f"{len(doc.get('items', []))} pods")
        self.log("metrics-server serves pod metrics")

    def install_prometheus_and_adapter(self) -> None:
        self.apply(monitoring_documents(PROMETHEUS_MANIFEST),
                   f"Prometheus (fixtures/manifests/prometheus.yaml, in {MONITORING_NAMESPACE})")
        self.rollout(MONITORING_NAMESPACE, "prometheus")
        self.apply(monitoring_documents(ADAPTER_MANIFEST),
                   f"prometheus-adapter (fixtures/manifests/prometheus-adapter.yaml, in {MONITORING_NAMESPACE})")
        self.rollout(MONITORING_NAMESPACE, "prometheus-adapter")
        self.wait_apiservice("v1beta1.custom.metrics.k8s.io")

    def install_app(self, documents: list[dict], namespace: str, name: str, what: str) -> None:
        self.apply([namespace_document(namespace), *in_namespace(documents, namespace)], what)
        self.rollout(namespace, name)

    def wait_custom_metric(self, namespace: str = APP_NAMESPACE, metric: str = CUSTOM_METRIC,
                           timeout_s: float = 240.0, on_poll: Optional[Callable[[Poll], None]] = None) -> dict:
        """Discovery lists pods/<metric> and the app's pods have values (adapter relist is 1 m)."""
        self._wait(lambda: self.cluster.raw("/apis/custom.metrics.k8s.io/v1beta1"),
                   lambda doc: resource_listed(doc, f"pods/{metric}"), timeout=timeout_s, interval=5,
                   what=f"custom.metrics.k8s.io to list pods/{metric}",
                   describe=lambda doc: ", ".join(r.get("name", "?") for r in doc.get("resources", [])) or "none",
                   on_poll=on_poll)
        self.log(f"custom.metrics.k8s.io lists pods/{metric}")
        found = self._wait(
            lambda: metric_values(self.cluster.raw(f"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{namespace}/"
                                                   f"pods/*/{metric}")),
            bool, timeout=timeout_s, interval=5, what=f"values of {metric} for the pods in {namespace}")
        self.log(f"{metric} values: {found.value}")
        return found.value


def monitoring_documents(path: Path) -> list[dict]:
    """A vendored monitoring manifest moved from ``monitoring`` into the harness's own namespace."""
    return relocate(read_documents(path), "monitoring", MONITORING_NAMESPACE)


def app_documents(image: Optional[str] = None) -> list[dict]:
    documents = read_documents(APP_MANIFEST)
    return with_image(documents, image) if image else documents
