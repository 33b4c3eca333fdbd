"""Time and polling, below every layer: a Clock seam (tests fake it), deadlines, adaptive polling.

The scan's phases, the engine's start-up wait and the target's health wait all poll through
`poll_until`: ask often at first, then less often, never past a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Deadline:
    clock: Clock
    at: float  # monotonic seconds

    @classmethod
    def after(cls, clock: Clock, seconds: float) -> Deadline:
        return cls(clock, clock.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - self.clock.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def earliest(self, other: Deadline) -> Deadline:
        return self if self.at <= other.at else other


FIRST_INTERVAL_S = 0.2
MAX_INTERVAL_S = 1.0
GROWTH = 1.5


def poll_until(
    done: Callable[[], bool],
    deadline: Deadline,
    on_tick: Callable[[], None] | None = None,
    max_interval_s: float = MAX_INTERVAL_S,
) -> bool:
    """Call `done()` until it is true (returns True) or the deadline passes (returns False).

    Short waits first so quick phases finish quickly; the interval grows to MAX_INTERVAL_S
    so long phases do not flood the engine's API (a cheap `done` may use a shorter cap).
    """
    interval = FIRST_INTERVAL_S
    while True:
        if done():
            return True
        if on_tick is not None:
            on_tick()
        remaining = deadline.remaining()
        if remaining <= 0:
            return False
        deadline.clock.sleep(min(interval, remaining))
        interval = min(interval * GROWTH, max_interval_s)
