"""Poll until a predicate holds or a deadline passes: the only way the harness waits (never a fixed sleep).

``clock`` and ``sleep`` are injectable so the helpers are unit-tested on recorded values without waiting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Generic, Optional, TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The deadline passed; the message says what was awaited, for how long, and the last value seen."""


@dataclass
class Poll(Generic[T]):
    """One poll result: the value and when it was read (seconds on the poller's clock)."""

    t: float
    value: T


@dataclass
class Waiter:
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    history: list = field(default_factory=list)

    def until(self, probe: Callable[[], T], done: Callable[[T], bool], *, timeout: float, interval: float,
              what: str, on_poll: Optional[Callable[[Poll[T]], None]] = None,
              describe: Callable[[T], str] = repr) -> Poll[T]:
        """Call ``probe`` every ``interval`` s until ``done(value)``; raise WaitTimeout after ``timeout`` s.

        Exceptions from ``probe`` count as "not yet" (an API that is still coming up), and the last one is
        reported if the deadline passes. ``on_poll`` sees every poll (the harness prints explain there)."""
        start = self.clock()
        deadline = start + timeout
        last: Optional[Poll[T]] = None
        last_error: Optional[BaseException] = None
        while True:
            now = self.clock()
            try:
                value = probe()
            except Exception as error:  # noqa: BLE001 - any probe failure means "not ready yet"
                last_error = error
            else:
                last_error = None
                last = Poll(now - start, value)
                self.history.append(last)
                if on_poll is not None:
                    on_poll(last)
                if done(value):
                    return last
            if self.clock() >= deadline:
                seen = describe(last.value) if last is not None else "nothing"
                error_text = f"; last error: {last_error}" if last_error is not None else ""
                raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {seen}{error_text}")
            self.sleep(max(0.0, min(interval, deadline - self.clock())))


def wait_until(probe: Callable[[], T], done: Callable[[T], bool], *, timeout: float, interval: float = 2.0,
               what: str, on_poll: Optional[Callable[[Poll[T]], None]] = None,
               describe: Callable[[T], str] = repr) -> Poll[T]:
    return Waiter().until(probe, done, timeout=timeout, interval=interval, what=what, on_poll=on_poll,
                          describe=describe)


def retry(action: Callable[[], T], *, attempts: int = 3, delay: float = 2.0, what: str = "",
          sleep: Callable[[float], None] = time.sleep,
          on_error: Optional[Callable[[int, BaseException], None]] = None) -> T:
    """``action()``, tried up to ``attempts`` times ``delay`` s apart (growing); the last error propagates.

    For reads that one API hiccup must not turn into a failed scenario (a ``kubectl get`` during the load)."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - retried, then re-raised
            if on_error is not None:
                on_error(attempt, error)
            if attempt == attempts:
                raise
            sleep(delay * attempt)
    raise AssertionError(f"retry of {what or action} ran no attempt")  # attempts < 1
