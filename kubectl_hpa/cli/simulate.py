"""``kubectl hpa simulate``: replay the HPA over a load profile, offline, before deploying it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from ..sources.options import ConnectionOptions
from .common import OutputEnv, UserError, controller_options, duration_callback, user_errors
from .connection import connection_options
from .formats import SIMULATE_FORMATS, SIMULATE_HELP
from .versioning import check_version_flags, say_notes, version_options

POSITIVE_DURATION = duration_callback(minimum=0.0, exclusive=True, examples="90m, 30d or 45s")


@click.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False, type=click.Path(dir_okay=False))
@click.option("--hpa", "hpa_files", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="An autoscaling/v2 HPA manifest to simulate instead of the scenario's (repeat to compare several).")
@click.option("--compare", is_flag=True,
              help="Run the scenario's HPA, its variants and each --hpa side by side.")
@click.option("--duration", callback=POSITIVE_DURATION, metavar="DURATION", help="Override the scenario's length (90m, 30d).")
@click.option("--seed", type=int, help="Seed for start-up time distributions (default: the scenario's).")
@click.option("-o", "--output", type=click.Choice(tuple(SIMULATE_FORMATS)), default="table", show_default=True,
              metavar="|".join(SIMULATE_FORMATS), help=SIMULATE_HELP)
@click.option("--plot", "plot_path", metavar="PNG",  # checked by check_output_path: one line, exit 1
              help="Write a chart (load, metric, replicas over time) with matplotlib.")
@click.option("--compare-with", "recording", metavar="TIMELINE.jsonl", type=click.Path(dir_okay=False),
              help="A recorded real run (watch --record): report predicted vs observed replicas.")
@click.option("--prometheus", "prometheus_url", metavar="URL", help="Replay load from a Prometheus range query.")
@click.option("--query", metavar="PROMQL", help="The range query giving requests/s (with --prometheus).")
@click.option("--since", callback=POSITIVE_DURATION, metavar="DURATION",
              help="How far back the query starts (default: the duration).")
@click.option("--step", "query_step", default="15s", show_default=True, metavar="DURATION", help="Query resolution.")
@click.option("--snapshot-at", callback=POSITIVE_DURATION, metavar="DURATION",
              help="Instead of the timeline, print the snapshot of the sync at this time (for explain -f).")
@click.option("--from-cluster", "from_cluster", metavar="NAME",
              help="Simulate a live HPA: its spec, its target's replicas and its pods' requests come from the cluster.")
@click.option("-n", "--namespace", metavar="NS", help="The namespace of --from-cluster (default: the context's).")
@connection_options
@controller_options
@version_options
def simulate(scenario_file: Optional[str], hpa_files: tuple[str, ...], compare: bool, duration: Optional[float],
             seed: Optional[int], output: str, plot_path: Optional[str], recording: Optional[str],
             prometheus_url: Optional[str], query: Optional[str], since: Optional[float], query_step: str,
             snapshot_at: Optional[float], from_cluster: Optional[str], namespace: Optional[str],
             connection: ConnectionOptions, kubernetes_version: Optional[str], feature_gates: Optional[str],
             **controller: Optional[float]) -> None:
    """Replay the HPA algorithm over a load profile, fast and offline, to tune an HPA before deploying it.

    With no SCENARIO, replays the classic tutorial: kubernetes-bootcamp at 10% CPU, min 1, max 10,
    under a request loop that stops after six minutes.

    \b
    Examples:
      kubectl hpa simulate
      kubectl hpa simulate scenario.yaml --duration 30d -o json
      kubectl hpa simulate scenario.yaml --hpa window-300s.yaml --hpa window-60s.yaml --plot compare.png
      kubectl hpa simulate scenario.yaml --compare-with recorded.jsonl
      kubectl hpa simulate scenario.yaml --from-cluster web -n shop   # the live HPA under the scenario's load
      kubectl hpa simulate scenario.yaml --kubernetes-version 1.33      # under the 1.33 controller

    \b
    The controller emulated: --kubernetes-version, else the cluster's release (--from-cluster),
    else the scenario's controller.kubernetesVersion, else the newest release (with a note).
    """
    from ..usecases.simulate import PrometheusLoad, SimulationRequest
    from ..usecases.simulate import simulate as run_simulation

    env = OutputEnv.detect()
    if prometheus_url and not query:
        raise UserError("--prometheus needs --query (a PromQL expression giving requests per second)")
    check_version_flags(kubernetes_version, feature_gates)
    if plot_path and snapshot_at is None:  # outputs are checked before the work, not after it
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise UserError("--plot needs matplotlib: pip install 'kubectl-hpa[plot]'")
        check_output_path("--plot", plot_path)
    request = SimulationRequest(
        scenario_file=scenario_file, hpa_files=hpa_files, compare=compare, duration=duration, seed=seed,
        controller_flags=controller,
        prometheus=PrometheusLoad(prometheus_url, query or "", since, query_step) if prometheus_url else None,
        from_cluster=from_cluster, namespace=namespace, connection=connection, recording=recording,
        snapshot_at=snapshot_at, kubernetes_version=kubernetes_version, feature_gates=feature_gates)
    with user_errors():
        simulation = run_simulation(request)
    say_notes(simulation.notes)
    if snapshot_at is not None:  # the first run, simulated up to that sync and no further
        from ..render.document import to_yaml
        from ..sim.export import snapshot_at as snapshot

        with user_errors():
            document, note = snapshot(simulation.runs[0][1], snapshot_at)
        say_notes([note] if note else [])
        env.write(to_yaml(document))
        return
    series = None
    if plot_path:  # the chart's series are kept as the view streams the runs
        from ..render.plot import PlotSeries, chart_unit, plot_limit_error

        too_long = plot_limit_error([run for _, run in simulation.runs])
        if too_long is not None:
            raise UserError(too_long)
        per_unit, _ = chart_unit([run for _, run in simulation.runs])
        series = [PlotSeries(per_unit) for _ in simulation.runs]
        for (_, run), each in zip(simulation.runs, series, strict=True):
            run.observers.append(each)
    with user_errors():
        write = SIMULATE_FORMATS[output].stream(simulation, env)  # every run simulated; nothing written yet
    if plot_path:
        from ..render.plot import plot

        comparison = simulation.comparison
        try:
            plot(simulation.runs, Path(plot_path), comparison.observed if comparison else None, series)
        except OSError as error:  # the path was checked; the disk can still fill or a race remove it
            raise UserError(f"--plot {plot_path}: {error.strerror or error}") from None
    write(env.stdout)
    env.stdout.flush()


def check_output_path(option: str, path: str) -> None:
    """A file an option will write: its directory must exist and be writable, and it must not be a directory;
    else one line (``error: --plot /nope/out.png: no such directory /nope``), before any work."""
    import os

    target = Path(path)
    parent = target.parent
    if target.is_dir():
        raise UserError(f"{option} {path}: is a directory")
    if not parent.exists():
        raise UserError(f"{option} {path}: no such directory {parent}")
    if not parent.is_dir():
        raise UserError(f"{option} {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UserError(f"{option} {path}: permission denied")
