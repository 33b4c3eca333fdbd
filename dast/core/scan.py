"""One scan, start to finish: target up, engine up, phases within budgets, findings out, all down.

The core talks only to the seams (TargetRuntime, EngineProvider/ZapApi, ScanObserver, Clock);
which concrete ones is decided at the CLI edge.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dast import __version__
from dast.core.auth_config import AuthConfig
from dast.core.auth_phases import AuthPhases
from dast.core.events import Notice, PhaseFinished, PhaseProgress, PhaseStarted, ScanObserver
from dast.core.exchanges import attach_exchanges
from dast.core.findings import Tally, build_findings
from dast.core.openapi import import_definition
from dast.core.secret_harvest import HARVEST_BUDGET_S, harvest_secrets
from dast.core.traffic import guard_traffic
from dast.engine import rulepack
from dast.engine.interface import (
    EngineCapabilities,
    EngineProvider,
    EngineSession,
    PassiveRuleSetting,
    RulePolicy,
    ScanPolicy,
    SpiderOptions,
    ZapApi,
    origin_of,
)
from dast.errors import InfrastructureError, StartTimeout
from dast.identity import rebase, rebase_text
from dast.models import (
    AssertionResult,
    AuthInfo,
    Completeness,
    Coverage,
    EngineInfo,
    Exchange,
    Finding,
    PhaseOutcome,
    PhaseResult,
    ProfileInfo,
    Risk,
    RuleInfo,
    RunRecord,
    TargetInfo,
)
from dast.polling import Clock, Deadline, SystemClock, poll_until
from dast.profiles.model import CATEGORY_IDS, Profile
from dast.redact import REDACTOR, redact
from dast.target.interface import RunningTarget, TargetRuntime
from dast.urlpattern import UrlPattern

CONTEXT_NAME = "dast"
POLICY_NAME = "dast"
# Time kept back from the overall budget for collecting alerts and stopping everything:
# a tenth of the budget, at most 10 s.
COLLECTION_RESERVE_S = 10.0
COLLECTION_RESERVE_FRACTION = 0.1
STATIC_ASSETS = r"(?i).*\.(?:png|jpe?g|gif|svg|ico|webp|bmp|css|woff2?|ttf|otf|eot|map)(?:\?.*)?$"
# How often a running phase asks whether the target still serves (a container exit is seen at once
# by the check; a dead URL target costs one short request).
TARGET_CHECK_EVERY_S = 5.0
# Phases that send requests to the target; the achieved request rate is measured over them.
TRAFFIC_PHASES = frozenset({"spider", "ajax_spider", "openapi", "active"})
# Longest wait between two looks at a running phase. Each look is one cheap call (progress or queue
# length; nothing whose cost grows with the alerts), so a phase ends at most this long after the
# engine finishes it (measured on the demo's active scan, observed beyond the engine's own time:
# 0.9-1.2 s with a 1 s cap, 0.67 s with 0.5 s, 0.26-0.35 s with 0.25 s).
POLL_MAX_S = 0.25
# The spider's URL count for the progress line (a list that grows with the site), at most this often.
PROGRESS_DETAIL_EVERY_S = 2.0
# At most this long fetching the requests and responses behind the findings.
EXCHANGE_BUDGET_S = 60.0


@dataclass(frozen=True)
class ScanRequest:
    profile: Profile
    profile_sha256: str
    fail_on: Risk | None
    allow_incomplete: bool = False
    run_id: str = ""
    target_name: str = ""
    # Reports name every URL under this base instead of the engine's throwaway host:port;
    # empty: the URL the engine reached.
    report_base_url: str = ""
    auth: AuthConfig | None = None  # the profile's auth: with its secrets resolved
    # Set by a fleet: the engine is shared and set up once; this scan adds only its own context.
    # Asked once the engine provider has started (a fleet's engine starts while targets start).
    shared_engine: Callable[[], SharedEngine] | None = None
    context_name: str = CONTEXT_NAME  # unique per target on a shared engine


@dataclass(frozen=True)
class SharedEngine:
    """A warm engine a fleet set up once for a group of targets that agree on its engine-wide settings.

    A scan on it skips the new session (global to the engine) and the rule set-up, and takes their
    results from here; `admit` lets the engine's origin guard send to one more target.
    """

    caps: EngineCapabilities
    engine: EngineInfo
    rules: tuple[RuleInfo, ...]
    pack_active: tuple[str, ...]
    warnings: tuple[str, ...]
    admit: Callable[[str], str | None]  # target URL -> a warning when the guard does not run


def prepare_shared_engine(
    profile: Profile, session: EngineSession, observer: ScanObserver, admit: Callable[[str], str | None]
) -> SharedEngine:
    """New session, capabilities and rules: the engine-wide part of `run_scan`, done once ahead."""
    setup = _EngineSetup()
    setup.profile, setup.api, setup.session, setup.observer = profile, session.api, session, observer
    run = setup.run_state = _Run()
    session.api.new_session()
    caps = session.api.capabilities()
    setup._setup_rules(caps)
    session.api.pace_passive_scanner(session.script_dir)  # before any target's first request
    return SharedEngine(
        caps, run.engine, tuple(run.rules), tuple(run.pack_active), tuple(run.warnings), admit
    )


class _TargetDown(Exception):
    """The target stopped serving mid-scan; the remaining phases are pointless."""


@dataclass
class _Run:
    """Mutable bookkeeping while a scan runs; frozen into a RunRecord at the end."""

    phases: list[PhaseResult] = field(default_factory=list)
    budgets_hit: list[str] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()
    rules: list[RuleInfo] = field(default_factory=list)
    engine: EngineInfo = field(default_factory=lambda: EngineInfo(provider="", version="", rule_source=""))
    target: TargetInfo = field(default_factory=lambda: TargetInfo(url=""))
    request_count: int = 0
    incomplete: list[str] = field(default_factory=list)  # why the scan did not cover what it should
    warnings: list[str] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    auth: AuthInfo = field(default_factory=AuthInfo)
    assertions: list[AssertionResult] = field(default_factory=list)
    exchanges: tuple[Exchange, ...] = ()
    pack_active: list[str] = field(default_factory=list)  # the rule pack's active rules loaded
    rule_requests: dict[str, int] = field(default_factory=dict)


def run_scan(
    request: ScanRequest,
    target_runtime: TargetRuntime,
    engine_provider: EngineProvider,
    observer: ScanObserver,
    clock: Clock | None = None,
) -> RunRecord:
    """Run one scan. Infrastructure failures are caught *after* cleanup and recorded in `error`."""
    clock = clock or SystemClock()
    started = _now()
    run = _Run()
    error = ""
    error_setting = ""
    overall: Deadline | None = None
    try:
        target_runtime.prepare()
        # The budget covers everything from here: target and engine start-up included.
        overall = Deadline.after(clock, request.profile.max_duration)
        with contextlib.ExitStack() as stack:
            began = clock.monotonic()
            observer.on_event(PhaseStarted("target_start"))
            target = stack.enter_context(target_runtime.start(overall.remaining()))
            run.target = TargetInfo(
                url=request.report_base_url or target.host_url,
                image=target.image,
                image_digest=target.image_digest,
                name=request.target_name,
            )
            _record(run, observer, "target_start", clock.monotonic() - began, f"ready at {target.host_url}")
            began = clock.monotonic()
            observer.on_event(PhaseStarted("engine_start"))
            session = stack.enter_context(engine_provider.start(target.network, overall.remaining()))
            _record(run, observer, "engine_start", clock.monotonic() - began, session.description)
            # Findings carry URLs under the report base (or as the engine reached them, without one);
            # the record names the target the same way so reports group everything under one site.
            engine_url = target.url_for(session.in_network)
            run.target = dataclasses.replace(
                run.target, url=request.report_base_url or engine_url, engine_url=engine_url
            )
            orchestrator = _Orchestrator(
                request.profile, session, target, observer, clock, overall, run, request.auth
            )
            if request.shared_engine is not None:
                orchestrator.shared = request.shared_engine()
            orchestrator.context_name = request.context_name
            orchestrator.run()
            teardown_began = clock.monotonic()
        # Stopping the engine and removing containers is part of the run's cost; it is shown too.
        _record(
            run,
            observer,
            "teardown",
            clock.monotonic() - teardown_began,
            # A fleet's shared engine goes on serving other targets; only this target's part ends.
            "containers and networks removed"
            if request.shared_engine
            else "engine stopped, containers and networks removed",
        )
    except StartTimeout as err:
        if overall is not None and overall.remaining() < 1.0:
            # It was given what was left of the budget: the budget ran out, nothing broke.
            run.incomplete.append(
                f"the overall budget of {request.profile.max_duration:.0f} s ran out before the scan began: {err}"
            )
        else:
            error = str(err)
            run.incomplete.append(f"scan failed: {error}")
    except InfrastructureError as err:
        error = str(err)  # the CLI reports it once, after the reports are written
        error_setting = err.setting
        run.incomplete.append(f"scan failed: {error}")
    return RunRecord(
        tool_version=__version__,
        engine=run.engine,
        profile=ProfileInfo(name=request.profile.name, sha256=request.profile_sha256),
        target=run.target,
        started_at=started,
        finished_at=_now(),
        phases=tuple(run.phases),
        budgets_hit=tuple(run.budgets_hit),
        request_count=run.request_count,
        findings=run.findings,
        rules=tuple(run.rules),
        fail_on=request.fail_on,
        error=error,
        completeness=Completeness.of(run.incomplete),
        allow_incomplete=request.allow_incomplete,
        run_id=request.run_id,
        warnings=tuple(run.warnings),
        coverage=run.coverage,
        error_setting=error_setting,
        auth=run.auth,
        assertions=tuple(run.assertions),
        exchanges=run.exchanges,
        rule_requests=run.rule_requests,
    )


def _record(run: _Run, observer: ScanObserver, name: str, duration_s: float, detail: str) -> None:
    result = PhaseResult(name=name, outcome=PhaseOutcome.COMPLETED, duration_s=duration_s, detail=detail)
    run.phases.append(result)
    observer.on_event(PhaseFinished(result))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _EngineSetup:
    """The engine-wide part of a scan (rules, rule pack); a fleet does it once for a group of targets."""

    profile: Profile
    api: ZapApi
    session: EngineSession
    observer: ScanObserver
    run_state: _Run

    def _warn(self, message: str) -> None:
        # Said once, at the end, with every other warning (the CLI's `dast: warning:` lines).
        self.run_state.warnings.append(message)

    def _setup_rules(self, caps: EngineCapabilities) -> None:
        active = self.profile.active.enabled
        passive_rules = self.profile.passive.rules
        # A passive rule is off when disabled or at threshold OFF (ZAP's own meaning of OFF).
        passive_off = frozenset(r.id for r in passive_rules if not r.enabled or r.threshold == "OFF")
        own = [
            r
            for r in rulepack.engine_rules(caps, include_active=active)
            if not (r.kind == "passive" and r.rule_id in passive_off)
        ]
        configured = {r.id for r in self.profile.active.rules} | {r.id for r in passive_rules}
        # The pack's rules all run inside ZAP's two script scanners, so a rule a profile
        # disables is honoured by not loading its script.
        disabled = frozenset(r.id for r in self.profile.active.rules if not r.enabled) | passive_off
        self._set_engine_passive_rules(caps, passive_off)
        if rulepack.needs_pack(caps, self.profile.rulepack):
            loaded = rulepack.load_pack(
                self.api,
                caps,
                self.session.script_dir,
                include_active=active,
                disabled=disabled,
                levels=self._pack_levels(),
            )
            self.run_state.pack_active = [r.rule_id for r in loaded if r.kind == "active"]
            source = "engine+rulepack" if rulepack.has_standard_rules(caps) else "rulepack"
            self.observer.on_event(Notice(f"rule pack loaded: {len(loaded)} rules"))
            rules = loaded + [r for r in own if r.rule_id not in {x.rule_id for x in loaded}]
            self._warn_unapplied_thresholds({r.rule_id for r in loaded if r.kind == "passive"})
        else:
            source, rules = "engine", own
        self.run_state.rules = rules
        known = {r.rule_id for r in rules} | disabled
        for rule_id in sorted(configured - known, key=int):
            self.observer.on_event(
                Notice(f"profile rule {rule_id} is not in this engine; its settings are ignored")
            )
        self.run_state.engine = EngineInfo(
            provider=self.session.provider, version=caps.version, rule_source=source
        )

    def _pack_levels(self) -> rulepack.ActiveLevels:
        cfg = self.profile.active
        return rulepack.ActiveLevels(
            strength=cfg.strength,
            threshold=cfg.threshold,
            per_rule={r.id: (r.strength, r.threshold) for r in cfg.rules},
            per_category={name: (c.strength, c.threshold) for name, c in cfg.categories.items()},
            timing_unit_s=cfg.timing_unit,
        )

    def _set_engine_passive_rules(self, caps: EngineCapabilities, passive_off: frozenset[str]) -> None:
        """The engine's own passive rules are switched and tuned per rule through its API."""
        engine_ids = {s.scanner_id for s in caps.passive_scanners}
        settings = [
            PassiveRuleSetting(
                r.id, enabled=r.id not in passive_off, threshold=None if r.threshold == "OFF" else r.threshold
            )
            for r in self.profile.passive.rules
            if r.id in engine_ids
        ]
        if settings:
            self.api.set_passive_rules(settings)

    def _warn_unapplied_thresholds(self, pack_passive: set[str]) -> None:
        for rule in self.profile.passive.rules:
            if rule.id in pack_passive and rule.threshold not in (None, "OFF"):
                self._warn(
                    f"passive rule {rule.id}: threshold {rule.threshold} is not applied: dast's rule pack "
                    "runs its passive rules in one script scanner, which has no per-rule threshold"
                )


class _Orchestrator(AuthPhases, _EngineSetup):
    run_state: _Run

    def __init__(
        self,
        profile: Profile,
        session: EngineSession,
        target: RunningTarget,
        observer: ScanObserver,
        clock: Clock,
        overall: Deadline,
        run: _Run,
        auth: AuthConfig | None = None,
    ) -> None:
        self.auth_config = auth
        self.authenticator = None
        self.profile = profile
        self.session = session
        self.api: ZapApi = session.api
        self.target = target
        self.url = target.url_for(session.in_network)
        self.observer = observer
        self.clock = clock
        self.overall = overall
        self.run_state = run
        self.context_id = ""
        self.spider_job = ""
        self.shared: SharedEngine | None = None
        self.context_name = CONTEXT_NAME
        self._last_target_check = clock.monotonic()

    def run(self) -> None:
        shared = self.shared
        if shared is None:
            if not self.session.fresh:
                self.api.new_session()
            caps = self.api.capabilities()
            self._setup_rules(caps)
            # Before the first request: the scanner, idle, can then be woken from its long sleep.
            self.api.pace_passive_scanner(self.session.script_dir)
            unguarded = guard_traffic(self.api, self.session.script_dir, self.url, self.profile.rate)
        else:
            caps = shared.caps
            run = self.run_state
            run.engine, run.rules = shared.engine, list(shared.rules)
            run.pack_active = list(shared.pack_active)
            run.warnings.extend(shared.warnings)
            unguarded = shared.admit(self.url)
        if unguarded is not None:
            self._warn(unguarded)
        origin = _origin(self.url)
        scope = self.profile.scope
        login = self._login_scope()
        self.context_id = self.api.create_context(
            self.context_name,
            include=[UrlPattern(p).to_engine(origin) for p in scope.include] or [_subtree(self.url)],
            # While logged in, pages that end the session (logout) are never requested either.
            exclude=[UrlPattern(p).to_engine() for p in [*scope.exclude, *login.exclude]],
            attack_exclude=[*([STATIC_ASSETS] if scope.exclude_static_assets else []), *login.attack_exclude],
        )
        self._log_in()  # before the first request to the target, so every phase runs as the user
        # The root goes into the Sites tree first, so every later phase has something to work on.
        self.api.access_url(self.url)
        try:
            self._check_assertions()
            self._crawl_and_attack(caps)
        except _TargetDown as down:
            self._incomplete(f"the target stopped serving during the scan: {down}")
        self._collect()

    def _crawl_and_attack(self, caps: EngineCapabilities) -> None:
        self._spider()
        self._ajax_spider(caps)
        self._openapi(caps)
        self._check_target(force=True)
        self._passive()
        harvest_secrets(self.api, self.url, REDACTOR, self._budget(HARVEST_BUDGET_S))
        if self._active():
            self._check_target(force=True)
            # Rules that read attack responses (error disclosure) see them only once the passive
            # scanner has worked through the active scan's messages.
            self._passive("passive_attacks")

    def _incomplete(self, reason: str) -> None:
        self.run_state.incomplete.append(reason)
        self.observer.on_event(Notice(f"scan incomplete: {reason}"))

    def _warn(self, message: str) -> None:
        # Said once, at the end, with every other warning (the CLI's `dast: warning:` lines).
        self.run_state.warnings.append(message)

    def _check_target(self, force: bool = False) -> None:
        """Raise _TargetDown when the target no longer serves; asks at most every few seconds."""
        now = self.clock.monotonic()
        if not force and now - self._last_target_check < TARGET_CHECK_EVERY_S:
            return
        self._last_target_check = now
        reason = self.target.check_alive()
        if reason is not None:
            raise _TargetDown(reason)

    # -- set-up -----------------------------------------------------------------------------

    def _budget(self, phase_seconds: float) -> Deadline:
        reserve = min(COLLECTION_RESERVE_S, self.profile.max_duration * COLLECTION_RESERVE_FRACTION)
        reserve_end = Deadline(self.clock, self.overall.at - reserve)
        return Deadline.after(self.clock, phase_seconds).earliest(reserve_end)

    def _record(
        self, name: str, outcome: PhaseOutcome, started: float, detail: str = "", engine_s: float = 0.0
    ) -> None:
        result = PhaseResult(
            name=name,
            outcome=outcome,
            duration_s=self.clock.monotonic() - started,
            detail=detail,
            engine_duration_s=engine_s,
        )
        self.run_state.phases.append(result)
        self.observer.on_event(PhaseFinished(result))
        if outcome is PhaseOutcome.CUT_SHORT:
            self.run_state.budgets_hit.append(name)
            self._incomplete(f"phase {name} was cut short by its time budget ({detail})")

    def _skip(self, name: str, detail: str) -> None:
        self._record(name, PhaseOutcome.SKIPPED, self.clock.monotonic(), detail)

    def _run_polled(
        self,
        name: str,
        budget_s: float,
        start: Callable[[], str],
        progress: Callable[[str], int],
        stop: Callable[[str], None],
        found: Callable[[str], int] = lambda _id: 0,
        engine_seconds: Callable[[str], float] = lambda _id: 0.0,
    ) -> None:
        """Start a job in ZAP, follow its progress, stop it when its budget runs out."""
        began = self.clock.monotonic()
        self.observer.on_event(PhaseStarted(name))
        deadline = self._budget(budget_s)
        if deadline.expired():
            self._record(name, PhaseOutcome.CUT_SHORT, began, "no time left in the overall budget")
            return
        job = start()
        state = {"percent": 0}
        urls: dict[str, float] = {"found": 0, "at": -PROGRESS_DETAIL_EVERY_S}

        def done() -> bool:
            state["percent"] = progress(job)
            return state["percent"] >= 100

        def tick() -> None:
            # The spider's result list grows with the site: fetched for the progress line only now and then.
            now = self.clock.monotonic()
            if now - urls["at"] >= PROGRESS_DETAIL_EVERY_S:
                urls["found"], urls["at"] = found(job), now
            self.observer.on_event(PhaseProgress(name, state["percent"], urls_found=int(urls["found"])))
            self._check_target()
            self._keep_alive()

        try:
            finished = poll_until(done, deadline, tick, max_interval_s=POLL_MAX_S)
        except _TargetDown as down:
            stop(job)
            self._record(name, PhaseOutcome.FAILED, began, f"target stopped serving: {down}")
            raise
        if finished:
            self._record(name, PhaseOutcome.COMPLETED, began, engine_s=engine_seconds(job))
        else:
            stop(job)
            self._record(
                name,
                PhaseOutcome.CUT_SHORT,
                began,
                f"budget of {deadline_span(budget_s, began, deadline)} reached at {state['percent']}%",
                engine_s=engine_seconds(job),
            )

    # -- phases -----------------------------------------------------------------------------

    def _spider(self) -> None:
        cfg = self.profile.spider
        if not cfg.enabled:
            self._skip("spider", "disabled in profile")
            return

        def start() -> str:
            self.api.set_spider_options(
                SpiderOptions(
                    threads=cfg.threads,
                    parse_comments=cfg.parse_comments,
                    parse_robots_txt=cfg.parse_robots_txt,
                    parse_sitemap_xml=cfg.parse_sitemap_xml,
                    process_forms=cfg.process_forms,
                    post_forms=cfg.post_forms,
                )
            )
            self.spider_job = self.api.start_spider(
                self.url, self.context_name, cfg.max_depth, cfg.max_children
            )
            return self.spider_job

        self._run_polled(
            "spider",
            cfg.max_duration,
            start=start,
            progress=self.api.spider_progress,
            stop=self.api.stop_spider,
            found=self.api.spider_urls_found,
        )

    def _ajax_spider(self, caps: EngineCapabilities) -> None:
        cfg = self.profile.ajax_spider
        if not cfg.enabled:
            self._skip("ajax_spider", "disabled in profile")
            return
        if not caps.has_ajax_spider:
            self._skip("ajax_spider", "skipped: engine lacks AJAX spider")
            self.observer.on_event(Notice("skipped: engine lacks AJAX spider"))
            return
        minutes = max(1, int(cfg.max_duration // 60))

        def start() -> str:
            self.api.start_ajax_spider(self.url, self.context_name, minutes)
            return "ajax"

        self._run_polled(
            "ajax_spider",
            cfg.max_duration,
            start=start,
            progress=lambda _job: 0 if self.api.ajax_spider_running() else 100,
            stop=lambda _job: self.api.stop_ajax_spider(),
        )

    def _openapi(self, caps: EngineCapabilities) -> None:
        cfg = self.profile.openapi
        if not cfg.enabled:
            self._skip("openapi", "disabled in profile")
            return
        began = self.clock.monotonic()
        self.observer.on_event(PhaseStarted("openapi"))
        summary = import_definition(
            self.api,
            caps,
            source_url=cfg.url,
            source_file=cfg.file,
            host_url=self.target.host_url,
            scan_url=self.url,
            override_server=cfg.override_server,
            context_id=self.context_id,
            deadline=self._budget(self.profile.spider.max_duration),
        )
        outcome = PhaseOutcome.CUT_SHORT if summary.cut_short else PhaseOutcome.COMPLETED
        self._record("openapi", outcome, began, summary.detail)

    def _passive(self, name: str = "passive") -> None:
        began = self.clock.monotonic()
        self.observer.on_event(PhaseStarted(name))
        deadline = self._budget(self.profile.passive.max_duration)
        state = {"left": 0, "most": 0}
        # On a shared engine other targets keep the queue filled: this scan waits for the records
        # written up to now (its own are among them), not for the queue to empty.
        mark = self.api.pace_passive_scanner(self.session.script_dir) if self.shared else None

        def left_to_scan() -> int:
            queue = self.api.passive_queue()
            if queue == 0 or mark is None:
                return queue
            newest = self.api.pace_passive_scanner(self.session.script_dir)  # a script run: only now
            if newest is None:
                return queue
            # The queue is read again after the newest id: a record written in between makes the
            # count of what is left too high, never too low.
            scanned_through = newest - self.api.passive_queue()
            return max(0, mark - scanned_through)

        def drained() -> bool:
            state["left"] = left_to_scan()
            state["most"] = max(state["most"], state["left"])
            return state["left"] == 0

        def tick() -> None:
            # ZAP reports only the records still queued; progress is measured against the longest queue seen.
            done_share = 1 - state["left"] / state["most"] if state["most"] else 1.0
            self.observer.on_event(PhaseProgress(name, int(100 * done_share)))

        # Asking for the queue length is cheap: the phase ends at most POLL_MAX_S after the queue empties.
        if poll_until(drained, deadline, tick, max_interval_s=POLL_MAX_S):
            self._record(name, PhaseOutcome.COMPLETED, began)
        else:
            self._record(
                name, PhaseOutcome.CUT_SHORT, began, f"{state['left']} records not passively scanned"
            )

    def _active(self) -> bool:
        """Returns whether an active scan ran."""
        cfg = self.profile.active
        if not cfg.enabled:
            self._skip("active", "disabled in profile")
            return False
        policy = ScanPolicy(
            name=self.context_name if self.shared else POLICY_NAME,
            default_strength=cfg.strength,
            default_threshold=cfg.threshold,
            category_strength={CATEGORY_IDS[c]: s.strength for c, s in cfg.categories.items() if s.strength},
            category_threshold={
                CATEGORY_IDS[c]: s.threshold for c, s in cfg.categories.items() if s.threshold
            },
            rules=[RulePolicy(r.id, r.enabled, r.strength, r.threshold) for r in cfg.rules],
            max_rule_duration_min=int(-(-cfg.max_rule_duration // 60)) if cfg.max_rule_duration else 0,
        )
        self.api.apply_policy(policy)
        pack = self.run_state.pack_active
        # The scripts count per origin, so targets sharing an engine read their own; and what an
        # earlier scan on the same origin left is not this one's: it is what the counters grew by.
        origin = origin_of(self.url)
        requests_before = rulepack.rule_requests(self.api, pack, origin) if self.shared and pack else {}
        errors_before = rulepack.rule_errors(self.api, origin) if self.shared and pack else []
        self._run_polled(
            "active",
            cfg.max_duration,
            start=lambda: self.api.start_active_scan(self.url, self.context_id, policy.name),
            progress=self.api.active_progress,
            stop=self.api.stop_active_scan,
            engine_seconds=self.api.active_scan_engine_seconds,
        )
        self.run_state.rule_requests = rulepack.requests_since(
            requests_before, rulepack.rule_requests(self.api, pack, origin)
        )
        # A rule that threw left parameters unchecked: the scan did not cover what it says.
        errors = rulepack.errors_since(errors_before, rulepack.rule_errors(self.api, origin)) if pack else []
        for failed in errors:
            message = redact(rebase_text(failed.message, self.url, self.run_state.target.url))
            if failed.rule_id == rulepack.EVERY_RULE:
                self._incomplete(message)
            else:
                self._incomplete(
                    f"rule {failed.rule_id} failed {failed.count} time(s) in the engine: {message}"
                )
        return True

    def _collect(self) -> None:
        began = self.clock.monotonic()
        self.observer.on_event(PhaseStarted("alerts"))
        # Streamed into findings. No phase asks for alert counts while it polls: every alert view of
        # ZAP costs the whole alert table (engine/alert_export.py).
        alerts = Tally(self.api.alert_stream(self.url, self.session.script_dir))
        excludes = [UrlPattern(p) for p in self.profile.scope.exclude]
        base = self.run_state.target.url
        findings = build_findings(
            alerts,
            exclude=excludes,
            rebase=lambda url: rebase(url, self.url, base),
            rebase_text=lambda text: rebase_text(text, self.url, base),
        )
        # Each finding's request and response, from the engine's history, within the reserve.
        evidence = attach_exchanges(
            findings,
            self.api.message,
            engine_url=self.url,
            base_url=base,
            variables=REDACTOR.variables(),
            deadline=Deadline.after(self.clock, EXCHANGE_BUDGET_S).earliest(self.overall),
            full_per_rule_and_site=self.profile.evidence.exchanges_per_rule,
        )
        self.run_state.findings, self.run_state.exchanges = evidence.findings, evidence.exchanges
        if evidence.unavailable:
            self._warn(
                f"{evidence.unavailable} request(s) and response(s) could not be read from the engine's "
                "history in time; those instances keep URL, parameter, attack and evidence"
            )
        self.run_state.request_count = self.api.message_count(self.url)
        reached = sorted(set(self.api.urls(self.url)))
        self._judge_coverage(reached)
        self._judge_auth(reached)
        self._check_excludes(excludes, reached)
        blocked = self.api.blocked_requests()
        if blocked:
            self._warn(
                f"the origin guard blocked {blocked} request(s) the engine tried to send to other origins"
            )
        self._record("alerts", PhaseOutcome.COMPLETED, began, f"{alerts.count} alerts")

    def _judge_coverage(self, reached: list[str]) -> None:
        traffic_s = sum(p.duration_s for p in self.run_state.phases if p.name in TRAFFIC_PHASES)
        rate = self.run_state.request_count / traffic_s if traffic_s > 0 else 0.0
        found = self.api.spider_out_of_scope(self.spider_job) if self.spider_job else []
        self.run_state.coverage = Coverage(
            urls=len(reached),
            achieved_rps=rate,
            reached=self._listed(reached),
            not_requested=self._listed(found),
        )
        floor = self.profile.min_urls
        if len(reached) < floor:
            self._incomplete(
                f"coverage: the scan reached {len(reached)} in-scope URL(s), fewer than the "
                f"{floor} it needs (min_urls); was anything besides the root reachable?"
            )

    def _report_url(self, url: str) -> str:
        return rebase(url, self.url, self.run_state.target.url)

    def _check_excludes(self, excludes: list[UrlPattern], reached: list[str]) -> None:
        seen = reached + (self.api.spider_out_of_scope(self.spider_job) if self.spider_job else [])
        for pattern in excludes:
            if not any(pattern.matches(url) for url in seen):
                self._warn(
                    f"scope exclude {pattern.source!r} matched no URL the scan saw "
                    "(patterns are searched in the URL's path and query)"
                )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _subtree(url: str) -> str:
    """The engine's regex for everything at and below the target URL."""
    return f"\\Q{url}\\E.*"


def deadline_span(budget_s: float, began: float, deadline: Deadline) -> str:
    """How long the phase actually had: its own budget, or less when the overall budget was tighter."""
    allowed = min(budget_s, deadline.at - began)
    return f"{allowed:.0f} s"
