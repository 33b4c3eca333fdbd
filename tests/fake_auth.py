"""The logging-in part of FakeZap: canned answers for the AuthApi operations.

A test sets what it needs on the FakeZap after building it:
    zap.login_results = [True, False]        # successive log_in() answers (the last repeats)
    zap.answer = lambda raw, user: ...       # a SentMessage for each send(); `user` is None or its id
    zap.counters = AuthCounters(...)         # what auth_counters() answers
    zap.walls = ["http://app/member/"]       # what login_walls() answers
Calls are recorded with the other FakeZap calls (secrets are recorded as "<secret>").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dast.engine.auth_interface import (
    AuthApi,
    AuthCounters,
    FormLogin,
    LoginAttempt,
    SentMessage,
    StaticCredential,
)

LOGGED_IN_PAGE = '<a href="/logout">Log out</a> Welcome'
LOGIN_PAGE = '<form><input name="password" type="password"></form>'


def sent(
    status: int = 200, body: str = "", headers: str = "", request: str = "GET / HTTP/1.1"
) -> SentMessage:
    reason = {200: "OK", 302: "Found", 401: "Unauthorized", 403: "Forbidden", 500: "Server Error"}.get(
        status, "X"
    )
    return SentMessage(
        message_id="99",
        request_header=f"{request}\r\nHost: app\r\n\r\n",
        response_header=f"HTTP/1.1 {status} {reason}\r\n{headers}Content-Type: text/html\r\n\r\n",
        response_body=body,
    )


def default_answer(raw: str, user: str | None) -> SentMessage:
    """Logged in: a page with the logout link; anonymous: the login form."""
    return sent(200, LOGGED_IN_PAGE if user else LOGIN_PAGE, request=raw.split("\r\n", 1)[0])


class FakeAuthOps(AuthApi):
    login_results: list[bool]
    answer: Callable[[str, str | None], SentMessage]
    counters: AuthCounters
    walls: list[str]

    def _record(self, name: str, *args: Any) -> None:  # FakeZap's
        raise NotImplementedError

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] | None = self.__dict__.get("_auth")
        if state is None:
            state = self.__dict__["_auth"] = {"user": None, "credential": None, "logins": 0}
            self.__dict__.setdefault("login_results", [True])
            self.__dict__.setdefault("answer", default_answer)
            self.__dict__.setdefault("counters", AuthCounters())
            self.__dict__.setdefault("walls", [])
        return state

    @property
    def acting_as(self) -> str | None:
        """The forced user's id, or the credential's value; None: anonymous."""
        state = self._state()
        return state["user"] or state["credential"]

    def add_login_user(self, context_id: str, login: FormLogin) -> str:
        self._state()
        self._record("add_login_user", context_id, login)
        return "7"

    def log_in(self, context_id: str, user_id: str) -> LoginAttempt:
        state = self._state()
        self._record("log_in", context_id, user_id)
        index = min(state["logins"], len(self.login_results) - 1)
        state["logins"] += 1
        ok = self.login_results[index]
        body = LOGGED_IN_PAGE if ok else LOGIN_PAGE
        return LoginAttempt(ok, sent(200, body, request="POST http://app:8080/login HTTP/1.1"))

    def act_as_user(self, context_id: str, user_id: str | None) -> None:
        self._state()["user"] = user_id
        self._record("act_as_user", context_id, user_id)

    def add_credential(self, credential: StaticCredential, script_dir: str) -> str | None:
        self._state()["credential"] = credential.value
        self._record("add_credential", credential.origin, credential.header, credential.cookie)
        return None

    def set_credential(self, value: str | None) -> None:
        self._state()["credential"] = value
        self._record("set_credential", "<secret>" if value else None)

    def send(self, raw_request: str) -> SentMessage:
        self._state()
        self._record("send", raw_request)
        return self.answer(raw_request, self.acting_as)

    def auth_counters(self, site: str) -> AuthCounters:
        self._state()
        self._record("auth_counters", site)
        return self.counters

    def reset_auth_counters(self) -> None:
        self._record("reset_auth_counters")

    def login_walls(self, base_url: str) -> list[str]:
        self._state()
        self._record("login_walls", base_url)
        return list(self.walls)
