"""The ZAP engine seam.

`ZapApi` is everything the core asks of a ZAP instance, in the core's words; `ZaproxyApi`
(zap_api.py) implements it over the `zaproxy` client and tests implement it with canned answers.
`EngineProvider` brings a ZAP instance up and always takes it down (local process, container,
or an already running remote one).
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dast.engine.auth_interface import AuthApi


@dataclass(frozen=True)
class ScannerInfo:
    scanner_id: str
    name: str
    enabled: bool
    category: str = ""  # ZAP's policy/category id for active scanners


@dataclass(frozen=True)
class EngineCapabilities:
    """What this engine offers, detected through its API rather than assumed from a version."""

    version: str
    active_scanners: tuple[ScannerInfo, ...]
    passive_scanners: tuple[ScannerInfo, ...]
    script_engines: tuple[str, ...]
    has_ajax_spider: bool
    has_openapi: bool

    def has_active(self, scanner_id: str) -> bool:
        return any(s.scanner_id == scanner_id for s in self.active_scanners)


@dataclass(frozen=True)
class RulePolicy:
    """Per-rule setting of an active-scan policy; None leaves ZAP's default."""

    rule_id: str
    enabled: bool = True
    strength: str | None = None  # LOW | MEDIUM | HIGH | INSANE
    threshold: str | None = None  # OFF | LOW | MEDIUM | HIGH


@dataclass(frozen=True)
class SpiderOptions:
    """The traditional spider's threads and what it parses; None leaves the engine's setting."""

    threads: int | None = None
    parse_comments: bool | None = None
    parse_robots_txt: bool | None = None
    parse_sitemap_xml: bool | None = None
    process_forms: bool | None = None
    post_forms: bool | None = None


@dataclass(frozen=True)
class PassiveRuleSetting:
    """A passive rule switched on or off, with its alert threshold (None: ZAP's default)."""

    rule_id: str
    enabled: bool = True
    threshold: str | None = None  # LOW | MEDIUM | HIGH


@dataclass(frozen=True)
class ScanPolicy:
    name: str
    default_strength: str = "MEDIUM"
    default_threshold: str = "MEDIUM"
    category_strength: Mapping[str, str] = field(default_factory=dict)  # category id -> strength
    category_threshold: Mapping[str, str] = field(default_factory=dict)
    rules: Sequence[RulePolicy] = ()
    max_rule_duration_min: int = 0  # 0: unlimited (ZAP's granularity is minutes)


@dataclass(frozen=True)
class TrafficPolicy:
    """Where and how fast the engine may send: only to `origins`, at most `max_rps`, `threads` at once."""

    origins: tuple[str, ...]  # "scheme://host:port" (see origin_of)
    max_rps: float | None  # None: not paced
    threads: int

    @classmethod
    def for_target(cls, url: str, max_rps: float | None, threads: int) -> TrafficPolicy:
        """Only the target's origin, as the engine reaches it."""
        return cls(origins=(origin_of(url),), max_rps=max_rps, threads=threads)


def origin_of(url: str) -> str:
    """`scheme://host:port`: lower case, the default port written out, an IPv6 host in brackets."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class ZapApi(AuthApi):
    """The operations the core needs from a ZAP instance (logging in: auth_interface.py)."""

    @abc.abstractmethod
    def capabilities(self) -> EngineCapabilities: ...

    @abc.abstractmethod
    def new_session(self) -> None: ...

    @abc.abstractmethod
    def create_context(
        self, name: str, include: Sequence[str], exclude: Sequence[str], attack_exclude: Sequence[str]
    ) -> str:
        """Create a context; `exclude` is never requested, `attack_exclude` never attacked. Returns its id."""

    @abc.abstractmethod
    def access_url(self, url: str) -> None: ...

    @abc.abstractmethod
    def send_request(self, raw_request: str) -> None:
        """Send one raw HTTP request through ZAP so it lands in the Sites tree (API imports)."""

    @abc.abstractmethod
    def start_spider(self, url: str, context_name: str, max_depth: int, max_children: int) -> str: ...

    def set_spider_options(self, options: SpiderOptions) -> None:
        """Set the spider's threads and parse options before it starts (engine-wide settings)."""

    @abc.abstractmethod
    def spider_progress(self, scan_id: str) -> int: ...

    @abc.abstractmethod
    def spider_urls_found(self, scan_id: str) -> int: ...

    @abc.abstractmethod
    def stop_spider(self, scan_id: str) -> None: ...

    @abc.abstractmethod
    def start_ajax_spider(self, url: str, context_name: str, max_duration_min: int) -> None: ...

    @abc.abstractmethod
    def ajax_spider_running(self) -> bool: ...

    @abc.abstractmethod
    def stop_ajax_spider(self) -> None: ...

    @abc.abstractmethod
    def import_openapi(self, source: str, is_url: bool, target_url: str, context_id: str) -> list[str]:
        """Import a definition with the engine's own importer; returns its warnings."""

    @abc.abstractmethod
    def passive_queue(self) -> int:
        """Records still waiting for the passive scanner."""

    def pace_passive_scanner(self, script_dir: str) -> int | None:
        """Shorten the passive scanner's idle sleep where the engine lets it, and give the id of the
        newest message the engine has recorded (None: it cannot say).

        With that id a scan can wait for its own records rather than for the engine-wide queue.
        """
        return None

    @abc.abstractmethod
    def set_passive_rules(self, rules: Sequence[PassiveRuleSetting]) -> None:
        """Enable or disable the engine's own passive rules and set their thresholds."""

    @abc.abstractmethod
    def apply_policy(self, policy: ScanPolicy) -> None: ...

    @abc.abstractmethod
    def start_active_scan(self, url: str, context_id: str, policy_name: str) -> str: ...

    @abc.abstractmethod
    def active_progress(self, scan_id: str) -> int: ...

    @abc.abstractmethod
    def stop_active_scan(self, scan_id: str) -> None: ...

    def active_scan_engine_seconds(self, scan_id: str) -> float:
        """Time the engine itself reports for an active scan's rules; 0.0 when it reports none."""
        return 0.0

    @abc.abstractmethod
    def alerts(self, base_url: str, start: int, count: int) -> list[Mapping[str, Any]]: ...

    @abc.abstractmethod
    def alert_count(self, base_url: str) -> int: ...

    def alert_stream(self, base_url: str, script_dir: str = "") -> Iterator[Mapping[str, Any]]:
        """Every alert under base_url, read in bounded pages (false positives may be left out).

        `script_dir`: where dast's scripts are on the engine's host ("" when unknown); an engine may
        use it for a cheaper route than paging `alerts`.
        """
        yield from iterate_pages(self, base_url)

    @abc.abstractmethod
    def message_count(self, base_url: str) -> int: ...

    @abc.abstractmethod
    def messages(self, base_url: str, start: int, count: int) -> list[Mapping[str, Any]]:
        """HTTP messages recorded under base_url, oldest first, `count` from position `start` (0-based).

        Each as ZAP's core/view/messages gives it: id, requestHeader, requestBody, responseHeader,
        responseBody (strings).
        """

    def message(self, message_id: str) -> Mapping[str, Any] | None:
        """One HTTP message by the engine's id, shaped as in `messages`; None when the engine has none."""
        return None

    @abc.abstractmethod
    def urls(self, base_url: str) -> list[str]:
        """Distinct URLs under base_url the engine has requested (its Sites tree)."""

    def spider_out_of_scope(self, scan_id: str) -> list[str]:
        """URLs the spider found but did not request (out of scope or excluded)."""
        return []

    @abc.abstractmethod
    def load_script(self, name: str, script_type: str, engine: str, path: str) -> None: ...

    @abc.abstractmethod
    def script_failed(self, name: str) -> bool:
        """Whether a loaded script is in error in the engine (it threw, and ZAP stopped running it)."""

    @abc.abstractmethod
    def set_script_vars(self, values: Mapping[str, str]) -> None:
        """Set global script variables (what the rule pack's scripts read)."""

    @abc.abstractmethod
    def script_var(self, name: str) -> str | None:
        """A global script variable's value; None when unset."""

    @abc.abstractmethod
    def apply_traffic_policy(self, policy: TrafficPolicy, script_dir: str) -> str | None:
        """Set the engine's thread and delay knobs and install the origin guard (from script_dir).

        Call before the first request to the target. Returns None when the guard runs, else one
        line saying why it does not; the knobs are set either way.
        """

    def blocked_requests(self) -> int | None:
        """Requests the origin guard kept from leaving the allowed origins; None: no guard running."""
        return None

    @abc.abstractmethod
    def shutdown(self) -> None: ...


@dataclass(frozen=True)
class EngineSession:
    """A running ZAP: how to talk to it and where it sits on the network."""

    api: ZapApi
    provider: str
    in_network: bool  # True: it reaches the target by its container network name
    script_dir: str  # where the rule pack's files are, as a path on the ZAP host
    description: str
    # Started for this scan and untouched so far: its session is already new (newSession is then
    # skipped; on ZAP 2.11.1 it costs ~0.3-0.75 s and drops the API's connections for a moment).
    fresh: bool = False


class EngineProvider(abc.ABC):
    """Brings a ZAP instance up for one scan and always takes it down again."""

    name: str

    @abc.abstractmethod
    def start(
        self, network: str | None, timeout_s: float
    ) -> contextlib.AbstractContextManager[EngineSession]:
        """network: the container network the target is on, when there is one.

        timeout_s: at most this long until the engine answers (what is left of the scan's budget).
        """

    @abc.abstractmethod
    def availability(self) -> str | None:
        """None when this provider can serve here, else one line saying why not."""


# Alerts per page of ZAP's alert view. Each page costs the engine the whole alert table up to its
# end, so fewer, larger pages are cheaper (measured on 2.11.1, 12,000 alerts: 500 -> 29 s).
ALERT_PAGE = 2_000
MAX_ALERT_PAGES = 10_000


def iterate_pages(api: ZapApi, base_url: str, page_size: int = ALERT_PAGE) -> Iterator[Mapping[str, Any]]:
    """All alerts under base_url, fetched in bounded pages until a short one (no count asked first)."""
    for page in range(MAX_ALERT_PAGES):
        alerts = api.alerts(base_url, page * page_size, page_size)
        yield from alerts
        if len(alerts) < page_size:
            break
