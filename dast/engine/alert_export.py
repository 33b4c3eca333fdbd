"""Every alert of a scan in one pass, through a standalone script inside ZAP.

ZAP's alert views (core/view/alerts, alert/view/alerts, numberOfAlerts) read the alert table from
its start for every page and drop duplicates with a list lookup: a page costs the whole table, the
whole collection the square of the alert count (measured on ZAP 2.11.1: 12,000 alerts 29 s, and the
same code is in current ZAP). The export script (rulepack/standalone_export_alerts.js) reads each
alert by id once and hands back size-bounded pages through the script's own variables, so reading
is linear and works the same for a local, a container and a remote engine (nothing is written to
a file on the engine's host). It needs the script's folder on the engine's host, the `standalone`
script type and a JavaScript engine; all are detected through the API.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dast.engine.loaded_scripts import install_standalone
from dast.errors import EngineError

LOGGER = logging.getLogger("dast.engine")
SCRIPT_FILE = "standalone_export_alerts.js"
SCRIPT_NAME = "dast-export-alerts"
# The script's own variables (not global ones: ZAP allows 50, and the rule pack uses them all).
REQUEST_VAR = "request"
PAGE_VAR = "page"  # a custom variable (no size cap), or with "to": "plain" a plain one
# Characters per page: a bound on memory on both sides; ZAP refuses a plain value above 1 MiB.
PAGE_CHARS = {"custom": 2_000_000, "plain": 900_000}
# At most this many pages (at least one alert each): a bound on the loop, far above any scan.
MAX_PAGES = 100_000
# The values of one exported alert, in the script's order; the last three only on a rule's first.
FIELDS = (
    "id", "pluginId", "name", "risk", "confidence", "url", "method", "param", "attack", "evidence",
    "other", "cweid", "wascid", "messageId", "description", "solution", "reference",
)  # fmt: skip


class ExportUnavailable(Exception):
    """This engine cannot run the export script; the caller pages ZAP's alert view instead."""


class AlertExporter:
    """Runs the export script on `zap` (a `zaproxy` client whose errors raise EngineError)."""

    def __init__(self, zap: Any, script_dir: str) -> None:
        self._zap = zap
        self._script_dir = script_dir
        self._to = "custom"

    def alerts(self, base_url: str) -> Iterator[Mapping[str, Any]]:
        """Alerts under base_url in ZAP's order, false positives left out, two pages in memory at most.

        Raises ExportUnavailable before yielding anything when the engine cannot export.
        """
        try:
            install_standalone(self._zap, SCRIPT_NAME, SCRIPT_FILE, self._script_dir)
            page = self._first_page(base_url)
        except EngineError as err:
            raise ExportUnavailable(str(err)) from None
        # The engine prepares the next page while the caller works through this one (two pages in
        # memory at most): the engine's and dast's work overlap.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dast-alert-export") as ahead:
            for _ in range(MAX_PAGES):
                upcoming = None if page["done"] else ahead.submit(self._page, page, base_url)
                for values in page["alerts"]:
                    yield dict(zip(FIELDS, values, strict=False))
                if upcoming is None:
                    break
                page = upcoming.result()
        with contextlib.suppress(EngineError):
            self._zap.script.clear_script_vars(SCRIPT_NAME)
            if self._to == "custom":
                self._zap.script.clear_script_custom_var(SCRIPT_NAME, PAGE_VAR)

    def _first_page(self, base_url: str) -> dict[str, Any]:
        try:
            return self._page(None, base_url)
        except EngineError:
            # An engine without the custom variable view: pages through the capped plain one.
            self._to = "plain"
            return self._page(None, base_url)

    def _page(self, previous: Mapping[str, Any] | None, base_url: str) -> dict[str, Any]:
        """The page after `previous` (None: the first)."""
        index, after = (int(previous["index"]), int(previous["last"])) if previous else (0, 0)
        nonce = secrets.token_hex(8)
        request = {
            "index": index,
            "after": after,
            "base": base_url,
            "max": PAGE_CHARS[self._to],
            "to": self._to,
            "nonce": nonce,
        }
        self._zap.script.set_script_var(SCRIPT_NAME, REQUEST_VAR, json.dumps(request))
        self._zap.script.run_stand_alone_script(SCRIPT_NAME)
        if self._to == "custom":
            answer = str(self._zap.script.script_custom_var(SCRIPT_NAME, PAGE_VAR))
        else:
            answer = str(self._zap.script.script_var(SCRIPT_NAME, PAGE_VAR))
        try:
            page = json.loads(answer)
        except ValueError:
            raise EngineError("the alert export script gave no page (did it fail in the engine?)") from None
        if (
            not isinstance(page, dict)
            or not isinstance(page.get("alerts"), list)
            or page.get("nonce") != nonce
        ):
            raise EngineError("the alert export script gave no page (did it fail in the engine?)")
        if not page["done"] and int(page.get("index", index)) <= index:
            raise EngineError("the alert export script made no progress")
        return page
