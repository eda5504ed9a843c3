"""Objects by label pair, so that the objects a selector picks are found without scanning them all.

``explain -A`` over a fleet asks, for every HPA, which pods (and PodMetrics) of its namespace its target's
selector picks; scanning the namespace for each HPA makes the command quadratic. A :class:`LabelIndex`
narrows a selector to the objects carrying one of its ``key=value`` pairs, then applies the selector
itself to those, so its answer is the linear scan's: the same objects, in the same order.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, Iterable, Mapping, Sequence, TypeVar

from ..core.selector import Selector

T = TypeVar("T")


class LabelIndex(Generic[T]):
    """Items (in their order) and, per label pair, the positions of the items that carry it."""

    def __init__(self, items: Iterable[T], labels: Callable[[T], Mapping[Any, Any]]):
        self.items: Sequence[T] = tuple(items)
        self.labels = [labels(item) for item in self.items]
        self.by_pair: dict[tuple[Any, Any], list[int]] = {}
        for position, pairs in enumerate(self.labels):
            for pair in pairs.items():
                try:
                    self.by_pair.setdefault(pair, []).append(position)
                except TypeError:  # an unhashable value (a list in a hand-written file) equals no selector value
                    continue

    def positions(self, selector: Selector) -> list[int]:
        """The positions of the items ``selector`` matches, in order."""
        candidates: Iterable[int] = range(len(self.items))
        for requirement in selector.requirements:
            if requirement.operator in ("=", "in") and len(requirement.values) == 1:
                candidates = self.by_pair.get((requirement.key, requirement.values[0]), ())
                break
        return [position for position in candidates if selector.matches(self.labels[position])]

    def matching(self, selector: Selector) -> list[T]:
        """The items ``selector`` matches, in order: what ``[i for i in items if selector.matches(labels(i))]`` gives."""
        return [self.items[position] for position in self.positions(selector)]
