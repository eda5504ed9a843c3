"""Install the metrics stack and the apps from the vendored manifests, and gate on real readiness.

Gates (each a poll with a deadline, never a sleep):
- metrics-server: Deployment rolled out, APIService ``v1beta1.metrics.k8s.io`` Available, and pod metrics served
  (``/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods`` lists pods);
- Prometheus and prometheus-adapter rolled out, APIService ``v1beta1.custom.metrics.k8s.io`` Available;
- the custom metric discovered: ``/apis/custom.metrics.k8s.io/v1beta1`` lists ``pods/hello_counter_per_second``
  (after the adapter's first relist, up to ``--metrics-relist-interval=1m``) and the app's pods have values.
The ``*_ready``/``*_listed`` functions are pure (they read API documents) and are unit-tested offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .cluster import Cluster
from .manifests import (
    ADAPTER_MANIFEST,
    APP_MANIFEST,
    METRICS_SERVER_MANIFEST,
    PROMETHEUS_MANIFEST,
    dump_documents,
    read_documents,
)
from .wait import Poll, wait_until

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


# ----------------------------------------------------------------------------- installation

@dataclass
class Stack:
    cluster: Cluster
    log: Log = print
    timeout_s: float = 300.0

    def apply(self, documents: list[dict], what: str) -> None:
        self.log(f"applying {what}")
        self.cluster.kubectl("apply", "-f", "-", input=dump_documents(documents), timeout=120)

    def rollout(self, namespace: str, deployment: str, timeout_s: Optional[float] = None) -> None:
        timeout_s = timeout_s or self.timeout_s
        self.cluster.kubectl("-n", namespace, "rollout", "status", f"deployment/{deployment}",
                             f"--timeout={int(timeout_s)}s", timeout=timeout_s + 30)
        self.log(f"deployment {namespace}/{deployment} rolled out")

    def wait_apiservice(self, name: str, timeout_s: Optional[float] = None) -> None:
        wait_until(lambda: apiservice_available(self.cluster.kubectl_json("get", "apiservice", name)),
                   lambda state: state[0], timeout=timeout_s or self.timeout_s, interval=3,
                   what=f"APIService {name} Available", describe=lambda state: state[1])
        self.log(f"APIService {name} Available")

    def install_metrics_server(self) -> None:
        self.apply(read_documents(METRICS_SERVER_MANIFEST), "metrics-server (fixtures/e2e/metrics-server.yaml)")
        self.rollout("kube-system", "metrics-server")
        self.wait_apiservice("v1beta1.metrics.k8s.io")
        wait_until(lambda: self.cluster.raw("/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods"),
                   pod_metrics_served, timeout=self.timeout_s, interval=5, what="pod metrics from metrics-server",
                   describe=lambda doc: f"{len(doc.get('items', []))} pods")
        self.log("metrics-server serves pod metrics")

    def install_prometheus_and_adapter(self) -> None:
        self.apply(read_documents(PROMETHEUS_MANIFEST), "Prometheus (fixtures/manifests/prometheus.yaml)")
        self.rollout("monitoring", "prometheus")
        self.apply(read_documents(ADAPTER_MANIFEST), "prometheus-adapter (fixtures/manifests/prometheus-adapter.yaml)")
        self.rollout("monitoring", "prometheus-adapter")
        self.wait_apiservice("v1beta1.custom.metrics.k8s.io")

    def install_app(self, documents: list[dict], namespace: str, name: str, what: str) -> None:
        self.apply(documents, what)
        self.rollout(namespace, name)

    def wait_custom_metric(self, namespace: str = "default", metric: str = CUSTOM_METRIC,
                           timeout_s: float = 240.0, on_poll: Optional[Callable[[Poll], None]] = None) -> dict:
        """Discovery lists pods/<metric> and the app's pods have values (adapter relist is 1 m)."""
        wait_until(lambda: self.cluster.raw("/apis/custom.metrics.k8s.io/v1beta1"),
                   lambda doc: resource_listed(doc, f"pods/{metric}"), timeout=timeout_s, interval=5,
                   what=f"custom.metrics.k8s.io to list pods/{metric}",
                   describe=lambda doc: ", ".join(r.get("name", "?") for r in doc.get("resources", [])) or "none",
                   on_poll=on_poll)
        self.log(f"custom.metrics.k8s.io lists pods/{metric}")
        found = wait_until(
            lambda: metric_values(self.cluster.raw(f"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{namespace}/"
                                                   f"pods/*/{metric}")),
            bool, timeout=timeout_s, interval=5, what=f"values of {metric} for the pods in {namespace}")
        self.log(f"{metric} values: {found.value}")
        return found.value


def app_documents(image: Optional[str] = None) -> list[dict]:
    from .manifests import with_image

    documents = read_documents(APP_MANIFEST)
    return with_image(documents, image) if image else documents
