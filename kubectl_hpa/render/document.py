"""The stable JSON/YAML document of one decision (``-o json|yaml``); schema in the README."""

from __future__ import annotations

import json
import math
from typing import Any, Optional

from ..core.model import (
    CONTAINER_RESOURCE,
    OBJECT,
    ControllerState,
    Decision,
    MetricResult,
    MetricTarget,
)
from ..core.quantity import format_milli
from ..core.versions import ControllerVersion
from ..timefmt import format_time

API_VERSION = "kubectl-hpa.io/v1alpha1"


def _quantity(milli: Optional[int]) -> Optional[str]:
    return None if milli is None else format_milli(milli)


def _target(target: MetricTarget) -> dict:
    out: dict[str, Any] = {"type": target.type}
    if target.average_utilization is not None:
        out["averageUtilization"] = target.average_utilization
    if target.value is not None:
        out["value"] = format_milli(target.value)
    if target.average_value is not None:
        out["averageValue"] = format_milli(target.average_value)
    return out


def _ratio(value: Optional[float]) -> Optional[float]:
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)


def metric_document(result: MetricResult) -> dict:
    spec = result.spec
    out: dict[str, Any] = {"type": spec.type, "name": spec.name}
    if spec.type == CONTAINER_RESOURCE:
        out["container"] = spec.container
    if spec.type == OBJECT and spec.described_object:
        out["describedObject"] = {"kind": spec.described_object.kind, "name": spec.described_object.name}
    out["description"] = result.description
    out["target"] = _target(spec.target)
    current: dict[str, Any] = {}
    if result.utilization is not None:
        current["averageUtilization"] = result.utilization
    if result.average_value is not None:
        current["averageValue"] = format_milli(result.average_value)
    if result.value is not None:
        current["value"] = format_milli(result.value)
    out["current"] = current
    out["usageRatio"] = _ratio(result.usage_ratio)
    out["proposedReplicas"] = result.proposed_replicas
    if result.path:
        out["path"] = result.path
    if result.multiplier is not None:
        out["multiplier"] = result.multiplier
    if result.pods is not None:
        out["pods"] = {
            "ready": list(result.pods.ready),
            "unready": [{"name": name, "reason": why} for name, why in result.pods.unready.items()],
            "missing": list(result.pods.missing),
            "ignored": [{"name": name, "reason": why} for name, why in result.pods.ignored.items()],
        }
    if result.rebalance is not None:
        rebalance = result.rebalance
        out["rebalance"] = {
            "missingPodsCountedAs": _quantity(rebalance.missing_fill),
            "unreadyPodsCountedAsZero": rebalance.unready_as_zero,
            "usageRatio": _ratio(rebalance.new_ratio),
            "samples": rebalance.samples,
            "keptCurrentBecause": rebalance.guard,
        }
    if result.timestamp:
        out["timestamp"] = format_time(result.timestamp)
    if result.error is not None:
        out["error"] = result.error
        out["reason"] = result.error_reason
    return out


def state_document(state: Optional[ControllerState]) -> Optional[dict]:
    if state is None:
        return None
    return {
        "recommendations": [{"timestamp": format_time(r.timestamp), "replicas": r.replicas}
                            for r in state.recommendations],
        "scaleUpEvents": [{"timestamp": format_time(e.timestamp), "replicaChange": e.replica_change}
                          for e in state.scale_up_events],
        "scaleDownEvents": [{"timestamp": format_time(e.timestamp), "replicaChange": e.replica_change}
                            for e in state.scale_down_events],
    }


def controller_fields(controller: ControllerVersion) -> dict[str, Any]:
    """``kubernetesVersion`` (``"1.37"``) and ``featureGates`` (every HPA-relevant gate of that release, with its
    value): which controller a document's numbers come from. Shared by the Explanation and Simulation documents."""
    return {"kubernetesVersion": controller.release, "featureGates": controller.gates()}


def decision_document(decision: Decision, history_known: bool = True,
                      live_status: Optional[dict] = None, findings: Optional[list] = None,
                      controller: Optional[ControllerVersion] = None) -> dict:
    hpa = decision.hpa
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Explanation",
        "metadata": {"name": hpa.name, "namespace": hpa.namespace},
        "evaluatedAt": format_time(decision.now),
        **(controller_fields(controller) if controller is not None else {}),
        "scaleTargetRef": {"kind": hpa.scale_target.kind, "name": hpa.scale_target.name},
        "minReplicas": hpa.effective_min_replicas,
        "maxReplicas": hpa.max_replicas,
        "currentReplicas": decision.current_replicas,
        "desiredReplicas": decision.desired_replicas,
        "branch": decision.branch,
        "tolerance": {"scaleDown": decision.tolerance[0], "scaleUp": decision.tolerance[1]},
        "metrics": [metric_document(result) for result in decision.metrics],
        "proposedReplicas": decision.proposed_replicas,
        "proposingMetric": decision.proposing_metric,
    }
    if decision.stabilization is not None:
        s = decision.stabilization
        doc["stabilization"] = {
            "scaleUpWindowSeconds": None if s.up_window is None else int(s.up_window),
            "scaleDownWindowSeconds": int(s.down_window),
            "scaleUpRecommendation": s.up_recommendation, "scaleDownRecommendation": s.down_recommendation,
            "result": s.result, "reason": s.reason,
            "scaleDownAllowedAt": format_time(s.allowed_down_at) if s.allowed_down_at else None,
        }
    if decision.rate_limit is not None:
        r = decision.rate_limit
        doc["limits"] = {
            "lowerBound": r.lower_bound, "upperBound": r.upper_bound, "result": r.result, "reason": r.reason,
            "policies": [{"type": p.policy.type, "value": p.policy.value, "periodSeconds": p.policy.period_seconds,
                          "periodStartReplicas": p.period_start_replicas, "limit": p.limit}
                         for p in r.policy_limits],
        }
    doc["rescale"] = decision.rescale
    if decision.rescale:
        doc["rescaleReason"] = decision.rescale_reason
    doc["conditions"] = [{"type": c.type, "status": c.status, "reason": c.reason, "message": c.message}
                         for c in decision.conditions]
    doc["events"] = [{"type": e.type, "reason": e.reason, "message": e.message} for e in decision.events]
    if decision.error:
        doc["error"] = decision.error
    doc["controllerHistory"] = "known" if history_known else "unknown"
    doc["controllerState"] = state_document(decision.state)
    if live_status:
        doc["liveStatus"] = compare_with_status(decision, live_status)
    if findings is not None:
        doc["findings"] = [finding.document() for finding in findings]
    return doc


def compare_with_status(decision: Decision, status: dict) -> dict:
    """Our desired count against the live ``status.desiredReplicas`` of the HPA."""
    live = status.get("desiredReplicas")
    out: dict[str, Any] = {"desiredReplicas": live, "currentReplicas": status.get("currentReplicas")}
    if live is not None:
        out["matches"] = live == decision.desired_replicas
    return out


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2) + "\n"


def to_yaml(document: Any) -> str:
    import yaml  # lazily; only -o yaml pays for it

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(document, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)
