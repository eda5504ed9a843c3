"""``kubectl hpa explain``: why an HPA has the replicas it has, step by step, and what is broken behind it.

Exit codes: 0 no problem found, 1 error (bad input, cluster unreachable, ...),
2 usage, 3 a diagnostic found a problem (a failing metric, a pipeline fault).
Reading a cluster, exit 3 is on by default; with ``-f`` it needs ``--exit-code``.
"""

from __future__ import annotations

import sys
from typing import Optional

import click

from ..sources.options import ConnectionOptions
from .common import OutputEnv, UserError, controller_options, parse_at, user_errors
from .connection import connection_options
from .formats import EXPLAIN_CHOICES, EXPLAIN_HELP, explain_format
from .versioning import check_version_flags, snapshot_version, version_options

EXIT_PROBLEMS = 3
EXIT_SEVERAL_HPAS = 2


@click.command()
@click.argument("name", required=False)
@click.option("-f", "--filename", metavar="FILE",
              help="Explain a snapshot instead of the cluster: a YAML/JSON v1 List or YAML stream of the HPA, its "
                   "target, pods and metric objects ('-' reads standard input; `kubectl hpa snapshot` writes one).")
@click.option("-n", "--namespace", metavar="NS", help="The namespace (default: the kubeconfig context's).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Every HPA in every namespace: one summary row each.")
@click.option("-o", "--output", type=click.Choice(EXPLAIN_CHOICES), metavar="|".join(EXPLAIN_CHOICES),
              help=EXPLAIN_HELP)
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
@version_options
def explain(name: Optional[str], filename: Optional[str], namespace: Optional[str], all_namespaces: bool,
            output: Optional[str], at: Optional[str], color: str, timeline: Optional[str], exit_code: Optional[bool],
            connection: ConnectionOptions, kubernetes_version: Optional[str], feature_gates: Optional[str],
            **controller: Optional[float]) -> None:
    """Explain why an HPA has the replicas it has, exactly as the controller computes it, and diagnose its
    metric pipeline.

    \b
    Examples:
      kubectl hpa explain web -n shop                # read the cluster: trace + diagnosis
      kubectl hpa explain -A                         # every HPA, one row each, verdict first
      kubectl hpa explain -f fixtures/snapshots/bootcamp-cpu-219.yaml
      kubectl hpa snapshot web -n shop > snap.yaml && kubectl hpa explain -f snap.yaml

    \b
    Exit codes: 0 no problem found, 1 error, 2 usage error (a Kubernetes version or feature
    gate that cannot be emulated too), 3 a problem found (with -f only when --exit-code is given).
    """
    from ..sources.snapshot import AmbiguousHPA, choose_hpa
    from ..usecases.explain import NoResources, explain_hpa, explain_scope, large_yaml_note, read_cluster, read_file

    env = OutputEnv.detect(color)
    if timeline is not None:
        _replay(env, timeline, name, namespace)
        return
    check_version_flags(kubernetes_version, feature_gates)
    moment = parse_at(at)
    live = filename is None
    if live and name and all_namespaces:
        raise click.UsageError("a resource cannot be retrieved by name across all namespaces")
    fail_on_problems = live if exit_code is None else exit_code
    formatter = explain_format(output)
    with user_errors():
        if filename is None:
            try:
                read = read_cluster(connection, name, namespace, all_namespaces)
            except NoResources as empty:  # as kubectl get: a sentence on stderr (-o json|yaml: an empty List)
                if output in ("json", "yaml"):
                    env.write(formatter.many([], env))
                else:
                    click.echo(str(empty), err=True)
                return
            snapshot, scope, several = read.snapshot, read.namespace, name is None
        else:
            large = large_yaml_note(filename)
            if large:
                click.echo(f"note: {large}", err=True)
            snapshot = read_file(filename)
            scope, several = (None if all_namespaces else namespace), output == "table" and name is None
        choice = snapshot_version(kubernetes_version, feature_gates, snapshot,
                                  "the cluster" if live else "the snapshot's cluster")
        settings = choice.settings(controller)
        if several:
            where = f"in namespace {scope}" if scope else "in the file" if not live else "in any namespace"
            explanations = explain_scope(snapshot, scope, settings, moment, where)
            choice.say()  # once there is an explanation to say it about
            env.write(formatter.many(explanations, env))
            if fail_on_problems and any(e.has_problems for e in explanations):
                sys.exit(EXIT_PROBLEMS)
            return
        try:
            chosen = choose_hpa(snapshot, name, scope)
        except AmbiguousHPA as ambiguous:
            click.echo(f"error: {snapshot.source} holds {len(ambiguous.keys)} HorizontalPodAutoscalers; name one "
                       f"(kubectl hpa explain NAME -f {filename}) or use -o table: {', '.join(ambiguous.keys)}",
                       err=True)
            sys.exit(EXIT_SEVERAL_HPAS)
        explanation = explain_hpa(snapshot, chosen, settings, moment)
    choice.say()
    env.write(formatter.one(explanation, env))
    if fail_on_problems and explanation.has_problems:
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
