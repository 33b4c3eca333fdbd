"""Waiting for a target to answer: bounded in time, growing intervals, one clear failure line."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from dast.errors import TargetError


def wait_healthy(
    url: str,
    timeout_s: float,
    still_running: Callable[[], str | None] = lambda: None,
) -> None:
    """Poll `url` until it answers below HTTP 500.

    `still_running()` returns None while the target lives, or why it stopped, so a crashed
    container fails at once instead of after the whole timeout.
    """
    deadline = time.monotonic() + timeout_s
    interval = 0.1
    last = "no answer"
    with requests.Session() as session:
        session.trust_env = False  # the target is local; never route it through a proxy
        while True:
            reason = still_running()
            if reason is not None:
                raise TargetError(f"target stopped before it became healthy: {reason}")
            try:
                response = session.get(url, timeout=min(5.0, max(0.5, deadline - time.monotonic())))
                if response.status_code < 500:
                    return
                last = f"HTTP {response.status_code}"
            except requests.RequestException as err:
                last = type(err).__name__
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TargetError(f"target {url} not healthy after {timeout_s:.0f} s (last: {last})")
            time.sleep(min(interval, remaining))
            interval = min(interval * 1.5, 2.0)
