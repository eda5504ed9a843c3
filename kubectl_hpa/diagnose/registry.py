"""Which checks exist, which finding ids each may emit, and each id's rank: declared next to the check.

A check is a function of a :class:`~kubectl_hpa.diagnose.context.Context` that returns findings;
it registers itself with ``@check(F21=60)``, naming every id it may emit and that id's rank. The
rank is the position in the catalogue's run order (the README's Diagnostics table): findings are
listed by rank, so the cause a user should look at first comes first. Ranks are spaced by ten so
that a new check can slot in without renumbering.

Checks run in the order of their lowest rank. That order matters beyond the listing: when two
findings share an id and a title only the first is kept, and when several checks trip over the same
malformed object only the first one's reading is reported.

This module holds no check itself and imports none at run time.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple, TypeVar

if TYPE_CHECKING:
    from .context import Context
    from .finding import Finding

    CheckFunction = Callable[[Context], list[Finding]]

UNRANKED = 10_000
"""The rank of an id nobody declared: listed after every declared one."""


class RegistryError(ValueError):
    """Two declarations disagree (an id ranked twice differently, a check registered twice)."""


# The value classes below are NamedTuples, not frozen dataclasses: the same immutable values (fields,
# defaults, repr, ==, hash of the fields), each created ~1 ms faster at import, which every start pays (a
# frozen dataclass execs six generated methods; issue 18). Nothing replaces their fields with
# dataclasses.replace or relies on them not being tuples.
class Check(NamedTuple):
    """A registered check: its function and the ids (with their ranks) it may emit."""

    function: CheckFunction
    ranks: Mapping[str, int]

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.ranks)

    @property
    def rank(self) -> int:
        """The check runs at its first finding's place in the catalogue."""
        return min(self.ranks.values())


_checks: list[Check] = []
_ranks: dict[str, int] = {}

F = TypeVar("F", bound=Callable)


def declare(finding_id: str, rank: int) -> str:
    """Give ``finding_id`` its rank; an id emitted by several checks must be declared with one rank."""
    known = _ranks.get(finding_id)
    if known is not None and known != rank:
        raise RegistryError(f"{finding_id} is ranked {known} and {rank}")
    _ranks[finding_id] = rank
    return finding_id


def check(**ranks: int) -> Callable[[F], F]:
    """Register the decorated function as a check that may emit these ids, e.g. ``@check(F11=110, F12=120)``."""
    if not ranks:
        raise RegistryError("a check declares at least one finding id")

    def register(function: F) -> F:
        if any(c.function is function for c in _checks):
            raise RegistryError(f"{function.__name__} is registered twice")
        for finding_id, rank in ranks.items():
            declare(finding_id, rank)
        _checks.append(Check(function, MappingProxyType(dict(ranks))))
        return function

    return register


def rank_of(finding_id: str) -> int:
    """The declared rank of an id (:data:`UNRANKED` for an undeclared one)."""
    return _ranks.get(finding_id, UNRANKED)


def ranks() -> Mapping[str, int]:
    """Every declared id and its rank."""
    return MappingProxyType(dict(_ranks))


def checks() -> tuple[Check, ...]:
    """The registered checks in run order: by their lowest rank (registration order breaks a tie)."""
    return tuple(sorted(_checks, key=lambda c: c.rank))
