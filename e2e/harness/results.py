"""The results folder: one sub-folder per scenario with everything needed to judge a run afterwards.

    results/<run>/<scenario>/
      timeline.jsonl          the recorded run (kubectl hpa watch --record, else the harness's polls)
      poll-timeline.jsonl     the harness's own polls, always (recording format of kubectl_hpa/record.py)
      explain.log             kubectl hpa explain at every poll
      locust_*.csv, locust.json, locust.log   load (CPU and custom-metric scenarios)
      simulate-scenario.yaml, simulate-stages.yaml   the simulate inputs for exactly this run
      prediction.json         kubectl hpa simulate -o json --compare-with timeline.jsonl (with "comparison")
      chart.png               simulate --plot: load, metric, predicted and observed replicas
      summary.json            budgets, assertion outcomes, load window, prediction error
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import yaml

from kubectl_hpa.core.quantity import parse_quantity
from kubectl_hpa.record import Observation


def new_run_dir(base: Path, clock: float | None = None) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if clock is None else clock))
    path = base / stamp
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    return path


def _number(value: Any) -> Any:
    try:
        return float(parse_quantity(value))
    except (ValueError, TypeError, ArithmeticError):
        return value


def metric_entries(hpa: dict) -> list[dict]:
    """status.currentMetrics joined with spec.metrics targets, in the recording's ``metrics`` shape."""
    spec_metrics = hpa.get("spec", {}).get("metrics", []) or []
    out = []
    for index, current in enumerate(hpa.get("status", {}).get("currentMetrics", []) or []):
        kind = current.get("type", "")
        body = current.get(kind[:1].lower() + kind[1:], {}) if kind else {}
        name = body.get("name") or (body.get("metric") or {}).get("name", "?")
        target = ((spec_metrics[index] if index < len(spec_metrics) else {}).get(kind[:1].lower() + kind[1:], {})
                  .get("target", {}))
        value = body.get("current", {})
        if "averageUtilization" in value:
            entry = {"name": name, "current": value["averageUtilization"], "target": target.get("averageUtilization"),
                     "unit": "%"}
        else:
            raw = value.get("averageValue", value.get("value"))
            entry = {"name": name, "current": _number(raw), "target": _number(target.get("averageValue",
                                                                                         target.get("value")))}
        out.append(entry)
    return out


def observation(hpa: dict, deployment: dict, t: float) -> Observation:
    """One recording line from an HPA and its scale target read at wall time ``t``."""
    meta = hpa.get("metadata", {})
    status = hpa.get("status", {})
    conditions = tuple({k: c.get(k) for k in ("type", "status", "reason", "message") if c.get(k) is not None}
                       for c in status.get("conditions", []) or [])
    return Observation(
        time=t, namespace=meta.get("namespace", "default"), name=meta.get("name", "?"),
        current_replicas=int(deployment.get("spec", {}).get("replicas", status.get("currentReplicas", 0)) or 0),
        desired_replicas=status.get("desiredReplicas"),
        ready_replicas=int(deployment.get("status", {}).get("readyReplicas", 0) or 0),
        metrics=tuple(metric_entries(hpa)), conditions=conditions, extra={"source": "e2e-harness-poll"})


def trim_timeline(lines: list[str], start: float) -> list[str]:
    """The recording lines at or after ``start`` (the load start), so simulate's t = 0 is the load's t = 0."""
    from kubectl_hpa.timefmt import parse_time

    kept = []
    for line in lines:
        if line.strip() and parse_time(json.loads(line)["time"]) >= start - 0.5:
            kept.append(line)
    return kept


def plan_with_idle_tail(plan: dict, idle_s: float) -> dict:
    """A stages plan followed by ``idle_s`` seconds of nothing (what the cluster saw after the load ended)."""
    stages = list(plan.get("stages", []))
    key = "rate" if stages and "rate" in stages[0] else "users"
    tail = {"name": "e2e-idle-after-load", "duration": f"{max(1, int(round(idle_s)))}s", key: 0}
    return {**plan, "stages": [*stages, tail]}


def scenario_for_run(scenario: dict, scenario_dir: Path, stages_file: Path, duration_s: float) -> dict:
    """The fixture scenario made self-contained for this run: absolute HPA path, this run's stages, its length."""
    document = dict(scenario)
    if isinstance(document.get("hpa"), str):
        document["hpa"] = str((scenario_dir / document["hpa"]).resolve())
    document["load"] = {**document.get("load", {}), "type": "stages", "file": str(stages_file.resolve())}
    document["duration"] = f"{max(1, int(round(duration_s)))}s"
    return document


def prediction_error(document: dict) -> Optional[dict]:
    """The ``comparison`` block of ``simulate -o json --compare-with`` (mean/RMS/max absolute error, share equal)."""
    return document.get("comparison")


def write_simulation_inputs(folder: Path, scenario_path: Path, plan_path: Path, load_seconds: float,
                            recorded_seconds: float) -> Path:
    """Write simulate-stages.yaml and simulate-scenario.yaml for this run; return the scenario path."""
    plan = yaml.safe_load(plan_path.read_text())
    idle = max(0.0, recorded_seconds - load_seconds)
    stages_out = folder / "simulate-stages.yaml"
    stages_out.write_text(yaml.safe_dump(plan_with_idle_tail(plan, idle), sort_keys=False))
    scenario = yaml.safe_load(scenario_path.read_text())
    scenario_out = folder / "simulate-scenario.yaml"
    scenario_out.write_text(yaml.safe_dump(scenario_for_run(scenario, scenario_path.parent, stages_out,
                                                            recorded_seconds), sort_keys=False))
    return scenario_out
