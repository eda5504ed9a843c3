"""One row per HPA: decide() on what a refresh read, the verdict in watch's words, and the HPA's history.

The API never shows the controller's memory (the recommendations in the stabilization
window, the recent scale events the rate limits count), so watch keeps its own per HPA
(:class:`Tracked`): the state a decision returns is fed to the next refresh, but kept
only once per controller sync period, as the controller stores one recommendation per
sync; scale events come from the rescales actually observed, not from our decisions.
That is what makes "held by the scale-down window until 11:12:10" visible.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Optional, Protocol, Union

from ..core.conditions import parse_rescale_message
from ..core.decide import decide
from ..core.model import (
    FIRST_SIGHT,
    Condition,
    ControllerSettings,
    ControllerState,
    Decision,
    FetchError,
    HPASpec,
    MetricResult,
    Pod,
    Reading,
    Scale,
    ScaleEvent,
    SyncInput,
)
from ..core.normalize import record_scale_event
from ..record import Observation
from ..render.summary import metric_cell
from ..render.verdict import BAD, METRIC_FAILING, SCALE_DOWN_WINDOW, SCALE_UP_WINDOW, judge
from ..sources.kube import name_of, namespace_of
from ..timefmt import format_clock, parse_time
from .metrics import Answers, Requests, forbidden, readings
from .stores import RescaleEvent

HISTORY = 40  # refreshes of history kept per HPA (the view draws the last 20)


@dataclass
class ReuseCounts:
    """How many decisions were made anew and how many reused (tests check the reuse path is taken)."""

    decided: int = 0
    reused: int = 0
    rows_reused: int = 0  # rows whose cells were those of the last row
    observations_reused: int = 0


class DecisionSource(Protocol):
    """What :func:`build_row` asks of an HPA's decision memo (watch/reuse.py ``DecisionMemo``)."""

    @property
    def basis(self) -> Optional[Decision]: ...

    def recall(self, now: float, hpa: HPASpec, scale: Union[Scale, FetchError], pods: tuple[Pod, ...],
               readings: tuple[Reading, ...], settings: ControllerSettings, state: Optional[ControllerState],
               selecting: tuple[str, ...], conditions: tuple[Condition, ...], desired: Optional[int],
               counts: Optional[ReuseCounts] = None) -> Optional[Decision]: ...

    def decide(self, inputs: SyncInput, counts: Optional[ReuseCounts] = None) -> Decision: ...


class RowMemo(Protocol):
    """What :func:`build_row` asks of what the last refresh made of an HPA (watch/reuse.py ``HPAMemo``): rows
    depend on this, not on reuse.py, which builds on rows."""

    @property
    def decisions(self) -> DecisionSource: ...

    cells: Optional[RowCells]

    def conditions_of(self, hpa: dict) -> tuple[Condition, ...]: ...


@dataclass
class MetricView:
    name: str
    cell: str  # "cpu: 42%/50%", "<forbidden>" or "<unknown>" when the read failed
    value: Optional[float]  # the current value (percent or units), for trends and history
    unit: str
    target: Optional[float]
    failure: str = ""  # "forbidden" | "unknown" | ""
    trend: int = 0  # direction of the last change: 1 up, -1 down, 0 none yet


@dataclass
class Row:
    key: str
    namespace: str
    name: str
    target: str
    metrics: list[MetricView]
    current: int
    desired: int  # what the core computes now
    live_desired: Optional[int]  # status.desiredReplicas the controller wrote
    min_replicas: int
    max_replicas: int
    verdict: str
    tone: str  # good | warn | bad: what colour means
    last_rescale: str
    replicas_history: list[int]
    metric_history: list[float]
    decision: Optional[Decision] = None
    observation: Optional[Observation] = None
    shadow: Optional[Any] = None  # watch --shadow: the candidate's ShadowResult (watch/shadow.py)

    def signature(self) -> tuple:
        """What a plain-line log prints a new line for."""
        shadow = self.shadow.text() if self.shadow is not None else None
        return (self.current, self.desired, self.verdict, tuple(m.cell for m in self.metrics), self.last_rescale,
                shadow)


@dataclass
class Frame:
    time: float
    rows: list[Row]
    problems: list[str]
    scope: str
    requests: int = 0  # metric and /scale GETs this refresh
    controller: str = ""  # the release emulated, as ControllerVersion.describe() says it ("Kubernetes 1.37")

    def observations(self) -> list[Observation]:
        """What ``--record`` appends for this refresh: one observation per HPA that could be decided."""
        return [row.observation for row in self.rows if row.observation is not None]


@dataclass(frozen=True)
class Seen:
    """What one refresh read for one HPA: its object, spec, scale target, pods and metric requests."""

    hpa: dict
    spec: HPASpec
    scale: Union[Scale, FetchError]
    ready: Optional[int]  # the target's ready replicas, when its informer knows them (for the recording)
    pods: tuple[Pod, ...]
    requests: Requests


@dataclass
class Tracked:
    """Watch's memory of one HPA between refreshes: the controller's state as we reconstruct it, and history."""

    state: ControllerState
    kept_at: float  # when ``state`` was last stored (once per sync period)
    current: Optional[int]  # the target's replicas at the previous refresh
    up_events: tuple[ScaleEvent, ...] = ()  # the rescales we saw, as the controller's rate limits count them
    down_events: tuple[ScaleEvent, ...] = ()
    replicas: deque[int] = field(default_factory=lambda: deque(maxlen=HISTORY))
    metric: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))  # the first readable metric
    last_values: dict[str, tuple[float, int]] = field(default_factory=dict)  # metric name -> (value, trend)

    def remember(self, decision: Decision, spec: HPASpec, current: Optional[int], now: float,
                 sync_period: float) -> None:
        """Keep the decision's state once per sync; record a rescale we saw as the controller's scale event."""
        if now - self.kept_at >= sync_period and decision.state is not None:
            self.state, self.kept_at = decision.state, now
        if current is not None and self.current is not None and current != self.current \
                and spec.behavior is not None:
            if current > self.current:
                self.up_events = record_scale_event(self.up_events, spec.behavior.scale_up, now, current - self.current)
            else:
                self.down_events = record_scale_event(self.down_events, spec.behavior.scale_down, now,
                                                      self.current - current)
        if current is not None:
            self.current = current

    def trend(self, name: str, value: Optional[float]) -> int:
        """The direction of the metric's last change (kept while the value stays or goes unknown)."""
        previous, trend = self.last_values.get(name, (None, 0))
        if value is not None and previous is not None and value != previous:
            trend = 1 if value > previous else -1
        if value is not None:
            self.last_values[name] = (value, trend)
        return trend


def previous_conditions(hpa: dict) -> tuple[Condition, ...]:
    """The HPA's status.conditions as decide() reads them (the conditions it sets over)."""
    status = hpa.get("status") or {}
    return tuple(Condition(str(c.get("type", "")), str(c.get("status", "")), str(c.get("reason", "")),
                           str(c.get("message", ""))) for c in status.get("conditions") or () if isinstance(c, dict))


def build_row(seen: Seen, answers: Answers, selecting: tuple[str, ...],
              rescale: Optional[RescaleEvent], tracked: Optional[Tracked], settings: ControllerSettings,
              now: float, memo: Optional[RowMemo] = None, counts: Optional[ReuseCounts] = None) -> tuple[Row, Tracked]:
    """Decide for one HPA as the controller would now, and the row that shows it; returns the updated memory.

    ``memo`` (watch/reuse.py) answers with the last decision, and the last row's cells, when nothing they
    depend on changed."""
    spec, scale = seen.spec, seen.scale
    status = seen.hpa.get("status") or {}
    previous = memo.conditions_of(seen.hpa) if memo is not None else previous_conditions(seen.hpa)
    live_desired = status.get("desiredReplicas") if isinstance(status.get("desiredReplicas"), int) else None
    state_in = tracked.state if tracked is not None else FIRST_SIGHT
    found = readings(spec, scale, seen.pods, seen.requests, answers) if isinstance(scale, Scale) else ()
    decision = memo.decisions.recall(now, spec, scale, seen.pods, found, settings, state_in, selecting, previous,
                                     live_desired, counts) if memo is not None else None
    if decision is None:
        inputs = SyncInput(hpa=spec, scale=scale, pods=seen.pods, readings=found, now=now, settings=settings,
                           state=state_in, selecting_hpas=selecting, previous_conditions=previous,
                           previous_desired_replicas=live_desired)
        decision = memo.decisions.decide(inputs, counts) if memo is not None else decide(inputs)
    current = scale.spec_replicas if isinstance(scale, Scale) else None
    if tracked is None:
        tracked = Tracked(state=decision.state or state_in, kept_at=now, current=current)
    else:
        tracked.remember(decision, spec, current, now, settings.sync_period)
    if tracked.state.scale_up_events != tracked.up_events or tracked.state.scale_down_events != tracked.down_events:
        # Only when they differ: an unchanged state stays the same object, which is what lets the next refresh
        # reuse this decision (watch/reuse.py) without comparing the recommendations.
        tracked.state = replace(tracked.state, scale_up_events=tracked.up_events,
                                scale_down_events=tracked.down_events)

    refused = forbidden(seen.requests, answers)
    made_of = (memo.decisions.basis, refused, rescale, seen.hpa) if memo is not None else None
    cells = memo.cells if memo is not None else None
    if cells is not None and cells.made_of(made_of):
        # The decision's basis, the refused reads, the rescale and the HPA object are those of the last row, whose
        # metric names are distinct: every cell is the same, and each metric's trend (its value did not move)
        # too. Building them again costs ~25 us per HPA.
        metrics, text, tone, last_rescale = list(cells.metrics), cells.text, cells.tone, cells.last_rescale
        if counts is not None:
            counts.rows_reused += 1
    else:
        metrics = [_metric_view(result, index in refused, tracked) for index, result in enumerate(decision.metrics)]
        if not metrics and not isinstance(scale, Scale):
            metrics = [MetricView(m.name, f"{m.name}: <unknown>", None, "", None, "unknown") for m in spec.metrics]
        text, tone = describe(decision, forbidden=bool(refused))
        last_rescale = last_rescale_text(rescale, status)
        if memo is not None and made_of is not None:
            # A trend is kept per metric name: two metrics of one name move each other's, so never reused.
            distinct = len({m.name for m in metrics}) == len(metrics)
            memo.cells = RowCells(made_of, tuple(metrics), text, tone, last_rescale) if distinct else None
    if current is not None:
        tracked.replicas.append(current)
    main = next((m.value for m in metrics if m.value is not None), None)
    if main is not None:
        tracked.metric.append(main)
    row = Row(key=spec.key, namespace=spec.namespace, name=spec.name,
              target=f"{spec.scale_target.kind}/{spec.scale_target.name}", metrics=metrics,
              current=decision.current_replicas, desired=decision.desired_replicas, live_desired=live_desired,
              min_replicas=spec.effective_min_replicas, max_replicas=spec.max_replicas, verdict=text, tone=tone,
              last_rescale=last_rescale, replicas_history=list(tracked.replicas),
              metric_history=list(tracked.metric), decision=decision)
    return row, tracked


class RowCells(NamedTuple):
    """What a row shows besides counts and history, and what it was made from (see :func:`build_row`)."""

    basis: tuple  # (the decision's basis, the refused metric indexes, the rescale event, the HPA object)
    metrics: tuple[MetricView, ...]
    text: str
    tone: str
    last_rescale: str

    def made_of(self, basis: Optional[tuple]) -> bool:
        """The same decision basis, rescale event and HPA object (the objects), and the same refused reads."""
        mine = self.basis
        return (basis is not None and mine[0] is basis[0] and mine[2] is basis[2] and mine[3] is basis[3]
                and mine[1] == basis[1])


def error_row(obj: dict, key: str, message: str) -> Row:
    """An HPA the snapshot reader cannot read (the controller could not either): the reason, in red."""
    ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
    return Row(key=key, namespace=namespace_of(obj), name=name_of(obj),
               target=f"{ref.get('kind', '?')}/{ref.get('name', '?')}", metrics=[], current=0, desired=0,
               live_desired=None, min_replicas=0, max_replicas=0, verdict=f"error: {message}", tone="bad",
               last_rescale="", replicas_history=[], metric_history=[])


def _metric_view(result: MetricResult, refused: bool, tracked: Tracked) -> MetricView:
    value, target, cell = metric_value(result), metric_target(result), metric_cell(result)
    failure = ""
    if result.error is not None or value is None:
        failure = "forbidden" if refused else "unknown"
        if refused:
            cell = cell.replace("<unknown>", "<forbidden>")
    unit = "%" if result.utilization is not None and result.spec.target.average_utilization is not None else ""
    return MetricView(result.spec.name, cell, value, unit, target, failure, tracked.trend(result.spec.name, value))


def last_rescale_text(rescale: Optional[RescaleEvent], status: dict[str, Any]) -> str:
    """``10:02:15 -> 5: <reason>`` from the newest SuccessfulRescale event, else the HPA's lastScaleTime."""
    if rescale is not None:
        parsed = parse_rescale_message(rescale.message)
        if parsed is None:
            return f"{format_clock(rescale.time)} {rescale.message}"
        size, reason = parsed
        return f"{format_clock(rescale.time)} -> {size}: {reason}"
    if status.get("lastScaleTime"):
        try:
            return format_clock(parse_time(status["lastScaleTime"]))
        except ValueError:
            return ""
    return ""


def describe(decision: Decision, forbidden: bool = False) -> tuple[str, str]:
    """The verdict (:func:`kubectl_hpa.render.verdict.judge`) in watch's words, and its tone: a window
    says until when and what it holds, since the API never shows either."""
    judged = judge(decision)
    text, tone = judged.text, judged.tone
    stabilization = decision.stabilization
    if judged.kind == SCALE_DOWN_WINDOW and stabilization is not None:
        text = "held by the scale-down window"
        if stabilization.allowed_down_at is not None:
            text += f" until {format_clock(stabilization.allowed_down_at)}"
        text += f" (max recommendation {stabilization.down_recommendation}, wants {decision.proposed_replicas})"
    elif judged.kind == SCALE_UP_WINDOW and stabilization is not None:
        text = f"held by the scale-up window (min recommendation {stabilization.up_recommendation})"
    elif judged.kind == METRIC_FAILING and forbidden:
        text = "metric failing (forbidden): holding"
    if decision.error and tone != BAD:  # one of several metrics failed: the others still decide
        text += " (a metric is failing)"
        tone = BAD
    return text, tone


def metric_value(result: MetricResult) -> Optional[float]:
    """The current value as the view shows it: percent for a utilization target, else units (not milli)."""
    current = result.current
    return None if result.error is not None or current is None else result.spec.target.in_units(current)


def metric_target(result: MetricResult) -> Optional[float]:
    """The target in the same unit as :func:`metric_value`."""
    wanted = result.spec.target.wanted
    return None if wanted is None else result.spec.target.in_units(wanted)
