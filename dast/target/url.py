"""An already deployed target, given by URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from dast.errors import UsageError
from dast.target.health import DEFAULT_HEALTHY, HealthyStatuses, probe, wait_healthy
from dast.target.interface import RunningTarget, TargetRuntime


def check_target_url(url: str) -> str:
    """The URL with a path; UsageError when it is not an http(s) URL with a host and a valid port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as err:
        raise UsageError(f"not a valid URL: {url!r} ({err})", setting="target") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the target must be an http(s) URL with a host, got {url!r}", setting="target")
    if parts.username or parts.password:
        # Credentials in a URL end up in logs and reports; authentication belongs in configuration.
        raise UsageError(
            "the target URL must not carry credentials: log in with the profile's auth: section "
            "(README: Authenticated scans)",
            setting="target",
        )
    if parts.fragment:
        raise UsageError(f"the target URL must not have a #fragment, got {url!r}", setting="target")
    return url if parts.path else url + "/"


class UrlTarget(TargetRuntime):
    def __init__(
        self,
        url: str,
        health_path: str | None,
        wait_s: float,
        healthy: HealthyStatuses = DEFAULT_HEALTHY,
    ) -> None:
        self._url = check_target_url(url)
        self._health_url = urljoin(self._url, health_path) if health_path else self._url
        self._wait_s = wait_s
        self._healthy = healthy

    @contextlib.contextmanager
    def start(self, timeout_s: float) -> Iterator[RunningTarget]:
        # Checked here, before the engine starts, so "ZAP cannot reach the target" is told apart
        # from "the target is down".
        wait_healthy(self._health_url, min(self._wait_s, timeout_s), healthy=self._healthy)
        yield RunningTarget(host_url=self._url, check_alive=lambda: probe(self._health_url, self._healthy))
