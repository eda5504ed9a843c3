"""The controller's recommendation list, kept incrementally over consecutive syncs.

normalize.py scans the whole list at every sync (the lowest recommendation in the
scale-up window, the highest in the scale-down window, the slot of the last one
older than both) and copies it to store the new one, as horizontal.go does. Over
a steady stretch of a simulation that scan is most of the cost of a sync. This
log gives the same three answers and the same list from sliding-window deques
and a heap of expired slots, in O(log n) per sync. It is only valid for syncs at
non-decreasing times after every stored timestamp, which ``RecommendationLog.open``
checks; the equivalence is a hypothesis property (tests/core/test_window.py).
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import Optional, Sequence

from .model import Recommendation


class RecommendationLog:
    def __init__(self, recommendations: tuple[Recommendation, ...], up_window: Optional[float],
                 down_window: float) -> None:
        """``up_window`` None is the legacy path: one window, whose edge counts as inside."""
        self.legacy = up_window is None
        self.up_window = 0.0 if up_window is None else up_window
        self.down_window = down_window
        # A zero scale-up window holds nothing: it keeps only timestamps after now.
        self._up_window_used = not self.legacy and self.up_window > 0
        # The controller's slot order; a new recommendation is a plain (timestamp, replicas) tuple
        # until recommendations() is asked for.
        self._slots: list[tuple[float, int]] = list(recommendations)
        by_time = sorted(range(len(self._slots)), key=self._slots.__getitem__)  # ties: any order will do
        self._unexpired: deque[int] = deque(by_time)  # slots not yet known to be older than every window
        self._expired: list[int] = []  # a max-heap (negated) of slots older than every window
        self._highest: deque[tuple[float, int]] = deque()  # decreasing replicas: the max of a sliding window
        self._lowest: deque[tuple[float, int]] = deque()  # increasing replicas: the min of a sliding window
        push, slots = self._push, self._slots
        for index in by_time:
            push(slots[index])
        self._latest = slots[by_time[-1]][0] if by_time else None

    @classmethod
    def open(cls, recommendations: tuple[Recommendation, ...], up_window: Optional[float], down_window: float,
             now: float) -> Optional[RecommendationLog]:
        """A log for syncs from ``now`` on, or None if a stored timestamp lies after it."""
        if recommendations and max(recommendations)[0] > now:  # tuples: the latest timestamp sorts last
            return None
        return cls(recommendations, up_window, down_window)

    def _push(self, item: tuple[float, int]) -> None:
        replicas = item[1]
        highest, lowest = self._highest, self._lowest
        while highest and highest[-1][1] <= replicas:
            highest.pop()
        highest.append(item)
        if self._up_window_used:
            while lowest and lowest[-1][1] >= replicas:
                lowest.pop()
            lowest.append(item)

    def scan(self, now: float, proposal: int) -> tuple[int, int, Optional[int]]:
        """What stabilize_with_behavior / stabilize_legacy find: the lowest recommendation in the
        scale-up window and the highest in the scale-down window (each counting the proposal),
        and the slot the new recommendation will take (None: appended)."""
        if self._latest is not None and now < self._latest:
            raise ValueError("syncs must come at non-decreasing times")
        slots, unexpired, expired = self._slots, self._unexpired, self._expired
        down_cutoff = now - self.down_window
        if self.legacy:
            # One window; a recommendation exactly at its edge still counts.
            while unexpired and slots[unexpired[0]][0] < down_cutoff:
                heapq.heappush(expired, -unexpired.popleft())
            highest = self._highest
            while highest and highest[0][0] < down_cutoff:
                highest.popleft()
            down = highest[0][1] if highest and highest[0][1] > proposal else proposal
            return proposal, down, -expired[0] if expired else None
        up_cutoff = now - self.up_window
        oldest_kept = min(up_cutoff, down_cutoff)  # older than both windows: the slot is reusable
        while unexpired and slots[unexpired[0]][0] < oldest_kept:
            heapq.heappush(expired, -unexpired.popleft())
        highest, lowest = self._highest, self._lowest
        while highest and highest[0][0] <= down_cutoff:
            highest.popleft()
        while lowest and lowest[0][0] <= up_cutoff:
            lowest.popleft()
        # Conditionals rather than min()/max(): this runs once a simulated sync.
        down = highest[0][1] if highest and highest[0][1] > proposal else proposal
        up = lowest[0][1] if lowest and lowest[0][1] < proposal else proposal
        return up, down, -expired[0] if expired else None

    def store(self, now: float, proposal: int, slot: Optional[int]) -> None:
        """store_recommendation with the slot ``scan`` returned for the same sync."""
        item = (now, proposal)
        if slot is None:
            slot = len(self._slots)
            self._slots.append(item)
        else:
            if not self._expired or -self._expired[0] != slot:
                raise ValueError("store() takes the slot scan() returned for this sync")
            heapq.heappop(self._expired)
            self._slots[slot] = item
        self._unexpired.append(slot)
        self._push(item)
        self._latest = now

    def store_many(self, times: Sequence[float], proposal: int) -> None:
        """``scan`` then ``store`` of the same ``proposal`` at each of ``times`` (non-decreasing): the list,
        its slot order and the windows exactly as those syncs leave them, for a stretch of syncs whose
        answers the caller already knows (core.steady.SteadyRun.hold).

        Only the slot reuse is replayed sync by sync, inline. The two window deques need only the last
        sync: their expiries drop a prefix (entries are in time order, cutoffs only grow), and each push
        of an equal value pops the previous one, so the stretch leaves exactly what the last sync's expiry
        and push leave. About a fifth of the calls' cost (tests/core/test_window.py checks the equality)."""
        if not times:
            return
        if self._latest is not None and times[0] < self._latest:
            raise ValueError("syncs must come at non-decreasing times")
        slots, unexpired, expired = self._slots, self._unexpired, self._expired
        # The expiry into reusable slots uses the older of the two cutoffs, strictly (scan's first loop).
        reach = self.down_window if self.legacy else max(self.up_window, self.down_window)
        push, pop, new_slot = heapq.heappush, heapq.heappop, len(slots)
        for now in times:
            oldest_kept = now - reach
            while unexpired and slots[unexpired[0]][0] < oldest_kept:
                push(expired, -unexpired.popleft())
            if expired:
                slot = -pop(expired)
                slots[slot] = (now, proposal)
            else:
                slot, new_slot = new_slot, new_slot + 1
                slots.append((now, proposal))
            unexpired.append(slot)
        last = times[-1]
        down_cutoff, highest = last - self.down_window, self._highest
        if self.legacy:  # (scan's legacy window keeps its edge)
            while highest and highest[0][0] < down_cutoff:
                highest.popleft()
        else:
            while highest and highest[0][0] <= down_cutoff:
                highest.popleft()
            up_cutoff, lowest = last - self.up_window, self._lowest
            while lowest and lowest[0][0] <= up_cutoff:
                lowest.popleft()
        self._push((last, proposal))
        self._latest = last

    def recommendations(self) -> tuple[Recommendation, ...]:
        return tuple([item if type(item) is Recommendation else Recommendation(*item) for item in self._slots])
