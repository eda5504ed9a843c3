"""The ``kind: Scenario`` file of ``kubectl hpa simulate``: HPA, workload, metric pipeline, controller, load.

Every part has a default, so a scenario can be as short as an HPA and a load.
Errors are :class:`ScenarioError`, one line naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from ..core.model import ControllerSettings, HPASpec
from ..core.quantity import QuantityError, parse_duration, parse_milli, parse_quantity

API_VERSION = "kubectl-hpa.io/v1alpha1"
KIND = "Scenario"
LOAD_TYPES = ("constant", "step", "ramp", "spike", "sine", "csv", "stages", "prometheus")


class ScenarioError(ValueError):
    """A scenario that cannot run; the message names the field."""


@dataclass(frozen=True)
class Startup:
    """Time from pod creation until Ready: fixed, or drawn per pod from a seeded distribution."""

    distribution: str = "fixed"  # fixed | uniform | normal
    seconds: float = 10.0  # fixed value, or the mean of normal
    low: float = 0.0  # uniform bounds
    high: float = 0.0
    stddev: float = 0.0


@dataclass(frozen=True)
class MetricModel:
    """How one metric responds to load: ``baseline + perRequest x requests/s`` (per pod or in total)."""

    per_request: float = 0.0  # milli-units per request/s
    baseline: float = 0.0  # milli-units
    retain: bool = False  # memory that never comes back down: the pod keeps its high-water mark


@dataclass(frozen=True)
class Workload:
    replicas: int = 1
    requests: dict = field(default_factory=lambda: {"cpu": 100, "memory": 64 * 2**20 * 1000})  # milli
    startup: Startup = Startup()
    cpu: MetricModel = MetricModel(per_request=10.0, baseline=1.0)
    memory: MetricModel = MetricModel(per_request=0.0, baseline=32 * 2**20 * 1000.0)
    pods_metrics: dict = field(default_factory=dict)  # name -> MetricModel, per pod (e.g. hello_counter_per_second)
    total_metrics: dict = field(default_factory=dict)  # name -> MetricModel, Object/External values from total load


@dataclass(frozen=True)
class Pipeline:
    """Metric lag: metrics-server's resolution for resource metrics, Prometheus scrape and rate window."""

    resolution: float = 15.0  # metrics-server --metric-resolution (and the PodMetrics window)
    scrape_interval: float = 15.0
    rate_window: float = 60.0  # the adapter rule's rate(...[W])


@dataclass(frozen=True)
class LoadSpec:
    type: str
    params: dict
    base_dir: Path = Path(".")


@dataclass(frozen=True)
class Variant:
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

    def with_variant(self, variant: Variant) -> Scenario:
        return replace(self, hpa=variant.hpa, hpa_manifest=variant.manifest, name=variant.name)


# ----------------------------------------------------------------------------- parsing


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(raw: Any, where: str) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: expected a mapping, got {type(raw).__name__}")
    return raw


def _unknown(raw: dict, known: set[str], where: str) -> None:
    extra = sorted(set(raw) - known)
    if extra:
        raise ScenarioError(f"{_where(where, extra[0])}: unknown field (known: {', '.join(sorted(known))})")


def _seconds(raw: Any, where: str, positive: bool = True) -> float:
    try:
        value = parse_duration(raw)
    except (ValueError, TypeError):
        raise ScenarioError(f"{where}: expected a duration like 30s, 5m or 1h, got {raw!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ScenarioError(f"{where}: must be {'greater than 0' if positive else '>= 0'}, got {raw!r}")
    return value


def _number(raw: Any, where: str, minimum: float = 0.0) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise ScenarioError(f"{where}: expected a number, got {raw!r}")
    if raw < minimum:
        raise ScenarioError(f"{where}: must be at least {minimum:g}, got {raw!r}")
    return float(raw)


def _milli(raw: Any, where: str) -> int:
    try:
        return parse_milli(raw)
    except QuantityError:
        raise ScenarioError(f"{where}: invalid quantity {raw!r}") from None


def _exact_milli(raw: Any, where: str) -> float:
    """Model coefficients keep their fractions (1.3m per request is 1.3, not rounded up to 2)."""
    try:
        value = float(parse_quantity(raw) * 1000)
    except (QuantityError, OverflowError):
        raise ScenarioError(f"{where}: invalid quantity {raw!r}") from None
    if value < 0:
        raise ScenarioError(f"{where}: must not be negative, got {raw!r}")
    return value


def _startup(raw: Any, where: str) -> Startup:
    if raw is None:
        return Startup()
    if not isinstance(raw, dict):
        return Startup(seconds=_seconds(raw, where, positive=False))
    _unknown(raw, {"distribution", "seconds", "mean", "min", "max", "stddev"}, where)
    kind = raw.get("distribution", "fixed")
    if kind == "fixed":
        return Startup(seconds=_seconds(raw.get("seconds", 10), _where(where, "seconds"), positive=False))
    if kind == "uniform":
        low = _seconds(raw.get("min", 0), _where(where, "min"), positive=False)
        high = _seconds(raw.get("max"), _where(where, "max"), positive=False)
        if high < low:
            raise ScenarioError(f"{_where(where, 'max')}: must be at least min")
        return Startup("uniform", (low + high) / 2, low, high)
    if kind == "normal":
        mean = _seconds(raw.get("mean"), _where(where, "mean"), positive=False)
        stddev = _seconds(raw.get("stddev", 0), _where(where, "stddev"), positive=False)
        return Startup("normal", mean, stddev=stddev)
    raise ScenarioError(f"{_where(where, 'distribution')}: {kind!r} is not one of fixed, uniform, normal")


def _metric_model(raw: Any, where: str, default: MetricModel = MetricModel()) -> MetricModel:
    raw = _mapping(raw, where)
    _unknown(raw, {"perRequest", "baseline", "retain"}, where)
    per_request = _exact_milli(raw["perRequest"], _where(where, "perRequest")) if "perRequest" in raw \
        else default.per_request
    baseline = _exact_milli(raw["baseline"], _where(where, "baseline")) if "baseline" in raw else default.baseline
    retain = raw.get("retain", default.retain)
    if not isinstance(retain, bool):
        raise ScenarioError(f"{_where(where, 'retain')}: expected true or false")
    return MetricModel(float(per_request), float(baseline), retain)


def _workload(raw: Any, where: str) -> Workload:
    raw = _mapping(raw, where)
    _unknown(raw, {"replicas", "requests", "startup", "cpu", "memory", "podsMetrics", "totalMetrics"}, where)
    defaults = Workload()
    replicas = raw.get("replicas", defaults.replicas)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise ScenarioError(f"{_where(where, 'replicas')}: expected an integer >= 0, got {replicas!r}")
    requests = dict(defaults.requests)
    for name, value in _mapping(raw.get("requests"), _where(where, "requests")).items():
        requests[str(name)] = _milli(value, _where(where, f"requests.{name}"))
    pods_metrics = {str(name): _metric_model(value, _where(where, f"podsMetrics.{name}"))
                    for name, value in _mapping(raw.get("podsMetrics"), _where(where, "podsMetrics")).items()}
    total_metrics = {str(name): _metric_model(value, _where(where, f"totalMetrics.{name}"))
                     for name, value in _mapping(raw.get("totalMetrics"), _where(where, "totalMetrics")).items()}
    return Workload(replicas=replicas, requests=requests, startup=_startup(raw.get("startup"), _where(where, "startup")),
                    cpu=_metric_model(raw.get("cpu"), _where(where, "cpu"), defaults.cpu),
                    memory=_metric_model(raw.get("memory"), _where(where, "memory"), defaults.memory),
                    pods_metrics=pods_metrics, total_metrics=total_metrics)


def _pipeline(raw: Any, where: str) -> Pipeline:
    raw = _mapping(raw, where)
    _unknown(raw, {"metricsServer", "prometheus"}, where)
    server = _mapping(raw.get("metricsServer"), _where(where, "metricsServer"))
    _unknown(server, {"resolution"}, _where(where, "metricsServer"))
    prometheus = _mapping(raw.get("prometheus"), _where(where, "prometheus"))
    _unknown(prometheus, {"scrapeInterval", "rateWindow"}, _where(where, "prometheus"))
    defaults = Pipeline()
    resolution = _seconds(server.get("resolution", defaults.resolution), _where(where, "metricsServer.resolution"))
    scrape = _seconds(prometheus.get("scrapeInterval", defaults.scrape_interval), _where(where, "prometheus.scrapeInterval"))
    window = _seconds(prometheus.get("rateWindow", defaults.rate_window), _where(where, "prometheus.rateWindow"))
    if window < 2 * scrape:
        raise ScenarioError(f"{_where(where, 'prometheus.rateWindow')}: must cover at least two scrapes "
                            f"({2 * scrape:g}s), or rate() returns nothing")
    return Pipeline(resolution=resolution, scrape_interval=scrape, rate_window=window)


CONTROLLER_FIELDS = {
    "tolerance": "tolerance", "cpuInitializationPeriod": "cpu_initialization_period",
    "initialReadinessDelay": "initial_readiness_delay", "downscaleStabilization": "downscale_stabilization",
    "syncPeriod": "sync_period",
}


def _controller(raw: Any, where: str) -> ControllerSettings:
    raw = _mapping(raw, where)
    _unknown(raw, set(CONTROLLER_FIELDS), where)
    values: dict[str, Any] = {}
    for key, attribute in CONTROLLER_FIELDS.items():
        if key not in raw:
            continue
        if key == "tolerance":
            values[attribute] = _number(raw[key], _where(where, key))
        else:
            values[attribute] = _seconds(raw[key], _where(where, key), positive=key == "syncPeriod")
    return replace(ControllerSettings(), **values)


def _load(raw: Any, where: str, base_dir: Path) -> LoadSpec:
    raw = _mapping(raw, where)
    if "type" not in raw:
        raise ScenarioError(f"{_where(where, 'type')}: required (one of {', '.join(LOAD_TYPES)})")
    kind = raw["type"]
    if kind not in LOAD_TYPES:
        raise ScenarioError(f"{_where(where, 'type')}: {kind!r} is not one of {', '.join(LOAD_TYPES)}")
    params = {key: value for key, value in raw.items() if key != "type"}
    return LoadSpec(kind, params, base_dir)


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
    _unknown(document, {"apiVersion", "kind", "metadata", "hpa", "workload", "pipeline", "controller", "load",
                        "duration", "seed", "variants"}, "")
    metadata = _mapping(document.get("metadata"), "metadata")
    if hpa_override is not None:
        manifest = hpa_override
    else:
        raw_hpa = document.get("hpa")
        if raw_hpa is None:
            raise ScenarioError(f"{source}: hpa: required (an autoscaling/v2 manifest, or --hpa FILE)")
        manifest = load_hpa_file(base_dir / raw_hpa) if isinstance(raw_hpa, str) else _mapping(raw_hpa, "hpa")
    hpa = hpa_spec(manifest, f"{source}: hpa")
    load = _load(document.get("load"), "load", base_dir)
    if load.type != "prometheus":  # a Prometheus load is only read when the simulation runs
        from .load import build_load

        build_load(load)
    variants = []
    for index, raw in enumerate(document.get("variants") or ()):
        where = f"variants[{index}]"
        raw = _mapping(raw, where)
        _unknown(raw, {"name", "spec"}, where)
        merged = {**manifest, "spec": deep_merge(manifest.get("spec") or {}, _mapping(raw.get("spec"), f"{where}.spec"))}
        variants.append(Variant(str(raw.get("name", f"variant-{index + 1}")), hpa_spec(merged, f"{source}: {where}"), merged))
    workload = _workload(document.get("workload"), "workload")
    duration = document.get("duration")
    seed = document.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScenarioError(f"{source}: seed: expected an integer, got {seed!r}")
    return Scenario(
        name=str(metadata.get("name", Path(source).stem)), hpa=hpa, load=load,
        duration=_seconds(duration, "duration") if duration is not None else 0.0,
        workload=workload, pipeline=_pipeline(document.get("pipeline"), "pipeline"),
        controller=_controller(document.get("controller"), "controller"), seed=seed, hpa_manifest=manifest,
        variants=tuple(variants))


def hpa_spec(manifest: dict, where: str) -> HPASpec:
    from ..sources.snapshot import SnapshotError, parse_hpa

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
    import yaml

    try:
        documents = list(yaml.safe_load_all(path.read_text()))
    except OSError as error:
        raise ScenarioError(f"{path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: malformed YAML: {str(error).splitlines()[0]}") from None
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == "HorizontalPodAutoscaler":
            return document
    raise ScenarioError(f"{path}: no HorizontalPodAutoscaler in the file")


def read_scenario(path: Path, hpa_override: Optional[dict] = None) -> Scenario:
    import yaml

    try:
        text = path.read_text()
    except OSError as error:
        raise ScenarioError(f"{path}: {error.strerror or error}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}: malformed YAML{where}: {getattr(error, 'problem', '') or error}") from None
    from ..sources.snapshot import MALFORMED, malformed

    try:
        return parse_scenario(document, str(path), path.parent, hpa_override)
    except ScenarioError as error:
        message = str(error)
        raise ScenarioError(message if message.startswith(str(path)) else f"{path}: {message}") from None
    except MALFORMED as error:  # a field of the wrong shape: name where the reading stopped
        raise ScenarioError(str(malformed(str(path), error))) from None
