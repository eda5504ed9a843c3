"""The explain use case: from a snapshot (a file, or the cluster read into one) to typed explanations.

``explain NAME`` and ``explain -f`` differ only in where the snapshot comes from:
the live read is turned into the same :class:`Snapshot` a file gives (without a
round trip through JSON text), so a ``kubectl hpa snapshot`` file explains exactly
as the cluster it was taken from. Every error raised here is one of the project's
input errors (:class:`SnapshotError`, :class:`ClusterError`), worded for the user.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from typing import Any, NamedTuple, Optional

from ..core.decide import decide
from ..core.model import FIRST_SIGHT, ControllerSettings, Decision, SyncInput
from ..core.versions import ControllerVersion
from ..diagnose import PROBLEM_SEVERITIES, Finding, diagnose, has_problems
from ..inputs import InputTooLarge, read_stream, read_text
from ..sources.kube import namespace_of
from ..sources.options import ConnectionOptions
from ..sources.snapshot import Snapshot, SnapshotError, hpa_status, load_document, load_text, sync_input


# The value classes below are NamedTuples, not frozen dataclasses: the same immutable values (fields,
# defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every start pays (a
# frozen dataclass execs six generated methods; issue 18). Nothing replaces their fields with
# dataclasses.replace or relies on them not being tuples.
class Explanation(NamedTuple):
    """What explain says about one HPA: what the controller saw, what it decides, and what is broken."""

    hpa: dict[str, Any]
    """The HorizontalPodAutoscaler object as the API served it (or the file holds it)."""
    inputs: SyncInput
    """What the controller reads at this sync, parsed."""
    decision: Decision
    """The core's decision, with every step of the way."""
    findings: tuple[Finding, ...]
    """The diagnosis of the HPA and its metric pipeline, ranked."""
    history_known: bool = True
    """Whether the controller's memory (recommendations, scale events) came with the input (a ControllerState).
    Without it the decision starts from :data:`~kubectl_hpa.core.model.FIRST_SIGHT`, as ``watch`` does."""

    @property
    def controller(self) -> ControllerVersion:
        """The controller release (and feature gates) the decision emulates: every view says it."""
        return self.inputs.settings.version

    @property
    def live_status(self) -> dict[str, Any]:
        """The status the controller last wrote, to set beside our answer."""
        return hpa_status(self.hpa)

    @property
    def has_problems(self) -> bool:
        return has_problems(self.findings)

    @property
    def problem_ids(self) -> tuple[str, ...]:
        """The ids of the problems found (errors and warnings), each once, in rank order."""
        return tuple(dict.fromkeys(f.id for f in self.findings if f.severity in PROBLEM_SEVERITIES))


class ClusterRead(NamedTuple):
    """A live read: the snapshot document (what ``kubectl hpa snapshot`` writes) and the parsed snapshot."""

    document: dict[str, Any]
    snapshot: Snapshot
    namespace: Optional[str]
    """The namespace read (the kubeconfig context's when none was given); None for all namespaces."""


class NoHPA(SnapshotError):
    """The scope holds no HorizontalPodAutoscaler."""


class NoResources(Exception):
    """A live read of a namespace (or of all of them) found no HorizontalPodAutoscaler: not an error, as for
    ``kubectl get hpa``; ``str()`` is kubectl's sentence (``No resources found in shop namespace.``)."""

    def __init__(self, namespace: Optional[str]):
        self.namespace = namespace
        super().__init__(f"No resources found in {namespace} namespace." if namespace else "No resources found")


def read_file(filename: str) -> Snapshot:
    """A snapshot file (``-`` for standard input), at most :data:`~kubectl_hpa.inputs.MAX_INPUT_BYTES` long."""
    source = "<stdin>" if filename == "-" else filename
    try:
        text = read_stream(sys.stdin) if filename == "-" else read_text(filename, encoding="utf-8")
    except InputTooLarge as error:
        raise SnapshotError(f"{source}: {error}") from None
    except OSError as error:
        raise SnapshotError(f"{source}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{source}: not a text file (expected YAML or JSON)") from None
    return load_text(text, source)


LARGE_YAML_BYTES = 4 * 1024 * 1024
"""From this size a YAML snapshot is slow to read (PyYAML builds every object in Python: about 2 MB a second,
where JSON reads over 100 MB a second), and the user is told why the command takes a while."""


def large_yaml_note(filename: str) -> Optional[str]:
    """A note for a YAML snapshot of at least :data:`LARGE_YAML_BYTES`, else None (JSON, stdin, small files)."""
    if filename == "-":
        return None
    try:
        size = os.path.getsize(filename)
        if size < LARGE_YAML_BYTES:
            return None
        with open(filename, "rb") as handle:
            head = handle.read(4096).lstrip()
    except OSError:
        return None  # read_file says what is wrong with the file
    if head.startswith((b"{", b"[")):
        return None
    return (f"{filename} is {size / 1e6:.0f} MB of YAML, which reads at about 2 MB a second; the same snapshot as "
            "JSON (kubectl hpa snapshot -o json) reads in a fraction of that")


def read_cluster(connection: ConnectionOptions, name: Optional[str], namespace: Optional[str],
                 all_namespaces: bool = False) -> ClusterRead:
    """Read what the controller reads (one HPA, or every HPA in scope) into a snapshot, GETs only.

    Raises :class:`NoResources` when the scope, read without a name, holds no HPA."""
    from ..sources.cluster import read_all, read_hpa
    from ..sources.cluster_client import connect

    client = connect(connection)
    scope = None if all_namespaces else (namespace or client.namespace)
    document = read_hpa(client, name, scope) if name else read_all(client, scope)
    if not name and not any(item.get("kind") == "HorizontalPodAutoscaler" for item in document.get("items") or ()):
        raise NoResources(scope)
    return ClusterRead(document, load_document(document, f"cluster {client.context or client.host}"), scope)


def explain_hpa(snapshot: Snapshot, hpa_object: dict[str, Any], settings: ControllerSettings = ControllerSettings(),
                at: Optional[float] = None, first_sight: bool = True) -> Explanation:
    """One HPA of the snapshot, evaluated at ``at`` (default: the snapshot's capture time, else now).

    Without a ControllerState the controller's memory starts at first sight; ``first_sight=False`` starts with
    no memory at all (no stabilization window holds anything): what a release decides once the windows passed."""
    inputs = sync_input(snapshot, hpa_object, settings, at=at, fallback_now=time.time())
    history_known = inputs.state is not None
    if not history_known and first_sight:
        # No API shows the controller's memory. Starting as the controller does when it first sees an HPA
        # (one recommendation: the current count, now) is what watch does too, so both give one verdict on
        # the same reads, and a scale-down the live controller still holds is never announced as a rescale.
        inputs = replace(inputs, state=FIRST_SIGHT)
    decision = decide(inputs)
    findings = diagnose(snapshot, hpa_object, inputs, decision, history_known)
    return Explanation(hpa_object, inputs, decision, tuple(findings), history_known)


def explain_scope(snapshot: Snapshot, namespace: Optional[str], settings: ControllerSettings = ControllerSettings(),
                  at: Optional[float] = None, where: str = "") -> list[Explanation]:
    """Every HPA of the snapshot in ``namespace`` (None: all), in file order; :class:`NoHPA` when there is none."""
    hpas = [h for h in snapshot.hpas if namespace is None or namespace_of(h, "default") == namespace]
    if not hpas:
        raise NoHPA(f"no HorizontalPodAutoscaler found {where}")
    return [explain_hpa(snapshot, hpa, settings, at) for hpa in hpas]
