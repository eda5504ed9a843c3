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
    parse_values,
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
CONTROLLER = ControllerSettings()  # the newest release: per-HPA tolerance counts


def _every_value(manifest: dict) -> dict[str, tuple]:
    hpa = hpa_spec(manifest, "test")
    current = current_settings(hpa, CONTROLLER)
    values = {name: default_values(name, current, hpa, reaches_max=True) for name in DEFAULT_VARIED}
    values.update({name: ("Max", "Min", "Disabled") for name in PARAMETERS if name.endswith("selectPolicy")})
    return values


@pytest.mark.parametrize("manifest", [MANIFEST, VALUE_MANIFEST], ids=["utilization", "average-value"])
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
