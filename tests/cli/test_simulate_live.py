"""``simulate --from-cluster``: a live HPA (read over real HTTP, GETs only) under a scenario's load."""

from __future__ import annotations

import json

from tests.apiserver import run
from tests.helpers import ROOT, SNAPSHOTS


def test_the_live_hpa_and_its_pods_requests_replace_the_scenarios(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "web-scale-down-stabilized.yaml")  # shop/web: min 2, max 12, 6 replicas, 200m CPU
    scenario = ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml"
    code, out, err = run(kubeconfig, "simulate", str(scenario), "--from-cluster", "web", "-n", "shop",
                         "--duration", "10m", "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["hpa"] == {"name": "web", "namespace": "shop"}
    timeline = document["timeline"]
    assert timeline[0]["replicas"] == 6  # the target's spec.replicas
    assert timeline[0]["metrics"][0]["target"] == 50  # the live HPA's 50% CPU target
    # 200 req/s x 1m on 6 pods of 200m: 17%, so the live HPA scales down towards its minReplicas of 2.
    assert min(entry["desiredReplicas"] for entry in timeline) == 2
    assert {method for method, *_rest in api.requests} == {"GET"}


def test_an_hpa_missing_from_the_cluster_is_one_line(api, kubeconfig) -> None:
    api.load(SNAPSHOTS / "web-scale-down-stabilized.yaml")
    code, out, err = run(kubeconfig, "simulate", "--from-cluster", "nope", "-n", "shop")
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "nope" in err
