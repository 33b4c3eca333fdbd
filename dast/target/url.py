"""An already deployed target, given by URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from dast.errors import UsageError
from dast.target.health import wait_healthy
from dast.target.interface import RunningTarget, TargetRuntime


def check_target_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--target must be an http(s) URL with a host, got {url!r}")
    if parts.username or parts.password:
        raise UsageError("--target must not carry credentials; use the profile's authentication instead")
    return url if parts.path else url + "/"


class UrlTarget(TargetRuntime):
    def __init__(self, url: str, health_path: str | None, wait_s: float) -> None:
        self._url = check_target_url(url)
        self._health_url = urljoin(self._url, health_path) if health_path else self._url
        self._wait_s = wait_s

    @contextlib.contextmanager
    def start(self, timeout_s: float) -> Iterator[RunningTarget]:
        # Checked here, before the engine starts, so "ZAP cannot reach the target" is told apart
        # from "the target is down".
        wait_healthy(self._health_url, min(self._wait_s, timeout_s))
        yield RunningTarget(host_url=self._url)
