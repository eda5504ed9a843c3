"""The simulate use case: a scenario (and its overrides) in, the runs and an optional comparison out.

Which runs there are follows the flags: the scenario's HPA; one ``--hpa`` instead of
it; several ``--hpa``, exactly those manifests side by side; or, with ``--compare``, the
scenario's HPA, its variants and every ``--hpa`` side by side. ``--from-cluster`` puts a
live HPA (its manifest, its target's replicas, its pods' requests) into the scenario, GETs
only, and the cluster's release. Which controller the runs emulate is chosen once
(:mod:`.versions`): ``--kubernetes-version``, else the cluster's release with
``--from-cluster``, else the scenario's ``controller.kubernetesVersion``, else the newest
release (with a note). Errors are the project's input errors, worded with the file they
come from, and :class:`~kubectl_hpa.core.versions.VersionError` for a release or gate that cannot
be emulated.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Optional

from ..core.model import FetchError
from ..sim.engine import Run
from ..sim.fields import ScenarioError
from ..sim.load import LoadProfile, LoadSpec, build_load
from ..sim.scenario import Scenario, Variant, Workload, check_containers, hpa_spec, load_hpa_file, read_scenario
from ..sources.options import ConnectionOptions
from ..timefmt import format_time
from .versions import Emulation, choose_emulation

if TYPE_CHECKING:
    from ..sim.compare import Comparing, Comparison

DEFAULT_SCENARIO = "bootcamp.yaml"
"""The built-in scenario (the classic tutorial) when none is named."""


# The value classes below are NamedTuples, not frozen dataclasses: the same immutable values (fields,
# defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every start pays (a
# frozen dataclass execs six generated methods; issue 18). Nothing replaces their fields with
# dataclasses.replace or relies on them not being tuples.
class PrometheusLoad(NamedTuple):
    """Replay load from a Prometheus range query instead of the scenario's ``load:``."""

    url: str
    query: str
    since: Optional[float] = None  # seconds back from now; default: the duration
    step: str = "15s"


class SimulationRequest(NamedTuple):
    scenario_file: Optional[str] = None
    """None: the built-in scenario."""
    hpa_files: tuple[str, ...] = ()
    compare: bool = False
    duration: Optional[float] = None
    seed: Optional[int] = None
    controller_flags: Mapping[str, Optional[float]] = MappingProxyType({})  # read-only: every request shares it
    prometheus: Optional[PrometheusLoad] = None
    from_cluster: Optional[str] = None
    """Name of a live HPA to simulate under the scenario's load."""
    namespace: Optional[str] = None
    connection: ConnectionOptions = ConnectionOptions()
    recording: Optional[str] = None
    """A ``watch --record`` timeline to compare the first run with."""
    keep_inputs: bool = False
    """Keep every sync's inputs and decisions (tests)."""
    snapshot_at: Optional[float] = None
    """``--snapshot-at``: keep the inputs of the last sync at or before this time, and stop there."""
    kubernetes_version: Optional[str] = None
    """``--kubernetes-version``: over the cluster's and the scenario's."""
    feature_gates: Optional[str] = None
    """``--feature-gates``: over the release's defaults and the scenario's ``controller.featureGates``."""


class Simulation(NamedTuple):
    scenario: Scenario
    runs: list[tuple[str, Run]]
    """(label, run) per run, the scenario's first. Nothing is simulated yet: a view streams each run's steps
    (iterating a run), so that no view holds more than it shows."""
    comparing: Optional[Comparing] = None
    """The comparison with ``--compare-with``'s recording, built as the first run streams."""
    notes: tuple[str, ...] = ()
    """What to say about the controller chosen (e.g. that the newest release was assumed), one line each."""

    @property
    def comparison(self) -> Optional[Comparison]:
        """The comparison with the recording, once the first run has been streamed (None without one)."""
        return self.comparing.result() if self.comparing is not None else None


def simulate(request: SimulationRequest) -> Simulation:
    source = request.scenario_file or DEFAULT_SCENARIO
    try:
        scenario, emulation = _scenario(request)
        variants = list(scenario.variants)
        variants += [_hpa_variant(name, scenario.workload) for name in request.hpa_files]
        if request.prometheus is not None:
            scenario = replace(scenario, load=_prometheus_spec(request.prometheus,
                                                                request.duration or scenario.duration))
        load = build_load(scenario.load)
        length = request.duration or scenario.duration or load.length or 1800.0
        keep_last = request.snapshot_at is not None
        runs = [(label, Run(each, load, length, keep_inputs=request.keep_inputs, keep_last_inputs=keep_last,
                            until=request.snapshot_at))
                for label, each in _runs(scenario, variants, request)]
        comparing = None
        if request.recording:
            from ..record import read_replica_counts
            from ..sim.compare import Comparing

            comparing = Comparing(read_replica_counts(Path(request.recording), prefer=scenario.hpa.key), length)
            runs[0][1].observers.append(comparing)
    except _HPAFileError as error:
        raise ScenarioError(str(error)) from None  # these name their own file
    except ScenarioError as error:
        message = str(error)
        raise ScenarioError(message if message.startswith(source) else f"{source}: {message}") from None
    return Simulation(scenario, runs, comparing=comparing, notes=emulation.notes)


class Prepared(NamedTuple):
    """What one run replays: the scenario (its HPA the first ``--hpa`` when given, its controller settled),
    the load built (Prometheus queried once), the length, and the notes about the controller chosen."""

    scenario: Scenario
    load: LoadProfile
    duration: float
    notes: tuple[str, ...] = ()


def prepare(request: SimulationRequest) -> Prepared:
    """The scenario, load and length ``simulate`` would replay for ``request``'s first run, without running it
    (``tune`` replays many specs over the same)."""
    source = request.scenario_file or DEFAULT_SCENARIO
    try:
        scenario, emulation = _scenario(request)
        if request.hpa_files:
            scenario = scenario.with_variant(_hpa_variant(request.hpa_files[0], scenario.workload))
        if request.prometheus is not None:
            scenario = replace(scenario, load=_prometheus_spec(request.prometheus,
                                                                request.duration or scenario.duration))
        load = build_load(scenario.load)
    except _HPAFileError as error:
        raise ScenarioError(str(error)) from None
    except ScenarioError as error:
        message = str(error)
        raise ScenarioError(message if message.startswith(source) else f"{source}: {message}") from None
    length = request.duration or scenario.duration or load.length or 1800.0
    return Prepared(scenario, load, length, emulation.notes)


class _HPAFileError(Exception):
    """A ``--hpa`` file's error: it names its own file already."""


def _scenario(request: SimulationRequest) -> tuple[Scenario, Emulation]:
    """The scenario to run, its controller settled (flags, cluster, file, else the newest release)."""
    if request.scenario_file is None:
        scenario = _builtin_scenario()
    else:
        scenario = read_scenario(Path(request.scenario_file))
    reported, where = scenario.kubernetes_version, "the scenario"
    if request.from_cluster:
        scenario, cluster_version = with_cluster_hpa(scenario, request.from_cluster, request.namespace,
                                                     request.connection)
        if cluster_version is not None:  # the live HPA runs under the live controller
            reported, where = cluster_version, "the cluster"
    emulation = choose_emulation(request.kubernetes_version, request.feature_gates, reported,
                                 scenario.feature_gates, where)
    controller = replace(scenario.controller.with_flags(request.controller_flags), version=emulation.version)
    return replace(scenario, controller=controller,
                   seed=scenario.seed if request.seed is None else request.seed), emulation


def _builtin_scenario() -> Scenario:
    """The built-in scenario, read where the package keeps it.

    Installed as files (pip, wheels, editable), the package's directory holds it: it is read from there, the path
    ``importlib.resources`` would give. Only a package that is not on disk (a zip) goes through
    ``importlib.resources``, which loads zipfile, tempfile and shutil with it: ~6 ms of every ``simulate``
    start (``python -X importtime``)."""
    from .. import sim

    bundled = Path(sim.__file__ or "").parent / "scenarios" / DEFAULT_SCENARIO
    if bundled.is_file():
        return read_scenario(bundled)
    from importlib import resources

    with resources.as_file(resources.files("kubectl_hpa.sim") / "scenarios" / DEFAULT_SCENARIO) as path:
        return read_scenario(Path(path))


def _hpa_variant(name: str, workload: Workload) -> Variant:
    """An ``--hpa`` file; a ContainerResource metric must name a container of the scenario's workload, as the
    scenario's own HPA must."""
    try:
        manifest = load_hpa_file(Path(name))
        variant = Variant(Path(name).stem, hpa_spec(manifest, name), manifest)
        check_containers(variant.hpa, workload, f"{name}: hpa")
        return variant
    except ScenarioError as error:
        raise _HPAFileError(str(error)) from None


def _prometheus_spec(prometheus: PrometheusLoad, duration: Optional[float]) -> LoadSpec:
    end = time.time()
    start = end - (prometheus.since or duration or 3600.0)
    return LoadSpec("prometheus", {"url": prometheus.url, "query": prometheus.query, "start": format_time(start),
                                   "end": format_time(end), "step": prometheus.step})


def _runs(scenario: Scenario, variants: list[Variant], request: SimulationRequest) -> list[tuple[str, Scenario]]:
    """--hpa files replace the scenario's HPA (several: exactly those, side by side); --compare runs the
    scenario's HPA, its variants and every --hpa side by side."""
    if request.compare:
        return [(scenario.name, scenario)] + [(variant.name, scenario.with_variant(variant)) for variant in variants]
    if request.hpa_files:
        files = variants[len(variants) - len(request.hpa_files):]
        return [(variant.name, scenario.with_variant(variant)) for variant in files]
    return [(scenario.name, scenario)]


def with_cluster_hpa(scenario: Scenario, name: str, namespace: Optional[str],
                     connection: ConnectionOptions) -> tuple[Scenario, Optional[str]]:
    """The scenario's load and model around a live HPA: its manifest, replicas and per-pod requests (GETs only),
    and the cluster's version (None when ``/version`` could not be read)."""
    from ..sources.kube import KUBERNETES_VERSION, name_of, namespace_of
    from ..sources.snapshot import SnapshotError, choose_hpa, parse_hpa, parse_pod, parse_scale
    from .explain import read_cluster

    read = read_cluster(connection, name, namespace)
    snapshot = read.snapshot
    hpa_object = choose_hpa(snapshot, name, read.namespace or None)
    scale = parse_scale(snapshot, parse_hpa(hpa_object, snapshot.source))
    if isinstance(scale, FetchError):
        raise SnapshotError(f"cannot read the scale of {name}'s target: {scale.message}")
    manifest: dict[str, Any] = {key: hpa_object[key] for key in ("apiVersion", "kind", "spec") if key in hpa_object}
    manifest["metadata"] = {"name": name_of(hpa_object), "namespace": namespace_of(hpa_object, "default")}
    requests = dict(scenario.workload.requests)
    pods = [parse_pod(item, snapshot.source) for item in snapshot.of_kind("Pod")]
    running = next((pod for pod in pods if pod.phase == "Running" and not pod.deleted), pods[0] if pods else None)
    if running is not None:  # what a Utilization target divides by: every container, native sidecars too
        for resource in ("cpu", "memory"):
            values = [c.requests.get(resource) for c in running.containers + running.sidecars]
            if values and all(value is not None for value in values):
                requests[resource] = sum(v for v in values if v is not None)
    variant = Variant(name_of(hpa_object), hpa_spec(manifest, f"cluster HPA {name}"), manifest)
    workload = replace(scenario.workload, replicas=scale.spec_replicas, requests=requests)
    return replace(scenario.with_variant(variant), workload=workload), snapshot.annotations.get(KUBERNETES_VERSION)
