"""tune's search space: a candidate written into a manifest reads back as exactly the settings it claims."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.model import ControllerSettings
from kubectl_hpa.core.versions import controller_version
from kubectl_hpa.sim.scenario import hpa_spec
from kubectl_hpa.sim.tuning.space import (
    DEFAULT_VARIED,
    PARAMETERS,
    SpaceError,
    build_space,
    current_settings,
    default_values,
    parameters_for,
    parse_values,
    target_index,
    with_settings,
)

MANIFEST = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 3, "maxReplicas": 20,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]}}
VALUE_MANIFEST = {**MANIFEST, "spec": {**MANIFEST["spec"], "metrics": [{"type": "Pods", "pods": {
    "metric": {"name": "requests_per_second"}, "target": {"type": "AverageValue", "averageValue": "500m"}}}]}}
# CPU utilization, then memory and a Pods metric by value: each metric's target is a setting of its own.
THREE_METRICS = {**MANIFEST, "spec": {**MANIFEST["spec"], "metrics": [
    *MANIFEST["spec"]["metrics"],
    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "300Mi"}}},
    *VALUE_MANIFEST["spec"]["metrics"]]}}
CONTROLLER = ControllerSettings()  # the newest release: per-HPA tolerance counts


def _every_value(manifest: dict) -> dict[str, tuple]:
    hpa = hpa_spec(manifest, "test")
    current = current_settings(hpa, CONTROLLER)
    names = [name for name in parameters_for(hpa) if name in DEFAULT_VARIED or target_index(name) is not None]
    values = {name: default_values(name, current, hpa, reaches_max=True) for name in names}
    values.update({name: ("Max", "Min", "Disabled") for name in PARAMETERS if name.endswith("selectPolicy")})
    return values


@pytest.mark.parametrize("manifest", [MANIFEST, VALUE_MANIFEST, THREE_METRICS],
                         ids=["utilization", "average-value", "three-metrics"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_candidate_reads_back_as_its_settings(manifest: dict, data: st.DataObject) -> None:
    hpa = hpa_spec(manifest, "test")
    current = current_settings(hpa, CONTROLLER)
    values = _every_value(manifest)
    names = data.draw(st.lists(st.sampled_from(sorted(values)), unique=True, max_size=6))
    changes = {name: data.draw(st.sampled_from(values[name])) for name in names}
    if int(changes.get("minReplicas", current["minReplicas"])) > int(changes.get("maxReplicas", current["maxReplicas"])):
        return  # the search never writes these (the API refuses them)
    written = with_settings(manifest, hpa, changes)
    assert current_settings(hpa_spec(written, "candidate"), CONTROLLER) == {**current, **changes}
    assert with_settings(manifest, hpa, {}) == manifest  # no change: the manifest as it was


def test_ranges_lists_and_durations_parse_to_ordered_values() -> None:
    hpa = hpa_spec(MANIFEST, "test")
    assert parse_values("target", "40..60/10,75", "--vary", hpa) == (40, 50, 60, 75)
    assert parse_values("scaleDown.stabilizationWindowSeconds", "0,5m,90", "--vary", hpa) == (0, 300, 90)
    assert parse_values("scaleDown.policies", "Percent:10/60s+Pods:2/1m", "--vary", hpa) == \
        ("Percent:10/60s+Pods:2/1m",)
    space = build_space(current_settings(hpa, CONTROLLER), hpa, CONTROLLER, False,
                        vary=("scaleDown.stabilizationWindowSeconds=600,0,300",))
    assert space.values == {"scaleDown.stabilizationWindowSeconds": (0, 300, 600)}


def test_tolerance_needs_a_release_that_has_it() -> None:
    hpa = hpa_spec(MANIFEST, "test")
    old = ControllerSettings(version=controller_version(32))
    space = build_space(current_settings(hpa, old), hpa, old, False)
    assert not any(name.endswith("tolerance") for name in space.values)
    with pytest.raises(SpaceError, match="per-HPA tolerance"):
        build_space(current_settings(hpa, old), hpa, old, False, vary=("scaleDown.tolerance",))


def test_every_metric_has_its_own_target_setting() -> None:
    hpa = hpa_spec(THREE_METRICS, "test")
    assert parameters_for(hpa)[:3] == ("target", "metrics[1].target", "metrics[2].target")
    assert parameters_for(hpa_spec(MANIFEST, "test")) == PARAMETERS  # one metric: the settings as before
    current = current_settings(hpa, CONTROLLER)
    assert (current["target"], current["metrics[1].target"], current["metrics[2].target"]) == (60, 314572800.0, 0.5)
    space = build_space(current, hpa, CONTROLLER, False)
    assert {"target", "metrics[1].target", "metrics[2].target"} <= set(space.values)  # all varied by default
    assert space.values["metrics[2].target"] == (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
    narrowed = build_space(current, hpa, CONTROLLER, False, vary=("metrics[2].target=0.4..0.6/0.1",),
                           fix=("target=70",))
    assert narrowed.values == {"metrics[2].target": (0.4, 0.5, 0.6)} and narrowed.base["target"] == 70
    written = with_settings(THREE_METRICS, hpa, {"metrics[2].target": 0.75})
    assert written["spec"]["metrics"][2]["pods"]["target"] == {"type": "AverageValue", "averageValue": "750m"}
    assert written["spec"]["metrics"][:2] == THREE_METRICS["spec"]["metrics"][:2]


@pytest.mark.parametrize("name", ["metrics[3].target", "metrics[0].target", "metrics[01].target", "metrics[x].target"])
def test_a_target_setting_must_name_a_further_metric_of_the_hpa(name: str) -> None:
    hpa = hpa_spec(THREE_METRICS, "test")
    with pytest.raises(SpaceError, match=r"unknown setting .*one of target, metrics\[1\]\.target, metrics\[2\]"):
        build_space(current_settings(hpa, CONTROLLER), hpa, CONTROLLER, False, vary=(f"{name}=1",))
