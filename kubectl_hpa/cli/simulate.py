"""``kubectl hpa simulate``: replay the HPA over a load profile, offline, before deploying it."""

from __future__ import annotations

import time
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Optional

import click

from ..sources.cluster_client import ConnectionOptions
from ..timefmt import format_time
from .common import OutputEnv, UserError, controller_options, duration_callback, settings_from
from .connection import connection_options

SIM_OUTPUTS = ("table", "wide", "csv", "json", "yaml")
POSITIVE_DURATION = duration_callback(minimum=0.0, exclusive=True, examples="90m, 30d or 45s")
DEFAULT_SCENARIO = "bootcamp.yaml"


@click.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False, type=click.Path(dir_okay=False))
@click.option("--hpa", "hpa_files", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="An autoscaling/v2 HPA manifest to simulate instead of the scenario's (repeat to compare several).")
@click.option("--compare", is_flag=True, help="Run every variant (the scenario's variants and each --hpa) side by side.")
@click.option("--duration", callback=POSITIVE_DURATION, metavar="DURATION", help="Override the scenario's length (90m, 30d).")
@click.option("--seed", type=int, help="Seed for start-up time distributions (default: the scenario's).")
@click.option("-o", "--output", type=click.Choice(SIM_OUTPUTS), default="table", show_default=True,
              metavar="|".join(SIM_OUTPUTS),
              help="table: the timeline (changes) and a summary; wide: every sync; csv|json|yaml: every sync.")
@click.option("--plot", "plot_path", metavar="PNG", type=click.Path(dir_okay=False),
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
def simulate(scenario_file: Optional[str], hpa_files: tuple[str, ...], compare: bool, duration: Optional[float],
             seed: Optional[int], output: str, plot_path: Optional[str], recording: Optional[str],
             prometheus_url: Optional[str], query: Optional[str], since: Optional[float], query_step: str,
             snapshot_at: Optional[float], from_cluster: Optional[str], namespace: Optional[str],
             connection: ConnectionOptions, **controller: Optional[float]) -> None:
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
    """
    from ..sim.compare import compare as compare_runs
    from ..sim.engine import simulate as run
    from ..sim.load import build_load
    from ..sim.scenario import LoadSpec, ScenarioError, Variant, load_hpa_file, read_scenario
    from ..sim.scenario import hpa_spec as _hpa

    env = OutputEnv.detect()
    try:
        if scenario_file is None:
            with resources.as_file(resources.files("kubectl_hpa.sim") / "scenarios" / DEFAULT_SCENARIO) as path:
                scenario = read_scenario(Path(path))
        else:
            scenario = read_scenario(Path(scenario_file))
        if from_cluster:
            scenario = _from_cluster(scenario, from_cluster, namespace, connection)
        scenario = _apply_overrides(scenario, seed, controller)
        variants = list(scenario.variants)
        for name in hpa_files:
            try:  # these errors name their own file
                manifest = load_hpa_file(Path(name))
                variants.append(Variant(Path(name).stem, _hpa(manifest, name), manifest))
            except ScenarioError as error:
                raise UserError(str(error)) from None
        if prometheus_url:
            if not query:
                raise UserError("--prometheus needs --query (a PromQL expression giving requests per second)")
            end = time.time()
            start = end - (since or duration or scenario.duration or 3600.0)
            scenario = replace(scenario, load=LoadSpec("prometheus", {
                "url": prometheus_url, "query": query, "start": format_time(start), "end": format_time(end),
                "step": query_step}))
        load = build_load(scenario.load)
        length = duration or scenario.duration or load.length or 1800.0
        if len(hpa_files) == 1 and not compare:  # one --hpa replaces the scenario's HPA
            runs = [(variants[-1].name, scenario.with_variant(variants[-1]))]
        elif compare or len(hpa_files) > 1:
            runs = [(scenario.name, scenario)] + [(variant.name, scenario.with_variant(variant)) for variant in variants]
        else:
            runs = [(scenario.name, scenario)]
        results = [(label, run(each, load, length, keep_inputs=snapshot_at is not None)) for label, each in runs]
        comparison = None
        if recording:
            from ..record import RecordError, read_observations

            try:
                observations = read_observations(Path(recording), prefer=scenario.hpa.key)
            except RecordError as error:
                raise UserError(str(error)) from None
            comparison = compare_runs(results[0][1], observations)
    except ScenarioError as error:
        message = str(error)
        source = scenario_file or DEFAULT_SCENARIO
        raise UserError(message if message.startswith(source) else f"{source}: {message}") from None

    if snapshot_at is not None:
        from ..render.document import to_yaml
        from ..sim.snapshot import snapshot_document

        env.write(to_yaml(snapshot_document(results[0][1], snapshot_at)))
        return
    if plot_path:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise UserError("--plot needs matplotlib: pip install 'kubectl-hpa[plot]'")
        from ..render.plot import plot

        plot(results, Path(plot_path), comparison.observed if comparison else None)
    _write(env, results, output, comparison)


def _from_cluster(scenario, name: str, namespace: Optional[str], connection: ConnectionOptions):
    """The scenario's load and model around a live HPA: its manifest, replicas and per-pod requests (GETs only)."""
    from ..core.model import FetchError
    from ..sim.scenario import Variant, hpa_spec
    from ..sources.snapshot import SnapshotError, choose_hpa, parse_hpa, parse_pod, parse_scale
    from .explain import read_cluster

    _document, snapshot, scope = read_cluster(connection, name, namespace, False)
    try:
        hpa_object = choose_hpa(snapshot, name, scope or None)
        scale = parse_scale(snapshot, parse_hpa(hpa_object, snapshot.source))
    except SnapshotError as error:
        raise UserError(str(error)) from None
    if isinstance(scale, FetchError):
        raise UserError(f"cannot read the scale of {name}'s target: {scale.message}")
    manifest = {key: hpa_object[key] for key in ("apiVersion", "kind", "spec") if key in hpa_object}
    manifest["metadata"] = {"name": hpa_object["metadata"]["name"],
                            "namespace": hpa_object["metadata"].get("namespace", "default")}
    requests = dict(scenario.workload.requests)
    pods = [parse_pod(item, snapshot.source) for item in snapshot.of_kind("Pod")]
    running = next((pod for pod in pods if pod.phase == "Running" and not pod.deleted), pods[0] if pods else None)
    if running is not None:  # what a Utilization target divides by: every container, native sidecars too
        for resource in ("cpu", "memory"):
            values = [c.requests.get(resource) for c in running.containers + running.sidecars]
            if values and all(value is not None for value in values):
                requests[resource] = sum(values)
    variant = Variant(manifest["metadata"]["name"], hpa_spec(manifest, f"cluster HPA {name}"), manifest)
    workload = replace(scenario.workload, replicas=scale.spec_replicas, requests=requests)
    return replace(scenario.with_variant(variant), workload=workload)


def _apply_overrides(scenario, seed: Optional[int], controller: dict):
    return replace(scenario, controller=settings_from(controller, scenario.controller),
                   seed=scenario.seed if seed is None else seed)


def _write(env: OutputEnv, results: list, output: str, comparison) -> None:
    from ..render import timeline

    if output in ("json", "yaml"):
        from ..render.document import to_json, to_yaml

        documents = [timeline.result_document(result) for _, result in results]
        if comparison is not None:
            documents[0]["comparison"] = comparison.document()
        document = documents[0] if len(documents) == 1 else {
            "apiVersion": "kubectl-hpa.io/v1alpha1", "kind": "SimulationList", "items": documents}
        env.write(to_json(document) if output == "json" else to_yaml(document))
        return
    if output == "csv":
        if len(results) > 1:
            raise UserError("-o csv holds one run; use -o json with --compare")
        env.write(timeline.render_csv(results[0][1]))
        return
    if len(results) > 1:
        env.write(timeline.render_comparison(results))
    else:
        result = results[0][1]
        if env.is_tty:
            env.write(timeline.render_chart(result) + "\n")
        env.write(timeline.render_table(result, wide=output == "wide"))
    if comparison is not None:
        env.write(f"\nAgainst the recording ({comparison.samples} observations): mean absolute error "
                  f"{comparison.mean_absolute_error:.2f} replicas, max {comparison.max_absolute_error}, "
                  f"equal {comparison.share_equal:.0%} of the time\n")
