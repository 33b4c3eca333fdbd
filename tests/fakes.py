"""Fakes at dast's seams: an in-memory ZAP, a target, an engine provider and a virtual clock.

They implement the real interfaces (`ZapApi`, `TargetRuntime`, `EngineProvider`, `Clock`), answer
from canned data, and record every call so tests can assert what the core asked for.
Nothing here touches the network, Docker or a real ZAP.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fake_auth import FakeAuthOps

from dast.engine.interface import (
    EngineCapabilities,
    EngineProvider,
    EngineSession,
    PassiveRuleSetting,
    ScannerInfo,
    ScanPolicy,
    SpiderOptions,
    TrafficPolicy,
    ZapApi,
)
from dast.errors import EngineError
from dast.profiles.loader import deep_merge, load_profile
from dast.profiles.model import Profile
from dast.target.interface import RunningTarget, TargetRuntime

# --- time ---------------------------------------------------------------------------------


class FakeClock:
    """A Clock whose sleep() advances virtual time instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.start = start
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds

    @property
    def elapsed(self) -> float:
        return self.now - self.start


# --- engine capabilities ------------------------------------------------------------------


def _scanners(*pairs: tuple[str, str]) -> tuple[ScannerInfo, ...]:
    return tuple(ScannerInfo(scanner_id=i, name=n, enabled=True) for i, n in pairs)


# What zaproxy/zap-stable reports: the standard rules, AJAX spider, OpenAPI add-on.
STANDARD_CAPS = EngineCapabilities(
    version="2.16.1",
    active_scanners=_scanners(
        ("6", "Path Traversal"),
        ("40012", "Cross Site Scripting (Reflected)"),
        ("40018", "SQL Injection"),
        ("50000", "Script Active Scan Rules"),
    ),
    passive_scanners=_scanners(
        ("10020", "Anti-clickjacking Header"),
        ("10021", "X-Content-Type-Options Header Missing"),
        ("10038", "Content Security Policy (CSP) Header Not Set"),
        ("50001", "Script Passive Scan Rules"),
        ("50003", "Stats Passive Scan Rule"),
    ),
    script_engines=("Graal.js", "Oracle Nashorn"),
    has_ajax_spider=True,
    has_openapi=True,
)

# What ZAP core from Maven Central reports: only the script runners, no add-ons.
CORE_CAPS = EngineCapabilities(
    version="2.11.1",
    active_scanners=_scanners(("50000", "Script Active Scan Rules")),
    passive_scanners=_scanners(("50001", "Script Passive Scan Rules"), ("50003", "Stats Passive Scan Rule")),
    script_engines=("Oracle Nashorn",),
    has_ajax_spider=False,
    has_openapi=False,
)


def caps(base: EngineCapabilities = STANDARD_CAPS, **changes: Any) -> EngineCapabilities:
    return dataclasses.replace(base, **changes)


# A progress sequence that never reaches 100 (the last value repeats forever).
NEVER = (0, 5, 10, 20, 35, 50, 65, 80, 90, 99)


# --- alerts -------------------------------------------------------------------------------


def alert(**fields: Any) -> dict[str, Any]:
    """One entry as ZAP 2.11's core/view/alerts returns it (every value a string)."""
    entry = {
        "id": "1",
        "sourceid": "3",
        "pluginId": "10021",
        "alertRef": "10021",
        "alert": "X-Content-Type-Options Header Missing",
        "name": "X-Content-Type-Options Header Missing",
        "risk": "Low",
        "confidence": "Medium",
        "url": "http://app:8080/",
        "method": "GET",
        "param": "x-content-type-options",
        "attack": "",
        "evidence": "",
        "otherinfo": "",
        "inputVector": "",
        "cweid": "693",
        "wascid": "15",
        "description": "The Anti-MIME-Sniffing header was not set.",
        "solution": "Set X-Content-Type-Options: nosniff.",
        "reference": "https://owasp.org/a\nhttps://owasp.org/b",
        "messageId": "7",
        "tags": {},
    }
    entry.update(fields)
    return entry


def http_message(
    request: str,
    response: str = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
    request_body: str = "",
    response_body: str = "",
    message_id: int = 1,
) -> dict[str, Any]:
    """One entry as ZAP 2.11's core/view/messages returns it; `request` is the header block."""
    return {
        "id": str(message_id),
        "requestHeader": request,
        "requestBody": request_body,
        "responseHeader": response,
        "responseBody": response_body,
        "cookieParams": "",
        "note": "",
        "type": "2",
        "rtt": "5",
        "timestamp": "1795707170137",
        "tags": [],
    }


# --- ZAP ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


class _Sequence:
    """Hands out values in order, then repeats the last one forever."""

    def __init__(self, values: Iterable[Any]) -> None:
        self.values = list(values)
        assert self.values, "a sequence needs at least one value"
        self.index = 0

    def next(self) -> Any:
        value = self.values[min(self.index, len(self.values) - 1)]
        self.index += 1
        return value


class FakeZap(FakeAuthOps, ZapApi):
    """An in-memory ZAP with canned answers that records every call it gets.

    spider / active: percentages returned by successive progress polls (last one repeats; see NEVER).
    ajax_running: successive answers of ajax_spider_running().
    passive_queue: successive sizes of the passive scan queue (drains when it reaches 0).
    newest_ids: successive answers of pace_passive_scanner() (the newest history id; None: the
    engine cannot say).
    raise_on: method name -> exception raised (after recording) when that method is called.
    recorded: the HTTP messages messages() pages through (see http_message); `messages` is what
    message_count() answers.
    guard_problem: what apply_traffic_policy() answers (None: the origin guard runs).
    blocked: what blocked_requests() answers while the guard runs.
    """

    def __init__(
        self,
        capabilities: EngineCapabilities = STANDARD_CAPS,
        *,
        spider: Sequence[int] = (25, 100),
        active: Sequence[int] = (10, 60, 100),
        ajax_running: Sequence[bool] = (True, False),
        passive_queue: Sequence[int] = (3, 0),
        newest_ids: Sequence[int | None] = (None,),
        alerts: Sequence[Mapping[str, Any]] = (),
        messages: int = 42,
        recorded: Sequence[Mapping[str, Any]] = (),
        urls_found: int = 7,
        openapi_warnings: Sequence[str] = (),
        raise_on: Mapping[str, BaseException] | None = None,
        guard_problem: str | None = None,
        blocked: int = 0,
        site_urls: Sequence[str] = ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/about"),
        out_of_scope_urls: Sequence[str] = (),
    ) -> None:
        self.site_urls = list(site_urls)
        self.out_of_scope_urls = list(out_of_scope_urls)
        self.caps = capabilities
        self._spider = _Sequence(spider)
        self._active = _Sequence(active)
        self._ajax = _Sequence(ajax_running)
        self._passive = _Sequence(passive_queue)
        self._newest = _Sequence(newest_ids)
        self.canned_alerts = [dict(a) for a in alerts]
        self.message_total = messages
        self.recorded = [dict(m) for m in recorded]
        self.urls_found = urls_found
        self.openapi_warnings = list(openapi_warnings)
        self.raise_on = dict(raise_on or {})
        self.guard_problem = guard_problem
        self.blocked = blocked
        # Global script variables; a test may preset what the pack's scripts would publish.
        self.script_vars: dict[str, str] = {}
        self.failed_scripts: set[str] = set()  # scripts in error in the engine
        self.calls: list[Call] = []

    # -- bookkeeping ----------------------------------------------------------------------

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append(Call(name, args))
        error = self.raise_on.get(name)
        if error is not None:
            raise error

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """The arguments of every call to `name`, in order."""
        return [c.args for c in self.calls if c.name == name]

    def names(self) -> list[str]:
        return [c.name for c in self.calls]

    def first_calls(self) -> list[str]:
        """Call names with repeats collapsed (polls), in first-call order."""
        return list(dict.fromkeys(self.names()))

    # -- ZapApi ---------------------------------------------------------------------------

    def capabilities(self) -> EngineCapabilities:
        self._record("capabilities")
        return self.caps

    def new_session(self) -> None:
        self._record("new_session")

    def create_context(
        self, name: str, include: Sequence[str], exclude: Sequence[str], attack_exclude: Sequence[str]
    ) -> str:
        self._record("create_context", name, list(include), list(exclude), list(attack_exclude))
        return "1"

    def access_url(self, url: str) -> None:
        self._record("access_url", url)

    def send_request(self, raw_request: str) -> None:
        self._record("send_request", raw_request)

    def start_spider(self, url: str, context_name: str, max_depth: int, max_children: int) -> str:
        self._record("start_spider", url, context_name, max_depth, max_children)
        return "spider-1"

    def spider_progress(self, scan_id: str) -> int:
        self._record("spider_progress", scan_id)
        return int(self._spider.next())

    def spider_urls_found(self, scan_id: str) -> int:
        self._record("spider_urls_found", scan_id)
        return self.urls_found

    def stop_spider(self, scan_id: str) -> None:
        self._record("stop_spider", scan_id)

    def start_ajax_spider(self, url: str, context_name: str, max_duration_min: int) -> None:
        self._record("start_ajax_spider", url, context_name, max_duration_min)

    def ajax_spider_running(self) -> bool:
        self._record("ajax_spider_running")
        return bool(self._ajax.next())

    def stop_ajax_spider(self) -> None:
        self._record("stop_ajax_spider")

    def import_openapi(self, source: str, is_url: bool, target_url: str, context_id: str) -> list[str]:
        self._record("import_openapi", source, is_url, target_url, context_id)
        return list(self.openapi_warnings)

    def passive_queue(self) -> int:
        self._record("passive_queue")
        return int(self._passive.next())

    def pace_passive_scanner(self, script_dir: str) -> int | None:
        self._record("pace_passive_scanner", script_dir)
        newest = self._newest.next()
        return None if newest is None else int(newest)

    def set_passive_rules(self, rules: Sequence[PassiveRuleSetting]) -> None:
        self._record("set_passive_rules", list(rules))

    def apply_policy(self, policy: ScanPolicy) -> None:
        self._record("apply_policy", policy)

    def start_active_scan(self, url: str, context_id: str, policy_name: str) -> str:
        self._record("start_active_scan", url, context_id, policy_name)
        return "active-1"

    def active_progress(self, scan_id: str) -> int:
        self._record("active_progress", scan_id)
        return int(self._active.next())

    def stop_active_scan(self, scan_id: str) -> None:
        self._record("stop_active_scan", scan_id)

    def alerts(self, base_url: str, start: int, count: int) -> list[Mapping[str, Any]]:
        self._record("alerts", base_url, start, count)
        return [dict(a) for a in self.canned_alerts[start : start + count]]

    def alert_count(self, base_url: str) -> int:
        self._record("alert_count", base_url)
        return len(self.canned_alerts)

    def set_spider_options(self, options: SpiderOptions) -> None:
        self._record("set_spider_options", options)

    def alert_stream(self, base_url: str, script_dir: str = "") -> Iterator[Mapping[str, Any]]:
        self._record("alert_stream", base_url, script_dir)
        yield from super().alert_stream(base_url, script_dir)  # pages through alerts()

    def message_count(self, base_url: str) -> int:
        self._record("message_count", base_url)
        return self.message_total

    def messages(self, base_url: str, start: int, count: int) -> list[Mapping[str, Any]]:
        self._record("messages", base_url, start, count)
        return [dict(m) for m in self.recorded[start : start + count]]

    def message(self, message_id: str) -> Mapping[str, Any] | None:
        """A recorded message; else, as a real engine has the message of every alert, a plain one."""
        self._record("message", message_id)
        found = next((dict(m) for m in self.recorded if str(m.get("id")) == message_id), None)
        if found is None:
            raised = next((a for a in self.canned_alerts if str(a.get("messageId")) == message_id), None)
            if raised is not None:
                head = f"{raised.get('method') or 'GET'} {raised.get('url', '')} HTTP/1.1\r\n\r\n"
                found = http_message(head, message_id=int(message_id))
        return found

    def urls(self, base_url: str) -> list[str]:
        self._record("urls", base_url)
        return list(self.site_urls)

    def spider_out_of_scope(self, scan_id: str) -> list[str]:
        self._record("spider_out_of_scope", scan_id)
        return list(self.out_of_scope_urls)

    def load_script(self, name: str, script_type: str, engine: str, path: str) -> None:
        self._record("load_script", name, script_type, engine, path)

    def script_failed(self, name: str) -> bool:
        self._record("script_failed", name)
        return name in self.failed_scripts

    def set_script_vars(self, values: Mapping[str, str]) -> None:
        self._record("set_script_vars", dict(values))
        self.script_vars.update(values)

    def script_var(self, name: str) -> str | None:
        self._record("script_var", name)
        return self.script_vars.get(name)

    def apply_traffic_policy(self, policy: TrafficPolicy, script_dir: str) -> str | None:
        self._record("apply_traffic_policy", policy, script_dir)
        return self.guard_problem

    def blocked_requests(self) -> int | None:
        self._record("blocked_requests")
        return None if self.guard_problem else self.blocked

    def shutdown(self) -> None:
        self._record("shutdown")


# --- target and engine provider -----------------------------------------------------------


class FakeTarget(TargetRuntime):
    """Yields a canned RunningTarget; records start and stop (also into a shared `log`)."""

    def __init__(
        self,
        running: RunningTarget | None = None,
        *,
        log: list[str] | None = None,
        start_error: BaseException | None = None,
    ) -> None:
        self.running = running or RunningTarget(host_url="http://127.0.0.1:8080/")
        self.log = log if log is not None else []
        self.start_error = start_error
        self.started = 0
        self.stopped = 0
        self.prepared = 0
        self.timeouts: list[float] = []

    def prepare(self) -> None:
        self.prepared += 1

    @contextlib.contextmanager
    def start(self, timeout_s: float) -> Iterator[RunningTarget]:
        self.started += 1
        self.timeouts.append(timeout_s)
        self.log.append("target.start")
        if self.start_error is not None:
            raise self.start_error
        try:
            yield self.running
        finally:
            self.stopped += 1
            self.log.append("target.stop")


class FakeProvider(EngineProvider):
    """Yields an EngineSession around a FakeZap; records start (with the network) and stop."""

    name = "fake"

    def __init__(
        self,
        zap: FakeZap | None = None,
        *,
        in_network: bool = False,
        script_dir: str = "/zap/dast-rulepack",
        log: list[str] | None = None,
        start_error: BaseException | None = None,
    ) -> None:
        self.zap = zap or FakeZap()
        self.in_network = in_network
        self.script_dir = script_dir
        self.log = log if log is not None else []
        self.start_error = start_error
        self.fresh = False  # what the session says: an engine started for this scan alone
        self.networks: list[str | None] = []
        self.timeouts: list[float] = []
        self.started = 0
        self.stopped = 0

    @contextlib.contextmanager
    def start(self, network: str | None, timeout_s: float) -> Iterator[EngineSession]:
        self.started += 1
        self.timeouts.append(timeout_s)
        self.networks.append(network)
        self.log.append("engine.start")
        if self.start_error is not None:
            raise self.start_error
        try:
            yield EngineSession(
                api=self.zap,
                provider=self.name,
                in_network=self.in_network,
                script_dir=self.script_dir,
                description="fake ZAP (in memory)",
                fresh=self.fresh,
            )
        finally:
            self.stopped += 1
            self.log.append("engine.stop")

    def availability(self) -> str | None:
        return None


# --- profiles -----------------------------------------------------------------------------


def make_profile(base: str = "baseline", **overrides: Any) -> Profile:
    """A bundled profile with nested overrides, e.g. make_profile("full", active={"max_duration": 60})."""
    document = deep_merge(load_profile(base).merged, overrides)
    return Profile.model_validate(document)


# --- the CLI's environment ----------------------------------------------------------------


def recording_environment(started: list[str]) -> Any:
    """An Environment whose engine, target and sweep record being asked for and then refuse."""
    from dast.cli.environment import Environment
    from dast.errors import InfrastructureError

    def engine(_options: Any) -> EngineProvider:
        started.append("engine")
        raise InfrastructureError("test environment: no engine")

    def target(_options: Any, _sink: Any) -> TargetRuntime:
        started.append("target")
        raise InfrastructureError("test environment: no target")

    def sweep() -> list[str]:
        started.append("sweep")
        return []

    return Environment(engine_factory=engine, target_factory=target, sweep=sweep, environ=lambda: os.environ)


# --- the script part of a raw zaproxy client ----------------------------------------------------


class FakeScriptApi:
    """`client.script` of a zaproxy client, for drivers of dast's standalone scripts (alert export,
    passive pace): script types and engines, loaded scripts, and the scripts' own variables."""

    def __init__(self, types: tuple[str, ...] = ("standalone", "passive")) -> None:
        self.types = types
        self.loaded: list[tuple[str, str, str, str]] = []
        self.vars: dict[str, str] = {}
        self.runs = 0
        self.error = "false"  # what list_scripts says of a loaded script's error flag

    @property
    def list_types(self) -> list[dict[str, str]]:
        return [{"name": t} for t in self.types]

    @property
    def list_engines(self) -> list[str]:
        return ["ECMAScript : OpenJDK Nashorn"]

    @property
    def list_scripts(self) -> list[dict[str, str]]:
        return [{"name": name, "error": self.error} for name, *_ in self.loaded]

    def load(self, name: str, kind: str, engine: str, path: str) -> None:
        self.loaded.append((name, kind, engine, path))

    def script_var(self, script: str, key: str) -> str:
        if f"{script}/{key}" not in self.vars:
            raise EngineError("ZAP API script/view/scriptVar failed: does_not_exist")
        return self.vars[f"{script}/{key}"]


class FakeScriptClient:
    """A raw zaproxy client with only its script part."""

    def __init__(self, script: FakeScriptApi) -> None:
        self.script = script


# --- scans on a shared engine -------------------------------------------------------------------


def shared_engine_scans(
    zap: FakeZap,
    profile: Profile,
    targets: Sequence[tuple[str, FakeTarget]],
    script_dir: str = "/zap/dast-rulepack",
) -> list[Any]:
    """Scans, one after the other, on one engine set up once as a fleet sets it up; each target in a
    context of its own (`targets`: name and target). Returns their RunRecords."""
    from dast.core.events import RecordingObserver
    from dast.core.scan import ScanRequest, prepare_shared_engine, run_scan

    provider = FakeProvider(zap, script_dir=script_dir)
    with provider.start(None, 60) as session:
        shared = prepare_shared_engine(profile, session, RecordingObserver(), lambda _url: None)
    return [
        run_scan(
            ScanRequest(
                profile=profile,
                profile_sha256="0" * 64,
                fail_on=None,
                shared_engine=lambda: shared,
                context_name=f"dast-{name}",
            ),
            target,
            provider,
            RecordingObserver(),
            FakeClock(),
        )
        for name, target in targets
    ]
