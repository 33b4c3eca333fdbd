"""The scan's login and assertion phases, as a part of the orchestrator (core/scan.py).

The phases show in the record only when the profile asks for them: `login` (before the root is
requested) and `assertions` (before the spider, so they see the application as it was deployed,
not as the attacks left it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from dast.core.assertions import ASSERTIONS_BUDGET_S, plan, run_assertions
from dast.core.auth import (
    Authenticator,
    LoginFailed,
    LoginScope,
    login_scope,
    login_walls,
    never_got_past_login,
    resolve,
)
from dast.core.auth_config import AuthConfig
from dast.core.events import PhaseStarted, ScanObserver
from dast.core.secret_harvest import HARVEST_BUDGET_S, harvest_secrets
from dast.engine.interface import EngineSession, ZapApi
from dast.models import AssertionOutcome, AssertionResult, AuthInfo, PhaseOutcome
from dast.polling import Clock, Deadline
from dast.profiles.model import Profile
from dast.redact import REDACTOR

# Lists kept in the record are bounded: a huge site must not make a huge results.json.
MAX_LISTED_URLS = 5_000


class _Bookkeeping(Protocol):
    auth: AuthInfo
    assertions: list[AssertionResult]


class AuthPhases:
    """Mixed into the orchestrator; uses its engine, clock, budget and bookkeeping."""

    profile: Profile
    api: ZapApi
    session: EngineSession
    url: str
    context_id: str
    clock: Clock
    observer: ScanObserver
    auth_config: AuthConfig | None
    authenticator: Authenticator | None
    run_state: _Bookkeeping
    _budget: Callable[[float], Deadline]
    _record: Callable[..., None]
    _incomplete: Callable[[str], None]
    _warn: Callable[[str], None]

    def _report_url(self, url: str) -> str:
        raise NotImplementedError  # the orchestrator's: the URL as reports name it

    def _login_scope(self) -> LoginScope:
        return login_scope(self.auth_config, self.url)

    def _log_in(self) -> None:
        """Log in and verify before anything is crawled; LoginFailed (exit 3) otherwise."""
        config = self.auth_config
        if config is None:
            return
        began = self.clock.monotonic()
        self.observer.on_event(PhaseStarted("login"))
        self.run_state.auth = AuthInfo(type=config.kind, excluded=tuple(config.settings.exclude))
        authenticator = Authenticator(self.api, config, self.url, self.context_id, self.session.script_dir)
        try:
            authenticator.start()
        except LoginFailed as failed:
            self.run_state.auth = dataclasses.replace(self.run_state.auth, failed_logins=1)
            self._record("login", PhaseOutcome.FAILED, began, str(failed))
            raise
        self.authenticator = authenticator
        if authenticator.verified:
            detail = f"{config.kind} login verified at {self._report_url(authenticator.verify_url)}"
        else:
            detail = f"{config.kind} credential set, not verified (no verify_url)"
            self._warn(
                f"authentication is not verified: give auth.verify_url and auth.logged_in ({config.kind})"
            )
        self.run_state.auth = AuthInfo(
            type=config.kind,
            verified=authenticator.verified,
            verify_url=self._report_url(authenticator.verify_url) if authenticator.verify_url else "",
            excluded=tuple(config.settings.exclude),
        )
        self._record("login", PhaseOutcome.COMPLETED, began, detail)

    def _check_assertions(self) -> None:
        planned = plan(self.profile)
        if not planned:
            return
        began = self.clock.monotonic()
        self.observer.on_event(PhaseStarted("assertions"))
        results = run_assertions(
            self.api,
            planned,
            self.url,
            self.authenticator,
            self._budget(ASSERTIONS_BUDGET_S),
            rebase=self._report_url,
        )
        self.run_state.assertions = results
        failed = sum(r.outcome is AssertionOutcome.FAILED for r in results)
        unchecked = [r for r in results if r.outcome is AssertionOutcome.ERROR]
        for result in unchecked:
            self._incomplete(f"assertion {result.name!r} could not be checked: {result.seen}")
        outcome = PhaseOutcome.COMPLETED if not unchecked else PhaseOutcome.FAILED
        self._record(
            "assertions",
            outcome,
            began,
            f"{len(results) - failed - len(unchecked)} passed, {failed} failed, {len(unchecked)} not checked",
        )

    def _keep_alive(self) -> None:
        if self.authenticator is not None:
            self.authenticator.keep_alive()

    def _judge_auth(self, reached: list[str]) -> None:
        """The record's account of the login; a session that did not hold makes the scan incomplete."""
        if self.authenticator is not None:
            info, reasons = self.authenticator.summary(reached)
            self.run_state.auth = dataclasses.replace(info, verify_url=self.run_state.auth.verify_url)
            if info.relogins:
                # Each login made a new session token after the first harvest: mask those too.
                harvest_secrets(self.api, self.url, REDACTOR, self._budget(HARVEST_BUDGET_S))
            for reason in reasons:
                self._incomplete(reason)
            return
        if self.auth_config is not None:
            return  # the login failed: the error says so
        asserted = {resolve(self.url, p.assertion.request.path) for p in plan(self.profile)}
        walls = [self._report_url(u) for u in login_walls(self.api, self.url, asserted)]
        if walls:
            self.run_state.auth = AuthInfo(login_walls=tuple(walls))
            self._incomplete(never_got_past_login(walls))

    def _listed(self, urls: list[str]) -> tuple[str, ...]:
        return tuple(sorted({self._report_url(u) for u in urls}))[:MAX_LISTED_URLS]
