"""How the offered load reaches pods: each pod's share of it over time.

- ``even``: short requests through a Service: every Ready pod takes its share the moment it is Ready.
- ``connections``: long-lived connections (gRPC, websockets, queue consumers with prefetch): a Service
  balances connections, not requests, so a new pod takes load only as connections close (each lives
  ``lifetime`` seconds on average, exponentially distributed) and reconnect; a pod's share moves toward
  the even share as ``1 - exp(-t / lifetime)``. Connections of a deleted pod reconnect at once.
- ``pinned``: the load stays on the pods that had it (generated inside one pod, e.g. a request loop run
  through ``kubectl exec``); load left by a deleted pod moves to the remaining holders.

Pods carry a weight (per-pod variance: a pod with weight 1.2 takes 20 % more than an average one when
spread evenly). Shares are kept as segments between the moments the set of Ready pods changes, so the
share of any past moment (a metric window looks back) is exact.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class Member:
    """Pods that share one fate: ``count`` pods of weight ``weight``."""

    key: str
    count: int
    weight: float


@dataclass(frozen=True)
class Segment:
    start: float
    members: tuple[Member, ...]  # the Ready pods in this segment
    initial: dict  # key -> each pod's share at ``start``
    even: dict  # key -> each pod's even share (by weight)
    weight: float  # the members' total weight
    weights: dict  # key -> each pod's weight


class Traffic:
    def __init__(self, model: str, lifetime: float) -> None:
        self.model = model
        self.lifetime = lifetime
        self._segments: list[Segment] = []
        self._starts: list[float] = []
        self._factor_memo: dict[tuple, list[float]] = {}
        self._sum_memo: dict[tuple, list[tuple[Segment, float, float]]] = {}

    def rebalance(self, now: float, members: tuple[Member, ...]) -> None:
        """The Ready pods are ``members`` from ``now`` on (a pod became Ready, or pods were deleted)."""
        if self._segments and self._segments[-1].members == members:
            return
        weight = sum(member.count * member.weight for member in members)
        even = {member.key: member.weight / weight for member in members} if weight else {}
        shares = {member.key: self.share(member.key, now) for member in members} if self._segments else {}
        if self.model == "even" or not self._segments:
            shares = dict(even)  # the start of the run: the load has long been spread over the Ready pods
        else:
            held = sum(shares[member.key] * member.count for member in members)
            orphaned = max(0.0, 1.0 - held)  # load of deleted pods, or load nobody was taking
            holders = [m for m in members if shares[m.key] > 0] if self.model == "pinned" else []
            spread_over = holders or list(members)
            spread_weight = sum(member.count * member.weight for member in spread_over)
            if spread_weight:
                for member in spread_over:
                    shares[member.key] += orphaned * member.weight / spread_weight
        # Two changes at one instant (a pod became Ready and a rescale deleted pods) both stay: the
        # later wins for any moment from ``now`` on, and the earlier still tells what a scrape saw.
        self._segments.append(Segment(now, members, shares, even, weight, {m.key: m.weight for m in members}))
        self._starts.append(now)

    def load(self, key: str, t: float, total: float) -> float:
        """Each pod of ``key``'s requests/s at ``t`` when ``total`` is offered."""
        if self.model == "even":  # total x weight / weights, in this order: the original model's arithmetic
            segment = self._segment(t)
            weight = segment.weights.get(key)
            return total * weight / segment.weight if weight is not None else 0.0
        return total * self.share(key, t)

    def window_loads(self, key: str, moments: list[float], totals: list[float]) -> list[float]:
        """``load`` at each of ``moments`` (ascending; ``totals`` the offered load then), worked out per segment
        so that a metric window of many points costs little more than one point."""
        loads: list[float] = []
        for segment, first, last in self._runs(moments):
            part = totals[first:last]
            if self.model == "even":
                weight = segment.weights.get(key)
                loads += [0.0] * len(part) if weight is None else [t * weight / segment.weight for t in part]
            else:
                initial = segment.initial.get(key)
                if initial is None:
                    loads += [0.0] * len(part)
                elif self.model == "pinned":
                    loads += [t * initial for t in part]
                else:
                    target = segment.even[key]
                    factors = self._factors(segment, moments[first:last])
                    loads += [t * (target + (initial - target) * f) for t, f in zip(part, factors, strict=True)]
        return loads

    def _runs(self, moments: list[float]) -> Iterator[tuple[Segment, int, int]]:
        """The segments ``moments`` (ascending) fall in, each with the slice of moments inside it."""
        starts, count, first = self._starts, len(moments), 0
        while first < count:
            index = max(bisect.bisect_right(starts, moments[first]) - 1, 0)
            following = starts[index + 1] if index + 1 < len(starts) else math.inf
            last = bisect.bisect_left(moments, following, first)
            yield self._segments[index], first, last
            first = last

    def mean_load(self, key: str, moments: list[float], totals: list[float]) -> float:
        """The mean of ``window_loads``, from per-segment sums every pod shares: a window costs each pod a
        few operations, however many points it has."""
        mean = 0.0
        for segment, offered, remaining in self._sums(moments, totals):
            if self.model == "even":
                weight = segment.weights.get(key)
                if weight is not None:
                    mean += offered * weight / segment.weight
                continue
            initial = segment.initial.get(key)
            if initial is None:
                continue
            if self.model == "pinned":
                mean += offered * initial
            else:
                target = segment.even[key]
                mean += target * offered + (initial - target) * remaining
        return mean / len(moments)

    def _sums(self, moments: list[float], totals: list[float]) -> list[tuple[Segment, float, float]]:
        """For each segment the moments fall in: the offered load summed over its moments, and (connections)
        the same weighted by how much of a start-of-segment excess is left."""
        key = (moments[0], moments[-1], len(moments), len(self._segments))
        found = self._sum_memo.get(key)
        if found is not None:
            return found
        found = []
        for segment, first, last in self._runs(moments):
            part = totals[first:last]
            remaining = 0.0
            if self.model == "connections":
                factors = self._factors(segment, moments[first:last])
                remaining = sum(t * f for t, f in zip(part, factors, strict=True))
            found.append((segment, sum(part), remaining))
        if len(self._sum_memo) > 64:
            self._sum_memo.clear()
        self._sum_memo[key] = found
        return found

    def _factors(self, segment: Segment, moments: list[float]) -> list[float]:
        """How much of each pod's start-of-segment excess is left at each moment (shared by every pod)."""
        key = (segment.start, id(segment), moments[0], len(moments))
        factors = self._factor_memo.get(key)
        if factors is None:
            if len(self._factor_memo) > 64:
                self._factor_memo.clear()
            factors = self._factor_memo[key] = [math.exp(-(m - segment.start) / self.lifetime) for m in moments]
        return factors

    def history(self, key: str, since: float) -> tuple:
        """What decides each pod of ``key``'s load from ``since`` on: its share at the start of every segment
        since then (two pods with the same history and weight take the same load at every moment)."""
        first = max(bisect.bisect_right(self._starts, since) - 1, 0)
        return tuple(segment.initial.get(key) for segment in self._segments[first:])

    def _segment(self, t: float) -> Segment:
        index = bisect.bisect_right(self._starts, t) - 1
        return self._segments[max(index, 0)]  # before the first change: as at the start

    def share(self, key: str, t: float) -> float:
        """Each pod of ``key``'s share of the total load at ``t`` (0 when not Ready then)."""
        segment = self._segment(t)
        initial = segment.initial.get(key)
        if initial is None:
            return 0.0
        if self.model != "connections":
            return float(initial)
        target = segment.even[key]
        return target + (initial - target) * math.exp(-(t - segment.start) / self.lifetime)
