"""A failed read, live: ``explain web`` and ``explain -A`` report it (F90/F92) and conclude nothing from it.

Through the real client and a real HTTP server (tests/apiserver.py): the pods list is refused or not
answered, so no pods reach the snapshot; before the fix every HPA also showed F19 ("selector matches
no pods"), with ``-A`` on every row.
"""

from __future__ import annotations

import json

import pytest

from tests.apiserver import empty_cluster, run, scaled_hpa
from tests.helpers import SNAPSHOTS

AT = ("--at", "2026-11-30T10:00:00Z")
PODS = r"^/api/v1(/namespaces/[^/]+)?/pods(\?|$)"
FORBIDDEN = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden",
             "code": 403, "message": 'pods is forbidden: User "jane" cannot list resource "pods" in API group ""'}


def ids(out: str) -> list[str]:
    return [finding["id"] for finding in json.loads(out)["findings"]]


def three_hpas(api) -> None:
    empty_cluster(api)
    for name in ("web", "api", "worker"):
        scaled_hpa(api, 3, name=name)


def test_a_forbidden_pods_list_is_f90_not_f19(api, kubeconfig) -> None:
    three_hpas(api)
    api.fault(PODS, 403, FORBIDDEN)
    code, out, err = run(kubeconfig, "explain", "web", *AT, "-o", "json")
    assert code == 3, err
    assert ids(out) == ["F90"]
    code, out, err = run(kubeconfig, "explain", "web", *AT)
    assert "kubectl-hpa may not read pods" in out and "matches no pods" not in out


def test_a_pods_list_not_answered_is_f92_not_f19(api, kubeconfig) -> None:
    three_hpas(api)
    api.fault(PODS, 200, None, delay=1.6)
    code, out, err = run(kubeconfig, "explain", "web", "--request-timeout", "1", *AT, "-o", "json")
    assert code == 3, err
    assert ids(out) == ["F92"]


@pytest.mark.parametrize("scope", [("-A",), ("-n", "shop")])
def test_every_hpa_of_a_listing_shows_the_failed_read_and_no_f19(api, kubeconfig, scope: tuple[str, ...]) -> None:
    three_hpas(api)
    api.fault(PODS, 403, FORBIDDEN)
    code, out, err = run(kubeconfig, "explain", *scope, *AT)
    assert code == 3, err
    rows = out.splitlines()[1:]
    assert len(rows) == 3
    for row in rows:
        assert row.split()[-1] == "F90", row


def test_the_same_cluster_with_its_pods_readable_is_clean(api, kubeconfig) -> None:
    three_hpas(api)
    code, out, err = run(kubeconfig, "explain", "-A", *AT)
    assert code == 0, err
    assert "F19" not in out and "F90" not in out


def test_a_snapshot_of_the_failed_read_explains_the_same(api, kubeconfig, tmp_path) -> None:
    api.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    api.fault(PODS, 403, FORBIDDEN)
    code, live, err = run(kubeconfig, "explain", "web", *AT, "-o", "json")
    assert "F19" not in ids(live) and "F90" in ids(live), err
    code, snap, err = run(kubeconfig, "snapshot", "web")
    assert code == 0, err
    path = tmp_path / "snap.yaml"
    path.write_text(snap)
    code, offline, err = run(kubeconfig, "explain", "-f", str(path), *AT, "-o", "json")
    assert code == 0, err
    assert ids(offline) == ids(live)
