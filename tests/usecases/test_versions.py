"""The one rule choosing the controller every verb emulates: flag, then what the input reports, then 1.37."""

from __future__ import annotations

import pytest

from kubectl_hpa.core.versions import NEWEST, NEWEST_RELEASED, VersionError
from kubectl_hpa.usecases.versions import check_flags, choose_emulation


def test_the_flag_wins_then_the_input_then_the_newest_release() -> None:
    assert choose_emulation("1.30", None, "v1.35.1", None, "the cluster").version.minor == 30
    chosen = choose_emulation(None, None, "v1.35.1-gke.100", None, "the cluster")
    assert chosen.version.minor == 35 and chosen.notes == ()
    assumed = choose_emulation(None, None, None, None, "the cluster")
    assert assumed.version.minor == NEWEST_RELEASED
    assert assumed.notes == ("the cluster does not say which Kubernetes release it runs; emulating the HPA controller "
                             "of 1.37, the newest release (--kubernetes-version to choose)",)
    newer = choose_emulation(None, None, "v1.50.0", None, "the cluster")
    assert newer.version.minor == NEWEST and len(newer.notes) == 1


def test_gates_go_on_top_of_the_release_input_first_then_the_flag() -> None:
    chosen = choose_emulation(None, "HPAScaleToZero=false", "1.36", "HPAScaleToZero=true,PodLevelResources=false",
                              "the snapshot")
    assert chosen.version.gate("HPAScaleToZero") is False and chosen.version.gate("PodLevelResources") is False
    assert chosen.version.describe() == "Kubernetes 1.36 (PodLevelResources=false)"  # HPAScaleToZero: the default


def test_refusals_are_version_errors_naming_the_input() -> None:
    with pytest.raises(VersionError, match=r"^the cluster runs v1\.25\.0: Kubernetes 1\.25 is not supported"):
        choose_emulation(None, None, "v1.25.0", None, "the cluster")
    with pytest.raises(VersionError, match=r"^the snapshot: cannot set feature gate HPAContainerMetrics to false"):
        choose_emulation(None, None, "1.31", "HPAContainerMetrics=false", "the snapshot")
    with pytest.raises(VersionError, match=r"^unrecognized feature gate: PodLevelResources"):
        choose_emulation("1.31", "PodLevelResources=true")


def test_flags_are_checked_before_anything_is_read() -> None:
    check_flags(None, "AnyGate=true")  # syntax only: the release is not known yet
    check_flags("1.33", "HPAConfigurableTolerance=true")
    for flag, gates in (("1.2", None), (None, "AnyGate"), ("1.30", "HPAConfigurableTolerance=true")):
        with pytest.raises(VersionError):
            check_flags(flag, gates)
