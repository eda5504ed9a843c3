"""Storms: an API server answering 410 Gone to every watch, or 500 to every request, is not hammered.

The informer backs off as client-go's reflector does (800 ms doubling to 30 s, jitter up to 100%),
says so once per state change, and recovers when the storm ends. The informer tests run on virtual
time (an injected clock and sleep: a sleep advances the clock at once, and parks the informer at the
window's end), over real HTTP to the test API server; the CLI test runs in real time.
"""

from __future__ import annotations

import threading
import time
from typing import Optional

import pytest

from kubectl_hpa.sources.cluster_client import ConnectionOptions, connect
from kubectl_hpa.watch.informer import Backoff, Informer
from tests.apiserver import run
from tests.helpers import wait_for
from tests.watch.objects import app, hpa, listing

HPAS = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"
INITIAL, FACTOR, CAP = 0.8, 2.0, 30.0  # client-go's reflector backoff; jitter 1.0: each delay in [d, 2d], at most CAP
WINDOW = 60.0  # virtual seconds of storm
PARK_LIMIT = 10.0  # real seconds an informer stays parked at most (every wait is bounded)


def least_delays():
    delay = INITIAL
    while True:
        yield delay
        delay = min(CAP, delay * FACTOR)


def most_retries(window: float) -> int:
    """How many backoff sleeps can end within ``window`` seconds: each lasts at least its un-jittered step."""
    spent = 0.0
    for count, delay in enumerate(least_delays()):
        spent += delay
        if spent >= window:
            return count
    raise AssertionError("unreachable")


class VirtualTime:
    """An informer's clock and sleep: sleeping advances the clock at once; at ``horizon`` the sleeper parks."""

    def __init__(self, horizon: float = float("inf")):
        self.now = 1000.0
        self.start = self.now
        self.horizon = self.start + horizon
        self.sleeps: list[float] = []
        self.problems: list[Optional[str]] = []  # the informer's problem at each sleep
        self.informer: Optional[Informer] = None
        self.parked = False
        self.released = False
        self._cond = threading.Condition()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._cond:
            self.sleeps.append(seconds)
            self.problems.append(self.informer.problem if self.informer else None)
            self.now += seconds
            deadline = time.monotonic() + PARK_LIMIT
            while self.now >= self.horizon and not self.released and time.monotonic() < deadline:
                self.parked = True
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            self.parked = False

    def resume(self, horizon: float = float("inf")) -> None:
        with self._cond:
            self.horizon = self.now + horizon
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self.released = True
            self._cond.notify_all()

    def advance(self, seconds: float) -> None:
        with self._cond:
            self.now += seconds


def informer_on(kubeconfig, virtual: VirtualTime) -> Informer:
    made = Informer(connect(ConnectionOptions(kubeconfig=str(kubeconfig))), HPAS, name="hpas", watch_timeout=5,
                    clock=virtual.clock, sleep=virtual.sleep)
    virtual.informer = made
    return made


def names(informer: Informer) -> list[str]:
    return sorted(name for _ns, name in informer.snapshot())


def counts(api) -> tuple[int, int]:
    """(LISTs, WATCHes) in the request log."""
    watches = sum(1 for path in api.paths() if "watch=true" in path)
    return len(api.paths()) - watches, watches


@pytest.fixture
def virtual():
    made = VirtualTime(horizon=WINDOW)
    yield made
    made.release()


STORMS = {
    # name: (start the storm, listed before the storm?, LISTs made at once besides the retries, WATCHes likewise,
    #        the problem shown while it lasts)
    "410 events": (lambda api: api.storm_gone(), True, 1, 2, "hpas: the API server answered 410 Gone to every watch"),
    "410 http": (lambda api: api.storm_gone(http=True), True, 1, 2,
                 "hpas: the API server answered 410 Gone to every watch"),
    "500 watch": (lambda api: api.storm_500(), True, 0, 1, "hpas: Internal error occurred: etcdserver: leader changed"),
    "500 list": (lambda api: api.storm_500(), False, 1, 0, "hpas: list failed: Internal error occurred"),
}


@pytest.mark.parametrize("storm", list(STORMS))
def test_storm_is_not_hammered_and_recovers(api, kubeconfig, virtual, storm) -> None:
    start_storm, listed, lists_at_once, watches_at_once, shown = STORMS[storm]
    api.load(listing(app("web", "shop", 2, "100m", time.time())))
    informer = informer_on(kubeconfig, virtual)
    if listed:
        assert informer.list().ok
    start_storm(api)
    api.reset_log()
    informer.start()
    try:
        wait_for(lambda: virtual.parked, what=f"{WINDOW:.0f} virtual seconds of storm")
        lists, watches = counts(api)
        retries = most_retries(WINDOW)  # 6: 0.8 + 1.6 + 3.2 + 6.4 + 12.8 + 25.6 = 50.4 s, the 7th ends past 60 s
        # Each retry after a 410 is one LIST and one WATCH; after a failed LIST, a LIST; after a failed WATCH, a WATCH.
        assert lists <= lists_at_once + (retries if lists_at_once else 0), (lists, watches, virtual.sleeps)
        assert watches <= watches_at_once + (retries if watches_at_once else 0), (lists, watches, virtual.sleeps)
        assert (lists + watches) / WINDOW < 0.3  # requests per (virtual) second: was hundreds per real second
        assert len(virtual.sleeps) >= 4  # it keeps trying, more and more slowly
        for step, (slept, least) in enumerate(zip(virtual.sleeps, least_delays(), strict=False)):
            assert least <= slept <= min(CAP, 2 * least), (step, virtual.sleeps)
        # Said once: one problem for the whole storm, with the first delay, never one per retry.
        assert len(set(virtual.problems)) == 1 and shown in str(virtual.problems[0]), virtual.problems
        assert f"(next in {virtual.sleeps[0]:.1f}s)" in str(virtual.problems[0])
        assert informer.problem == virtual.problems[0]

        api.calm()
        api.upsert(hpa("api", "shop", "api", 1))
        virtual.resume()
        wait_for(lambda: names(informer) == ["api", "web"], what="the store after the storm")
        api.upsert(hpa("cart", "shop", "cart", 1))  # and the watch streams events again
        wait_for(lambda: names(informer) == ["api", "cart", "web"], what="events after the storm")
        assert informer.problem is None
        assert informer.synced.is_set()
    finally:
        virtual.release()
        informer.stop()


def test_one_410_after_a_healthy_watch_relists_at_once(api, kubeconfig) -> None:
    virtual = VirtualTime()
    api.load(listing(app("web", "shop", 2, "100m", time.time())))
    informer = informer_on(kubeconfig, virtual)
    assert informer.list().ok
    informer.start()
    try:
        wait_for(lambda: api.open_watches, what="the watch to open")
        api.upsert(hpa("api", "shop", "api", 1))
        wait_for(lambda: names(informer) == ["api", "web"], what="ADDED")
        virtual.advance(180.0)  # a long healthy watch
        api.remove("HorizontalPodAutoscaler", "shop", "api")
        api.compact()  # ... then its history is lost, and the server ends the watch
        api.drop_watches(abrupt=False)
        wait_for(lambda: informer.relists == 1 and names(informer) == ["web"], what="the relist")
        api.upsert(hpa("cart", "shop", "cart", 1))
        wait_for(lambda: names(informer) == ["cart", "web"], what="events after the relist")
        assert virtual.sleeps == []  # no added latency: the end of a watch and one 410 are retried at once
        assert informer.lists == 2 and informer.problem is None
    finally:
        virtual.release()
        informer.stop()


def test_backoff_schedule() -> None:
    now = [0.0]
    low = Backoff(clock=lambda: now[0], rand=lambda: 0.0)
    assert [low.next() for _ in range(8)] == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]
    high = Backoff(clock=lambda: now[0], rand=lambda: 0.999999)
    assert [round(high.next(), 3) for _ in range(6)] == [1.6, 3.2, 6.4, 12.8, 25.6, 30.0]  # jitter: at most 2x, capped
    now[0] += 119.0
    assert low.next() == 30.0  # failing again within 2 minutes of the last backoff: still slow
    now[0] += 121.0
    assert low.next() == 0.8  # 2 minutes of good behaviour: back to the start


def test_cli_says_once_and_stays_slow_under_a_410_storm(api, kubeconfig) -> None:
    """Real time, the default backoff: every informer of `kubectl hpa watch` under a storm of 410s."""
    api.load(listing(app("web", "shop", 2, "100m", time.time())))
    api.storm_gone()
    started = time.monotonic()
    code, _out, err = run(kubeconfig, "watch", "--interval", "0.1", "--max-refreshes", "10")
    elapsed = time.monotonic() - started
    assert code == 0, err
    watched = ("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers", "/api/v1/namespaces/shop/pods",
               "/api/v1/namespaces/shop/events", "/apis/apps/v1/namespaces/shop/deployments")
    for resource in watched:
        paths = [p for p in api.paths() if p.split("?")[0] == resource]
        watches = sum(1 for p in paths if "watch=true" in p)
        # the first list, a relist at once, then one LIST + WATCH per backoff (>= 0.8 s each): was hundreds
        bound = 2 + elapsed / INITIAL
        assert watches <= bound and len(paths) - watches <= bound, (resource, paths)
        assert api.busiest_second(f"^{resource}([?]|$)") <= 6, resource  # a LIST and a WATCH, three times at most
    warnings = [line for line in err.splitlines() if "410 Gone to every watch" in line]
    for name in ("hpas", "pods", "events", "deployments"):
        said = [line for line in warnings if f"watch: {name}: " in line]
        assert len(said) == 1 and "relisting with backoff (next in " in said[0], err
