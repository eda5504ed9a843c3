"""One truth across views: ``explain NAME`` and ``watch`` give the same verdict from the same reads.

Neither can read the controller's memory (no API serves it), so both start from the controller's first sight
(:data:`kubectl_hpa.core.model.FIRST_SIGHT`). Every snapshot fixture is served by the test API server, explained
live and watched for one refresh at the same instant; the desired count and the kind of verdict must agree, and
neither may announce a scale-down the live status says the controller holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_hpa.core.conditions import ABLE_TO_SCALE, SCALE_DOWN_STABILIZED
from kubectl_hpa.render.verdict import judge
from kubectl_hpa.sources.cluster_client import ConnectionOptions
from kubectl_hpa.sources.kube import name_of, namespace_of
from kubectl_hpa.timefmt import parse_time
from kubectl_hpa.usecases.explain import explain_hpa, read_cluster, read_file
from tests.helpers import SNAPSHOTS
from tests.watch.helpers import engine

FIXTURES = sorted(SNAPSHOTS.glob("*.yaml")) + sorted((SNAPSHOTS / "diagnostics").glob("*.yaml"))
AT = parse_time("2026-11-30T10:00:00Z")  # the capture time of the diagnostics fixtures


def _held_by_live_controller(hpa: dict) -> bool:
    conditions = (hpa.get("status") or {}).get("conditions") or ()
    return any(c.get("type") == ABLE_TO_SCALE and c.get("reason") == SCALE_DOWN_STABILIZED.reason for c in conditions)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: str(p.relative_to(SNAPSHOTS)))
def test_explain_and_watch_agree_on_every_fixture(api, kubeconfig, fixture: Path) -> None:
    at = read_file(str(fixture)).captured_at or AT
    api.load(fixture)
    compared = 0
    for namespace in sorted({namespace_of(h) for h in read_file(str(fixture)).hpas}):
        watcher = engine(kubeconfig, namespace=namespace, clock=lambda: at)
        try:
            rows = {row.name: row for row in watcher.refresh().rows}
        finally:
            watcher.stop()
        read = read_cluster(ConnectionOptions(kubeconfig=str(kubeconfig)), None, namespace)
        for hpa in read.snapshot.hpas:
            row = rows[name_of(hpa)]
            if row.decision is None:  # an HPA neither can read: watch shows the reason, explain raises it
                continue
            explained = explain_hpa(read.snapshot, hpa, at=at).decision
            where = f"{namespace}/{name_of(hpa)}"
            assert row.decision.desired_replicas == explained.desired_replicas, where
            assert judge(row.decision).kind == judge(explained).kind, where
            if _held_by_live_controller(hpa) and explained.current_replicas > 0:
                assert explained.desired_replicas >= explained.current_replicas, f"{where}: a held scale-down"
            compared += 1
    assert compared, f"{fixture.name}: no HPA both views could decide"
