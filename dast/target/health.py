"""Is the target serving? Bounded waits at start-up, single probes during the scan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests

from dast.errors import TargetError, TargetStartTimeout
from dast.polling import Deadline, SystemClock, poll_until

REQUEST_TIMEOUT_S = 5.0
PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class HealthyStatuses:
    """HTTP statuses that count as healthy: 2xx and 3xx unless configured otherwise."""

    ranges: tuple[tuple[int, int], ...] = ((200, 399),)

    def __contains__(self, status: int) -> bool:
        return any(low <= status <= high for low, high in self.ranges)

    def __str__(self) -> str:
        return ",".join(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in self.ranges)

    @classmethod
    def parse(cls, text: str) -> HealthyStatuses:
        """`200-399`, `200,204,401` or a mix -> the ranges; ValueError with what was wrong."""
        ranges: list[tuple[int, int]] = []
        for item in (part.strip() for part in text.split(",")):
            low_text, _, high_text = item.partition("-")
            try:
                low, high = int(low_text), int(high_text or low_text)
            except ValueError:
                raise ValueError(f"expected HTTP statuses such as 200-399 or 200,401, got {text!r}") from None
            if not (100 <= low <= high <= 599):
                raise ValueError(f"HTTP statuses must be 100-599, low to high, got {item!r}")
            ranges.append((low, high))
        return cls(tuple(ranges))


DEFAULT_HEALTHY = HealthyStatuses()


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # the target is local or named by the user; never route it through a proxy
    return session


def _ask(session: requests.Session, url: str, healthy: HealthyStatuses, timeout_s: float) -> str | None:
    """None when healthy, else what was seen."""
    try:
        # No redirects followed: a 302 to a login page is the app answering, and following it
        # could leave the target's origin.
        response = session.get(url, timeout=timeout_s, allow_redirects=False)
    except requests.RequestException as err:
        return type(err).__name__
    if response.status_code in healthy:
        return None
    return f"HTTP {response.status_code}"


def probe(url: str, healthy: HealthyStatuses = DEFAULT_HEALTHY) -> str | None:
    """One request: None when the target answers healthily, else what went wrong."""
    with _session() as session:
        problem = _ask(session, url, healthy, PROBE_TIMEOUT_S)
    return None if problem is None else f"{url} answered {problem}"


def wait_healthy(
    url: str,
    timeout_s: float,
    still_running: Callable[[], str | None] = lambda: None,
    healthy: HealthyStatuses = DEFAULT_HEALTHY,
) -> None:
    """Poll `url` until it answers with a healthy status.

    `still_running()` returns None while the target lives, or why it stopped, so a crashed
    container fails at once instead of after the whole timeout.
    """
    deadline = Deadline.after(SystemClock(), timeout_s)
    state = {"last": "no answer"}
    with _session() as session:

        def answered() -> bool:
            reason = still_running()
            if reason is not None:
                raise TargetError(f"target stopped before it became healthy: {reason}")
            problem = _ask(session, url, healthy, min(REQUEST_TIMEOUT_S, max(0.5, deadline.remaining())))
            state["last"] = problem or "healthy"
            return problem is None

        if not poll_until(answered, deadline):
            raise TargetStartTimeout(
                f"target {url} not healthy after {timeout_s:.0f} s "
                f"(last: {state['last']}; healthy means HTTP {healthy})"
            )
