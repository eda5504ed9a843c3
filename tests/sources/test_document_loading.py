"""A decoded document loads as its text does: ``load_document`` is the live path, ``load_text`` the file path.

The live reader builds its snapshot List in memory. It used to go through ``load_text(json.dumps(document))``;
``load_document`` takes the dict itself. Both share one loader, and these tests hold them to the same
result on every snapshot fixture, and to the same refusal on bad input.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from kubectl_hpa.sources import snapshot as facade
from kubectl_hpa.sources.document import Snapshot, decode_text, load_document, load_documents, load_text
from kubectl_hpa.sources.errors import SnapshotError
from kubectl_hpa.sources.kube import CAPTURED_AT, SUBJECT
from tests.helpers import ROOT, SNAPSHOTS

FIXTURES = sorted(path for path in SNAPSHOTS.rglob("*") if path.suffix in (".yaml", ".yml", ".json"))


def outcome(load: Callable[[], Snapshot]) -> Any:
    """The snapshot, or the message of the SnapshotError it was refused with."""
    try:
        return load()
    except SnapshotError as error:
        return f"SnapshotError: {error}"


def test_there_are_fixtures_to_compare() -> None:
    assert len(FIXTURES) >= 20
    assert any(path.parent != SNAPSHOTS for path in FIXTURES)  # the subfolders count too


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.relative_to(SNAPSHOTS).as_posix())
def test_load_document_equals_load_text_on_every_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    source = path.name
    documents = decode_text(text, source)
    from_text = outcome(lambda: load_text(text, source))
    assert outcome(lambda: load_documents(documents, source)) == from_text
    if len(documents) == 1:
        document = documents[0]
        assert outcome(lambda: load_document(document, source)) == from_text
        # What the live path did before load_document: the same document, through JSON text.
        assert outcome(lambda: load_text(json.dumps(document), source)) == from_text
    if isinstance(from_text, Snapshot):
        # Equality covers the objects, the evaluation time and the List's annotations.
        assert from_text.objects and from_text.of_kind("HorizontalPodAutoscaler")


LIVE_DOCUMENT: dict[str, Any] = {
    "apiVersion": "v1", "kind": "List",
    "metadata": {"annotations": {CAPTURED_AT: "2026-11-18T11:06:30Z", SUBJECT: "shop/web"}},
    "items": [
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web", "namespace": "shop"},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 5}},
        {"apiVersion": "v1", "kind": "PodList", "metadata": {},  # a server's list: items without kind
         "items": [{"metadata": {"name": "web-1", "namespace": "shop"}}, {"metadata": {"name": "web-2", "namespace": "shop"}}]},
        {"apiVersion": "custom.metrics.k8s.io/v1beta1", "kind": "MetricValueList", "metadata": {}, "items": []},
    ],
}


def test_a_live_document_loads_as_its_json_text() -> None:
    snapshot = load_document(LIVE_DOCUMENT, "cluster kind-kind")
    assert snapshot == load_text(json.dumps(LIVE_DOCUMENT), "cluster kind-kind")
    assert snapshot.captured_at is not None and snapshot.subject == "shop/web"
    assert [item["kind"] for item in snapshot.objects] == ["HorizontalPodAutoscaler", "Pod", "Pod", "MetricValueList"]
    assert snapshot.of_kind("Pod")[0]["apiVersion"] == "v1"  # kind and apiVersion restored from the PodList


def test_load_document_keeps_the_objects_it_was_given() -> None:
    """No copy: the caller keeps the document (to print it), and the snapshot reads the same objects."""
    snapshot = load_document(LIVE_DOCUMENT, "cluster")
    assert snapshot.objects[0] is LIVE_DOCUMENT["items"][0]
    assert LIVE_DOCUMENT["items"][1]["items"][0] == {"metadata": {"name": "web-1", "namespace": "shop"}}  # unchanged


@pytest.mark.parametrize("document, message", [
    (None, "cluster: no Kubernetes objects found"),
    (["a"], "cluster: expected Kubernetes objects, found a str"),  # an array: documents, as in a JSON file
    ([[{"kind": "Pod"}]], "cluster: expected Kubernetes objects, found a list"),
    ({"kind": "List", "items": []}, "cluster: no Kubernetes objects found"),
    ({"kind": "List", "items": "pods"}, "cluster: List.items must be a list"),
    ({"kind": "List", "items": [3]}, "cluster: List.items holds a int, not an object"),
    ({"kind": 7}, "cluster: kind must be a string, got 7"),
    ({"apiVersion": "v1"}, "cluster: an object has no kind"),
    ({"kind": "List", "metadata": {"annotations": {CAPTURED_AT: "yesterday"}}, "items": []},
     f"cluster: metadata.annotations[{CAPTURED_AT}]: invalid timestamp 'yesterday' (want RFC 3339)"),
])
def test_load_document_refuses_as_load_text_does(document: Any, message: str) -> None:
    with pytest.raises(SnapshotError) as from_document:
        load_document(document, "cluster")
    assert str(from_document.value) == message
    with pytest.raises(SnapshotError) as from_text:
        load_text(json.dumps(document), "cluster")
    assert str(from_text.value) == message


def test_an_unexpected_shape_is_one_line_naming_the_object() -> None:
    document = {"kind": "List", "items": [{"kind": "PodList", "apiVersion": "v1", "items": [{"metadata": {"name": 1}}]}]}
    snapshot = load_document(document, "cluster")
    assert snapshot.of_kind("Pod")[0]["metadata"]["name"] == 1  # kept as served; readers word what they refuse
    with pytest.raises(SnapshotError, match=r"^cluster: List.items holds a str, not an object$"):
        load_document({"kind": "List", "items": ["x"]}, "cluster")


@pytest.mark.parametrize("document, message", [
    ({"kind": "List", "metadata": "odd", "items": []}, "f: List: metadata must be an object, got str"),
    ({"kind": "List", "items": [{"kind": "Pod", "metadata": ["x"]}]}, "f: Pod: metadata must be an object, got list"),
    ({"kind": "Pod", "metadata": {"name": "p", "labels": "app=web"}},
     "f: Pod/p: metadata.labels must be an object, got str"),
    ({"kind": "Pod", "metadata": {"name": "p", "annotations": [1]}},
     "f: Pod/p: metadata.annotations must be an object, got list"),
])
def test_metadata_not_shaped_as_the_api_serves_it_is_refused(document: dict, message: str) -> None:
    """The readers' accessors take metadata as it is: the loader refuses what no API server serves."""
    with pytest.raises(SnapshotError) as refused:
        load_document(document, "f")
    assert str(refused.value) == message


def test_derived_values_are_kept_until_objects_are_added() -> None:
    snapshot = load_document({"kind": "Pod", "metadata": {"name": "a"}}, "f")
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(snapshot.objects)

    assert snapshot.derived("count", compute) == 1 and snapshot.derived("count", compute) == 1
    assert len(calls) == 1
    snapshot.objects.append({"kind": "Pod", "metadata": {"name": "b"}})
    assert snapshot.derived("count", compute) == 2 and len(calls) == 2
    assert [name for name in (p["metadata"]["name"] for p in snapshot.of_kind("Pod"))] == ["a", "b"]


# ----------------------------------------------------------------------------- the package's shape


def test_the_public_face_reexports_each_name_from_its_home() -> None:
    for name in facade.__all__:
        value = getattr(facade, name)
        home = getattr(value, "__module__", None)
        if home is not None and home.startswith("kubectl_hpa.sources.") and callable(value):
            assert home != "kubectl_hpa.sources.snapshot", name  # defined in its own module, not in the face


SOURCES = ROOT / "kubectl_hpa" / "sources"


@pytest.mark.parametrize("path", sorted(SOURCES.glob("*.py")), ids=lambda path: path.name)
def test_no_private_name_crosses_a_module_of_sources(path: Path) -> None:
    """A helper another module needs is public and documented, not a ``_name`` reached into."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or "sources" in (node.module or "")):
            private = [alias.name for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
            assert not private, f"{path.name} imports {private} from {node.module}"
