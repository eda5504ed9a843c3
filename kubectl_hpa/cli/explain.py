"""``kubectl hpa explain``: why an HPA has the replicas it has, step by step, and what is broken behind it.

Exit codes: 0 no problem found, 1 error (bad input, cluster unreachable, ...),
2 usage, 3 a diagnostic found a problem (a failing metric, a pipeline fault).
Reading a cluster, exit 3 is on by default; with ``-f`` it needs ``--exit-code``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Optional

import click

from ..core.decide import decide
from ..core.model import Decision, SyncInput
from ..sources.cluster_client import ConnectionOptions
from ..sources.snapshot import AmbiguousHPA, Snapshot, SnapshotError, choose_hpa, hpa_status, load_text, sync_input
from ..timefmt import parse_time
from .common import OUTPUT_FORMATS, OutputEnv, UserError, controller_options, settings_from
from .connection import connection_options

EXIT_PROBLEMS = 3


def _read(filename: str) -> Snapshot:
    source = "<stdin>" if filename == "-" else filename
    try:
        if filename == "-":
            text = sys.stdin.read()
        else:
            with open(filename, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        raise UserError(f"{source}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UserError(f"{source}: not a text file (expected YAML or JSON)") from None
    try:
        return load_text(text, source)
    except SnapshotError as error:
        raise UserError(str(error)) from None


def read_cluster(connection: ConnectionOptions, name: Optional[str], namespace: Optional[str],
                 all_namespaces: bool) -> tuple[dict, Snapshot, str]:
    """Read the cluster into a snapshot document and parse it exactly as ``-f`` would. Returns the namespace used."""
    from ..sources.cluster import read_all, read_hpa
    from ..sources.cluster_client import ClusterError, connect

    try:
        client = connect(connection)
        scope = None if all_namespaces else (namespace or client.namespace)
        document = read_hpa(client, name, scope) if name else read_all(client, scope)
    except ClusterError as error:
        raise UserError(str(error)) from None
    try:
        snapshot = load_text(json.dumps(document), f"cluster {client.context or client.host}")
    except SnapshotError as error:
        raise UserError(str(error)) from None
    return document, snapshot, scope or ""


def _at(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 time (e.g. 2026-11-30T10:00:00Z)",
                                 param_hint="--at") from None


@click.command()
@click.argument("name", required=False)
@click.option("-f", "--filename", metavar="FILE",
              help="Explain a snapshot instead of the cluster: a YAML/JSON v1 List or YAML stream of the HPA, its "
                   "target, pods and metric objects ('-' reads standard input; `kubectl hpa snapshot` writes one).")
@click.option("-n", "--namespace", metavar="NS", help="The namespace (default: the kubeconfig context's).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Every HPA in every namespace: one summary row each.")
@click.option("-o", "--output", type=click.Choice(OUTPUT_FORMATS), metavar="|".join(OUTPUT_FORMATS),
              help="table: one summary row per HPA; wide: the trace with every pod; json|yaml: the document. "
                   "Default: the step-by-step trace and the diagnosis.")
@click.option("--at", "at", metavar="RFC3339", help="Evaluate at this time (default: the snapshot's "
              "kubectl-hpa.io/captured-at annotation, else its newest metric timestamp).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour on a terminal; NO_COLOR turns it off.")
@click.option("--timeline", "timeline", metavar="FILE.jsonl", type=click.Path(dir_okay=False),
              help="Replay a recording of `kubectl hpa watch --record`: per rescale, what the controller saw and "
                   "why it moved.")
@click.option("--exit-code/--no-exit-code", "exit_code", default=None,
              help="Exit 3 when a diagnostic finds a problem (default: on for a cluster, off with -f).")
@connection_options
@controller_options
def explain(name: Optional[str], filename: Optional[str], namespace: Optional[str], all_namespaces: bool,
            output: Optional[str], at: Optional[str], color: str, timeline: Optional[str], exit_code: Optional[bool],
            connection: ConnectionOptions, **controller: Optional[float]) -> None:
    """Explain why an HPA has the replicas it has, exactly as the controller computes it, and diagnose its
    metric pipeline.

    \b
    Examples:
      kubectl hpa explain web -n shop                # read the cluster: trace + diagnosis
      kubectl hpa explain -A                         # every HPA, one row each, verdict first
      kubectl hpa explain -f fixtures/snapshots/bootcamp-cpu-219.yaml
      kubectl hpa snapshot web -n shop > snap.yaml && kubectl hpa explain -f snap.yaml

    \b
    Exit codes: 0 no problem found, 1 error, 2 usage error, 3 a problem found
    (with -f only when --exit-code is given).
    """
    env = OutputEnv.detect(color)
    if timeline is not None:
        _replay(env, timeline, name, namespace)
        return
    settings = settings_from(controller)
    moment = _at(at)
    live = filename is None
    if live and name and all_namespaces:
        raise click.UsageError("a resource cannot be retrieved by name across all namespaces")
    if filename is None:
        _document, snapshot, scope_ns = read_cluster(connection, name, namespace, all_namespaces)
        scope = None if all_namespaces else scope_ns
        table = name is None
    else:
        snapshot = _read(filename)
        scope = None if all_namespaces else namespace
        table = output == "table" and name is None
    fail_on_problems = live if exit_code is None else exit_code
    if table:
        hpas = [h for h in snapshot.hpas if scope is None or (h.get("metadata") or {}).get("namespace", "default") == scope]
        if not hpas:
            where = f"in namespace {scope}" if scope else "in the file" if not live else "in any namespace"
            raise UserError(f"no HorizontalPodAutoscaler found {where}")
        rows = [_explain(snapshot, h, settings, moment) for h in hpas]
        if output in ("json", "yaml"):
            from ..render.document import decision_document, to_json, to_yaml

            documents = {"apiVersion": "v1", "kind": "List", "items": [
                decision_document(d, history_known=k, live_status=hpa_status(h), findings=f)
                for h, (d, k, f) in zip(hpas, rows, strict=True)]}
            env.write(to_json(documents) if output == "json" else to_yaml(documents))
        else:
            env.write(_table(rows))
        problems = any(_problems(f) for _d, _k, f in rows)
        if problems and fail_on_problems:
            sys.exit(EXIT_PROBLEMS)
        return
    try:
        chosen = choose_hpa(snapshot, name, scope)
    except SnapshotError as error:
        raise UserError(str(error)) from None
    except AmbiguousHPA as several:
        click.echo(f"error: {snapshot.source} holds {len(several.keys)} HorizontalPodAutoscalers; name one "
                   f"(kubectl hpa explain NAME -f {filename}) or use -o table: {', '.join(several.keys)}", err=True)
        sys.exit(2)
    decision, history_known, findings = _explain(snapshot, chosen, settings, moment)
    live_status = hpa_status(chosen)
    if output in ("json", "yaml"):
        from ..render.document import decision_document, to_json, to_yaml

        document = decision_document(decision, history_known=history_known, live_status=live_status,
                                     findings=findings)
        env.write(to_json(document) if output == "json" else to_yaml(document))
    elif output == "table":
        env.write(_table([(decision, history_known, findings)]))
    else:
        from ..render.trace import render_diagnosis, render_trace

        env.write(render_trace(decision, env.style, wide=output == "wide", history_known=history_known,
                               live_status=live_status))
        env.write(render_diagnosis(findings, env.style, wide=output == "wide"))
    if fail_on_problems and _problems(findings):
        sys.exit(EXIT_PROBLEMS)


def _replay(env: OutputEnv, timeline: str, name: Optional[str], namespace: Optional[str]) -> None:
    from pathlib import Path

    from ..record import RecordError
    from ..watch.replay import load, render_replay

    try:
        observations = load(Path(timeline), name, namespace)
    except RecordError as error:
        raise UserError(str(error)) from None
    env.write(render_replay(observations, env.style))


def _problems(findings: list) -> bool:
    from ..diagnose import has_problems

    return has_problems(findings)


def _table(rows: list[tuple[Decision, bool, list]]) -> str:
    from tabulate import tabulate

    from ..render.summary import SUMMARY_HEADERS, summary_row

    lines = []
    for decision, _known, findings in rows:
        problems = [f.id for f in findings if f.severity in ("error", "warning")]
        lines.append([*summary_row(decision), ",".join(dict.fromkeys(problems)) or "-"])
    return tabulate(lines, headers=[*SUMMARY_HEADERS, "PROBLEMS"], tablefmt="plain", disable_numparse=True) + "\n"


def _explain(snapshot: Snapshot, hpa_object: dict, settings, moment: Optional[float]) -> tuple[Decision, bool, list]:
    from ..diagnose import diagnose

    inputs: Optional[SyncInput]
    try:
        inputs = sync_input(snapshot, hpa_object, settings, at=moment, fallback_now=time.time())
    except SnapshotError as error:
        raise UserError(str(error)) from None
    decision = decide(inputs)
    history_known = inputs.state is not None
    return decision, history_known, diagnose(snapshot, hpa_object, inputs, decision, history_known)
