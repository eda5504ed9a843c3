"""The engine against the test API server: batched reads, the core's verdicts, stabilization, forbidden metrics."""

from __future__ import annotations

import pytest

from kubectl_hpa.watch.view import PlainLog, frame_lines
from tests.helpers import wait_for
from tests.watch.helpers import T0, check_golden, engine, relist
from tests.watch.objects import PODS_METRIC, app, custom_items, listing, rescale_event


def test_requests_per_refresh_grow_with_namespaces_and_metrics_not_hpas_or_pods(api, kubeconfig) -> None:
    def measure(count: int, pods: int) -> int:
        objects = []
        for index in range(count):
            objects += app(f"web-{index}", "shop", pods, "100m", T0)
            objects += app(f"rps-{index}", "shop", pods, "100m", T0, metrics=PODS_METRIC)
        objects += app("other", "team-b", pods, "100m", T0)
        api.load(listing(objects))
        watcher = engine(kubeconfig, namespace=None, clock=lambda: T0)
        frames = [watcher.refresh() for _ in range(3)]
        assert len(frames[-1].rows) == 2 * count + 1
        return frames[-1].requests

    small, large = measure(2, 1), measure(20, 4)
    # PodMetrics in shop and team-b, http_requests in shop: 3 requests, whatever the HPA and pod counts.
    assert small == large == 3


def test_verdicts_and_golden_frame(api, kubeconfig) -> None:
    objects = app("web", "shop", 3, "150m", T0)  # 75% of 200m against 50%: scale up to 5
    objects += app("idle", "shop", 4, "20m", T0, min_replicas=2)  # 10%: held by the scale-down window
    objects += app("steady", "shop", 2, "100m", T0, last_scale=T0 - 600)  # 50%: within tolerance
    objects += app("capped", "shop", 4, "190m", T0, max_replicas=4)  # 95%: at max
    objects += [rescale_event("steady", "shop", 2, "All metrics below target", T0 - 600)]
    api.load(listing(objects))
    now = [T0]
    watcher = engine(kubeconfig, clock=lambda: now[0])
    frame = watcher.refresh()
    verdicts = {row.name: row.verdict for row in frame.rows}
    assert verdicts["web"] == "scaling up"
    assert verdicts["idle"].startswith("held by the scale-down window until ")
    assert verdicts["steady"] == "holding: within tolerance"
    assert verdicts["capped"] == "at max"
    check_golden("frame-shop.txt", "\n".join(frame_lines(frame)) + "\n")
    # The window is ours: 300 s after the first sight, scale-down is allowed.
    now[0] = T0 + 301
    later = {row.name: row for row in watcher.refresh().rows}
    # 10% wants 1, below minReplicas: the controller stops at min.
    assert later["idle"].verdict == "scaling down to min 2" and later["idle"].desired == 2


def test_stabilization_window_tracks_recommendations(api, kubeconfig) -> None:
    from tests.watch.objects import deployment, pod, pod_metrics

    api.load(listing(app("web", "shop", 4, "150m", T0)))  # 75% of request against 50%: wants 6
    now = [T0]
    watcher = engine(kubeconfig, clock=lambda: now[0])
    assert watcher.refresh().rows[0].desired == 6  # recommendation 6 is remembered, not just the seed (4)
    now[0] = T0 + 20  # the controller scaled to 6, then the load fell: it wants 1
    api.upsert(deployment("web", "shop", 6))
    for index in range(6):
        api.upsert(pod(f"web-5d9f8c7b6-{index:05d}", "shop", "web", T0 - 3600))
        api.upsert(pod_metrics(f"web-5d9f8c7b6-{index:05d}", "shop", "web", "10m", now[0]))
    relist(watcher)
    row = watcher.refresh().rows[0]
    assert row.current == 6 and row.desired == 6
    assert row.verdict.startswith("held by the scale-down window until")
    assert "(max recommendation 6, wants 1)" in row.verdict
    assert row.observation.window_max_recommendation == 6
    assert row.observation.scale_down_allowed_at == T0 + 300
    assert row.observation.document()["scaleDownAllowedAt"] == "2026-11-18T11:11:40Z"


def test_forbidden_metric_shows_and_keeps_going(api, kubeconfig) -> None:
    objects = app("web", "shop", 2, "100m", T0) + app("rps", "shop", 2, "100m", T0, metrics=PODS_METRIC)
    objects.append(custom_items("shop", ["rps-5d9f8c7b6-00000", "rps-5d9f8c7b6-00001"], "30", T0))
    api.load(listing(objects))
    api.fault(r"^/apis/metrics\.k8s\.io/", 403, {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
        "message": 'pods.metrics.k8s.io is forbidden: User "dev" cannot list resource "pods" in API group '
                   '"metrics.k8s.io" in the namespace "shop"'})
    rows = {row.name: row for row in engine(kubeconfig, clock=lambda: T0).refresh().rows}
    assert rows["web"].metrics[0].cell == "cpu: <forbidden>/50%"
    assert rows["web"].verdict == "metric failing (forbidden): holding" and rows["web"].tone == "bad"
    # 30 per pod against 10 proposes 6; the legacy scale-up limit (max(2 x 2, 4)) allows 4 this sync.
    assert rows["rps"].verdict == "scaling up (limited to 4 by ScaleUpLimit)" and rows["rps"].desired == 4
    assert rows["rps"].observation.proposed_replicas == 6
    assert rows["web"].observation.metrics[0].error == "forbidden"


def test_hpas_appear_and_disappear_through_the_watch(api, kubeconfig) -> None:
    api.load(listing(app("web", "shop", 2, "100m", T0)))
    watcher = engine(kubeconfig, clock=lambda: T0, watch=True, watch_timeout=5)
    log = PlainLog()
    try:
        first, _ = log.lines(watcher.refresh())
        assert [line.split()[1] for line in first] == ["shop/web"]
        wait_for(lambda: api.open_watches >= 4, what="the watches to open")
        for obj in app("api", "shop", 1, "100m", T0):
            api.upsert(obj)
        wait_for(lambda: len(watcher.refresh().rows) == 2, what="the new HPA")
        api.remove("HorizontalPodAutoscaler", "shop", "web")
        wait_for(lambda: [r.name for r in watcher.refresh().rows] == ["api"], what="the deleted HPA to go")
        lines, _ = log.lines(watcher.refresh())
        assert lines[-1].endswith("shop/web deleted") and any("shop/api" in line for line in lines)
        assert "web" not in {key.split("/")[1] for key in watcher.tracked}
    finally:
        watcher.stop()


def test_hpa_list_forbidden_is_an_error(api, kubeconfig) -> None:
    from kubectl_hpa.sources.cluster_client import ClusterError

    api.load(listing([]))
    api.fault(r"horizontalpodautoscalers", 403, "forbidden")
    with pytest.raises(ClusterError, match="forbidden"):
        engine(kubeconfig)


def test_plain_lines_golden(api, kubeconfig) -> None:
    api.load(listing(app("web", "shop", 3, "150m", T0)))
    now = [T0]
    watcher = engine(kubeconfig, clock=lambda: now[0])
    log, out = PlainLog(), []
    for step in range(4):
        now[0] = T0 + 15 * step
        if step == 2:  # the controller rescaled: the Deployment and the HPA status move
            from tests.watch.objects import deployment, pod, pod_metrics
            from tests.watch.objects import hpa as make_hpa

            api.upsert(deployment("web", "shop", 5))
            api.upsert(make_hpa("web", "shop", "web", 5, last_scale=now[0]))
            for index in (3, 4):
                api.upsert(pod(f"web-5d9f8c7b6-{index:05d}", "shop", "web", T0 - 3600))
                api.upsert(pod_metrics(f"web-5d9f8c7b6-{index:05d}", "shop", "web", "90m", now[0]))
            watcher = relist(watcher)
        lines, _ = log.lines(watcher.refresh())
        out += lines
    check_golden("plain-lines.txt", "\n".join(out) + "\n")
    assert len(out) == 2  # one line per change, not per refresh



def test_an_api_server_that_dies_is_said_as_such_not_as_failing_metrics(tmp_path) -> None:
    """Every read fails before an answer: the rows keep the last state read and say why, in Go's words, and the
    refresh records no observation; before, each row read "metric failing: holding"."""
    from kubectl_hpa.watch.view import frame_lines
    from tests.apiserver import FakeAPIServer, serve

    server = serve()  # its own server: this test stops it
    try:
        api = FakeAPIServer.fresh(server)
        api.load(listing(app("web", "shop", 3, "150m", T0)))
        watcher = engine(api.kubeconfig(tmp_path / "kubeconfig", namespace="shop"), clock=lambda: T0)
        assert watcher.refresh().rows[0].verdict == "scaling up"
        server.stop()
        frame = watcher.refresh()
        row = frame.rows[0]
        assert row.verdict == "API server unreachable (connection refused): last state read", row.verdict
        assert (row.tone, row.observation, row.current) == ("bad", None, 3)
        assert all(problem.endswith(": dial tcp: connect: connection refused") for problem in frame.problems), \
            frame.problems
        assert any("API server unreachable" in line for line in frame_lines(frame))
    finally:
        if server.is_running():
            server.stop()
