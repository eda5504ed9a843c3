"""Informer: list + watch against the test API server, through the real client: events, 410, disconnects, restarts."""

from __future__ import annotations

import time

import pytest

from kubectl_hpa.sources.cluster_client import ConnectionOptions, connect
from kubectl_hpa.watch.informer import Backoff, Informer
from tests.helpers import wait_for
from tests.watch.objects import app, hpa, listing

HPAS = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"


@pytest.fixture
def informer(api, kubeconfig):
    api.load(listing(app("web", "shop", 2, "100m", time.time())))
    # A short backoff keeps these tests fast; test_storms.py runs the default one (800 ms to 30 s).
    made = Informer(connect(ConnectionOptions(kubeconfig=str(kubeconfig))), HPAS, name="hpas", watch_timeout=5,
                    backoff=Backoff(start=0.1, ceiling=1.0))
    assert made.list().ok
    made.start()
    yield made
    made.stop()


def names(informer: Informer) -> list[str]:
    return sorted(name for _ns, name in informer.snapshot())


def test_added_modified_deleted(api, informer) -> None:
    wait_for(lambda: api.open_watches, what="the watch to open")
    api.upsert(hpa("api", "shop", "api", 1))
    wait_for(lambda: names(informer) == ["api", "web"], what="ADDED")
    api.upsert(hpa("api", "shop", "api", 1, max_replicas=7))
    wait_for(lambda: informer.snapshot()[("shop", "api")]["spec"]["maxReplicas"] == 7, what="MODIFIED")
    api.remove("HorizontalPodAutoscaler", "shop", "api")
    wait_for(lambda: names(informer) == ["web"], what="DELETED")
    assert informer.lists == 1 and informer.relists == 0
    assert api.methods() == {"GET"}


def test_410_gone_relists_without_duplicates_or_losses(api, informer) -> None:
    wait_for(lambda: api.open_watches, what="the watch to open")
    api.fault(r"watch=true", 503, "service unavailable")  # keep the informer out while history is lost
    api.drop_watches()
    wait_for(lambda: informer.problem, what="the broken watch to show")
    api.remove("HorizontalPodAutoscaler", "shop", "web")  # changes the informer never sees as events
    api.upsert(hpa("api", "shop", "api", 1))
    api.compact()
    api.faults.clear()
    wait_for(lambda: informer.relists >= 1 and names(informer) == ["api"], timeout=15, what="relist after 410")
    assert informer.lists == 2
    api.upsert(hpa("cart", "shop", "cart", 1))  # and the watch resumes from the new list's version
    wait_for(lambda: names(informer) == ["api", "cart"], what="events after the relist")
    watches = [p for p in api.paths() if "watch=true" in p]
    assert any(f"resourceVersion={api.compacted}" in p for p in watches)


def test_disconnect_resumes_from_last_version(api, informer) -> None:
    wait_for(lambda: api.open_watches, what="the watch to open")
    api.upsert(hpa("api", "shop", "api", 1))
    wait_for(lambda: "api" in names(informer))
    version = informer.resource_version
    api.drop_watches(abrupt=True)
    wait_for(lambda: informer.watches >= 2 and api.open_watches, what="the informer to watch again")
    api.upsert(hpa("cart", "shop", "cart", 1))
    wait_for(lambda: names(informer) == ["api", "cart", "web"], what="the event sent after reconnecting")
    assert informer.lists == 1 and informer.relists == 0  # resumed, not re-listed
    assert any(f"resourceVersion={version}" in p for p in api.paths() if "watch=true" in p)


def test_server_ending_watches_is_not_an_error(api, kubeconfig) -> None:
    api.load(listing(app("web", "shop", 1, "100m", time.time())))
    informer = Informer(connect(ConnectionOptions(kubeconfig=str(kubeconfig))), HPAS, name="hpas", watch_timeout=1)
    informer.list()
    informer.start()
    try:
        wait_for(lambda: informer.watches >= 3, timeout=10, what="three watch requests")
        api.upsert(hpa("api", "shop", "api", 1))
        wait_for(lambda: "api" in names(informer))
        assert informer.lists == 1 and informer.reconnects == 0
    finally:
        informer.stop()


def test_api_server_restart(api, informer) -> None:
    wait_for(lambda: api.open_watches, what="the watch to open")
    api.restart()
    api.upsert(hpa("api", "shop", "api", 1))
    wait_for(lambda: names(informer) == ["api", "web"], timeout=15, what="the store after a restart")
    assert informer.relists >= 1  # the restart lost the watch history: 410, re-list


def test_stop_is_prompt(api, informer) -> None:
    wait_for(lambda: api.open_watches, what="the watch to open")
    started = time.monotonic()
    informer.stop()
    assert time.monotonic() - started < 2
