"""Snapshot files (what the API serves, as a v1 List or a YAML stream) -> the core's SyncInput.

The public face of the snapshot reader; each idea has its own module:

- :mod:`.document`: text or decoded objects -> :class:`Snapshot` (Lists flattened, objects by kind, failed reads);
- :mod:`.errors`: :class:`SnapshotError` and how malformed input is worded (:func:`malformed`);
- :mod:`.fields`: typed field readers (timestamps, quantities, integers) that name the field in errors;
- :mod:`.hpa`: the HorizontalPodAutoscaler, with the API's defaulting;
- :mod:`.workload`: the scale target's /scale (a Scale object, or derived from the workload);
- :mod:`.pods`: Pods and their requests, parsed once per snapshot and looked up by selector;
- :mod:`.index`: objects by label pair, so a selector's objects are found without a scan (``explain -A``);
- :mod:`.readings`: metric API objects (PodMetrics, MetricValueList, ExternalMetricValueList) and failed metric reads;
- :mod:`.state`: our ControllerState (the controller's memory);
- :mod:`.assemble`: choosing the HPA and assembling its SyncInput.

A snapshot holds the HorizontalPodAutoscaler, its scale target (or an autoscaling/v1 Scale), the
Pods, the metric API objects and optionally Events, APIServices and our ``ControllerState``. Bad
input raises :class:`SnapshotError`, worded as one line that names the object and field.
"""

from __future__ import annotations

from .assemble import AmbiguousHPA, choose_hpa, hpa_status, selecting_hpas, sync_input
from .document import Snapshot, decode_text, load_document, load_documents, load_text
from .errors import MALFORMED, SnapshotError, malformed
from .hpa import DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, parse_hpa
from .pods import parse_pod
from .readings import METRIC_API_WRAP, metric_failure, newest_metric_time, readings_for
from .state import parse_state
from .workload import parse_scale, scale_failure

__all__ = [
    "DEFAULT_SCALE_DOWN",
    "DEFAULT_SCALE_UP",
    "MALFORMED",
    "METRIC_API_WRAP",
    "AmbiguousHPA",
    "Snapshot",
    "SnapshotError",
    "choose_hpa",
    "decode_text",
    "hpa_status",
    "load_document",
    "load_documents",
    "load_text",
    "malformed",
    "metric_failure",
    "newest_metric_time",
    "parse_hpa",
    "parse_pod",
    "parse_scale",
    "parse_state",
    "readings_for",
    "scale_failure",
    "selecting_hpas",
    "sync_input",
]
