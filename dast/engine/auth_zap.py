"""The `AuthApi` operations over the `zaproxy` client (mixed into ZaproxyApi).

Every call that carries a secret (credentials, a token, a request body) is a POST: the secret
travels in the body, never in a URL a proxy or a log could keep. Only APIs that ZAP 2.11 core and
zap-stable both have are used: authentication, users, forcedUser, sessionManagement, acsrf,
stats, search, script and core/sendRequest.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlencode, urlsplit

from dast.engine.auth_interface import (
    AuthApi,
    AuthCounters,
    FormLogin,
    LoginAttempt,
    SentMessage,
    StaticCredential,
)
from dast.engine.loaded_scripts import in_error, loaded_script
from dast.engine.traffic_guard import pick_script_engine
from dast.errors import EngineError

CREDENTIAL_SCRIPT = "httpsender_auth.js"
CREDENTIAL_SCRIPT_NAME = "dast-credential"
USER_NAME = "dast-user"
# Headers whose answer means "log in first": 401, or a redirect to a login page.
LOGIN_WALL = r"(?im)^HTTP/1\.[01] 401|^Location:[^\r\n]*(?:log[-_]?in|sign[-_]?in)"
_STATS_PREFIX = "stats.auth"


class ZapAuthOps(AuthApi):
    """Needs `self._zap`, the bounded zaproxy client of ZaproxyApi."""

    _zap: Any

    def _post(self, path: str, params: Mapping[str, str]) -> Any:
        response = self._zap._request_api(self._zap.base + path, None, method="POST", body=dict(params))
        try:
            return response.json()
        except ValueError:
            raise EngineError(f"ZAP API {path} answered no JSON") from None

    # -- form login, the engine's own machinery -------------------------------------------------

    def add_login_user(self, context_id: str, login: FormLogin) -> str:
        zap = self._zap
        for name in login.csrf_fields:
            # The engine re-reads the login page before every login and puts the fresh value of a
            # registered anti-CSRF field into the body.
            zap.acsrf.add_option_token(name)
        config = urlencode(
            {
                "loginUrl": login.submit_url,
                "loginRequestData": login.body,
                "loginPageUrl": login.login_page_url,
            }
        )
        zap.authentication.set_authentication_method(context_id, "formBasedAuthentication", config)
        if login.logged_in:
            zap.authentication.set_logged_in_indicator(context_id, login.logged_in)
        if login.logged_out:
            zap.authentication.set_logged_out_indicator(context_id, login.logged_out)
        zap.sessionManagement.set_session_management_method(context_id, "cookieBasedSessionManagement")
        user_id = str(zap.users.new_user(context_id, USER_NAME))
        credentials = urlencode({"username": login.username, "password": login.password})
        self._post(
            "users/action/setAuthenticationCredentials/",
            {"contextId": context_id, "userId": user_id, "authCredentialsConfigParams": credentials},
        )
        zap.users.set_user_enabled(context_id, user_id, "true")
        return user_id

    def log_in(self, context_id: str, user_id: str) -> LoginAttempt:
        # The client's own method keeps only the first value of the answer; the whole set is needed.
        answer = self._zap._request(
            self._zap.base + "users/action/authenticateAsUser/", {"contextId": context_id, "userId": user_id}
        )
        if not isinstance(answer, dict) or "requestHeader" not in answer:
            return LoginAttempt(succeeded=False, message=None)
        return LoginAttempt(
            succeeded=str(answer.get("authSuccessful", "")).lower() == "true", message=_message(answer)
        )

    def act_as_user(self, context_id: str, user_id: str | None) -> None:
        if user_id is None:
            self._zap.forcedUser.set_forced_user_mode_enabled("false")
            return
        self._zap.forcedUser.set_forced_user(context_id, user_id)
        self._zap.forcedUser.set_forced_user_mode_enabled("true")

    # -- header and cookie credentials, an HTTP Sender script --------------------------------------

    def add_credential(self, credential: StaticCredential, script_dir: str) -> str | None:
        if not script_dir:
            return "dast's scripts have no known path on the engine's host"
        engines = [str(e) for e in self._zap.script.list_engines or ()]
        engine = pick_script_engine(engines)
        if engine is None:
            return f"the engine has no Nashorn script engine (it offers: {', '.join(engines) or 'none'})"
        settings = {
            "origin": credential.origin,
            "header": credential.header,
            "cookie": credential.cookie,
            "logged_out": credential.logged_out or "",
            "checked": "0",
            "loggedout": "0",
        }
        for key, value in settings.items():
            self._zap.script.set_global_var(f"dast.auth.{key}", value)
        self.set_credential(credential.value)
        if self._credential_script() is not None:  # left by an earlier scan on a shared engine
            self._zap.script.remove(CREDENTIAL_SCRIPT_NAME)
        path = str(PurePosixPath(script_dir) / CREDENTIAL_SCRIPT)
        self._zap.script.load(CREDENTIAL_SCRIPT_NAME, "httpsender", engine, path)
        self._zap.script.enable(CREDENTIAL_SCRIPT_NAME)
        script = self._credential_script()
        if script is None or in_error(script):
            return "the credential script did not load"
        return None

    def set_credential(self, value: str | None) -> None:
        self._post("script/action/setGlobalVar/", {"varKey": "dast.auth.value", "varValue": value or ""})

    def _credential_script(self) -> Mapping[str, Any] | None:
        return loaded_script(self._zap, CREDENTIAL_SCRIPT_NAME)

    # -- requests and counters ------------------------------------------------------------------

    def send(self, raw_request: str) -> SentMessage:
        answer = self._post("core/action/sendRequest/", {"request": raw_request, "followRedirects": "false"})
        messages = answer.get("sendRequest") if isinstance(answer, dict) else None
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise EngineError("ZAP API core/action/sendRequest answered without the message")
        return _message(messages[0])

    def auth_counters(self, site: str) -> AuthCounters:
        answer = self._zap.stats.site_stats(_zap_site(site), keyprefix=_STATS_PREFIX) or []
        stats: dict[str, int] = {}
        for entry in answer if isinstance(answer, list) else [answer]:
            for key, value in entry.items() if isinstance(entry, dict) else ():
                stats[str(key)] = stats.get(str(key), 0) + _int(value)
        script_checked = _int(self._global_var("dast.auth.checked"))
        script_out = _int(self._global_var("dast.auth.loggedout"))
        state = f"{_STATS_PREFIX}.state."
        return AuthCounters(
            logins=stats.get(f"{_STATS_PREFIX}.success", 0),
            failed_logins=stats.get(f"{_STATS_PREFIX}.failure", 0),
            checked=sum(stats.get(state + s, 0) for s in ("loggedin", "loggedout", "unknown"))
            + script_checked,
            logged_out=stats.get(state + "loggedout", 0) + script_out,
        )

    def _global_var(self, name: str) -> str:
        try:
            return str(self._zap.script.global_var(name))
        except EngineError:
            return ""

    def reset_auth_counters(self) -> None:
        self._zap.stats.clear_stats(_STATS_PREFIX)

    def login_walls(self, base_url: str) -> list[str]:
        found = self._zap.search.urls_by_header_regex(LOGIN_WALL, baseurl=base_url) or []
        urls = [str(entry.get("url", "")) for entry in found if isinstance(entry, dict)]
        return sorted({u for u in urls if u})


def _zap_site(url: str) -> str:
    """The engine's name for a site: scheme://host, and the port unless it is the scheme's default."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def _message(answer: Mapping[str, Any]) -> SentMessage:
    return SentMessage(
        message_id=str(answer.get("id", "")),
        request_header=str(answer.get("requestHeader", "")),
        response_header=str(answer.get("responseHeader", "")),
        response_body=str(answer.get("responseBody", "")),
    )


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
