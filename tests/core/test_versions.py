"""The version table itself: its rows, the gates' stages, and how a release and --feature-gates are read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubectl_hpa.core.versions import (
    CHANGES,
    GATES,
    NEWEST,
    NEWEST_RELEASED,
    OLDEST,
    ControllerVersion,
    VersionError,
    changes_between,
    controller_version,
    emulated_minor,
    parse_feature_gates,
    parse_release,
)

PACKAGE = Path(__file__).resolve().parents[2] / "kubectl_hpa"


def test_rows_are_in_release_order_with_unique_keys_and_a_pr_each() -> None:
    assert [row.since for row in CHANGES] == sorted(row.since for row in CHANGES)
    assert len({row.key for row in CHANGES}) == len(CHANGES)
    assert all(row.prs and all(pr > 100000 for pr in row.prs) for row in CHANGES)
    assert all(row.gate is None or row.gate in GATES for row in CHANGES)


NOT_READ_BY_NAME = {
    "missing-pods-at-target": "the oldest release emulated has it: always on",
    "ambiguous-selector": "the oldest release emulated has it: always on",
    "scale-to-zero-by-default": "the HPAScaleToZero gate's default (GATES) carries it",
}


def test_every_emulated_row_is_read_by_the_emulation_and_none_is_compared_by_number() -> None:
    """The table is the only place that knows releases: code asks ``has(ROW)``, never ``minor >= 33``."""
    constants = {row.key: name for name, row in _row_constants().items()}
    emulation = [path for folder in ("core", "sim", "diagnose") for path in (PACKAGE / folder).rglob("*.py")
                 if path.name != "versions.py"]
    sources = "\n".join(path.read_text() for path in emulation)
    for row in CHANGES:
        if row.emulated and row.key not in NOT_READ_BY_NAME:
            assert re.search(rf"\b{constants[row.key]}\b", sources), f"no code reads {constants[row.key]}"
    everything = "\n".join(path.read_text() for path in PACKAGE.rglob("*.py") if path.name != "versions.py")
    assert not re.search(r"\.minor\s*[<>]=?\s*\d", everything)


def _row_constants() -> dict:
    import kubectl_hpa.core.versions as versions

    keys = {row.key: row for row in CHANGES}
    return {name: keys[value] for name, value in vars(versions).items()
            if name.isupper() and isinstance(value, str) and value in keys}


@pytest.mark.parametrize("text, minor", [
    ("1.37", 37), ("v1.37", 37), ("v1.37.2", 37), ("v1.30.14-eks-931bdca", 30), ("v1.33.5-gke.1080000", 33),
    ("1.26", 26), ("1.38.0-alpha.2", 38), ("1.31+", 31), (" 1.36 ", 36),
])
def test_versions_as_servers_and_people_write_them(text: str, minor: int) -> None:
    assert parse_release(text) == minor


@pytest.mark.parametrize("text, message", [
    ("1.25", "Kubernetes 1.25 is not supported: kubectl-hpa emulates the HPA controller of 1.26 to 1.38"),
    ("v1.18.20", "Kubernetes 1.18 is not supported"),
    ("2.0", "'2.0' is not a Kubernetes version"),
    ("latest", "'latest' is not a Kubernetes version"),
    ("", "'' is not a Kubernetes version"),
])
def test_what_cannot_be_emulated_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(VersionError) as refused:
        parse_release(text)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_release_newer_than_the_table_is_emulated_as_the_newest_with_a_note() -> None:
    assert emulated_minor(NEWEST) == (NEWEST, None)
    minor, note = emulated_minor(NEWEST + 2)
    assert minor == NEWEST and note and f"1.{NEWEST + 2}" in note and f"emulating 1.{NEWEST}" in note


def test_gate_defaults_follow_their_stages() -> None:
    assert [ControllerVersion(m).gate("HPAScaleToZero") for m in (26, 35, 36, 37, 38)] == [False] * 3 + [True] * 2
    assert [ControllerVersion(m).gate("HPAConfigurableTolerance") for m in (32, 33, 34, 35, 37)] == \
        [False, False, False, True, True]
    # HPAContainerMetrics: alpha (off) until 1.26, beta 1.27, GA 1.30, removed 1.32 (always on without a gate).
    assert [ControllerVersion(m).gate("HPAContainerMetrics") for m in (26, 27, 30, 32, 38)] == \
        [False, True, True, True, True]
    assert "HPAContainerMetrics" not in ControllerVersion(32).gates()
    assert ControllerVersion(NEWEST_RELEASED).gates() == {
        "HPAScaleToZero": True, "HPAConfigurableTolerance": True, "PodLevelResources": True}


def test_feature_gates_in_kube_controller_manager_syntax() -> None:
    known, others = parse_feature_gates("HPAScaleToZero=true, PodLevelResources=F,InPlacePodVerticalScaling=1")
    assert known == {"HPAScaleToZero": True, "PodLevelResources": False}
    assert others == ["InPlacePodVerticalScaling"]
    with pytest.raises(VersionError, match="invalid value of HPAScaleToZero=yes"):
        parse_feature_gates("HPAScaleToZero=yes")
    with pytest.raises(VersionError, match="missing bool value for HPAScaleToZero"):
        parse_feature_gates("HPAScaleToZero")


def test_gate_settings_are_checked_as_the_controller_checks_them() -> None:
    with pytest.raises(VersionError, match="unrecognized feature gate: HPAConfigurableTolerance"):
        controller_version(32, {"HPAConfigurableTolerance": True})
    with pytest.raises(VersionError, match="cannot set feature gate HPAConfigurableTolerance to false, feature is "
                                           "locked to true"):
        controller_version(37, {"HPAConfigurableTolerance": False})
    with pytest.raises(VersionError, match="unrecognized feature gate: HPAContainerMetrics"):
        controller_version(33, {"HPAContainerMetrics": False})
    version = controller_version(36, {"HPAScaleToZero": True})
    assert version.gate("HPAScaleToZero") and version.describe() == "Kubernetes 1.36 (HPAScaleToZero=true)"
    assert controller_version(37, {"HPAScaleToZero": True}).describe() == "Kubernetes 1.37"  # the default anyway


def test_rows_follow_the_release_and_their_gate() -> None:
    assert not ControllerVersion(37).has("succeeded-pods-ignored") and ControllerVersion(38).has("succeeded-pods-ignored")
    assert not ControllerVersion(33).has("per-hpa-tolerance")  # alpha, off
    assert ControllerVersion(33).with_gates({"HPAConfigurableTolerance": True}).has("per-hpa-tolerance")
    assert not ControllerVersion(35).with_gates({"PodLevelResources": False}).has("pod-level-requests")
    with pytest.raises(KeyError):
        ControllerVersion(37).has("no-such-row")


def test_an_upgrade_crosses_the_rows_after_its_start_up_to_its_end() -> None:
    assert [row.key for row in changes_between(36, 37)] == [
        "scale-to-zero-by-default", "observed-generation", "immediate-reconcile", "object-metric-message",
        "metrics-api-v1"]
    assert changes_between(37, 36) == changes_between(36, 37)
    assert changes_between(OLDEST, OLDEST) == []


def test_the_readme_lists_every_row_and_gate() -> None:
    """The README's release table is the table in the code, row for row."""
    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme.split("## Which Kubernetes release", 1)[1].split("\n## ", 1)[0]
    for row in CHANGES:
        line = next((line for line in section.splitlines() if line.startswith(f"| {row.release} | {row.summary}")),
                    None)
        assert line is not None, f"README lacks the row {row.key}"
        assert all(f"#{pr}" in line for pr in row.prs)
    for name in GATES:
        assert f"| `{name}` |" in section
