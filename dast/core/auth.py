"""Scanning as a logged-in user, and never silently falling back to anonymous.

Before the spider starts, dast logs in and fetches `verify_url`: unless it answers logged in, the
scan stops (LoginFailed, exit 3) before any attack request. While the scan runs the engine logs in
again when an answer looks logged out (form logins: the engine's own forced-user machinery; JSON
logins: dast, from the polling loop); the record says how often, and what share of the answers
looked logged out. A session that did not hold makes the scan incomplete.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urljoin, urlsplit

from dast.core.auth_config import AuthConfig
from dast.core.login_form import find_login_form
from dast.engine.auth_interface import CSRF_PLACEHOLDER, FormLogin, SentMessage, StaticCredential
from dast.engine.interface import ZapApi, origin_of
from dast.errors import InfrastructureError
from dast.models import AuthInfo
from dast.profiles.auth import CookieAuth, FormAuth, HeaderAuth, JsonAuth
from dast.redact import REDACTOR

# At or above this share of logged-out answers (of at least MIN_CHECKED), the session did not hold.
LOGGED_OUT_SHARE_LIMIT = 0.5
MIN_CHECKED = 10
MAX_RELOGINS = 50  # JSON logins dast repeats itself: bounded, whatever the application does
MAX_WALLS = 1_000


class LoginFailed(InfrastructureError):
    """The login did not work: the scan stops before the spider (exit 3)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"login failed: {detail}", setting="auth")


def resolve(target_url: str, url_or_path: str) -> str:
    """An absolute URL as is; a path below the target's own path (`/login` on http://h/app/ -> /app/login)."""
    if "://" in url_or_path:
        return url_or_path
    base = target_url if target_url.endswith("/") else target_url + "/"
    return urljoin(base, url_or_path.lstrip("/"))


def same_origin(url: str, target_url: str) -> bool:
    return origin_of(url) == origin_of(target_url)


def request_line(method: str, url: str, body: str = "", content_type: str = "") -> str:
    """A raw HTTP/1.1 request for the engine's sendRequest."""
    lines = [f"{method} {url} HTTP/1.1", f"Host: {urlsplit(url).netloc}"]
    if body or method in ("POST", "PUT", "PATCH"):
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body.encode('utf-8'))}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def looks_logged_in(message: SentMessage, logged_in: str | None, logged_out: str | None) -> bool:
    """The answer matches logged_in; without that pattern, a 2xx that does not match logged_out."""
    text = f"{message.response_header}\n{message.response_body}"
    if logged_in:
        return re.search(logged_in, text) is not None
    if message.status == 401 or (logged_out and re.search(logged_out, text)):
        return False
    return 200 <= message.status < 300


def _engine_exact(url: str) -> str:
    """The engine's regex for one page, with or without a query."""
    return f"\\Q{url.split('?', 1)[0]}\\E(?:\\?.*)?"


@dataclass(frozen=True)
class LoginScope:
    exclude: tuple[str, ...] = ()  # URL patterns (dast.urlpattern) never requested while logged in
    attack_exclude: tuple[str, ...] = ()  # engine regexes of pages never attacked: the login page


def login_scope(config: AuthConfig | None, target_url: str) -> LoginScope:
    if config is None:
        return LoginScope()
    settings = config.settings
    pages: list[str] = []
    if isinstance(settings, FormAuth):
        pages = [resolve(target_url, settings.login_url)]
        if settings.submit_url:
            pages.append(resolve(target_url, settings.submit_url))
    elif isinstance(settings, JsonAuth):
        pages = [resolve(target_url, settings.submit_url)]
    return LoginScope(tuple(settings.exclude), tuple(_engine_exact(p) for p in dict.fromkeys(pages)))


class Authenticator:
    """One scan's login: set up, verified, kept alive, accounted for."""

    def __init__(self, api: ZapApi, config: AuthConfig, target_url: str, context_id: str, script_dir: str):
        self.api = api
        self.config = config
        self.settings = config.settings
        self.target_url = target_url
        self.context_id = context_id
        self.script_dir = script_dir
        self.user_id: str | None = None
        self.verified = False
        self.verify_url = ""
        self.login_pages: set[str] = set()
        # JSON logins are counted here (dast repeats them); form logins by the engine.
        self.logins = self.relogins = self.failed_logins = 0
        self._credential = ""
        self._logged_out_at_login = 0

    # -- before the scan -------------------------------------------------------------------

    def start(self) -> None:
        """Log in and verify; LoginFailed unless verify_url answers logged in."""
        self.api.reset_auth_counters()
        settings = self.settings
        if isinstance(settings, FormAuth):
            self._start_form(settings)
        elif isinstance(settings, JsonAuth):
            self._start_json(settings)
        else:
            self._start_static(settings)
        if settings.verify_url:
            self._verify()

    def _url(self, url_or_path: str, key: str) -> str:
        url = resolve(self.target_url, url_or_path)
        if not same_origin(url, self.target_url):
            # Credentials go to the target's origin only.
            raise LoginFailed(f"auth.{key} {url} is not on the target's origin {origin_of(self.target_url)}")
        return url

    def _start_form(self, settings: FormAuth) -> None:
        login_url = self._url(settings.login_url, "login_url")
        page = self.api.send(request_line("GET", login_url))
        form = find_login_form(page.response_body, settings.fields.password)
        if settings.submit_url:
            submit = self._url(settings.submit_url, "submit_url")
        elif form is not None:
            submit = self._url(urljoin(login_url, form.action) if form.action else login_url, "submit_url")
        else:
            raise LoginFailed(
                f"GET {login_url} answered {page.status} without a form holding a "
                f"{settings.fields.password!r} field (set auth.submit_url and auth.fields)"
            )
        csrf = (settings.csrf_field,) if settings.csrf_field else (form.csrf_fields() if form else ())
        self.login_pages = {login_url.split("?")[0], submit.split("?")[0]}
        fields = [(name, CSRF_PLACEHOLDER) for name in csrf]
        fields += [(settings.fields.username, "{%username%}"), (settings.fields.password, "{%password%}")]
        body = "&".join(
            [f"{quote_plus(name)}={value}" for name, value in fields]
            + [f"{quote_plus(k)}={quote_plus(v)}" for k, v in settings.extra.items()]
        )
        login = FormLogin(
            login_page_url=login_url,
            submit_url=submit,
            body=body,
            username=self.config.credentials.username,
            password=self.config.credentials.password,
            csrf_fields=csrf,
            logged_in=settings.logged_in,
            logged_out=settings.logged_out or _login_form_pattern(settings.fields.password),
        )
        self.user_id = self.api.add_login_user(self.context_id, login)
        attempt = self.api.log_in(self.context_id, self.user_id)
        if not attempt.succeeded:
            status = attempt.message.status if attempt.message else "nothing"
            raise LoginFailed(
                f"POST {submit} answered {status} and looks logged out (check the credentials and auth.fields)"
            )
        self.api.act_as_user(self.context_id, self.user_id)

    def _start_json(self, settings: JsonAuth) -> None:
        submit = self._url(settings.submit_url, "submit_url")
        self.login_pages = {submit.split("?")[0]}
        token = self._json_login(settings, submit)
        self._credential = settings.prefix + token
        self._install(StaticCredential(origin_of(self.target_url), self._credential, header=settings.header))

    def _json_login(self, settings: JsonAuth, submit: str) -> str:
        creds = self.config.credentials
        body = settings.body.replace("${username}", _json_text(creds.username)).replace(
            "${password}", _json_text(creds.password)
        )
        answer = self.api.send(request_line("POST", submit, body, "application/json"))
        token = _dig(answer.response_body, settings.token_path)
        if not token:
            self.failed_logins += 1
            raise LoginFailed(
                f"POST {submit} answered {answer.status} without a token at {settings.token_path}"
            )
        # Registered before the engine sends it anywhere: it never reaches a report.
        REDACTOR.add(token, source="token")
        self.logins += 1
        return token

    def _start_static(self, settings: HeaderAuth | CookieAuth) -> None:
        if isinstance(settings, HeaderAuth):
            self._credential = settings.prefix + self.config.credentials.value
            credential = StaticCredential(origin_of(self.target_url), self._credential, header=settings.name)
        else:
            self._credential = self.config.credentials.value
            credential = StaticCredential(origin_of(self.target_url), self._credential, cookie=settings.name)
        self._install(credential)

    def _install(self, credential: StaticCredential) -> None:
        logged_out = self.settings.logged_out
        problem = self.api.add_credential(
            StaticCredential(
                credential.origin, credential.value, credential.header, credential.cookie, logged_out
            ),
            self.script_dir,
        )
        if problem is not None:
            raise LoginFailed(f"the engine cannot add the credential to requests: {problem}")

    def _verify(self) -> None:
        assert self.settings.verify_url is not None
        url = self._url(self.settings.verify_url, "verify_url")
        answer = self.api.send(request_line("GET", url))
        if not looks_logged_in(answer, self.settings.logged_in, self.settings.logged_out):
            location = _header(answer.response_header, "Location")
            where = f" (Location: {location})" if location else ""
            wanted = "the logged_in pattern" if self.settings.logged_in else "a logged-in answer"
            raise LoginFailed(f"GET {url} answered {answer.status}{where} without {wanted}")
        self.verified = True
        self.verify_url = url
        self._logged_out_at_login = self.api.auth_counters(origin_of(self.target_url)).logged_out

    # -- while the scan runs ---------------------------------------------------------------

    @contextlib.contextmanager
    def anonymous(self) -> Iterator[None]:
        """Requests in this block go without the user's session or credential."""
        if self.user_id is not None:
            self.api.act_as_user(self.context_id, None)
            try:
                yield
            finally:
                self.api.act_as_user(self.context_id, self.user_id)
        elif self._credential:
            self.api.set_credential(None)
            try:
                yield
            finally:
                self.api.set_credential(self._credential)
        else:
            yield

    def keep_alive(self) -> None:
        """JSON logins: log in again once answers looked logged out since the last login."""
        settings = self.settings
        if not isinstance(settings, JsonAuth) or self.relogins + self.failed_logins >= MAX_RELOGINS:
            return
        logged_out = self.api.auth_counters(origin_of(self.target_url)).logged_out
        if logged_out <= self._logged_out_at_login:
            return
        self._logged_out_at_login = logged_out
        try:
            token = self._json_login(settings, self._url(settings.submit_url, "submit_url"))
        except LoginFailed:
            return  # counted; the record makes the scan incomplete
        self._credential = settings.prefix + token
        self.api.set_credential(self._credential)
        self.relogins += 1

    # -- afterwards ------------------------------------------------------------------------

    def summary(self, reached: list[str]) -> tuple[AuthInfo, list[str]]:
        """What the record says about the login, and the reasons the scan is incomplete (if any)."""
        counters = self.api.auth_counters(origin_of(self.target_url))
        if isinstance(self.settings, FormAuth):
            logins, failed = counters.logins, counters.failed_logins
            relogins = max(0, logins - 1)
        else:
            logins, failed, relogins = self.logins, self.failed_logins, self.relogins
        checked, logged_out = counters.checked, counters.logged_out
        share = logged_out / checked if checked else 0.0
        reasons: list[str] = []
        if failed:
            reasons.append(
                f"login: {failed} login attempt(s) during the scan failed; answers after that may have been logged out"
            )
        if checked >= MIN_CHECKED and share >= LOGGED_OUT_SHARE_LIMIT:
            static = isinstance(self.settings, HeaderAuth | CookieAuth)
            why = "; a fixed header or cookie cannot log in again" if static else ""
            reasons.append(
                f"login: {logged_out} of {checked} answers to the user's requests looked logged out "
                f"({share:.0%}): the session did not hold{why}"
            )
        beyond = [
            u
            for u in reached
            if u.split("?")[0] not in self.login_pages and _path(u) != _path(self.target_url)
        ]
        if reached and not beyond:
            reasons.append("login: the scan reached nothing but the login page")
        info = AuthInfo(
            type=self.settings.type,
            verified=self.verified,
            verify_url=self.verify_url,
            logins=logins,
            relogins=relogins,
            failed_logins=failed,
            responses_checked=checked,
            logged_out_responses=logged_out,
            logged_out_share=round(share, 3),
            excluded=tuple(self.settings.exclude),
        )
        return info, reasons


def login_walls(api: ZapApi, base_url: str, asserted: set[str]) -> list[str]:
    """Without auth: the URLs that answered "log in first".

    URLs only the profile's assertions asked for are left out: "anonymous users are denied" is
    what those check, not a login the scan failed to get past.
    """
    return [url for url in api.login_walls(base_url) if url not in asserted][:MAX_WALLS]


def never_got_past_login(walls: list[str]) -> str:
    """The incomplete reason login walls make, naming the first as reports name it."""
    return (
        f"login: the scan never got past login: {len(walls)} in-scope URL(s) answered 401 or a redirect "
        f"to a login page (e.g. {walls[0]}); add an auth: section to the profile to scan them as a user, "
        "or exclude them from the scope"
    )


def _login_form_pattern(password_field: str) -> str:
    """Default logged_out for a form login: the login form's password field is on the page."""
    return f"name=[\"']?{re.escape(password_field)}[\"'\\s/>]"


def _json_text(value: str) -> str:
    return json.dumps(value)[1:-1]


def _dig(body: str, path: str) -> str:
    try:
        value: Any = json.loads(body)
    except ValueError:
        return ""
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return ""
    return value if isinstance(value, str) else ""


def _header(header_block: str, name: str) -> str:
    match = re.search(rf"(?im)^{re.escape(name)}:\s*([^\r\n]*)", header_block)
    return match.group(1).strip() if match else ""


def _path(url: str) -> str:
    return urlsplit(url).path or "/"
