"""The ``kind: Scenario`` file of ``kubectl hpa simulate``: HPA, workload, metric pipeline, controller, load.

Every part has a default, so a scenario can be as short as an HPA and a load.
Errors are :class:`ScenarioError`, one line naming the field (the checks are in fields.py, shared
with the ``load:`` section, which load.py parses and builds).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ..core.model import CONTAINER_RESOURCE, ControllerSettings, HPASpec
from ..inputs import InputTooLarge, import_yaml, load_yaml, load_yaml_all, read_text
from .fields import (
    ScenarioError,
    as_exact_milli,
    as_mapping,
    as_milli,
    as_number,
    as_seconds,
    field_path,
    reject_unknown,
)
from .load import LoadSpec, parse_load  # Scenario.load; LoadSpec's home is load.py, as ScenarioError's is fields.py

API_VERSION = "kubectl-hpa.io/v1alpha1"
KIND = "Scenario"

# ----------------------------------------------------------------------------- the model's defaults
# What a scenario gets when it does not say: the original model (samples at the scrape instant on a grid
# aligned with the controller's syncs, load spread evenly and exactly over Ready pods), so every older
# scenario gives the same output byte for byte. README's "A realistic model" block is what a cluster
# has; making it the default is an edit of these lines (and of the goldens it changes).
DEFAULT_SAMPLING = "instant"  # metrics-server: "instant" (usage at the scrape) or "rate" (over its window)
DEFAULT_SCRAPE_PHASE: Optional[float] = 0.0  # seconds past each multiple of the interval; None: drawn from the seed
DEFAULT_KUBELET_PERIOD = 0.0  # the kubelet's sampling period (cAdvisor housekeeping); 0: sampled at each scrape
DEFAULT_TRAFFIC = "even"  # even | connections | pinned
DEFAULT_CONNECTION_LIFETIME = 30.0  # seconds a connection lives on average (traffic: connections)
DEFAULT_VARIANCE = 0.0  # relative spread of the pods' shares of the load
DEFAULT_CONTAINER = "app"  # the one container of a workload that lists none

MODELS = ("idealized", "realistic")
REALISTIC: dict[str, Any] = {
    "pipeline": {"metricsServer": {"sampling": "rate", "phase": "random", "kubeletPeriod": "10s"},
                 "prometheus": {"phase": "random"}},
    "workload": {"traffic": {"model": "connections", "connectionLifetime": "30s"}, "variance": 0.05},
}
"""``model: realistic``: what a cluster has (README, "A realistic model") under the scenario's own fields, which
win. The default, ``idealized``, keeps the fields above at their defaults, so older scenarios keep their numbers
and a month simulates in seconds; the realistic model costs about ten times the CPU."""

SAMPLINGS = ("instant", "rate")
TRAFFIC_MODELS = ("even", "connections", "pinned")


# Startup, MetricModel, Traffic, Pipeline and Variant are NamedTuples, not frozen dataclasses: the same immutable
# values (fields, defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every
# simulate start pays (a frozen dataclass execs six generated methods; issue 18). Nothing replaces their fields
# with dataclasses.replace or relies on them not being tuples. Container (dict defaults), InitialPods, Workload
# and Scenario (copied with dataclasses.replace) stay dataclasses.
class Startup(NamedTuple):
    """Time from pod creation until Ready: fixed, or drawn per pod from a seeded distribution."""

    distribution: str = "fixed"  # fixed | uniform | normal
    seconds: float = 10.0  # fixed value, or the mean of normal
    low: float = 0.0  # uniform bounds
    high: float = 0.0
    stddev: float = 0.0


class MetricModel(NamedTuple):
    """How one metric responds to load: ``baseline + perRequest x requests/s`` (per pod or in total)."""

    per_request: float = 0.0  # milli-units per request/s
    baseline: float = 0.0  # milli-units
    retain: bool = False  # memory that never comes back down: the pod keeps its high-water mark


@dataclass(frozen=True)
class Container:
    """One container of the pod: its requests and limits (milli), and how its usage follows the load."""

    name: str
    requests: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)  # only cpu is modelled: usage is capped at it (CFS throttling)
    cpu: MetricModel = MetricModel()
    memory: MetricModel = MetricModel()
    sidecar: bool = False  # an init container with restartPolicy: Always (a native sidecar)


class Traffic(NamedTuple):
    """How the load reaches pods: ``even`` (short requests through a Service: every Ready pod at once),
    ``connections`` (long-lived connections: a new pod takes load as they turn over, each living
    ``connection_lifetime`` on average), ``pinned`` (the load stays on the pods that had it)."""

    model: str = DEFAULT_TRAFFIC
    connection_lifetime: float = DEFAULT_CONNECTION_LIFETIME


@dataclass(frozen=True)  # not a NamedTuple: its field count would hide tuple.count
class InitialPods:
    """Pods that exist at t = 0: created ``age`` seconds before, Ready ``startup`` seconds after creation."""

    count: int
    age: float = 3600.0
    startup: float = 0.0


@dataclass(frozen=True)
class Workload:
    replicas: int = 1
    requests: dict = field(default_factory=lambda: {"cpu": 100, "memory": 64 * 2**20 * 1000})  # milli
    startup: Startup = Startup()
    cpu: MetricModel = MetricModel(per_request=10.0, baseline=1.0)
    memory: MetricModel = MetricModel(per_request=0.0, baseline=32 * 2**20 * 1000.0)
    pods_metrics: dict = field(default_factory=dict)  # name -> MetricModel, per pod (e.g. hello_counter_per_second)
    total_metrics: dict = field(default_factory=dict)  # name -> MetricModel, Object/External values from total load
    limits: dict = field(default_factory=dict)  # the single container's limits (milli); cpu only
    containers: tuple[Container, ...] = ()  # empty: one container named app from requests, limits, cpu, memory
    pod_requests: Optional[dict] = None  # spec.resources.requests (pod-level resources)
    traffic: Traffic = Traffic()
    variance: float = DEFAULT_VARIANCE
    initial: tuple[InitialPods, ...] = ()  # empty: ``replicas`` pods, old and Ready

    @property
    def pod_containers(self) -> tuple[Container, ...]:
        """The containers of each pod (sidecars included), as the model runs them."""
        if self.containers:
            return self.containers
        return (Container(DEFAULT_CONTAINER, dict(self.requests), dict(self.limits), self.cpu, self.memory),)

    @property
    def per_pod(self) -> bool:
        """Whether pods can differ from one another beyond their start-up (the per-pod model in world.py)."""
        return bool(self.limits or self.containers or self.pod_requests is not None or self.variance
                    or self.traffic.model != "even")


class Pipeline(NamedTuple):
    """Metric lag: metrics-server's resolution for resource metrics, Prometheus scrape and rate window."""

    resolution: float = 15.0  # metrics-server --metric-resolution (and the PodMetrics window)
    scrape_interval: float = 15.0
    rate_window: float = 60.0  # the adapter rule's rate(...[W])
    sampling: str = DEFAULT_SAMPLING  # metrics-server's CPU: instant | rate (between its last two scrapes)
    phase: Optional[float] = DEFAULT_SCRAPE_PHASE  # metrics-server's scrapes, past multiples of resolution
    prometheus_phase: Optional[float] = DEFAULT_SCRAPE_PHASE  # Prometheus' scrapes, likewise
    kubelet_period: float = DEFAULT_KUBELET_PERIOD  # how old a scraped point can be (its phase: from the seed)

    @property
    def default_sampling(self) -> bool:
        return (self.sampling == "instant" and self.phase == 0.0 and self.prometheus_phase == 0.0
                and self.kubelet_period == 0.0)


class Variant(NamedTuple):
    """A named HPA to compare: another spec, or the scenario's with part of its spec replaced."""

    name: str
    hpa: HPASpec
    manifest: dict


@dataclass(frozen=True)
class Scenario:
    name: str
    hpa: HPASpec
    load: LoadSpec
    duration: float
    workload: Workload = Workload()
    pipeline: Pipeline = Pipeline()
    controller: ControllerSettings = ControllerSettings()
    seed: int = 0
    hpa_manifest: dict = field(default_factory=dict)
    variants: tuple[Variant, ...] = ()
    kubernetes_version: Optional[str] = None
    """``controller.kubernetesVersion`` as written (``"1.30"``); None when the file does not say."""
    feature_gates: Optional[str] = None
    """``controller.featureGates`` in kube-controller-manager's syntax (``A=true,B=false``); None when not set.

    Both are what the file asks for; the simulate use case turns them into ``controller.version`` (after
    ``--kubernetes-version``/``--feature-gates``, or the cluster's version with ``--from-cluster``), in the
    same place and with the same checks as every other verb (``usecases/versions.py``)."""

    def with_variant(self, variant: Variant) -> Scenario:
        return replace(self, hpa=variant.hpa, hpa_manifest=variant.manifest, name=variant.name)

    @property
    def per_pod_model(self) -> bool:
        """Whether the world runs its per-pod model (world.py): anything the original one cannot express."""
        return self.workload.per_pod or not self.pipeline.default_sampling

    @property
    def extended(self) -> bool:
        """Whether the scenario uses any of the newer model's fields (the summary then reports what it knows)."""
        return self.per_pod_model or bool(self.workload.initial) or self.load.type == "sequence"


# ----------------------------------------------------------------------------- parsing


def _startup(raw: Any, where: str) -> Startup:
    if raw is None:
        return Startup()
    if not isinstance(raw, dict):
        return Startup(seconds=as_seconds(raw, where, positive=False))
    reject_unknown(raw, {"distribution", "seconds", "mean", "min", "max", "stddev"}, where)
    kind = raw.get("distribution", "fixed")
    if kind == "fixed":
        return Startup(seconds=as_seconds(raw.get("seconds", 10), field_path(where, "seconds"), positive=False))
    if kind == "uniform":
        low = as_seconds(raw.get("min", 0), field_path(where, "min"), positive=False)
        high = as_seconds(raw.get("max"), field_path(where, "max"), positive=False)
        if high < low:
            raise ScenarioError(f"{field_path(where, 'max')}: must be at least min")
        return Startup("uniform", (low + high) / 2, low, high)
    if kind == "normal":
        mean = as_seconds(raw.get("mean"), field_path(where, "mean"), positive=False)
        stddev = as_seconds(raw.get("stddev", 0), field_path(where, "stddev"), positive=False)
        return Startup("normal", mean, stddev=stddev)
    raise ScenarioError(f"{field_path(where, 'distribution')}: {kind!r} is not one of fixed, uniform, normal")


def _metric_model(raw: Any, where: str, default: MetricModel = MetricModel()) -> MetricModel:
    raw = as_mapping(raw, where)
    reject_unknown(raw, {"perRequest", "baseline", "retain"}, where)
    per_request = as_exact_milli(raw["perRequest"], field_path(where, "perRequest")) if "perRequest" in raw \
        else default.per_request
    baseline = as_exact_milli(raw["baseline"], field_path(where, "baseline")) if "baseline" in raw else default.baseline
    retain = raw.get("retain", default.retain)
    if not isinstance(retain, bool):
        raise ScenarioError(f"{field_path(where, 'retain')}: expected true or false")
    return MetricModel(float(per_request), float(baseline), retain)


def _quantities(raw: Any, where: str, allowed: Optional[tuple[str, ...]] = None) -> dict:
    """A ``{resource: quantity}`` mapping in milli-units."""
    values = {}
    for name, value in as_mapping(raw, where).items():
        if allowed is not None and name not in allowed:
            raise ScenarioError(f"{field_path(where, str(name))}: only {', '.join(allowed)} can be modelled here")
        values[str(name)] = as_milli(value, field_path(where, str(name)))
    return values


def _container(raw: Any, where: str, defaults: Workload, first: bool) -> Container:
    """One of ``workload.containers``: its usage is its own ``cpu``/``memory`` model, or ``share`` of the
    workload's (default: all of it for the first container, none for the others)."""
    raw = as_mapping(raw, where)
    reject_unknown(raw, {"name", "requests", "limits", "cpu", "memory", "share", "sidecar"}, where)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{field_path(where, 'name')}: required (a container name)")
    sidecar = raw.get("sidecar", False)
    if not isinstance(sidecar, bool):
        raise ScenarioError(f"{field_path(where, 'sidecar')}: expected true or false")
    share = as_number(raw.get("share", 1.0 if first and not sidecar else 0.0), field_path(where, "share"))
    cpu = MetricModel(defaults.cpu.per_request * share, defaults.cpu.baseline * share)
    memory = MetricModel(defaults.memory.per_request * share, defaults.memory.baseline * share, defaults.memory.retain)
    return Container(name, _quantities(raw.get("requests"), field_path(where, "requests")),
                     _quantities(raw.get("limits"), field_path(where, "limits"), ("cpu",)),
                     _metric_model(raw["cpu"], field_path(where, "cpu")) if "cpu" in raw else cpu,
                     _metric_model(raw["memory"], field_path(where, "memory")) if "memory" in raw else memory,
                     sidecar)


def _traffic(raw: Any, where: str) -> Traffic:
    if isinstance(raw, str):
        raw = {"model": raw}
    raw = as_mapping(raw, where)
    reject_unknown(raw, {"model", "connectionLifetime"}, where)
    model = raw.get("model", DEFAULT_TRAFFIC)
    if model not in TRAFFIC_MODELS:
        raise ScenarioError(f"{field_path(where, 'model')}: {model!r} is not one of {', '.join(TRAFFIC_MODELS)}")
    lifetime = as_seconds(raw.get("connectionLifetime", DEFAULT_CONNECTION_LIFETIME),
                          field_path(where, "connectionLifetime"))
    return Traffic(model, lifetime)


def _initial_pods(raw: Any, where: str) -> tuple[InitialPods, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{where}: expected a list of {{count, age, startup}}")
    groups = []
    for index, item in enumerate(raw):
        here = f"{where}[{index}]"
        item = as_mapping(item, here)
        reject_unknown(item, {"count", "age", "startup"}, here)
        count = item.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ScenarioError(f"{field_path(here, 'count')}: expected an integer >= 1, got {count!r}")
        groups.append(InitialPods(count, as_seconds(item.get("age", "1h"), field_path(here, "age"), positive=False),
                                  as_seconds(item.get("startup", 0), field_path(here, "startup"), positive=False)))
    return tuple(groups)


def _workload(raw: Any, where: str) -> Workload:
    raw = as_mapping(raw, where)
    reject_unknown(raw, {"replicas", "requests", "startup", "cpu", "memory", "podsMetrics", "totalMetrics", "limits",
                         "containers", "podRequests", "traffic", "variance", "initialPods"}, where)
    defaults = Workload()
    initial = _initial_pods(raw.get("initialPods"), field_path(where, "initialPods"))
    replicas = raw.get("replicas", sum(group.count for group in initial) if initial else defaults.replicas)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise ScenarioError(f"{field_path(where, 'replicas')}: expected an integer >= 0, got {replicas!r}")
    if initial and replicas != sum(group.count for group in initial):
        raise ScenarioError(f"{field_path(where, 'replicas')}: {replicas} is not the {sum(g.count for g in initial)} "
                            "pods of workload.initialPods (leave it out)")
    requests = dict(defaults.requests)
    for name, value in as_mapping(raw.get("requests"), field_path(where, "requests")).items():
        requests[str(name)] = as_milli(value, field_path(where, f"requests.{name}"))
    pods_metrics = {str(name): _metric_model(value, field_path(where, f"podsMetrics.{name}"))
                    for name, value in as_mapping(raw.get("podsMetrics"), field_path(where, "podsMetrics")).items()}
    total_metrics = {str(name): _metric_model(value, field_path(where, f"totalMetrics.{name}"))
                     for name, value in as_mapping(raw.get("totalMetrics"), field_path(where, "totalMetrics")).items()}
    cpu = _metric_model(raw.get("cpu"), field_path(where, "cpu"), defaults.cpu)
    memory = _metric_model(raw.get("memory"), field_path(where, "memory"), defaults.memory)
    limits = _quantities(raw.get("limits"), field_path(where, "limits"), ("cpu",))
    shaped = Workload(cpu=cpu, memory=memory)
    containers: tuple[Container, ...] = ()
    if raw.get("containers") is not None:
        listed = raw["containers"]
        if not isinstance(listed, list) or not listed:
            raise ScenarioError(f"{field_path(where, 'containers')}: expected a list of containers")
        for key in ("requests", "limits"):
            if key in raw:
                raise ScenarioError(f"{field_path(where, key)}: set {key} per container in workload.containers")
        containers = tuple(_container(item, field_path(where, f"containers[{index}]"), shaped, index == 0)
                           for index, item in enumerate(listed))
        names = [container.name for container in containers]
        if len(set(names)) != len(names):
            raise ScenarioError(f"{field_path(where, 'containers')}: two containers named "
                                f"{next(n for n in names if names.count(n) > 1)!r}")
        if all(container.sidecar for container in containers):
            raise ScenarioError(f"{field_path(where, 'containers')}: a pod needs one container that is not a sidecar")
    pod_requests = None
    if raw.get("podRequests") is not None:
        pod_requests = _quantities(raw["podRequests"], field_path(where, "podRequests"), ("cpu", "memory"))
    variance = as_number(raw.get("variance", DEFAULT_VARIANCE), field_path(where, "variance"))
    if variance >= 1:
        raise ScenarioError(f"{field_path(where, 'variance')}: must be below 1 (a relative spread), got {variance:g}")
    return Workload(replicas=replicas, requests=requests, startup=_startup(raw.get("startup"), field_path(where, "startup")),
                    cpu=cpu, memory=memory, pods_metrics=pods_metrics, total_metrics=total_metrics, limits=limits,
                    containers=containers, pod_requests=pod_requests,
                    traffic=_traffic(raw.get("traffic"), field_path(where, "traffic")), variance=variance,
                    initial=initial)


def _phase(raw: Any, where: str, interval: float) -> Optional[float]:
    """A scrape phase: seconds past each multiple of the interval, or ``random`` (drawn from the seed)."""
    if raw == "random":
        return None
    phase = as_seconds(raw, where, positive=False)
    if phase >= interval:
        raise ScenarioError(f"{where}: must be less than the interval ({interval:g}s), got {raw!r}")
    return phase


def _pipeline(raw: Any, where: str) -> Pipeline:
    raw = as_mapping(raw, where)
    reject_unknown(raw, {"metricsServer", "prometheus"}, where)
    server = as_mapping(raw.get("metricsServer"), field_path(where, "metricsServer"))
    reject_unknown(server, {"resolution", "sampling", "phase", "kubeletPeriod"}, field_path(where, "metricsServer"))
    prometheus = as_mapping(raw.get("prometheus"), field_path(where, "prometheus"))
    reject_unknown(prometheus, {"scrapeInterval", "rateWindow", "phase"}, field_path(where, "prometheus"))
    defaults = Pipeline()
    resolution = as_seconds(server.get("resolution", defaults.resolution), field_path(where, "metricsServer.resolution"))
    scrape = as_seconds(prometheus.get("scrapeInterval", defaults.scrape_interval), field_path(where, "prometheus.scrapeInterval"))
    window = as_seconds(prometheus.get("rateWindow", defaults.rate_window), field_path(where, "prometheus.rateWindow"))
    if window < 2 * scrape:
        raise ScenarioError(f"{field_path(where, 'prometheus.rateWindow')}: must cover at least two scrapes "
                            f"({2 * scrape:g}s), or rate() returns nothing")
    sampling = server.get("sampling", DEFAULT_SAMPLING)
    if sampling not in SAMPLINGS:
        raise ScenarioError(f"{field_path(where, 'metricsServer.sampling')}: {sampling!r} is not one of "
                            f"{', '.join(SAMPLINGS)}")
    kubelet = as_seconds(server.get("kubeletPeriod", DEFAULT_KUBELET_PERIOD),
                         field_path(where, "metricsServer.kubeletPeriod"), positive=False)
    if kubelet > resolution:
        raise ScenarioError(f"{field_path(where, 'metricsServer.kubeletPeriod')}: must be at most the resolution "
                            f"({resolution:g}s), got {server.get('kubeletPeriod')!r}")
    return Pipeline(resolution=resolution, scrape_interval=scrape, rate_window=window, sampling=sampling,
                    kubelet_period=kubelet,
                    phase=_phase(server.get("phase", DEFAULT_SCRAPE_PHASE), field_path(where, "metricsServer.phase"),
                                 resolution),
                    prometheus_phase=_phase(prometheus.get("phase", DEFAULT_SCRAPE_PHASE),
                                            field_path(where, "prometheus.phase"), scrape))


CONTROLLER_FIELDS = {
    "tolerance": "tolerance", "cpuInitializationPeriod": "cpu_initialization_period",
    "initialReadinessDelay": "initial_readiness_delay", "downscaleStabilization": "downscale_stabilization",
    "syncPeriod": "sync_period",
}
VERSION_FIELDS = ("kubernetesVersion", "featureGates")


def _kubernetes_version(raw: Any, where: str) -> Optional[str]:
    """``controller.kubernetesVersion``: a string. A YAML number is refused: ``1.30`` unquoted is the float 1.3."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        hint = " (quote it: YAML reads 1.30 as the number 1.3)" if isinstance(raw, (int, float)) else ""
        raise ScenarioError(f"{where}: expected a Kubernetes version as a string like \"1.30\", got {raw!r}{hint}")
    return raw.strip()


def _feature_gates(raw: Any, where: str) -> Optional[str]:
    """``controller.featureGates``: a mapping ``Name: true|false``, or a string in kube-controller-manager's syntax;
    either way the string (the syntax and the gates themselves are checked with the release, in the use case)."""
    from ..sources.kube import format_feature_gates

    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: expected a mapping of gate names to true or false, or a string like "
                            f"\"HPAScaleToZero=true\", got {type(raw).__name__}")
    for name, value in raw.items():
        if not isinstance(value, bool):
            raise ScenarioError(f"{field_path(where, str(name))}: expected true or false, got {value!r}")
    return format_feature_gates({str(name): value for name, value in raw.items()})


def _controller(raw: Any, where: str) -> ControllerSettings:
    raw = as_mapping(raw, where)
    reject_unknown(raw, set(CONTROLLER_FIELDS) | set(VERSION_FIELDS), where)
    values: dict[str, Any] = {}
    for key, attribute in CONTROLLER_FIELDS.items():
        if key not in raw:
            continue
        if key == "tolerance":
            values[attribute] = as_number(raw[key], field_path(where, key))
        else:
            values[attribute] = as_seconds(raw[key], field_path(where, key), positive=key == "syncPeriod")
    return replace(ControllerSettings(), **values)


def parse_scenario(document: Any, source: str, base_dir: Path, hpa_override: Optional[dict] = None) -> Scenario:
    """Validate a decoded scenario; relative file names resolve against ``base_dir``.

    ``hpa_override`` is an HPA manifest that replaces the scenario's own (``--hpa FILE``)."""
    if not isinstance(document, dict):
        raise ScenarioError(f"{source}: expected a kind: Scenario mapping")
    if document.get("kind", KIND) != KIND:
        raise ScenarioError(f"{source}: kind: expected Scenario, got {document.get('kind')!r}")
    version = document.get("apiVersion", API_VERSION)
    if version != API_VERSION:
        raise ScenarioError(f"{source}: apiVersion: expected {API_VERSION}, got {version!r}")
    reject_unknown(document, {"apiVersion", "kind", "metadata", "hpa", "workload", "pipeline", "controller", "load",
                              "duration", "seed", "variants", "model"}, "")
    model = document.get("model", MODELS[0])
    if model not in MODELS:
        raise ScenarioError(f"{source}: model: expected one of {', '.join(MODELS)}, got {model!r}")
    if model == "realistic":
        document = deep_merge(REALISTIC, document)
    metadata = as_mapping(document.get("metadata"), "metadata")
    if hpa_override is not None:
        manifest = hpa_override
    else:
        raw_hpa = document.get("hpa")
        if raw_hpa is None:
            raise ScenarioError(f"{source}: hpa: required (an autoscaling/v2 manifest, or --hpa FILE)")
        manifest = load_hpa_file(base_dir / raw_hpa) if isinstance(raw_hpa, str) else as_mapping(raw_hpa, "hpa")
    hpa = hpa_spec(manifest, f"{source}: hpa")
    load = parse_load(document.get("load"), "load", base_dir)  # built now, once: the run reuses its profile
    variants = []
    for index, raw in enumerate(document.get("variants") or ()):
        where = f"variants[{index}]"
        raw = as_mapping(raw, where)
        reject_unknown(raw, {"name", "spec"}, where)
        merged = {**manifest, "spec": deep_merge(manifest.get("spec") or {}, as_mapping(raw.get("spec"), f"{where}.spec"))}
        variants.append(Variant(str(raw.get("name", f"variant-{index + 1}")), hpa_spec(merged, f"{source}: {where}"), merged))
    workload = _workload(document.get("workload"), "workload")
    check_containers(hpa, workload, f"{source}: hpa")
    for variant in variants:
        check_containers(variant.hpa, workload, f"{source}: {variant.name}")
    duration = document.get("duration")
    seed = document.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScenarioError(f"{source}: seed: expected an integer, got {seed!r}")
    controller = as_mapping(document.get("controller"), "controller")
    return Scenario(
        name=str(metadata.get("name", Path(source).stem)), hpa=hpa, load=load,
        duration=as_seconds(duration, "duration") if duration is not None else 0.0,
        workload=workload, pipeline=_pipeline(document.get("pipeline"), "pipeline"),
        controller=_controller(controller, "controller"), seed=seed, hpa_manifest=manifest,
        variants=tuple(variants),
        kubernetes_version=_kubernetes_version(controller.get("kubernetesVersion"), "controller.kubernetesVersion"),
        feature_gates=_feature_gates(controller.get("featureGates"), "controller.featureGates"))


def check_containers(hpa: HPASpec, workload: Workload, where: str) -> None:
    """A ContainerResource metric must name a container the workload runs: in a cluster the metric would fail
    at every sync, which no simulation of this workload can teach anything about."""
    names = [container.name for container in workload.pod_containers]
    for index, spec in enumerate(hpa.metrics):
        if spec.type == CONTAINER_RESOURCE and spec.container not in names:
            raise ScenarioError(f"{where}.spec.metrics[{index}].containerResource.container: {spec.container!r} is "
                                f"not a container of the workload (workload.containers: {', '.join(names)})")


def hpa_spec(manifest: dict, where: str) -> HPASpec:
    # From their own modules, not the sources.snapshot facade, which loads the whole snapshot reader (document,
    # assemble, readings): ~3 ms of every simulate start for two names.
    from ..sources.errors import SnapshotError
    from ..sources.hpa import parse_hpa

    try:
        return parse_hpa(manifest, where)
    except SnapshotError as error:
        raise ScenarioError(str(error)) from None


def deep_merge(base: dict, patch: dict) -> dict:
    """Mappings merge key by key; anything else (lists included) replaces."""
    merged = dict(base)
    for key, value in patch.items():
        merged[key] = deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged


def load_hpa_file(path: Path) -> dict:
    """The first HorizontalPodAutoscaler in a manifest file (several documents allowed)."""
    import_yaml()  # its pure reader's pattern compiled on first use: see there
    import yaml

    try:
        documents = load_yaml_all(read_text(path))
    except OSError as error:
        raise ScenarioError(f"{path}: {error.strerror or error}") from None
    except InputTooLarge as error:
        raise ScenarioError(f"{path}: {error}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: malformed YAML: {str(error).splitlines()[0]}") from None
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == "HorizontalPodAutoscaler":
            return document
    raise ScenarioError(f"{path}: no HorizontalPodAutoscaler in the file")


def read_scenario(path: Path, hpa_override: Optional[dict] = None) -> Scenario:
    import_yaml()  # its pure reader's pattern compiled on first use: see there
    import yaml

    try:
        text = read_text(path)
    except OSError as error:
        raise ScenarioError(f"{path}: {error.strerror or error}") from None
    except InputTooLarge as error:
        raise ScenarioError(f"{path}: {error}") from None
    try:
        document = load_yaml(text)
    except InputTooLarge as error:
        raise ScenarioError(f"{path}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}: malformed YAML{where}: {getattr(error, 'problem', '') or error}") from None
    from ..sources.errors import MALFORMED, malformed

    try:
        return parse_scenario(document, str(path), path.parent, hpa_override)
    except ScenarioError as error:
        message = str(error)
        raise ScenarioError(message if message.startswith(str(path)) else f"{path}: {message}") from None
    except MALFORMED as error:  # a field of the wrong shape: name where the reading stopped
        raise ScenarioError(str(malformed(str(path), error))) from None
