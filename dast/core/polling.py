"""Adaptive polling: ask often at first, then less often, never past a deadline."""

from __future__ import annotations

from collections.abc import Callable

from dast.core.clock import Deadline

FIRST_INTERVAL_S = 0.2
MAX_INTERVAL_S = 1.0
GROWTH = 1.5


def poll_until(
    done: Callable[[], bool], deadline: Deadline, on_tick: Callable[[], None] | None = None
) -> bool:
    """Call `done()` until it is true (returns True) or the deadline passes (returns False).

    Short waits first so quick phases finish quickly; the interval grows to MAX_INTERVAL_S
    so long phases do not flood the engine's API.
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
        interval = min(interval * GROWTH, MAX_INTERVAL_S)
