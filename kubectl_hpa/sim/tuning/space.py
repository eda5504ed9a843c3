"""The settings ``tune`` may change, their current values, the default search space, and writing a candidate
into an HPA manifest.

A parameter is named by where it lives in ``spec`` (``minReplicas``, ``scaleDown.stabilizationWindowSeconds``,
``scaleUp.policies``); ``target`` is the first metric's target (its averageUtilization, averageValue or
value, whichever the HPA uses) and ``metrics[1].target``, ``metrics[2].target``, ... the next metrics'
(``parameters_for``: an HPA's own list). Every value list is ordered (numbers ascending, policies from the
most eager to the most cautious), so that the search can take a value's neighbours.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Optional, Union

from ...core.model import ControllerSettings, HPASpec, ScalingPolicy, ScalingRules
from ...core.quantity import parse_quantity
from ..fields import ScenarioError, as_seconds

Value = Union[int, float, str]

TARGET = "target"
MIN = "minReplicas"
MAX = "maxReplicas"
UP, DOWN = "scaleUp", "scaleDown"
WINDOW, POLICIES, SELECT, TOLERANCE = "stabilizationWindowSeconds", "policies", "selectPolicy", "tolerance"

PARAMETERS = (TARGET, MIN, MAX, f"{UP}.{WINDOW}", f"{DOWN}.{WINDOW}", f"{UP}.{POLICIES}", f"{DOWN}.{POLICIES}",
              f"{UP}.{SELECT}", f"{DOWN}.{SELECT}", f"{UP}.{TOLERANCE}", f"{DOWN}.{TOLERANCE}")
"""Every parameter of a one-metric HPA, in the order candidates list them (``parameters_for``: any HPA's)."""


def target_parameter(index: int) -> str:
    """The parameter of ``spec.metrics[index]``'s target: ``target`` for the first, ``metrics[1].target`` ..."""
    return TARGET if index == 0 else f"metrics[{index}].target"


def target_index(name: str) -> Optional[int]:
    """Which metric's target ``name`` is (0 for ``target``), or None for another parameter."""
    if name == TARGET:
        return 0
    if name.startswith("metrics[") and name.endswith("].target"):
        digits = name[len("metrics["):-len("].target")]
        if digits.isdigit() and int(digits) > 0 and str(int(digits)) == digits:
            return int(digits)
    return None


def parameters_for(hpa: HPASpec) -> tuple[str, ...]:
    """Every parameter of this HPA, in the order candidates list them: one target per metric, then the rest."""
    return (TARGET, *(target_parameter(index) for index in range(1, len(hpa.metrics))), *PARAMETERS[1:])

# The API's defaults (autoscaling/v2 SetDefaults_HorizontalPodAutoscalerBehavior), as the policy syntax writes them.
DEFAULT_UP_POLICIES = "Pods:4/15s+Percent:100/15s"
DEFAULT_DOWN_POLICIES = "Percent:100/15s"
UP_POLICIES = ("Percent:300/15s+Pods:10/15s", DEFAULT_UP_POLICIES, "Percent:50/30s", "Pods:1/60s")
DOWN_POLICIES = (DEFAULT_DOWN_POLICIES, "Percent:50/60s", "Percent:20/60s", "Percent:10/60s", "Pods:1/60s")
UP_WINDOWS = (0, 15, 30, 60, 120)
DOWN_WINDOWS = (0, 60, 120, 180, 300, 450, 600, 900)
TOLERANCES = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2)
UTILIZATIONS = tuple(range(30, 95, 5))
VALUE_FACTORS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5)
SELECTS = ("Max", "Min")


class SpaceError(ScenarioError):
    """A bad ``--vary``/``--fix``: one line naming the parameter."""


@dataclass(frozen=True)
class Space:
    """The values each parameter may take (the first listed parameters vary; the rest hold ``base``)."""

    base: dict[str, Value]
    """Every parameter's value when it does not vary: the current spec's, or a ``--fix NAME=VALUE``."""
    values: dict[str, tuple[Value, ...]]
    """The parameters that vary and their ordered values (each includes its base value)."""

    def size(self) -> int:
        return math.prod(len(values) for values in self.values.values())

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every parameter of the HPA, in the order candidates list them (``parameters_for``)."""
        return tuple(self.base)


# ----------------------------------------------------------------------------- the current spec


def current_settings(hpa: HPASpec, controller: ControllerSettings) -> dict[str, Value]:
    """Every parameter's value in the spec as the controller runs it (API defaults filled in)."""
    from ...sources.hpa import DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP

    behavior = hpa.behavior
    up = behavior.scale_up if behavior else DEFAULT_SCALE_UP
    down = behavior.scale_down if behavior else DEFAULT_SCALE_DOWN
    settings: dict[str, Value] = {
        TARGET: target_value(hpa),
        **{target_parameter(index): target_value(hpa, index) for index in range(1, len(hpa.metrics))},
        MIN: hpa.effective_min_replicas,
        MAX: hpa.max_replicas,
        f"{UP}.{WINDOW}": up.stabilization_window_seconds or 0,
        f"{DOWN}.{WINDOW}": (int(controller.downscale_stabilization) if down.stabilization_window_seconds is None
                             else down.stabilization_window_seconds),
        f"{UP}.{POLICIES}": format_policies(up.policies),
        f"{DOWN}.{POLICIES}": format_policies(down.policies),
        f"{UP}.{SELECT}": up.select_policy,
        f"{DOWN}.{SELECT}": down.select_policy,
        f"{UP}.{TOLERANCE}": _tolerance(up, controller),
        f"{DOWN}.{TOLERANCE}": _tolerance(down, controller),
    }
    return settings


def _tolerance(rules: ScalingRules, controller: ControllerSettings) -> float:
    if rules.tolerance is not None and controller.configurable_tolerance:
        return rules.tolerance
    return controller.tolerance


def target_value(hpa: HPASpec, index: int = 0) -> Value:
    """A metric's target (the first's by default) in its own unit: percent (an int) for Utilization, else whole
    units."""
    if not hpa.metrics:
        raise SpaceError("the HPA has no metrics: there is no target to tune")
    target = hpa.metrics[index].target
    wanted = target.wanted or 0
    return int(wanted) if target.is_utilization else wanted / 1000


def format_policies(policies: tuple[ScalingPolicy, ...]) -> str:
    """``Pods:4/15s+Percent:100/15s``: the policies of one direction, in order."""
    return "+".join(f"{policy.type}:{policy.value}/{policy.period_seconds}s" for policy in policies)


def parse_policies(text: str, where: str) -> list[dict[str, Any]]:
    """The manifest's ``policies`` list of ``TYPE:VALUE/PERIOD`` joined by ``+``."""
    policies = []
    for part in text.split("+"):
        try:
            kind, rest = part.strip().split(":", 1)
            value, period = rest.split("/", 1)
            seconds = as_seconds(period.strip(), where)
            kind, count = kind.strip(), int(value)
        except (ValueError, ScenarioError):
            raise SpaceError(f"{where}: {part!r} is not a policy like Percent:10/60s or Pods:4/15s") from None
        policies.append({"type": kind, "value": count, "periodSeconds": int(seconds)})
        if kind not in ("Pods", "Percent") or count < 1 or not 1 <= seconds <= 1800:
            raise SpaceError(f"{where}: {part!r}: the type is Pods or Percent, the value at least 1 and the period "
                             "1s to 30m")
    return policies


# ----------------------------------------------------------------------------- the space


def default_values(name: str, current: dict[str, Value], hpa: HPASpec, reaches_max: bool) -> tuple[Value, ...]:
    """What a parameter tries when the user names no values: a sensible range around what most HPAs need."""
    value = current[name]
    index = target_index(name)
    if index is not None:
        if hpa.metrics[index].target.is_utilization:
            return _ordered(UTILIZATIONS, value)
        return _ordered(tuple(round(float(value) * factor, 3) for factor in VALUE_FACTORS), value)
    if name == MIN:
        low = int(value)
        top = min(int(current[MAX]), max(2 * low, low + 3))
        candidates = range(1, top + 1) if top <= 12 else sorted({1, max(1, low // 2), low, low + 1, 2 * low, top})
        return _ordered(tuple(candidates), value)
    if name == MAX:
        if not reaches_max:
            return (value,)
        high = int(value)
        return _ordered((high, math.ceil(high * 1.25), math.ceil(high * 1.5), 2 * high), value)
    direction, field = name.split(".")
    if field == WINDOW:
        return _ordered(UP_WINDOWS if direction == UP else DOWN_WINDOWS, value)
    if field == POLICIES:
        return _ordered(UP_POLICIES if direction == UP else DOWN_POLICIES, value)
    if field == TOLERANCE:
        return _ordered(TOLERANCES, value)
    return _ordered(SELECTS, value)


DEFAULT_VARIED = (TARGET, MIN, MAX, f"{UP}.{WINDOW}", f"{DOWN}.{WINDOW}", f"{UP}.{POLICIES}", f"{DOWN}.{POLICIES}",
                  f"{UP}.{TOLERANCE}", f"{DOWN}.{TOLERANCE}")
"""What varies when no ``--vary`` is given, with every further metric's target (selectPolicy only matters with
several policies: ``--vary`` it)."""


def build_space(current: dict[str, Value], hpa: HPASpec, controller: ControllerSettings, reaches_max: bool,
                vary: tuple[str, ...] = (), fix: tuple[str, ...] = ()) -> Space:
    """The space from the current spec and the flags. Any ``--vary`` narrows the space to the parameters it
    names; ``--fix NAME`` holds one at its current value, ``--fix NAME=VALUE`` at that value."""
    base = dict(current)
    known = parameters_for(hpa)
    fixed: set[str] = set()
    for text in fix:
        name, values = _split(text, "--fix", known)
        fixed.add(name)
        if values is not None:
            parsed = parse_values(name, values, "--fix", hpa)
            if len(parsed) != 1:
                raise SpaceError(f"--fix {text}: one value (--vary takes a list)")
            base[name] = parsed[0]
    tolerance_ok = controller.configurable_tolerance
    chosen: dict[str, tuple[Value, ...]] = {}
    if vary:
        for text in vary:
            name, values = _split(text, "--vary", known)
            if name in fixed:
                raise SpaceError(f"--vary {name}: also given to --fix")
            given = parse_values(name, values, "--vary", hpa) if values is not None else \
                default_values(name, base, hpa, True)
            chosen[name] = _ordered(given, None) if values is not None else given
    else:
        varied_by_default = [name for name in known if name in DEFAULT_VARIED or target_index(name) is not None]
        chosen = {name: default_values(name, base, hpa, reaches_max) for name in varied_by_default if name not in fixed}
        if not tolerance_ok:
            chosen = {name: values for name, values in chosen.items() if not name.endswith(TOLERANCE)}
    if not tolerance_ok:
        for name in chosen:
            if name.endswith(TOLERANCE):
                raise SpaceError(f"--vary {name}: the emulated controller has no per-HPA tolerance (it needs "
                                 "Kubernetes 1.33 with the HPAConfigurableTolerance gate, on by default from 1.35)")
    for text in fix:
        fixed_name, _ = _split(text, "--fix", known)
        if fixed_name.endswith(TOLERANCE) and not tolerance_ok and base[fixed_name] != current[fixed_name]:
            raise SpaceError(f"--fix {fixed_name}: the emulated controller has no per-HPA tolerance")
    # minReplicas <= maxReplicas (the API's rule) is checked per candidate, in the search.
    varied = {name: options for name, options in chosen.items() if len(options) > 1 or options[0] != base[name]}
    return Space(base=base, values=varied)


def _split(text: str, flag: str, known: tuple[str, ...]) -> tuple[str, Optional[str]]:
    name, sep, values = text.partition("=")
    name = name.strip()
    if name not in known:
        raise SpaceError(f"{flag} {text}: unknown setting {name!r} (one of {', '.join(known)})")
    return name, (values if sep else None)


def parse_values(name: str, text: str, flag: str, hpa: HPASpec) -> tuple[Value, ...]:
    """``a,b,c`` or, for a number, ``LOW..HIGH/STEP`` (``40..80/5``); policies are separated by ``,`` too."""
    where = f"{flag} {name}"
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise SpaceError(f"{where}: no values")
    field = name.split(".")[-1]
    if field == POLICIES:
        for part in parts:
            parse_policies(part, where)
        return tuple(parts)
    if field == SELECT:
        for part in parts:
            if part not in ("Max", "Min", "Disabled"):
                raise SpaceError(f"{where}: {part!r} is not one of Max, Min, Disabled")
        return tuple(parts)
    numbers: list[Value] = []
    for part in parts:
        if ".." in part:
            low, _, rest = part.partition("..")
            high, _, step = rest.partition("/")
            start, stop = _number(name, low, where), _number(name, high, where)
            increment = _number(name, step, where) if step else (5 if target_index(name) is not None else 1)
            if float(increment) <= 0 or float(stop) < float(start):
                raise SpaceError(f"{where}: {part!r}: expected LOW..HIGH/STEP with LOW <= HIGH and STEP > 0")
            count = int(math.floor((float(stop) - float(start)) / float(increment) + 1e-9)) + 1
            if count > 1000:
                raise SpaceError(f"{where}: {part!r} is {count} values (at most 1000)")
            numbers.extend(_cast(name, float(start) + index * float(increment), hpa) for index in range(count))
        else:
            numbers.append(_number(name, part, where))
    return tuple(numbers)


def _number(name: str, text: str, where: str) -> Value:
    field = name.split(".")[-1]
    if field == WINDOW:
        seconds = as_seconds(text.strip(), where, positive=False)  # 5m, 300s or 300
        if not 0 <= seconds <= 3600 or seconds != int(seconds):
            raise SpaceError(f"{where}: {text!r}: a whole number of seconds from 0 to 3600")
        return int(seconds)
    try:
        number: Union[int, float]
        if name in (MIN, MAX):
            number = int(text)
        elif target_index(name) is not None:  # a quantity, as the manifest writes it: 500m, 300Mi, 2
            number = float(parse_quantity(text.strip()))
        else:
            number = float(text)
    except ValueError:
        raise SpaceError(f"{where}: {text!r} is not {'an integer' if name in (MIN, MAX) else 'a number'}") from None
    if name in (MIN, MAX) and number < 1:
        raise SpaceError(f"{where}: {text!r}: at least 1")
    if number < 0 or (target_index(name) is not None and number <= 0):
        raise SpaceError(f"{where}: {text!r} must be positive")
    return number


def _cast(name: str, number: float, hpa: HPASpec) -> Value:
    if name in (MIN, MAX) or name.endswith(WINDOW):
        return int(round(number))
    index = target_index(name)
    if index is not None and hpa.metrics[index].target.is_utilization:
        return int(round(number))
    return round(number, 6)


def _ordered(values: tuple[Value, ...], current: Optional[Value]) -> tuple[Value, ...]:
    """Unique values, numbers ascending (the current value among them), words in the order given."""
    every = list(values) + ([] if current is None or current in values else [current])
    if all(isinstance(value, (int, float)) for value in every):
        return tuple(sorted(set(every), key=float))
    seen: list[Value] = []
    for value in ([current] if current is not None and current not in values else []) + list(values):
        if value not in seen:
            seen.append(value)
    return tuple(seen)


# ----------------------------------------------------------------------------- writing a candidate


def with_settings(manifest: dict, hpa: HPASpec, changes: dict[str, Value]) -> dict:
    """The manifest with ``changes`` written in (every other field as it was)."""
    result = copy.deepcopy(manifest)
    spec = result.setdefault("spec", {})
    for name, value in changes.items():
        index = target_index(name)
        if index is not None:
            _write_target(spec, hpa, value, index)
        elif name in (MIN, MAX):
            spec[name] = int(value)
        else:
            direction, field = name.split(".")
            rules = spec.setdefault("behavior", {}).setdefault(direction, {})
            if field == POLICIES:
                rules[field] = parse_policies(str(value), name)
            elif field == TOLERANCE:
                rules[field] = format_quantity(float(value))
            else:
                rules[field] = value
    return result


def _write_target(spec: dict, hpa: HPASpec, value: Value, index: int) -> None:
    metric = spec["metrics"][index]
    section = next((metric[key] for key in ("resource", "containerResource", "pods", "object", "external")
                    if isinstance(metric.get(key), dict)), None)
    if section is None:
        raise SpaceError(f"spec.metrics[{index}]: no target to write")
    target = section.setdefault("target", {})
    if hpa.metrics[index].target.is_utilization:
        target["averageUtilization"] = int(value)
    elif "value" in target and "averageValue" not in target:
        target["value"] = format_quantity(float(value))
    else:
        target["averageValue"] = format_quantity(float(value))


def format_quantity(number: float) -> str:
    """A Kubernetes quantity: ``2``, ``500m``, ``0.05`` as ``50m``."""
    milli = int(round(number * 1000))
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def format_value(name: str, value: Value) -> str:
    """A parameter's value as the tables print it."""
    if name.endswith(WINDOW):
        return f"{value}s"
    if name.endswith(TOLERANCE):
        return f"{float(value):g}"
    if target_index(name) is not None and isinstance(value, float):
        return f"{value:.15g}"  # 0.5, 314572800: never an exponent
    return str(value)
