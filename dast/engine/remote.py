"""The `remote` provider: a ZAP someone else runs, given by URL, with its API key from the environment."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit

from dast.engine.interface import EngineProvider, EngineSession
from dast.engine.zap_api import ZaproxyApi, wait_until_answering
from dast.errors import UsageError
from dast.redact import REDACTOR
from dast.resources import rulepack_dir

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class RemoteProvider(EngineProvider):
    name = "remote"

    def __init__(
        self, zap_url: str | None, api_key: str | None, script_dir: str | None = None, wait_s: float = 30.0
    ):
        self._zap_url = zap_url
        self._api_key = api_key
        # The rule pack is loaded by path on the ZAP host: ours when ZAP runs on this machine,
        # else wherever the user mounted it (DAST_ZAP_SCRIPT_DIR).
        host = urlsplit(zap_url or "").hostname or ""
        self._script_dir = script_dir or (str(rulepack_dir()) if host in LOOPBACK_HOSTS else "")
        self._wait_s = wait_s
        REDACTOR.add(api_key)

    def availability(self) -> str | None:
        if not self._zap_url:
            return "no engine URL given"
        if not self._api_key:
            return "no API key given"
        return None

    @contextlib.contextmanager
    def start(self, network: str | None, timeout_s: float) -> Iterator[EngineSession]:
        reason = self.availability()
        if reason is not None or self._zap_url is None or self._api_key is None:
            raise UsageError(f"remote engine: {reason}", setting="engine")
        parts = urlsplit(self._zap_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"the engine URL must be an http(s) URL, got {self._zap_url!r}", setting="engine"
            )
        api = ZaproxyApi(self._zap_url, self._api_key)
        try:
            version = wait_until_answering(
                api, min(self._wait_s, timeout_s), lambda: None, started_by_us=False
            )
            # We did not start it, so we do not shut it down; only its session is ours.
            yield EngineSession(
                api=api,
                provider=self.name,
                in_network=False,
                script_dir=self._script_dir,
                description=f"remote ZAP {version} at {parts.scheme}://{parts.netloc}",
            )
        finally:
            api.close()
