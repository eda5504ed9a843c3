"""A refresh where nothing changed reuses each HPA's last decision, row cells and observation (watch/reuse.py).

Reuse must never show: an engine that reuses and one that recomputes everything at every refresh give the
same frames, plain lines and recordings at every step, across the instants where a decision moves with time
alone (a stabilization window expiring, a pod leaving the CPU initialization period, a scale event leaving
its policy period, the sync period storing the controller's memory). And the reuse path must be the one
taken when nothing changed: counted, not timed.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_hpa.core.decide import decide
from kubectl_hpa.core.model import FIRST_SIGHT, ControllerState, Recommendation, Scale, ScaleEvent, SyncInput
from kubectl_hpa.sources.kube import MetricAPIVersions
from kubectl_hpa.sources.snapshot import parse_hpa, parse_pod
from kubectl_hpa.watch.engine import Engine
from kubectl_hpa.watch.metrics import read_readings, requests_for
from kubectl_hpa.watch.reuse import NEVER, DecisionMemo, horizon_of
from kubectl_hpa.watch.view import PlainLog, frame_lines
from tests.watch.helpers import T0, engine, relist
from tests.watch.objects import app, deployment, hpa, listing, pod
from tests.watch.test_readings_cache import CPU_METRIC, PODS_METRIC, answers_for

BEHAVIOR = {"scaleDown": {"stabilizationWindowSeconds": 60,
                          "policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}]},
            "scaleUp": {"stabilizationWindowSeconds": 20,
                        "policies": [{"type": "Pods", "value": 1, "periodSeconds": 45}]}}


def _cluster() -> list[dict]:
    objects = app("web", "shop", 3, "150m", T0)  # 75% against 50%: scaling up
    objects += app("idle", "shop", 4, "20m", T0, min_replicas=2)  # held by the scale-down window until T0+300
    objects += app("calm", "shop", 4, "40m", T0, behavior=BEHAVIOR)  # behavior windows and Pods policies
    young = app("young", "shop", 2, "190m", T0)
    # One pod started 20 s before T0, Ready 10 s later: its CPU sample does not count until it leaves the CPU
    # initialization period (300 s) at T0+280.
    young[4] = pod("young-5d9f8c7b6-00001", "shop", "young", T0 - 20)
    return objects + young


def _reference(watcher: Engine) -> Engine:
    """The same engine made to recompute everything at its next refresh."""
    watcher.memos.clear()
    watcher._derived.clear()
    watcher._overlap = ([], {})
    return watcher


def test_unchanged_refreshes_reuse_and_equal_a_full_recompute_across_expiring_windows(api, kubeconfig) -> None:
    api.load(listing(_cluster()))
    now = [T0]
    reusing, full = engine(kubeconfig, clock=lambda: now[0]), engine(kubeconfig, clock=lambda: now[0])
    logs = PlainLog(), PlainLog()
    verdicts: dict[str, set[str]] = {}
    quiet = 0  # refreshes that decided nothing anew and rebuilt no row
    for step in range(90):  # every 5 s up to T0+445: past every expiry above and many sync periods
        now[0] = T0 + 5 * step
        if step == 40:  # the controller scaled "calm" down by one: watch records a scale event (policy: 30 s)
            api.upsert(deployment("calm", "shop", 3))
            relist(reusing), relist(full)
        before = replace(reusing.reuse)
        mine, theirs = reusing.refresh(), _reference(full).refresh()
        assert mine.rows == theirs.rows, f"step {step}"
        assert frame_lines(mine, history=True) == frame_lines(theirs, history=True)
        assert logs[0].lines(mine) == logs[1].lines(theirs)
        assert [o.document() for o in mine.observations()] == [o.document() for o in theirs.observations()]
        for row in mine.rows:
            verdicts.setdefault(row.name, set()).add(row.verdict)
        if step > 1 and reusing.reuse.decided == before.decided:
            quiet += 1
            assert reusing.reuse.rows_reused - before.rows_reused == len(mine.rows)
            assert reusing.reuse.observations_reused - before.observations_reused == len(mine.rows)
    # Time alone moved these verdicts, and both engines followed.
    assert len(verdicts["idle"]) > 1 and len(verdicts["young"]) > 1
    # Every third refresh (5 s apart) follows a sync period's store of the controller's memory, a new input, and
    # "calm"'s 20 s scale-up window moves its decision almost every refresh: still a third of the decisions (the
    # other HPAs' between stores), and some whole refreshes, are reused.
    assert quiet >= 3, quiet
    assert reusing.reuse.reused > 100, reusing.reuse
    assert full.reuse.reused == 0


def test_a_change_is_decided_anew(api, kubeconfig) -> None:
    api.load(listing(app("web", "shop", 3, "150m", T0)))
    ticks = iter(range(100))
    watcher = engine(kubeconfig, clock=lambda: T0 + next(ticks))
    watcher.refresh(), watcher.refresh()  # a first sight is never reused (test_a_first_sight_is_never_reused)
    decided = watcher.reuse.decided
    watcher.refresh()
    assert watcher.reuse.decided == decided  # nothing changed
    api.upsert(deployment("web", "shop", 4))
    relist(watcher)
    row = watcher.refresh().rows[0]
    assert watcher.reuse.decided == decided + 1 and row.current == 4


# ---------------------------------------------------------------------------------------------- the horizon


STAMP = st.floats(min_value=-600.0, max_value=-0.01)  # seconds before the decision
WINDOWS = st.sampled_from([None, 0, 30, 60, 300])


@settings(max_examples=150, deadline=None)
@given(recommendations=st.lists(st.tuples(STAMP, st.integers(1, 12)), max_size=6),
       ups=st.lists(st.tuples(STAMP, st.integers(1, 4)), max_size=3),
       downs=st.lists(st.tuples(STAMP, st.integers(1, 4)), max_size=3),
       down_window=WINDOWS, up_window=WINDOWS, period=st.sampled_from([15, 30, 60]),
       replicas=st.integers(1, 8), cpu=st.sampled_from(["20m", "100m", "190m", "400m"]),
       started=st.floats(min_value=-400.0, max_value=-1.0), later=st.lists(st.floats(0.0, 1.0), max_size=6))
def test_a_decision_is_reused_only_until_its_horizon_and_then_equals_decide(
        recommendations, ups, downs, down_window, up_window, period, replicas, cpu, started, later) -> None:
    behavior = None
    if down_window is not None:
        behavior = {"scaleDown": {"stabilizationWindowSeconds": down_window,
                                  "policies": [{"type": "Pods", "value": 1, "periodSeconds": period}]},
                    "scaleUp": {"stabilizationWindowSeconds": up_window or 0,
                                "policies": [{"type": "Percent", "value": 50, "periodSeconds": period * 2}]}}
    spec = parse_hpa(hpa("web", "shop", "web", 3, metrics=[CPU_METRIC, PODS_METRIC], behavior=behavior), "cluster")
    requests = requests_for(spec, MetricAPIVersions())
    scale = Scale(replicas, replicas, "app=web")
    pods = tuple(parse_pod(pod(f"web-{index}", "shop", "web", T0 + (started if index == 0 else -3600)), "cluster")
                 for index in range(3))
    found = read_readings(spec, scale, pods, requests, answers_for(requests, cpu, "12", 200))
    state = ControllerState(tuple(Recommendation(T0 + t, r) for t, r in sorted(recommendations)),
                            tuple(ScaleEvent(T0 + t, c) for t, c in ups), tuple(ScaleEvent(T0 + t, c) for t, c in downs),
                            seeded=True)
    made = SyncInput(hpa=spec, scale=scale, pods=pods, readings=found, now=T0, state=state)
    memo = DecisionMemo()
    assert memo.decide(made) == decide(made)
    horizon = horizon_of(made)
    assert horizon > T0 or horizon == memo.horizon

    def recalled(at: float):
        return memo.recall(at, spec, scale, pods, found, made.settings, state, (), (), None)

    last = min(horizon, T0 + 900.0)
    for fraction in [0.0, *later, 1.0]:
        at = T0 + fraction * (last - T0)
        if at >= horizon:
            assert recalled(at) is None
            continue
        assert recalled(at) == decide(replace(made, now=at)), at
    if horizon < NEVER:
        assert recalled(horizon + 0.5) is None  # past the horizon it is decided anew


def test_a_first_sight_is_never_reused() -> None:
    """The seed (now, current) is among the recommendations a first sight considers: it moves with now."""
    spec = parse_hpa(hpa("web", "shop", "web", 3, metrics=[CPU_METRIC]), "cluster")
    requests = requests_for(spec, MetricAPIVersions())
    scale = Scale(3, 3, "app=web")
    pods = tuple(parse_pod(pod(f"web-{index}", "shop", "web", T0 - 3600), "cluster") for index in range(3))
    found = read_readings(spec, scale, pods, requests, answers_for(requests, "20m", "1", 200))
    memo = DecisionMemo()
    memo.decide(SyncInput(hpa=spec, scale=scale, pods=pods, readings=found, now=T0, state=FIRST_SIGHT))
    assert memo.recall(T0 + 1, spec, scale, pods, found, SyncInput.__dataclass_fields__["settings"].default,
                       FIRST_SIGHT, (), (), None) is None
