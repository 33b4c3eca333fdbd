"""`ZapApi` over the PyPI `zaproxy` client.

The client has no request timeout and turns ZAP's error answers into ordinary return values,
so `_BoundedZap` overrides its single transport method: every call gets a timeout, keeps
the API key in a header (never in a URL or a message) and raises `ZapCallError` on an error.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import Any

import requests
from zapv2 import ZAPv2

from dast.engine import alert_export, passive_pace, traffic_guard
from dast.engine.auth_zap import ZapAuthOps
from dast.engine.interface import (
    EngineCapabilities,
    PassiveRuleSetting,
    ScannerInfo,
    ScanPolicy,
    SpiderOptions,
    TrafficPolicy,
    ZapApi,
)
from dast.engine.loaded_scripts import engine_lock, in_error, loaded_script
from dast.errors import EngineAuthError, EngineError, EngineStartTimeout
from dast.polling import Deadline, SystemClock, poll_until
from dast.redact import redact

LOGGER = logging.getLogger("dast.engine")
VIEW_ATTEMPTS = 4
# Alerts in the first page of ZAP's alert view; fewer means that page is all of them.
PROBE_ALERTS = 250
# Codes with which ZAP says "no such component or operation here".
_ABSENT_CODES = {"no_implementor", "bad_component", "bad_view", "bad_action", "bad_type"}


class ZapCallError(EngineError):
    def __init__(self, path: str, code: str, message: str) -> None:
        self.code = code
        super().__init__(redact(f"ZAP API {path} failed: {code}: {message}"[:500]))


class _BoundedZap(ZAPv2):  # type: ignore[misc]
    def __init__(self, api_url: str, api_key: str, timeout_s: float) -> None:
        proxy = api_url.rstrip("/")
        super().__init__(proxies={"http": proxy, "https": proxy}, apikey=None)
        self._proxy = proxy
        self._timeout_s = timeout_s
        self._api_key = api_key

    def _request_api(
        self, url: str, query: Any = None, method: str = "GET", body: Any = None
    ) -> requests.Response:
        if not url.startswith("http://zap/"):
            raise ValueError("refusing to send the API key to a non-API URL")
        path = url.removeprefix("http://zap/")
        # Only the path: parameters can carry URLs with tokens; the key is in a header, never logged.
        LOGGER.debug(f"ZAP API {method} {path}")
        # Views change nothing, so they may be retried: ZAP drops connections for a moment
        # around some actions (newSession restarts its proxy listener).
        attempts = VIEW_ATTEMPTS if "/view/" in path else 1
        dropped = 0
        for attempt in range(1, attempts + 1):
            try:
                # A session per call, as the zaproxy client does: ZAP 2.11 drops reused
                # connections (measured: ~20% of back-to-back calls on one session failed).
                with requests.Session() as session:
                    session.headers["X-ZAP-API-Key"] = self._api_key
                    # The API is on loopback or a private network; a corporate proxy must not see it.
                    session.trust_env = False
                    response = session.request(
                        method,
                        url,
                        params=query,
                        data=body,
                        proxies={"http": self._proxy},
                        timeout=self._timeout_s,
                    )
                break
            except requests.Timeout:
                raise EngineError(f"ZAP API {path} did not answer within {self._timeout_s:.0f} s") from None
            except requests.ConnectionError as err:
                # Refused: nothing listens. Dropped without an answer: ZAP 2.11 does that to a
                # request with a wrong API key (newer engines answer bad_api_key instead).
                dropped += int(_dropped_without_answer(err))
                if attempt == attempts:
                    if dropped == attempts:
                        raise EngineConnectionDropped(
                            f"ZAP API {path}: the engine closed the connection without answering"
                        ) from None
                    raise EngineError(f"ZAP API {path}: the engine is not reachable (did it exit?)") from None
                time.sleep(0.2 * attempt)
            except requests.RequestException as err:
                # E.g. the engine died half-way through its answer (ChunkedEncodingError).
                if attempt == attempts:
                    raise EngineError(
                        f"ZAP API {path}: the answer broke off ({type(err).__name__}); did the engine exit?"
                    ) from None
                time.sleep(0.2 * attempt)
        if response.status_code >= 400:
            code, message = _error_of(response)
            if code == "bad_api_key":
                raise EngineAuthError("the ZAP API rejected the API key")
            raise ZapCallError(path, code, message)
        return response

    @property
    def engine_key(self) -> str:
        return self._proxy

    def close(self) -> None:
        """Nothing is held open between calls."""


class EngineConnectionDropped(EngineError):
    """Every attempt reached the engine's port and was dropped without an HTTP answer."""


def _dropped_without_answer(err: requests.ConnectionError) -> bool:
    text = repr(err)
    return "RemoteDisconnected" in text or "Connection aborted" in text


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        data = response.json()
    except ValueError:
        return str(response.status_code), response.text[:200]
    if isinstance(data, dict):
        return str(data.get("code", response.status_code)), str(data.get("message", ""))
    return str(response.status_code), ""


class ZaproxyApi(ZapAuthOps, ZapApi):
    def __init__(self, api_url: str, api_key: str, timeout_s: float = 60.0) -> None:
        self._zap = _BoundedZap(api_url, api_key, timeout_s)
        self._pacer: passive_pace.PassivePacer | None = None

    # -- discovery ---------------------------------------------------------------------------

    def version(self) -> str:
        return str(self._zap.core.version)

    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(
            version=self.version(),
            active_scanners=tuple(
                ScannerInfo(
                    scanner_id=str(s["id"]),
                    name=str(s["name"]),
                    enabled=str(s.get("enabled", "true")).lower() == "true",
                    category=str(s.get("policyId", "")),
                )
                for s in self._zap.ascan.scanners()
            ),
            passive_scanners=tuple(
                ScannerInfo(
                    scanner_id=str(s["id"]),
                    name=str(s["name"]),
                    enabled=str(s.get("enabled", "true")).lower() == "true",
                )
                for s in self._zap.pscan.scanners
            ),
            script_engines=tuple(str(e) for e in self._probe(lambda: self._zap.script.list_engines) or ()),
            has_ajax_spider=self._probe(lambda: self._zap.ajaxSpider.status) is not None,
            has_openapi=self._has_operation("openapi/action/importUrl/"),
        )

    def _probe(self, call: Any) -> Any:
        try:
            return call()
        except ZapCallError as err:
            if err.code in _ABSENT_CODES:
                return None
            raise

    def _has_operation(self, path: str) -> bool:
        # Calling an action without its parameters is harmless: ZAP answers missing_parameter
        # when the operation exists and no_implementor / bad_action when it does not.
        try:
            self._zap._request(self._zap.base + path, {})
        except ZapCallError as err:
            return err.code not in _ABSENT_CODES
        return True

    # -- session and scope -----------------------------------------------------------------

    def new_session(self) -> None:
        self._zap.core.new_session(overwrite="true")

    def create_context(
        self, name: str, include: Sequence[str], exclude: Sequence[str], attack_exclude: Sequence[str]
    ) -> str:
        context_id = str(self._zap.context.new_context(name))
        for regex in include:
            self._zap.context.include_in_context(name, regex)
        for regex in exclude:
            self._zap.context.exclude_from_context(name, regex)
            # The spider and the active scanner each keep their own exclude lists;
            # setting them as well keeps excluded URLs from ever being requested.
            self._zap.spider.exclude_from_scan(regex)
            self._zap.ascan.exclude_from_scan(regex)
        for regex in attack_exclude:
            self._zap.ascan.exclude_from_scan(regex)
        return context_id

    def access_url(self, url: str) -> None:
        self._zap.core.access_url(url, followredirects="false")

    def send_request(self, raw_request: str) -> None:
        self._zap.core.send_request(raw_request, followredirects="false")

    # -- spiders --------------------------------------------------------------------------

    def start_spider(self, url: str, context_name: str, max_depth: int, max_children: int) -> str:
        self._zap.spider.set_option_max_depth(max_depth)
        # The spider's own duration cap is whole minutes; ours is enforced by polling instead.
        self._zap.spider.set_option_max_duration(0)
        return str(
            self._zap.spider.scan(
                url, maxchildren=max_children, recurse="true", contextname=context_name, subtreeonly="true"
            )
        )

    def set_spider_options(self, options: SpiderOptions) -> None:
        spider = self._zap.spider
        if options.threads is not None:
            spider.set_option_thread_count(options.threads)
        switches = (
            (spider.set_option_parse_comments, options.parse_comments),
            (spider.set_option_parse_robots_txt, options.parse_robots_txt),
            (spider.set_option_parse_sitemap_xml, options.parse_sitemap_xml),
            (spider.set_option_process_form, options.process_forms),
            (spider.set_option_post_form, options.post_forms),
        )
        for setter, value in switches:
            if value is not None:
                setter(str(value).lower())

    def spider_progress(self, scan_id: str) -> int:
        return _percent(self._zap.spider.status(scan_id))

    def spider_urls_found(self, scan_id: str) -> int:
        return len(self._zap.spider.results(scan_id))

    def stop_spider(self, scan_id: str) -> None:
        self._zap.spider.stop(scan_id)

    def start_ajax_spider(self, url: str, context_name: str, max_duration_min: int) -> None:
        self._zap.ajaxSpider.set_option_max_duration(max_duration_min)
        self._zap.ajaxSpider.scan(url, inscope="true", contextname=context_name, subtreeonly="true")

    def ajax_spider_running(self) -> bool:
        return str(self._zap.ajaxSpider.status).lower() == "running"

    def stop_ajax_spider(self) -> None:
        self._zap.ajaxSpider.stop()

    def import_openapi(self, source: str, is_url: bool, target_url: str, context_id: str) -> list[str]:
        if is_url:
            result = self._zap.openapi.import_url(source, hostoverride=target_url, contextid=context_id)
        else:
            result = self._zap.openapi.import_file(source, target=target_url, contextid=context_id)
        return [str(w) for w in result] if isinstance(result, list) else []

    # -- passive and active scanning --------------------------------------------------------

    def passive_queue(self) -> int:
        return int(self._zap.pscan.records_to_scan)

    def pace_passive_scanner(self, script_dir: str) -> int | None:
        with engine_lock(f"{self._zap.engine_key}/passive-pace"):
            if self._pacer is None:
                self._pacer = passive_pace.PassivePacer(self._zap, script_dir)
            pace = self._pacer.read()
        return None if pace is None else pace.newest_id

    def set_passive_rules(self, rules: Sequence[PassiveRuleSetting]) -> None:
        enabled = [r.rule_id for r in rules if r.enabled]
        disabled = [r.rule_id for r in rules if not r.enabled]
        if enabled:
            self._zap.pscan.enable_scanners(",".join(enabled))
        if disabled:
            self._zap.pscan.disable_scanners(",".join(disabled))
        for rule in rules:
            if rule.enabled and rule.threshold:
                self._zap.pscan.set_scanner_alert_threshold(rule.rule_id, rule.threshold)

    def apply_policy(self, policy: ScanPolicy) -> None:
        name = policy.name
        if name in (self._zap.ascan.scan_policy_names or []):
            self._zap.ascan.remove_scan_policy(name)
        self._zap.ascan.add_scan_policy(
            name, alertthreshold=policy.default_threshold, attackstrength=policy.default_strength
        )
        for category, strength in policy.category_strength.items():
            self._zap.ascan.set_policy_attack_strength(category, strength, scanpolicyname=name)
        for category, threshold in policy.category_threshold.items():
            self._zap.ascan.set_policy_alert_threshold(category, threshold, scanpolicyname=name)
        known = {str(s["id"]) for s in self._zap.ascan.scanners(scanpolicyname=name)}
        for rule in policy.rules:
            if rule.rule_id not in known:
                continue  # a rule this engine lacks; the core reports it, ZAP would only error
            if not rule.enabled:
                self._zap.ascan.disable_scanners(rule.rule_id, scanpolicyname=name)
                continue
            self._zap.ascan.enable_scanners(rule.rule_id, scanpolicyname=name)
            if rule.strength:
                self._zap.ascan.set_scanner_attack_strength(rule.rule_id, rule.strength, scanpolicyname=name)
            if rule.threshold:
                self._zap.ascan.set_scanner_alert_threshold(rule.rule_id, rule.threshold, scanpolicyname=name)
        self._zap.ascan.set_option_max_rule_duration_in_mins(policy.max_rule_duration_min)

    def start_active_scan(self, url: str, context_id: str, policy_name: str) -> str:
        return str(
            self._zap.ascan.scan(
                url, recurse="true", inscopeonly="true", scanpolicyname=policy_name, contextid=context_id
            )
        )

    def active_progress(self, scan_id: str) -> int:
        return _percent(self._zap.ascan.status(scan_id))

    def stop_active_scan(self, scan_id: str) -> None:
        self._zap.ascan.stop(scan_id)

    def active_scan_engine_seconds(self, scan_id: str) -> float:
        # scanProgress: [host, {"HostProcess": [{"Plugin": [name, id, quality, status, timeInMs, ...]}]}]
        total_ms = 0
        progress = self._zap.ascan.scan_progress(scan_id)
        for entry in progress if isinstance(progress, list) else ():
            if not isinstance(entry, dict):
                continue
            for process in entry.get("HostProcess", ()):
                plugin: list[Any] = process.get("Plugin", []) if isinstance(process, dict) else []
                if len(plugin) > 4 and str(plugin[4]).isdigit():
                    total_ms += int(plugin[4])
        return total_ms / 1000.0

    # -- results ---------------------------------------------------------------------------

    def alerts(self, base_url: str, start: int, count: int) -> list[Mapping[str, Any]]:
        return list(self._zap.core.alerts(baseurl=base_url, start=start, count=count))

    def alert_count(self, base_url: str) -> int:
        return int(self._zap.core.number_of_alerts(baseurl=base_url))

    def alert_stream(self, base_url: str, script_dir: str = "") -> Iterator[Mapping[str, Any]]:
        # ZAP's alert views cost the square of the alert count (see alert_export.py); the export
        # script reads each alert once, but costs a script run (~0.5 s) however few there are.
        # A short first page of the view settles small scans in one cheap call.
        probe = self.alerts(base_url, 0, PROBE_ALERTS)
        if len(probe) < PROBE_ALERTS:
            yield from probe
            return
        del probe  # the export reads them again, in its own order
        # Without the export (no script dir on the engine's host, no standalone scripts or
        # JavaScript engine) the views are paged.
        with engine_lock(self._zap.engine_key):
            try:
                yield from alert_export.AlertExporter(self._zap, script_dir).alerts(base_url)
                return
            except alert_export.ExportUnavailable as why:
                LOGGER.info(f"alerts read through ZAP's paged alert view: {why}")
        yield from super().alert_stream(base_url, script_dir)

    def message_count(self, base_url: str) -> int:
        return int(self._zap.core.number_of_messages(baseurl=base_url))

    def messages(self, base_url: str, start: int, count: int) -> list[Mapping[str, Any]]:
        # ZAP 2.11's `start` counts from 1 (0 reads as 1), unlike core/view/alerts (measured).
        return list(self._zap.core.messages(baseurl=base_url, start=start + 1, count=count))

    def message(self, message_id: str) -> Mapping[str, Any] | None:
        try:
            found = self._zap.core.message(message_id)
        except ZapCallError as err:
            if err.code in ("does_not_exist", "illegal_parameter"):
                return None
            raise
        return found if isinstance(found, Mapping) else None

    def urls(self, base_url: str) -> list[str]:
        return [str(u) for u in self._zap.core.urls(baseurl=base_url) or ()]

    def spider_out_of_scope(self, scan_id: str) -> list[str]:
        # fullResults: [{"urlsInScope": [...]}, {"urlsOutOfScope": [...]}, {"urlsIoError": [...]}]
        try:
            results = self._zap.spider.full_results(scan_id)
        except ZapCallError:
            return []
        found: list[str] = []
        for part in results if isinstance(results, list) else ():
            if isinstance(part, dict):
                found += [str(u) for u in part.get("urlsOutOfScope", ()) if isinstance(u, str)]
        return found

    def load_script(self, name: str, script_type: str, engine: str, path: str) -> None:
        self._zap.script.load(name, script_type, engine, path)

    def script_failed(self, name: str) -> bool:
        return in_error(loaded_script(self._zap, name))

    def set_script_vars(self, values: Mapping[str, str]) -> None:
        # Independent calls (the rule pack sets ~50): a few at once (measured: 0.57 s one by one).
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="dast-vars") as pool:
            list(pool.map(lambda item: self._zap.script.set_global_var(*item), values.items()))

    def script_var(self, name: str) -> str | None:
        try:
            value = self._zap.script.global_var(name)
        except ZapCallError:
            return None
        return None if value is None else str(value)

    # -- traffic: rate knobs and the origin guard ---------------------------------------------

    def apply_traffic_policy(self, policy: TrafficPolicy, script_dir: str) -> str | None:
        self._zap.spider.set_option_thread_count(policy.threads)
        self._zap.ascan.set_option_thread_per_host(policy.threads)
        self._probe(lambda: self._zap.ajaxSpider.set_option_number_of_browsers(policy.threads))
        problem = self._install_guard(policy, script_dir)
        # The guard spaces requests across all threads. ZAP's own delay is per thread and comes on top
        # of each response's time (2 threads at 50 rps reached 27 rps), so it is only the fallback.
        fallback_delay = 0 if problem is None else traffic_guard.active_scan_delay_ms(policy)
        self._zap.ascan.set_option_delay_in_ms(fallback_delay)
        return problem

    def _install_guard(self, policy: TrafficPolicy, script_dir: str) -> str | None:
        if not script_dir:
            return "dast's scripts have no known path on the engine's host"
        types = self._probe(lambda: self._zap.script.list_types) or ()
        if traffic_guard.SCRIPT_TYPE not in {str(t.get("name")) for t in types if isinstance(t, dict)}:
            return "the engine has no HTTP Sender scripts"
        engines = [str(e) for e in self._probe(lambda: self._zap.script.list_engines) or ()]
        engine = traffic_guard.pick_script_engine(engines)
        if engine is None:
            return f"the engine has no Nashorn script engine (it offers: {', '.join(engines) or 'none'})"
        # Settings first: a guard loaded without them blocks everything.
        for key, value in traffic_guard.guard_settings(policy, secrets.token_hex(8)).items():
            self._zap.script.set_global_var(key, value)
        if self._guard_script() is not None:  # left by an earlier scan on a shared engine
            self._zap.script.remove(traffic_guard.SCRIPT_NAME)
        path = str(PurePosixPath(script_dir) / traffic_guard.SCRIPT_FILE)
        try:
            self._zap.script.load(traffic_guard.SCRIPT_NAME, traffic_guard.SCRIPT_TYPE, engine, path)
            self._zap.script.enable(traffic_guard.SCRIPT_NAME)
        except ZapCallError as err:
            return f"the guard script did not load ({err.code})"
        return self._guard_problem()

    def _guard_script(self) -> Mapping[str, Any] | None:
        return loaded_script(self._zap, traffic_guard.SCRIPT_NAME)

    def _guard_problem(self) -> str | None:
        script = self._guard_script()
        if script is None:
            return "the guard script is not loaded"
        if in_error(script):
            return "the guard script failed in the engine"
        if str(script.get("enabled", "")).lower() != "true":
            return "the guard script is disabled"
        return None

    def blocked_requests(self) -> int | None:
        if self._guard_problem() is not None:
            return None
        try:
            value = str(self._zap.script.global_var(traffic_guard.BLOCKED_VAR))
        except ZapCallError:
            return None
        return int(value) if value.isdigit() else None

    def shutdown(self) -> None:
        self._zap.core.shutdown()

    def close(self) -> None:
        self._zap.close()


def _percent(value: object) -> int:
    try:
        return max(0, min(100, int(str(value))))
    except ValueError:
        # ZAP answers e.g. "Does Not Exist" for a scan id it dropped; treat it as finished.
        return 100


def wait_until_answering(
    api: ZaproxyApi, timeout_s: float, alive: Callable[[], str | None], started_by_us: bool = True
) -> str:
    """Poll core.version until it answers; returns the version.

    `alive()` returns None while the engine process lives, else a reason it died.
    """
    state = {"version": "", "last": "no answer"}

    def answered() -> bool:
        reason = alive()
        if reason is not None:
            raise EngineError(reason)
        try:
            state["version"] = api.version()
        except EngineConnectionDropped as err:
            if started_by_us:
                # While an engine we started comes up, Docker's port proxy accepts and drops
                # connections too; only an engine already running can mean a wrong key.
                state["last"] = str(err)
                return False
            raise EngineAuthError(
                "the ZAP API closed every connection without answering; the API key is probably wrong"
            ) from None
        except EngineError as err:
            state["last"] = str(err)
            return False
        return True

    if not poll_until(answered, Deadline.after(SystemClock(), timeout_s)):
        raise EngineStartTimeout(f"ZAP did not answer within {timeout_s:.0f} s ({state['last']})")
    return state["version"]
