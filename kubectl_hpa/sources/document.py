"""The snapshot document: text or decoded objects -> a :class:`Snapshot` of Kubernetes objects.

A snapshot is what the API serves, as a v1 List (``kubectl get -o yaml`` writes one), a ``*List``
of one kind, single objects, or a YAML stream of any of those. :func:`load_text` decodes a file;
:func:`load_document` takes an already-decoded document (the live reader builds one in memory and
would otherwise pay for a JSON round trip). Both go through :func:`load_documents`, so a file and
the live read it was taken from load the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable, Iterator, Optional, TypeVar

from ..inputs import InputTooLarge, import_yaml, load_yaml_all
from .errors import MALFORMED, SnapshotError, malformed
from .fields import read_time
from .kube import CAPTURED_AT, SUBJECT, annotations_of, name_of, request_of

T = TypeVar("T")

KEPT_LISTS = ("MetricValueList", "ExternalMetricValueList", "APIResourceList")
"""Kinds named ``*List`` that are objects in their own right (a metric API answer, discovery), not lists to flatten."""


@dataclass
class Snapshot:
    """The objects of one snapshot file, grouped by kind, in file order."""

    source: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    captured_at: Optional[float] = None
    annotations: dict[str, str] = field(default_factory=dict)  # of the top-level List(s), first one wins per key

    _kinds: dict[Any, list[dict[str, Any]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: int = field(default=-1, init=False, repr=False, compare=False)
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def subject(self) -> Optional[str]:
        """``namespace/name`` of the HPA a ``kubectl hpa snapshot`` was taken for, if any."""
        return self.annotations.get(SUBJECT)

    def failed_reads(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Status objects annotated with the request they answer: (method, path without query, Status)."""
        out = []
        for item in self.of_kind("Status"):
            method, path = request_of(item)
            if path:
                out.append((method, path, item))
        return out

    def failed_read(self, match: Callable[[str], bool]) -> Optional[dict[str, Any]]:
        """The first Status whose request path satisfies ``match(path)``."""
        for _method, path, status in self.failed_reads():
            if match(path):
                return status
        return None

    def _index(self) -> dict[Any, list[dict[str, Any]]]:
        """Objects by kind, rebuilt when objects were added: explaining N HPAs stays O(N), not O(N^2)."""
        if self._indexed != len(self.objects):
            self._kinds = {}
            for item in self.objects:
                self._kinds.setdefault(item.get("kind"), []).append(item)
            self._indexed = len(self.objects)
            self._derived = {}
        return self._kinds

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        """The objects of these kinds, in file order."""
        index = self._index()
        if len(kinds) == 1:
            return list(index.get(kinds[0], ()))
        return [item for item in self.objects if item.get("kind") in kinds]

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value computed from the objects, computed once and kept until objects are added.

        For what every HPA of a file needs about every other (each target's selector, for
        AmbiguousSelector): computing it per HPA would make ``explain -A`` quadratic.
        """
        self._index()  # forgets what was derived when objects were added
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def named(self, kind: str, name: str) -> list[dict[str, Any]]:
        """The objects of this kind named ``name``, in file order: looked up, not scanned (``explain -A`` looks up
        every HPA's target and state, and a scan per HPA would make it quadratic)."""

        def group() -> dict[str, list[dict[str, Any]]]:
            by_name: dict[str, list[dict[str, Any]]] = {}
            for item in self.of_kind(kind):
                by_name.setdefault(name_of(item), []).append(item)
            return by_name

        return self.derived(("named", kind), group).get(name, [])

    @property
    def hpas(self) -> list[dict[str, Any]]:
        """The HorizontalPodAutoscalers of the file, in file order."""
        return self.of_kind("HorizontalPodAutoscaler")


# ----------------------------------------------------------------------------- loading


def load_text(text: str, source: str) -> Snapshot:
    """Parse JSON or (multi-document) YAML; flatten Lists and ``*List`` kinds."""
    try:
        documents = decode_text(text, source)
    except MALFORMED as error:  # e.g. an unquoted YAML timestamp with month 13
        raise malformed(source, error) from None
    return load_documents(documents, source)


def load_document(document: Any, source: str) -> Snapshot:
    """A decoded List or object (a dict, as ``json.loads`` returns it), loaded as :func:`load_text` loads its JSON.

    As in a JSON file, a top-level array is a sequence of documents. The snapshot holds the document's
    objects themselves, not copies (nothing here modifies them), so the caller can still print it.
    """
    return load_documents(document if isinstance(document, list) else [document], source)


def load_documents(documents: Iterable[Any], source: str) -> Snapshot:
    """Decoded documents (those of a YAML stream), loaded as :func:`load_text` loads the stream."""
    try:
        return _load(documents, source)
    except MALFORMED as error:
        raise malformed(source, error) from None


def decode_text(text: str, source: str) -> list[Any]:
    """JSON (an object or an array of them) or a YAML stream -> its documents, undecided about their shape."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        import json  # lazily, as yaml below: a YAML snapshot does not pay for it (~1 ms, -X importtime)

        try:
            parsed = json.loads(text)
            return parsed if isinstance(parsed, list) else [parsed]
        except json.JSONDecodeError as error:
            raise SnapshotError(f"{source}: malformed JSON at line {error.lineno} column {error.colno}: "
                                f"{error.msg}") from None
    import_yaml()  # its pure reader's pattern compiled on first use: see there
    import yaml  # lazily: only snapshots in YAML pay for it

    # libyaml's parser is ~20x faster than PyYAML's pure-Python one; a 10-pod snapshot costs 5 ms, not 100+.
    # Aliases are counted before anything is built from them: a few hundred bytes of nested aliases
    # ("billion laughs") would otherwise expand to gigabytes when the objects are walked.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return load_yaml_all(text, loader)
    except InputTooLarge as error:
        raise SnapshotError(f"{source}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SnapshotError(f"{source}: malformed YAML{where}: {problem}") from None


def _load(documents: Iterable[Any], source: str) -> Snapshot:
    """The snapshot of decoded documents; the entry points turn what this does not check into a SnapshotError."""
    snapshot = Snapshot(source=source)
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise SnapshotError(f"{source}: expected Kubernetes objects, found a {type(document).__name__}")
        annotations = annotations_of(document)
        if CAPTURED_AT in annotations and snapshot.captured_at is None:
            snapshot.captured_at = read_time(annotations[CAPTURED_AT], source, f"metadata.annotations[{CAPTURED_AT}]")
        if document.get("kind") == "List":
            for key, value in annotations.items():
                snapshot.annotations.setdefault(str(key), str(value))
        snapshot.objects.extend(_flatten(document, source))
    if not snapshot.objects:
        raise SnapshotError(f"{source}: no Kubernetes objects found")
    return snapshot


def _flatten(document: dict[str, Any], source: str) -> Iterator[dict[str, Any]]:
    """The objects of a document: itself, or the items of a List (recursively), with kind restored."""
    raw_kind = document.get("kind", "")
    if not isinstance(raw_kind, str):
        raise SnapshotError(f"{source}: kind must be a string, got {raw_kind!r}")
    kind = raw_kind
    items = document.get("items")
    _check_metadata(document, kind or "object", source)
    if kind == "List" or (kind.endswith("List") and kind not in KEPT_LISTS):
        if items is None:
            return
        if not isinstance(items, list):
            raise SnapshotError(f"{source}: {kind}.items must be a list")
        item_kind = kind[:-4] if kind != "List" else ""
        item_version = document.get("apiVersion", "")
        for item in items:
            if not isinstance(item, dict):
                raise SnapshotError(f"{source}: {kind}.items holds a {type(item).__name__}, not an object")
            # A real server leaves kind/apiVersion off list items; restore them from the list.
            if item_kind and "kind" not in item:
                item = {"kind": item_kind, "apiVersion": item_version, **item}
            yield from _flatten(item, source)
        return
    if not kind:
        raise SnapshotError(f"{source}: an object has no kind")
    yield document


def _check_metadata(document: dict[str, Any], kind: str, source: str) -> None:
    """Metadata as the API serves it, checked once here: the readers' accessors may then take it as it is.

    A file whose metadata is not an object was not served by an API server; explaining it as if its
    labels were empty would give a confident answer about a different HPA."""
    metadata = document.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise SnapshotError(f"{source}: {kind}: metadata must be an object, got {type(metadata).__name__}")
    for key in ("labels", "annotations"):
        value = metadata.get(key)
        if value is not None and not isinstance(value, dict):
            raise SnapshotError(f"{source}: {kind}/{metadata.get('name', '')}: metadata.{key} must be an object, "
                                f"got {type(value).__name__}")
