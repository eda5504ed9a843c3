"""Real-shaped API objects for watch tests and benchmarks: a Deployment, its pods, their PodMetrics, its HPA."""

from __future__ import annotations

from typing import Optional

from kubectl_hpa.timefmt import format_time


def metrics_api(group: str = "metrics.k8s.io", service: str = "metrics-server", version: str = "v1beta1") -> dict:
    """The APIService that makes a metrics API available (the test server's aggregator checks it)."""
    return {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": f"{version}.{group}"},
            "spec": {"group": group, "version": version,
                     "service": {"namespace": "kube-system", "name": service, "port": 443}},
            "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                       "message": "all checks passed"}]}}


def listing(*groups: list[dict], custom_version: str = "v1beta1") -> dict:
    """A v1 List of the metrics APIServices and the given objects, for FakeAPIServer.load.

    ``custom_version``: the one version of custom.metrics.k8s.io the cluster serves (adapters moved to
    v1beta2; a client that asks for another version gets the aggregator's 404)."""
    items = [metrics_api(), metrics_api("custom.metrics.k8s.io", "prometheus-adapter", custom_version),
             metrics_api("external.metrics.k8s.io", "prometheus-adapter")]
    for group in groups:
        items.extend(group)
    return {"apiVersion": "v1", "kind": "List", "items": items}


def deployment(name: str, namespace: str, replicas: int, app: Optional[str] = None) -> dict:
    app = app or name
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-deploy-{namespace}-{name}",
                         "creationTimestamp": "2026-11-01T00:00:00Z", "generation": 1, "labels": {"app": app}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
                     "template": {"metadata": {"labels": {"app": app}},
                                  "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0"}]}}},
            "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas,
                       "updatedReplicas": replicas, "observedGeneration": 1}}


def pod(name: str, namespace: str, app: str, started: float, cpu_request: str = "200m") -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-pod-{namespace}-{name}",
                         "labels": {"app": app, "pod-template-hash": "5d9f8c7b6"},
                         "creationTimestamp": format_time(started)},
            "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0",
                                     "resources": {"requests": {"cpu": cpu_request, "memory": "128Mi"}}}],
                     "nodeName": "node-1"},
            "status": {"phase": "Running", "startTime": format_time(started), "podIP": "10.0.0.1",
                       "conditions": [{"type": "Ready", "status": "True",
                                       "lastTransitionTime": format_time(started + 10)}],
                       "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                              "image": "registry.example/app:1.0",
                                              "imageID": "registry.example/app@sha256:" + "0" * 64,
                                              "started": True, "state": {"running": {
                                                  "startedAt": format_time(started + 1)}}}]}}


def pod_metrics(name: str, namespace: str, app: str, cpu: str, at: float) -> dict:
    return {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": app},
                         "creationTimestamp": format_time(at)},
            "timestamp": format_time(at - 15), "window": "15s",
            "containers": [{"name": "app", "usage": {"cpu": cpu, "memory": "100Mi"}}]}


def hpa(name: str, namespace: str, target: str, replicas: int, min_replicas: int = 1, max_replicas: int = 10,
        cpu_percent: int = 50, metrics: Optional[list] = None, behavior: Optional[dict] = None,
        labels: Optional[dict] = None, last_scale: Optional[float] = None) -> dict:
    spec: dict = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                  "minReplicas": min_replicas, "maxReplicas": max_replicas,
                  "metrics": metrics or [{"type": "Resource", "resource": {
                      "name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu_percent}}}]}
    if behavior:
        spec["behavior"] = behavior
    status: dict = {"currentReplicas": replicas, "desiredReplicas": replicas,
                    "conditions": [
                        {"type": "AbleToScale", "status": "True", "lastTransitionTime": "2026-11-01T00:00:00Z",
                         "reason": "ReadyForNewScale", "message": "recommended size matches current size"},
                        {"type": "ScalingActive", "status": "True", "lastTransitionTime": "2026-11-01T00:00:00Z",
                         "reason": "ValidMetricFound", "message": "the HPA was able to successfully calculate a "
                                                                  "replica count from cpu resource utilization "
                                                                  "(percentage of request)"},
                        {"type": "ScalingLimited", "status": "False", "lastTransitionTime": "2026-11-01T00:00:00Z",
                         "reason": "DesiredWithinRange", "message": "the desired count is within the acceptable range"}]}
    if last_scale is not None:
        status["lastScaleTime"] = format_time(last_scale)
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-hpa-{namespace}-{name}",
                         "labels": labels or {}, "creationTimestamp": "2026-11-01T00:00:00Z"},
            "spec": spec, "status": status}


def app(name: str, namespace: str, replicas: int, cpu: str, now: float, **hpa_args) -> list[dict]:
    """A Deployment with ``replicas`` ready pods using ``cpu`` each, and an HPA on it."""
    objects = [deployment(name, namespace, replicas), hpa(name, namespace, name, replicas, **hpa_args)]
    for index in range(replicas):
        pod_name = f"{name}-5d9f8c7b6-{index:05d}"
        objects.append(pod(pod_name, namespace, name, now - 3600))
        objects.append(pod_metrics(pod_name, namespace, name, cpu, now))
    return objects


def rescale_event(hpa_name: str, namespace: str, size: int, reason: str, at: float) -> dict:
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{hpa_name}.{int(at)}", "namespace": namespace},
            "involvedObject": {"kind": "HorizontalPodAutoscaler", "namespace": namespace, "name": hpa_name,
                               "apiVersion": "autoscaling/v2"},
            "reason": "SuccessfulRescale", "message": f"New size: {size}; reason: {reason}",
            "source": {"component": "horizontal-pod-autoscaler"}, "type": "Normal", "count": 1,
            "firstTimestamp": format_time(at), "lastTimestamp": format_time(at)}


PODS_METRIC = [{"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                         "target": {"type": "AverageValue", "averageValue": "10"}}}]
"""A custom Pods metric: http_requests per pod against an average of 10."""


def custom_items(namespace: str, pods: list[str], value: str, at: float) -> dict:
    """http_requests of ``pods`` as custom.metrics.k8s.io/v1beta1 lists them (the server converts to v1beta2)."""
    return {"apiVersion": "custom.metrics.k8s.io/v1beta1", "kind": "MetricValueList", "metadata": {},
            "items": [{"describedObject": {"kind": "Pod", "namespace": namespace, "name": name, "apiVersion": "/v1"},
                       "metricName": "http_requests", "timestamp": format_time(at), "value": value,
                       "selector": None} for name in pods]}
