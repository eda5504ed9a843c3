"""The results folder: one sub-folder per scenario with everything needed to judge a run afterwards.

    results/<run>/
      README.md               the run in one page: verdicts, timings against budgets, load delivered, prediction
                              error, set-up errors, where to look next (written at the end, even after Ctrl-C)
      session.log             the harness's own log (set-up steps, tool downloads, cluster creation)
      installed.json          what the harness created in the cluster, and what it found there and left alone
      cluster/                on a failure or interrupt: events, describe, component logs, explain -A, kind logs
      junit.xml               (CI) pytest's JUnit report
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


def plan_cut_to(plan: dict, seconds: float) -> dict:
    """The stages plan as it actually ran when the load stopped after ``seconds``: stages past the stop are dropped
    and the last one is shortened (a ramp keeps its slope: its target becomes the value reached at the stop)."""
    from kubectl_hpa.pipeline.stages import parse_duration

    stages = list(plan.get("stages", []))
    key = "rate" if stages and "rate" in stages[0] else "users"
    out: list[dict] = []
    elapsed, previous = 0.0, 0.0
    for stage in stages:
        length = parse_duration(str(stage["duration"]), "duration")
        target = float(stage.get(key, 0))
        if elapsed + length <= seconds + 1e-9:
            out.append(stage)
        else:
            kept = seconds - elapsed
            if kept >= 1:
                cut = {**stage, "duration": f"{int(round(kept))}s"}
                if stage.get("ramp"):
                    reached = previous + (target - previous) * kept / length
                    cut[key] = round(reached, 3) if key == "rate" else int(round(reached))
                out.append(cut)
            break
        elapsed += length
        previous = target
    return {**plan, "stages": out}


def prediction_error(document: dict) -> Optional[dict]:
    """The ``comparison`` block of ``simulate -o json --compare-with`` (mean/RMS/max absolute error, share equal)."""
    return document.get("comparison")


def write_simulation_inputs(folder: Path, scenario_path: Path, plan_path: Path, load_seconds: float,
                            recorded_seconds: float) -> Path:
    """Write simulate-stages.yaml and simulate-scenario.yaml for this run (the plan cut to the load that actually
    ran, then idle for the rest of the recording); return the scenario path."""
    plan = plan_cut_to(yaml.safe_load(plan_path.read_text()), load_seconds)
    idle = max(0.0, recorded_seconds - load_seconds)
    stages_out = folder / "simulate-stages.yaml"
    stages_out.write_text(yaml.safe_dump(plan_with_idle_tail(plan, idle), sort_keys=False))
    scenario = yaml.safe_load(scenario_path.read_text())
    scenario_out = folder / "simulate-scenario.yaml"
    scenario_out.write_text(yaml.safe_dump(scenario_for_run(scenario, scenario_path.parent, stages_out,
                                                            recorded_seconds), sort_keys=False))
    return scenario_out


# ----------------------------------------------------------------------------- the run's README

def _outcome_cell(summary: dict, check: str) -> str:
    for outcome in summary.get("outcomes", []):
        if outcome.get("check") == check:
            seconds = outcome.get("seconds")
            bounds = []
            if outcome.get("notBefore") is not None:
                bounds.append(f"≥ {outcome['notBefore']:.0f}s")
            if outcome.get("deadline") is not None:
                bounds.append(f"≤ {outcome['deadline']:.0f}s")
            measured = "—" if seconds is None else f"{seconds:.0f}s"
            return f"{'PASS' if outcome.get('passed') else 'FAIL'} {measured}" + (f" ({', '.join(bounds)})" if bounds
                                                                                   else "")
    return "not checked"


def _load_cell(summary: dict) -> str:
    load = summary.get("load") or {}
    delivered = load.get("delivered") or {}
    if not load:
        return "never started"
    text = f"{load.get('seconds', 0):.0f}s"
    if delivered:
        text += (f", {delivered.get('requests')} req ({delivered.get('failures')} failed), "
                 f"{delivered.get('shareOfPlan', 0):.0%} of plan")
    return text + (" (cut short)" if load.get("cutShort") else "")


def _prediction_cell(summary: dict) -> str:
    error = ((summary.get("prediction") or {}).get("error")) or {}
    if not error:
        return "none"
    return f"MAE {error.get('meanAbsoluteError')}, max {error.get('maxAbsoluteError')}, equal {error.get('shareEqual')}"


def render_run_readme(run_dir: Path, session: dict, summaries: list[dict]) -> str:
    """The run in one page (Markdown), from the session facts and each scenario's summary.json."""
    failed = [s for s in summaries if s.get("error") or not s.get("outcomes")
              or not all(o.get("passed") for o in s.get("outcomes", []))]
    verdict = session.get("verdict") or ("FAILED" if failed or session.get("errors") else "PASSED")
    lines = [f"# kubectl-hpa e2e run {run_dir.name}: {verdict}", ""]
    for key, label in (("cluster", "Cluster"), ("versions", "Pins"), ("command", "Command"),
                       ("duration", "Duration"), ("skipped", "Skipped")):
        if session.get(key):
            lines.append(f"- **{label}:** {session[key]}")
    lines.append("")
    if session.get("errors"):
        lines += ["## Errors outside the scenarios (set-up, teardown, interrupt)", ""]
        lines += [f"- {error}" for error in session["errors"]] + [""]
    if summaries:
        lines += ["## Scenarios", "",
                  "| scenario | verdict | scale-out | no scale-in under load | scale-in | load | simulate vs observed |",
                  "|---|---|---|---|---|---|---|"]
        for summary in summaries:
            name = summary.get("scenario", "?")
            ok = summary not in failed
            lines.append(f"| [{name}]({name}/) | {'PASS' if ok else 'FAIL'} | {_outcome_cell(summary, 'scale-out')} | "
                         f"{_outcome_cell(summary, 'no-scale-in-under-load')} | {_outcome_cell(summary, 'scale-in')} | "
                         f"{_load_cell(summary)} | {_prediction_cell(summary)} |")
        lines.append("")
        for summary in summaries:
            name = summary.get("scenario", "?")
            problems = [o["message"] for o in summary.get("outcomes", []) if not o.get("passed")]
            if summary.get("error"):
                problems.insert(0, summary["error"])
            if not problems:
                continue
            lines += [f"### {name}: what went wrong", ""] + [f"- {p}" for p in problems] + [""]
    else:
        lines += ["No scenario ran (see the errors above, and session.log).", ""]
    lines += ["## Where to look", "",
              "- `<scenario>/chart.png`: load, metric, predicted and observed replicas (simulate --plot)",
              "- `<scenario>/timeline.jsonl`, `poll-timeline.jsonl`: the observed run (replay: "
              "`kubectl hpa explain --timeline <file>`)",
              "- `<scenario>/explain.log`: `kubectl hpa explain` at the polls; `summary.json`: budgets and outcomes",
              "- `<scenario>/locust*`: the load as locust saw it (`locust.log` has its failures)",
              "- `session.log`: set-up; `installed.json`: what the harness created and what it left alone"]
    if (run_dir / "cluster" / "INDEX.md").exists():
        lines.append("- `cluster/INDEX.md`: the cluster's state at the failure (events, describe, component logs, "
                     "explain -A, kind logs)")
    return "\n".join(lines) + "\n"


def write_run_readme(run_dir: Path, session: dict) -> Path:
    summaries = []
    for path in sorted(run_dir.glob("*/summary.json")):
        try:
            summaries.append(json.loads(path.read_text()))
        except (OSError, ValueError) as error:
            summaries.append({"scenario": path.parent.name, "error": f"unreadable summary.json: {error}"})
    target = run_dir / "README.md"
    target.write_text(render_run_readme(run_dir, session, summaries))
    return target
