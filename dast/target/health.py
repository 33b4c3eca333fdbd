"""Waiting for a target to answer: bounded in time, growing intervals, one clear failure line."""

from __future__ import annotations

from collections.abc import Callable

import requests

from dast.errors import TargetError
from dast.polling import Deadline, SystemClock, poll_until

REQUEST_TIMEOUT_S = 5.0


def wait_healthy(
    url: str,
    timeout_s: float,
    still_running: Callable[[], str | None] = lambda: None,
) -> None:
    """Poll `url` until it answers below HTTP 500.

    `still_running()` returns None while the target lives, or why it stopped, so a crashed
    container fails at once instead of after the whole timeout.
    """
    deadline = Deadline.after(SystemClock(), timeout_s)
    state = {"last": "no answer"}
    with requests.Session() as session:
        session.trust_env = False  # the target is local; never route it through a proxy

        def healthy() -> bool:
            reason = still_running()
            if reason is not None:
                raise TargetError(f"target stopped before it became healthy: {reason}")
            try:
                response = session.get(url, timeout=min(REQUEST_TIMEOUT_S, max(0.5, deadline.remaining())))
            except requests.RequestException as err:
                state["last"] = type(err).__name__
                return False
            state["last"] = f"HTTP {response.status_code}"
            return response.status_code < 500

        if not poll_until(healthy, deadline):
            raise TargetError(f"target {url} not healthy after {timeout_s:.0f} s (last: {state['last']})")
