"""``kubectl hpa tune``: the HPA settings a load wants, found by replaying candidate specs (``simulate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from ..sources.options import ConnectionOptions
from .common import OutputEnv, UserError, controller_options, duration_callback, user_errors
from .connection import connection_options
from .versioning import check_version_flags, say_notes, version_options

POSITIVE_DURATION = duration_callback(minimum=0.0, exclusive=True, examples="90m, 7d or 45s")
TUNE_FORMATS = ("table", "json", "yaml")


def _overload(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[tuple[str, float]]:
    """``--max-overload``: a duration (``10m``) or a share of the run (``1%``)."""
    if value is None:
        return None
    text = value.strip()
    if text.endswith("%"):
        try:
            share = float(text[:-1]) / 100
        except ValueError:
            raise click.BadParameter(f"{value!r}: want a duration such as 10m, or a share of the run such as 1%") \
                from None
        if not 0 <= share <= 1:
            raise click.BadParameter(f"{value!r}: a share from 0% to 100%")
        return ("share", share)
    seconds = duration_callback(examples="10m, 90s or 1%")(ctx, param, text)
    assert seconds is not None
    return ("seconds", seconds)


def _margin(ctx: click.Context, param: click.Parameter, value: str) -> float:
    text = value.strip()
    try:
        margin = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise click.BadParameter(f"{value!r}: want a share such as 20% or 0.2") from None
    if margin < 0:
        raise click.BadParameter(f"{value!r}: at least 0")
    return margin


@click.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False, type=click.Path(dir_okay=False))
@click.option("--hpa", "hpa_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="The current HPA as an autoscaling/v2 manifest, instead of the scenario's.")
@click.option("--vary", multiple=True, metavar="SETTING[=VALUES]",
              help="Search only these settings (repeat): target=50..80/5, minReplicas=2,3,4, "
                   "scaleDown.stabilizationWindowSeconds=0,5m, scaleDown.policies=Percent:10/60s,Pods:1/60s.")
@click.option("--fix", multiple=True, metavar="SETTING[=VALUE]",
              help="Hold a setting at its current value, or at VALUE, in every candidate (repeat).")
@click.option("--objective", type=click.Choice(("cost", "risk", "churn")), default="cost", show_default=True,
              help="What the recommendation minimizes among the specs that meet the constraints.")
@click.option("--max-overload", "max_overload", callback=_overload, metavar="DURATION|PERCENT",
              help="Most time the load per Ready pod may exceed a pod's capacity (default: the current spec's).")
@click.option("--max-rescales-per-hour", type=click.IntRange(min=0), metavar="N",
              help="Most rescales in any hour (default: the current spec's busiest hour).")
@click.option("--capacity", type=click.FloatRange(min=0, min_open=True), metavar="RPS",
              help="Requests/s one Ready pod serves before it is overloaded (default: where its CPU use reaches "
                   "its CPU request, from the scenario's workload model).")
@click.option("--margin", default="20%", show_default=True, callback=_margin, metavar="PERCENT",
              help="A metric above target by more than this counts toward OVER-TARGET+M.")
@click.option("--budget", type=click.IntRange(min=1, max=100_000), default=600, show_default=True, metavar="N",
              help="Most candidate specs to replay.")
@click.option("--workers", type=click.IntRange(min=1, max=64), metavar="N",
              help="Processes replaying candidates (default: the CPUs this process may use, at most 8).")
@click.option("--duration", callback=POSITIVE_DURATION, metavar="DURATION", help="Override the scenario's length (7d).")
@click.option("--seed", type=int, help="Seed for start-up time distributions (default: the scenario's).")
@click.option("--prometheus", "prometheus_url", metavar="URL", help="Replay load from a Prometheus range query.")
@click.option("--query", metavar="PROMQL", help="The range query giving requests/s (with --prometheus).")
@click.option("--since", callback=POSITIVE_DURATION, metavar="DURATION",
              help="How far back the query starts (default: the duration).")
@click.option("--step", "query_step", default="15s", show_default=True, metavar="DURATION", help="Query resolution.")
@click.option("--timeline", metavar="FILE.jsonl", type=click.Path(dir_okay=False),
              help="Replay the load a watch --record recording implies (read back through the workload model).")
@click.option("--from-cluster", "from_cluster", metavar="NAME",
              help="Tune a live HPA: its spec, its target's replicas and its pods' requests come from the cluster.")
@click.option("-n", "--namespace", metavar="NS", help="The namespace of --from-cluster (default: the context's).")
@click.option("-o", "--output", type=click.Choice(TUNE_FORMATS), default="table", show_default=True,
              metavar="|".join(TUNE_FORMATS),
              help="table: the report; json|yaml: the document with every candidate.")
@click.option("--plot", "plot_path", metavar="PNG", help="Draw cost vs risk of every candidate, the front and the "
              "current spec marked (matplotlib).")
@connection_options
@controller_options
@version_options
def tune(scenario_file: Optional[str], hpa_file: Optional[str], vary: tuple[str, ...], fix: tuple[str, ...],
         objective: str, max_overload: Optional[tuple[str, float]], max_rescales_per_hour: Optional[int],
         capacity: Optional[float], margin: float, budget: int, workers: Optional[int], duration: Optional[float],
         seed: Optional[int], prometheus_url: Optional[str], query: Optional[str], since: Optional[float],
         query_step: str, timeline: Optional[str], from_cluster: Optional[str], namespace: Optional[str], output: str,
         plot_path: Optional[str], connection: ConnectionOptions, kubernetes_version: Optional[str],
         feature_gates: Optional[str], **controller: Optional[float]) -> None:
    """Find the HPA settings a load wants: replay candidate specs sync by sync (as simulate does) and keep
    the ones nothing beats on cost, risk and churn.

    With no SCENARIO, tunes the classic tutorial. Every figure of a candidate is what
    `kubectl hpa simulate` of its manifest prints; nothing is written to a cluster.

    \b
    Examples:
      kubectl hpa tune scenario.yaml
      kubectl hpa tune scenario.yaml --duration 7d --prometheus http://127.0.0.1:9090 \\
          --query 'sum(rate(http_requests_total{app="web"}[1m]))' --from-cluster web -n shop
      kubectl hpa tune scenario.yaml --vary target=50..80/5 --vary minReplicas=2,3,4 -o json
      kubectl hpa tune scenario.yaml --fix minReplicas --max-overload 0s --max-rescales-per-hour 4
    """
    from ..usecases.simulate import PrometheusLoad, SimulationRequest
    from ..usecases.tune import TuneRequest
    from ..usecases.tune import tune as run_tune

    env = OutputEnv.detect()
    if prometheus_url and not query:
        raise UserError("--prometheus needs --query (a PromQL expression giving requests per second)")
    if prometheus_url and timeline:
        raise UserError("--prometheus and --timeline both give the load: choose one")
    check_version_flags(kubernetes_version, feature_gates)
    if plot_path:
        import importlib.util

        from .simulate import check_output_path

        if importlib.util.find_spec("matplotlib") is None:
            raise UserError("--plot needs matplotlib: pip install 'kubectl-hpa[plot]'")
        check_output_path("--plot", plot_path)
    simulation = SimulationRequest(
        scenario_file=scenario_file, hpa_files=(hpa_file,) if hpa_file else (), duration=duration, seed=seed,
        controller_flags=controller,
        prometheus=PrometheusLoad(prometheus_url, query or "", since, query_step) if prometheus_url else None,
        from_cluster=from_cluster, namespace=namespace, connection=connection,
        kubernetes_version=kubernetes_version, feature_gates=feature_gates)
    kind, amount = max_overload if max_overload else ("", None)
    request = TuneRequest(
        simulation=simulation, vary=vary, fix=fix, objective=objective,
        max_overload_seconds=amount if kind == "seconds" else None,
        max_overload_share=amount if kind == "share" else None,
        max_rescales_per_hour=max_rescales_per_hour, capacity=capacity, margin=margin, budget=budget,
        workers=workers, timeline=timeline)
    progress = None
    if env.is_tty:
        def progress(stage: str, count: int) -> None:
            click.echo(f"{stage}: replaying {count} specs...", err=True)
    with user_errors():
        tuning = run_tune(request, progress)
    say_notes(tuning.notes)
    if plot_path:
        from ..render.tune_plot import plot_tuning

        try:
            plot_tuning(tuning, Path(plot_path))
        except OSError as error:
            raise UserError(f"--plot {plot_path}: {error.strerror or error}") from None
    from ..render.document import to_json, to_yaml
    from ..render.tune import render_report, tuning_document

    if output == "json":
        env.write(to_json(tuning_document(tuning)))
    elif output == "yaml":
        env.write(to_yaml(tuning_document(tuning)))
    else:
        env.write(render_report(tuning))
