"""Upstream-transcribed tests: put the repo root and this folder on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
for path in (REPO_ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


import pytest  # noqa: E402

from kubectl_hpa.core import versions  # noqa: E402

RELEASES = tuple(range(versions.NEWEST, versions.OLDEST - 1, -1))

SINCE = {
    # Case (name prefix) -> the release from which upstream's expectation holds, and the row that made it so.
    # Every other case holds unchanged at every release from 1.26: they run at each one.
    "TestGroupPods/ignore pods in a succeeded state": (38, versions.SUCCEEDED_PODS_IGNORED),
    "TestReplicaCalcResourceScale/scale up: succeeded pods ignored": (38, versions.SUCCEEDED_PODS_IGNORED),
    "TestReplicaCalcResourceScale/scale down: succeeded pods ignored": (38, versions.SUCCEEDED_PODS_IGNORED),
    "TestReplicaCalcResourceScale/scale up: container metric with succeeded": (38, versions.SUCCEEDED_PODS_IGNORED),
    "TestReplicaCalcResourceScale/scale down: container metric with succeeded": (38, versions.SUCCEEDED_PODS_IGNORED),
    "TestGetPerPodUsage/zero replicas returns zero": (38, versions.REPLICAS_CAPPED_AT_INT32),
    "TestReplicaCalcExternalPerPodMetric/statusReplicas zero": (38, versions.REPLICAS_CAPPED_AT_INT32),
    "TestReplicaCalcObjectPerPodMetric/statusReplicas zero": (38, versions.REPLICAS_CAPPED_AT_INT32),
    "TestScaleDownCM/scale down to zero": (36, versions.SCALED_TO_ZERO_CONDITION),
    "TestScaleUpCMObject/scale up from zero": (36, versions.SCALED_TO_ZERO_CONDITION),
    "TestScaleUpFromZero": (36, versions.SCALED_TO_ZERO_CONDITION),
    "TestScaledToZeroCondition": (36, versions.SCALED_TO_ZERO_CONDITION),
    "TestReplicaCalcObjectMetric/scale up: very large metric saturates": (35, versions.VALUE_CAPPED),
    # Upstream turns the alpha gate on for these from 1.33; the transcription takes each release's default.
    "TestConfigurableTolerance/": (35, versions.PER_HPA_TOLERANCE),
    "TestReplicaCalcExternalMetric/usage overflow caps at MaxInt64": (34, versions.EXTERNAL_AVERAGE_CAPPED),
    "TestReplicaCalcExternalPerPodMetric/replica count overflow": (34, versions.EXTERNAL_AVERAGE_CAPPED),
    "TestCalculateRequests/Pod-level resources": (34, versions.POD_LEVEL_REQUESTS),
    "TestReplicaCalcResourceScale/scale up: failed pods ignored with missing container metric":
        (33, versions.MISSING_CONTAINER_IS_MISSING_POD),
    "TestCalculateRequests/pod with restartable init containers": (29, versions.SIDECAR_REQUESTS),
}


@pytest.fixture(autouse=True, params=RELEASES, ids=[f"1.{minor}" for minor in RELEASES])
def release(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run every transcribed case under the controller of each release (the cases build the newest one)."""
    minor = request.param
    for prefix, (since, row) in SINCE.items():
        if minor < since and prefix in request.node.name:
            pytest.skip(f"upstream's case holds from 1.{since} ({row}); before, the version table's row says why")
    if minor != versions.NEWEST:
        has, gate = versions.ControllerVersion.has, versions.ControllerVersion.gate

        def at_release(version: versions.ControllerVersion) -> versions.ControllerVersion:
            if version.minor != versions.NEWEST:
                return version
            kept = tuple((name, value) for name, value in version.gate_settings
                         if versions.GATES[name].stage(minor) is not None)
            return versions.ControllerVersion(minor, kept)

        monkeypatch.setattr(versions.ControllerVersion, "has", lambda self, key: has(at_release(self), key))
        monkeypatch.setattr(versions.ControllerVersion, "gate", lambda self, name: gate(at_release(self), name))
    return minor
