"""``kubectl hpa explain``: why an HPA has the replicas it has, step by step."""

from __future__ import annotations

import sys
import time
from typing import Optional

import click

from ..core.decide import decide
from ..core.model import Decision
from ..sources.snapshot import AmbiguousHPA, Snapshot, SnapshotError, choose_hpa, hpa_status, load_text, sync_input
from ..timefmt import parse_time
from .common import OUTPUT_FORMATS, OutputEnv, UserError, controller_options, settings_from


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
@click.option("-f", "--filename", required=True, metavar="FILE",
              help="Snapshot to explain: a YAML/JSON v1 List or YAML stream of the HPA, its target, pods and "
                   "metric objects ('-' reads standard input).")
@click.option("-n", "--namespace", metavar="NS", help="Only HPAs in this namespace.")
@click.option("-A", "--all-namespaces", is_flag=True, help="Every HPA in the file (with -o table).")
@click.option("-o", "--output", type=click.Choice(OUTPUT_FORMATS), metavar="|".join(OUTPUT_FORMATS),
              help="table: one summary row per HPA; wide: the trace with every pod; json|yaml: the document. "
                   "Default: the step-by-step trace.")
@click.option("--at", "at", metavar="RFC3339", help="Evaluate at this time (default: the snapshot's "
              "kubectl-hpa.io/captured-at annotation, else its newest metric timestamp).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour on a terminal; NO_COLOR turns it off.")
@controller_options
def explain(name: Optional[str], filename: str, namespace: Optional[str], all_namespaces: bool,
            output: Optional[str], at: Optional[str], color: str, **controller: Optional[float]) -> None:
    """Explain why an HPA has the replicas it has, exactly as the controller computes it.

    \b
    Examples:
      kubectl hpa explain -f fixtures/snapshots/bootcamp-cpu-219.yaml
      kubectl hpa explain web -n shop -f snapshot.yaml -o json
      kubectl get hpa,deploy,pods -n shop -o yaml | kubectl hpa explain -f - web
    """
    env = OutputEnv.detect(color)
    settings = settings_from(**controller)
    snapshot = _read(filename)
    moment = _at(at)
    scope = None if all_namespaces else namespace
    if output == "table" and name is None:
        hpas = [h for h in snapshot.hpas if scope is None or (h.get("metadata") or {}).get("namespace", "default") == scope]
        if not hpas:
            raise UserError(f"{snapshot.source}: no HorizontalPodAutoscaler in the file")
        decisions = [_decide(snapshot, h, settings, moment)[0] for h in hpas]
        from ..render.summary import render_table

        env.write(render_table(decisions))
        return
    try:
        chosen = choose_hpa(snapshot, name, scope)
    except SnapshotError as error:
        raise UserError(str(error)) from None
    except AmbiguousHPA as several:
        click.echo(f"error: {snapshot.source} holds {len(several.keys)} HorizontalPodAutoscalers; name one "
                   f"(kubectl hpa explain NAME -f {filename}) or use -o table: {', '.join(several.keys)}", err=True)
        sys.exit(2)
    decision, history_known = _decide(snapshot, chosen, settings, moment)
    live = hpa_status(chosen)
    if output in ("json", "yaml"):
        from ..render.document import decision_document, to_json, to_yaml

        document = decision_document(decision, history_known=history_known, live_status=live)
        env.write(to_json(document) if output == "json" else to_yaml(document))
    elif output == "table":
        from ..render.summary import render_table

        env.write(render_table([decision]))
    else:
        from ..render.trace import render_trace

        env.write(render_trace(decision, env.style, wide=output == "wide", history_known=history_known,
                               live_status=live))


def _decide(snapshot: Snapshot, hpa_object: dict, settings, moment: Optional[float]) -> tuple[Decision, bool]:
    try:
        inputs = sync_input(snapshot, hpa_object, settings, at=moment, fallback_now=time.time())
    except SnapshotError as error:
        raise UserError(str(error)) from None
    return decide(inputs), inputs.state is not None
