"""The helpers the split of the snapshot reader made public: field readers, the malformed-input net,
and the live reader's object clean-up. Each says what it refuses in one line that names the field."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from kubectl_hpa.core.model import LabelSelector
from kubectl_hpa.sources.errors import MALFORMED, SnapshotError, malformed
from kubectl_hpa.sources.fields import read_duration, read_int, read_milli, read_selector, read_time
from kubectl_hpa.sources.reader import restore_kinds
from kubectl_hpa.sources.snapshot import load_document, parse_hpa, sync_input
from kubectl_hpa.timefmt import parse_time

WHERE = "Pod/web-1: status.startTime"


@pytest.mark.parametrize("read, value, expected", [
    (read_time, "2026-11-18T11:06:30Z", parse_time("2026-11-18T11:06:30Z")),
    (read_milli, "250m", 250),
    (read_milli, "2", 2000),
    (read_milli, 1, 1000),
    (read_duration, "1m0s", 60.0),
    (read_duration, 30, 30.0),
    (read_selector, None, None),
    (read_selector, {"matchLabels": {"app": "web"}}, LabelSelector((("app", "web"),), ())),
])
def test_a_field_reader_reads_what_the_api_serves(read: Callable[..., Any], value: Any, expected: Any) -> None:
    assert read(value, "snap.yaml", WHERE) == expected


@pytest.mark.parametrize("read, value, message", [
    (read_time, "yesterday", "invalid timestamp 'yesterday' (want RFC 3339)"),
    (read_milli, "50 Mi", "invalid quantity '50 Mi'"),
    (read_milli, True, "invalid quantity True"),
    (read_duration, "soon", "invalid duration 'soon'"),
    (read_selector, "app=web", "expected a label selector object"),
])
def test_a_field_reader_names_the_file_and_field_it_refuses(read: Callable[..., Any], value: Any, message: str) -> None:
    with pytest.raises(SnapshotError) as error:
        read(value, "snap.yaml", WHERE)
    assert str(error.value) == f"snap.yaml: {WHERE}: {message}"


@pytest.mark.parametrize("value, minimum, message", [
    (True, None, "expected an integer, got True"),  # a bool is an int to Python, not to the API
    ("3", None, "expected an integer, got '3'"),
    (2.0, None, "expected an integer, got 2.0"),
    (0, 1, "must be at least 1, got 0"),
])
def test_read_int_refuses_what_is_not_an_integer_in_range(value: Any, minimum: Any, message: str) -> None:
    with pytest.raises(SnapshotError) as error:
        read_int(value, "snap.yaml", "spec.maxReplicas", minimum)
    assert str(error.value) == f"snap.yaml: spec.maxReplicas: {message}"
    assert read_int(5, "snap.yaml", "spec.maxReplicas", 1) == 5


HPA: dict[str, Any] = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
       "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 1}}


def test_malformed_names_the_innermost_field_being_read() -> None:
    hpa = {**HPA, "spec": {**HPA["spec"], "metrics": [{"type": "Pods", "pods": {"metric": "http_requests"}}]}}
    with pytest.raises(SnapshotError) as error:
        parse_hpa(hpa, "snap.yaml")
    assert str(error.value) == ("snap.yaml: HorizontalPodAutoscaler/web: spec.metrics[0]: not shaped as the API "
                                "serves it (AttributeError: 'str' object has no attribute 'get')")
    refused = SnapshotError("snap.yaml: already worded")
    assert malformed("other", refused) is refused


def test_malformed_falls_back_on_the_object_being_read() -> None:
    listing = {"apiVersion": "custom.metrics.k8s.io/v1beta1", "kind": "MetricValueList",
               "metadata": {"name": "rps"}, "items": ["not an item"]}
    snapshot = load_document({"kind": "List", "items": [HPA, DEPLOYMENT, listing]}, "snap.yaml")
    with pytest.raises(SnapshotError) as error:  # no time given: the newest metric's decides, and that one is odd
        sync_input(snapshot, HPA)
    assert str(error.value) == ("snap.yaml: MetricValueList/rps: not shaped as the API serves it "
                                "(AttributeError: 'str' object has no attribute 'get')")
    assert issubclass(AttributeError, MALFORMED)


def test_a_mangled_object_is_refused_in_one_line_through_the_entry_points() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "labels": {"app": "web"}},
           "spec": {"containers": "not a list of containers"}}
    snapshot = load_document({"kind": "List", "items": [HPA, DEPLOYMENT, pod]}, "snap.yaml")
    with pytest.raises(SnapshotError) as error:
        sync_input(snapshot, HPA, at=0.0)
    assert str(error.value) == ("snap.yaml: Pod/web-1: spec.containers[0]: not shaped as the API serves it "
                                "(AttributeError: 'str' object has no attribute 'get')")


def test_restore_kinds_puts_back_what_a_list_leaves_off() -> None:
    items: list[dict[str, Any]] = [{"metadata": {"name": "a"}}, {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "b"}}]
    restored = restore_kinds(items, "Pod", "v1")
    assert restored[0] == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}
    assert restored[1] is items[1]


