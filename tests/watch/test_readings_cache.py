"""watch's ReadingsCache: readings reused only when nothing they were read from changed, and then equal.

A refresh of 1,000 HPAs whose metrics did not change must not parse them again; but any change (an answer's
text or status, the scale, a pod object, the spec) must read them anew. Each step below compares the cached
answer with :func:`read_readings` on the same inputs, over a sequence of refreshes that change one thing at a
time, drawn by hypothesis.
"""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.model import Scale
from kubectl_hpa.sources.kube import MetricAPIVersions, Response
from kubectl_hpa.sources.snapshot import parse_hpa, parse_pod
from kubectl_hpa.watch.metrics import Answers, ReadingsCache, read_readings, readings, requests_for
from tests.watch.objects import hpa, pod, pod_metrics

NOW = 1_790_000_000.0
PODS_METRIC = {"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                        "target": {"type": "AverageValue", "averageValue": "10"}}}
CPU_METRIC = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                        "averageUtilization": 50}}}
CHANGES = st.sampled_from(["nothing", "cpu", "custom", "status", "scale", "pod", "spec"])


def answers_for(requests: tuple, cpu: str, custom: str, status: int) -> Answers:
    """The batched answers of one refresh: PodMetrics and a custom metric list for pods web-0..2."""
    names = [f"web-{index}" for index in range(3)]
    bodies = {
        "metrics.k8s.io": {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {},
                           "items": [pod_metrics(name, "shop", "web", cpu, NOW) for name in names]},
        "custom.metrics.k8s.io": {"kind": "MetricValueList", "apiVersion": "custom.metrics.k8s.io/v1beta1",
                                  "metadata": {}, "items": [
                                      {"describedObject": {"kind": "Pod", "namespace": "shop", "name": name,
                                                           "apiVersion": "/v1"},
                                       "metricName": "http_requests", "timestamp": "2026-09-21T12:00:00Z",
                                       "value": custom} for name in names]},
    }
    responses = {}
    for request in requests:
        body = bodies[request.group]
        text = json.dumps(body)
        responses[request.key] = (Response("GET", request.key, 200, json.loads(text), text) if status == 200 else
                                  Response("GET", request.key, status, None, "service unavailable\n"))
    return Answers(responses)


@settings(max_examples=60, deadline=None)
@given(st.lists(CHANGES, min_size=1, max_size=8))
def test_cached_readings_are_the_readings_of_the_same_answers(changes: list[str]) -> None:
    objects = hpa("web", "shop", "web", 3, metrics=[CPU_METRIC, PODS_METRIC])
    spec = parse_hpa(objects, "cluster")
    requests = requests_for(spec, MetricAPIVersions())
    scale = Scale(3, 3, "app=web")
    pods = tuple(parse_pod(pod(f"web-{index}", "shop", "web", NOW - 3600), "cluster") for index in range(3))
    cpu, custom, status = "100m", "12", 200
    cache = ReadingsCache()
    previous = None
    for change in ["nothing", *changes]:
        if change == "cpu":
            cpu = "150m" if cpu == "100m" else "100m"
        elif change == "custom":
            custom = "20" if custom == "12" else "12"
        elif change == "status":
            status = 503 if status == 200 else 200
        elif change == "scale":
            scale = replace(scale, spec_replicas=scale.spec_replicas + 1)
        elif change == "pod":  # the informer parsed a new version of a pod: another object
            pods = (parse_pod(pod("web-0", "shop", "web", NOW - 3600), "cluster"), *pods[1:])
        elif change == "spec":  # the HPA parsed again (no resourceVersion): an equal, new object
            spec = parse_hpa(objects, "cluster")
        answers = answers_for(requests, cpu, custom, status)
        cache.observe(answers)
        found = readings(spec, scale, pods, requests, answers)
        assert found == read_readings(spec, scale, pods, requests, answers)
        if change in ("nothing", "spec") and previous is not None:
            assert found is previous  # reused, not read again
        previous = found


def test_answers_without_a_cache_are_read_every_time() -> None:
    spec = parse_hpa(hpa("web", "shop", "web", 3, metrics=[CPU_METRIC]), "cluster")
    requests = requests_for(spec, MetricAPIVersions())
    pods = tuple(parse_pod(pod(f"web-{index}", "shop", "web", NOW - 3600), "cluster") for index in range(3))
    answers = answers_for(requests, "100m", "12", 200)
    first = readings(spec, Scale(3, 3, "app=web"), pods, requests, answers)
    assert first == readings(spec, Scale(3, 3, "app=web"), pods, requests, answers)
    assert first is not readings(spec, Scale(3, 3, "app=web"), pods, requests, answers)
    assert len(first) == 1 and len(first[0].samples) == 3
