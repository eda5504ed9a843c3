"""What a check reads: the snapshot as served, the HPA object, the core's inputs and decision.

One :class:`Context` is built per HPA and handed to every check, so that the look-ups several
checks share (the HPA's pods, its events, the APIServices, the failed metrics) are written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..core.model import ControllerSettings, Decision, FetchError, MetricResult, SyncInput
from ..core.selector import SelectorError, parse_selector
from ..core.versions import ControllerVersion
from ..sources.kube import APISERVICES_COMPLETE, name_of, namespace_of
from ..sources.pods import selected_pod_objects
from ..sources.snapshot import Snapshot


@dataclass
class Context:
    """One HPA's evidence. ``inputs`` is None when the snapshot could not be assembled into a sync."""

    snapshot: Snapshot
    hpa: dict
    inputs: Optional[SyncInput]
    decision: Decision
    history_known: bool = True
    """Whether the controller's memory (recommendations, scale events) came with the snapshot."""

    @property
    def decision_version(self) -> ControllerVersion:
        """The controller emulated (what a version-dependent finding names)."""
        return self.inputs.settings.version if self.inputs is not None else ControllerSettings().version

    @property
    def namespace(self) -> str:
        return self.decision.hpa.namespace

    @property
    def name(self) -> str:
        return self.decision.hpa.name

    def apiservice(self, name: str) -> Optional[dict]:
        """The APIService named ``name`` (``v1beta1.metrics.k8s.io``), if the snapshot carries it."""
        for item in self.snapshot.of_kind("APIService"):
            if name_of(item) == name:
                return item
        return None

    def apiservices_of(self, group: str) -> list[dict]:
        """Every APIService of ``group``, whatever its version (an APIService is named ``VERSION.GROUP``)."""
        return [item for item in self.snapshot.of_kind("APIService") if name_of(item).split(".", 1)[-1] == group]

    @property
    def apiservices_complete(self) -> bool:
        """Whether an absent APIService is absent from the cluster, not just from the file."""
        return self.snapshot.annotations.get(APISERVICES_COMPLETE) == "complete"

    @property
    def keda_present(self) -> bool:
        """Whether KEDA is in the picture: a ScaledObject, KEDA's APIService, or a ScaledObject owning this HPA."""
        owners = (self.hpa.get("metadata") or {}).get("ownerReferences") or ()
        return (bool(self.snapshot.of_kind("ScaledObject")) or bool(self.apiservices_of("keda.sh"))
                or any(o.get("kind") == "ScaledObject" for o in owners))

    def metric_errors(self, *types: str) -> list[MetricResult]:
        """The metrics of these source types that the controller could not compute."""
        return [m for m in self.decision.metrics if m.error is not None and m.spec.type in types]

    def uses(self, *types: str) -> bool:
        """Whether the HPA has a metric of one of these source types."""
        return any(spec.type in types for spec in self.decision.hpa.metrics)

    @property
    def selector(self) -> Optional[str]:
        """The target's ``status.selector`` from its /scale, None when the scale was not read."""
        if self.inputs is None or isinstance(self.inputs.scale, FetchError):
            return None
        return self.inputs.scale.selector

    def pods(self) -> list[dict]:
        """The pods the controller counts: every pod in the namespace that the scale's selector matches.

        Looked up in the snapshot's pod index and kept per (namespace, selector) (:func:`selected_pod_objects`):
        several checks ask, for every HPA of ``explain -A``."""
        selector = self.selector
        if not selector:
            return []
        try:
            matcher = parse_selector(selector)
        except SelectorError:
            return []
        return list(selected_pod_objects(self.snapshot, self.namespace, matcher))

    def events(self, reason: Optional[str] = None) -> list[dict]:
        """The events about this HPA (optionally of one reason), in file order (grouped by HPA once per snapshot)."""
        return [item for item in hpa_events(self.snapshot).get((self.namespace, self.name), ())
                if reason is None or item.get("reason") == reason]


def hpa_events(snapshot: Snapshot) -> dict[tuple[Any, Any], list[dict]]:
    """The snapshot's events about HPAs by (namespace, name) of the HPA, in file order; once per snapshot."""

    def group() -> dict[tuple[Any, Any], list[dict]]:
        by_hpa: dict[tuple[Any, Any], list[dict]] = {}
        for item in snapshot.of_kind("Event"):
            involved = item.get("involvedObject") or {}
            if involved.get("kind") != "HorizontalPodAutoscaler":
                continue
            try:
                by_hpa.setdefault((involved.get("namespace") or namespace_of(item), involved.get("name")), []).append(item)
            except TypeError:  # a list for a name or namespace (a hand-written file): about no HPA
                continue
        return by_hpa

    return snapshot.derived(("hpa events",), group)
