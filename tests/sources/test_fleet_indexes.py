"""The indexed look-ups that keep ``explain -A`` linear give exactly what the straightforward scans give.

Every fast path (a label index instead of a selector applied to every pod, HPAs grouped by the pods they pick
instead of compared pairwise, objects looked up by name instead of scanned) has its scan kept beside it; these
properties run both on generated fleets: several namespaces (and objects without one), overlapping and
disjoint selectors, selectors that do not parse, label values that are not strings, duplicate names.
"""

from __future__ import annotations

from typing import Any, Optional

from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.selector import SelectorError, parse_selector
from kubectl_hpa.diagnose.context import Context
from kubectl_hpa.sources.assemble import selecting_hpas_by_scan, target_scale
from kubectl_hpa.sources.cluster import selected, selected_by_scan
from kubectl_hpa.sources.document import load_document
from kubectl_hpa.sources.index import LabelIndex
from kubectl_hpa.sources.kube import labels_of, name_of, namespace_of
from kubectl_hpa.sources.pods import namespace_pods, selected_pod_objects, selected_pods
from kubectl_hpa.sources.readings import _picked_pod_metrics, _picked_pod_metrics_by_scan
from kubectl_hpa.sources.snapshot import SnapshotError, parse_hpa, selecting_hpas

NAMESPACES = st.sampled_from(["shop", "pay", None])  # None: the object names no namespace
KEYS = st.sampled_from(["app", "tier", "track"])
VALUES = st.one_of(st.sampled_from(["web", "api", "db", "a", "b"]), st.integers(0, 2))
LABELS = st.dictionaries(KEYS, VALUES, max_size=3)
SELECTORS = st.one_of(
    st.sampled_from(["", "app=web", "app=api", "tier=a", "app=web,tier=a", "app in (web,api)", "tier", "!tier",
                     "app!=db", "tier notin (a)", "app=web,tier!=b", "app=", "app==web", "app=web,,", "((", "track"]),
    st.builds(lambda k, v: f"{k}={v}", KEYS, st.sampled_from(["web", "a", "0", "1"])),
)


def metadata(name: str, namespace: Optional[str], labels: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


@st.composite
def fleets(draw: st.DrawFn) -> dict[str, Any]:
    """A v1 List of HPAs on Deployments (some sharing a target, some names twice), pods and PodMetrics."""
    items: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}]
    for index in range(draw(st.integers(0, 6))):
        namespace = draw(NAMESPACES)
        name = f"app{draw(st.integers(0, 4))}"
        target = f"deploy{draw(st.integers(0, 4))}"
        items.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                      "metadata": metadata(name, namespace, {}),
                      "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                               "minReplicas": 1, "maxReplicas": 10}})
        if draw(st.booleans()):
            selector = draw(st.dictionaries(KEYS, st.sampled_from(["web", "api", "a"]), min_size=1, max_size=2))
            items.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(target, namespace, {}),
                          "spec": {"replicas": 2, "selector": {"matchLabels": selector}}, "status": {"replicas": 2}})
        del index
    for index in range(draw(st.integers(0, 12))):
        namespace, labels = draw(NAMESPACES), draw(LABELS)
        name = f"pod{draw(st.integers(0, 9))}"  # names repeat: two captures merged
        items.append({"apiVersion": "v1", "kind": "Pod", "metadata": metadata(name, namespace, labels),
                      "spec": {"containers": [{"name": "app", "resources": {"requests": {"cpu": "100m"}}}]},
                      "status": {"phase": "Running"}})
        if draw(st.booleans()):
            items.append({"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
                          "metadata": metadata(name, namespace, draw(st.one_of(st.just({}), LABELS))),
                          "timestamp": "2026-11-30T10:00:00Z", "window": "30s",
                          "containers": [{"name": "app", "usage": {"cpu": "50m"}}]})
        del index
    return {"apiVersion": "v1", "kind": "List", "items": items}


@settings(max_examples=100, deadline=None)
@given(st.lists(LABELS, max_size=15), SELECTORS)
def test_a_label_index_matches_what_a_scan_matches(labels: list[dict[str, Any]], text: str) -> None:
    try:
        selector = parse_selector(text)
    except SelectorError:
        return
    items = [{"labels": pairs, "position": position} for position, pairs in enumerate(labels)]
    assert LabelIndex(items, lambda item: item["labels"]).matching(selector) == \
        [item for item in items if selector.matches(item["labels"])]


@settings(max_examples=80, deadline=None)
@given(fleets(), st.lists(st.tuples(NAMESPACES, SELECTORS), max_size=6))
def test_the_pods_read_all_keeps_are_the_scans(fleet: dict[str, Any], wanted: list[tuple[Any, str]]) -> None:
    pods = [item for item in fleet["items"] if item["kind"] == "Pod"]
    selectors = {(namespace or "", f"hpa{index}"): text or None for index, (namespace, text) in enumerate(wanted)}
    assert selected(pods, selectors) == selected_by_scan(pods, selectors)


@settings(max_examples=80, deadline=None)
@given(fleets(), st.sampled_from(["shop", "pay", "default"]), SELECTORS)
def test_selected_pods_are_the_scans(fleet: dict[str, Any], namespace: str, text: str) -> None:
    snapshot = load_document(fleet, "fleet")
    try:
        selector = parse_selector(text)
    except SelectorError:
        return
    objects = [p for p in snapshot.of_kind("Pod") if namespace_of(p, "default") == namespace]
    assert list(selected_pod_objects(snapshot, namespace, selector)) == \
        [p for p in objects if selector.matches(labels_of(p))]
    assert list(selected_pods(snapshot, namespace, selector)) == \
        [p for p in namespace_pods(snapshot, namespace) if selector.matches(p.labels)]
    assert [p.name for p in namespace_pods(snapshot, namespace)] == [name_of(p) for p in objects]


@settings(max_examples=80, deadline=None)
@given(fleets(), st.sampled_from(["shop", "pay", "default", ""]), SELECTORS)
def test_picked_pod_metrics_are_the_scans(fleet: dict[str, Any], namespace: str, text: str) -> None:
    snapshot = load_document(fleet, "fleet")
    selector = text or None
    try:
        expected = _picked_pod_metrics_by_scan(snapshot, namespace, selector)
    except SelectorError:
        return
    assert _picked_pod_metrics(snapshot, namespace, selector) == expected


@settings(max_examples=80, deadline=None)
@given(fleets())
def test_hpas_over_the_same_pods_are_the_pairwise_comparisons(fleet: dict[str, Any]) -> None:
    snapshot = load_document(fleet, "fleet")
    for hpa_object in snapshot.hpas:
        hpa = parse_hpa(hpa_object, "fleet")
        try:
            scale = target_scale(snapshot, hpa)
        except SnapshotError:
            continue  # no Deployment in the file for this HPA
        pods = namespace_pods(snapshot, hpa.namespace)
        selector = getattr(scale, "selector", None)
        assert selecting_hpas(snapshot, hpa, pods, selector) == selecting_hpas_by_scan(snapshot, hpa, pods, selector)


@settings(max_examples=100, deadline=None)
@given(fleets(), st.sampled_from(["Deployment", "Pod", "HorizontalPodAutoscaler"]), st.integers(0, 9))
def test_objects_by_name_are_the_scans(fleet: dict[str, Any], kind: str, number: int) -> None:
    snapshot = load_document(fleet, "fleet")
    for name in (f"app{number}", f"deploy{number}", f"pod{number}"):
        assert snapshot.named(kind, name) == [item for item in snapshot.of_kind(kind) if name_of(item) == name]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(NAMESPACES, st.sampled_from(["app0", "app1", None]), NAMESPACES,
                          st.sampled_from(["HorizontalPodAutoscaler", "Deployment"]),
                          st.sampled_from(["SuccessfulRescale", "FailedRescale"])), max_size=10),
       st.sampled_from(["shop", "pay", "default"]), st.sampled_from(["app0", "app1"]),
       st.sampled_from([None, "SuccessfulRescale"]))
def test_an_hpas_events_are_the_scans(events: list[tuple], namespace: str, name: str, reason: Optional[str]) -> None:
    items = []
    for index, (involved_ns, involved_name, event_ns, kind, why) in enumerate(events):
        involved: dict[str, Any] = {"kind": kind}
        if involved_ns is not None:
            involved["namespace"] = involved_ns
        if involved_name is not None:
            involved["name"] = involved_name
        items.append({"apiVersion": "v1", "kind": "Event", "metadata": metadata(f"e{index}", event_ns, {}),
                      "involvedObject": involved, "reason": why})
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": name, "namespace": namespace},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"},
                    "maxReplicas": 3}}
    snapshot = load_document({"apiVersion": "v1", "kind": "List", "items": [hpa, *items]}, "events")
    expected = []
    for item in snapshot.of_kind("Event"):
        involved = item.get("involvedObject") or {}
        if involved.get("kind") != "HorizontalPodAutoscaler" or involved.get("name") != name:
            continue
        if (involved.get("namespace") or namespace_of(item)) != namespace:
            continue
        if reason is None or item.get("reason") == reason:
            expected.append(item)
    assert _events(snapshot, hpa, namespace, name, reason) == expected


def _events(snapshot: Any, hpa: dict, namespace: str, name: str, reason: Optional[str]) -> list[dict]:
    """Context.events for an HPA named ``name`` in ``namespace`` (no decision is needed to find them)."""

    class Named(Context):
        @property
        def namespace(self) -> str:
            return namespace

        @property
        def name(self) -> str:
            return name

    return Named(snapshot, hpa, None, None, True).events(reason)  # type: ignore[arg-type]


CUSTOM_ITEMS = st.one_of(
    st.builds(lambda ns, pod, value: {"describedObject": {"kind": "Pod", "name": pod, **({"namespace": ns} if ns else {})},
                                      "metricName": "http_requests", "timestamp": "2026-11-30T10:00:00Z",
                                      "value": value},
              NAMESPACES, st.sampled_from(["p0", "p1"]), st.sampled_from(["12", "1500m", "bad"])),
    st.sampled_from([{"describedObject": "Pod/p0"}, {"metricName": "x"}, "not an object"]),
)


def _outcome(read: Any) -> Any:
    """Everything a reader yields, or the exception it stops with (its type and text)."""
    found = []
    try:
        for entry in read:
            found.append(entry)
    except Exception as error:  # noqa: BLE001 - the point is that both fail alike
        return found, type(error).__name__, str(error)
    return found, None


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["custom.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2"]),
                          st.one_of(st.lists(CUSTOM_ITEMS, max_size=5), st.just({"p0": 1}))), max_size=5),
       st.sampled_from(["shop", "pay", "default"]))
def test_custom_metric_items_are_the_scans(listings: list[tuple[str, Any]], namespace: str) -> None:
    from kubectl_hpa.sources.readings import _custom_items, _custom_items_by_scan

    items = [{"apiVersion": version, "kind": "MetricValueList", "metadata": {}, "items": values}
             for version, values in listings]
    snapshot = load_document({"apiVersion": "v1", "kind": "List",
                              "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
                                        *items]}, "custom")
    expected = _outcome(_custom_items_by_scan(snapshot, namespace))
    assert _outcome(_custom_items(snapshot, namespace)) == expected
    assert _outcome(_custom_items(snapshot, namespace)) == expected  # read once, replayed alike (errors too)
    if expected[1] is None:  # an OBJECT metric stops at its first match: a partial read, then the rest
        partial = _custom_items(load_document(snapshot.objects, "custom"), namespace)
        first = next(partial, None)
        assert [first, *partial] == expected[0] if first is not None else expected[0] == []
