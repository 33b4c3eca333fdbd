"""What the core asks of the engine to scan as a logged-in user: part of the `ZapApi` seam.

Form logins use the engine's own machinery (a context user, form-based authentication that
re-reads the login page for a fresh CSRF token, forced-user mode, logged-in/out indicators,
cookie session management). A header or cookie credential (and the token a JSON login
returns) is added by an HTTP Sender script, only to requests for the target's origin.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

# The value a login body carries for a CSRF field until the engine puts the fresh token in.
CSRF_PLACEHOLDER = "dastcsrfplaceholder"


@dataclass(frozen=True)
class FormLogin:
    """A login form the engine submits whenever it needs a session."""

    login_page_url: str  # fetched first: a fresh session cookie and CSRF token
    submit_url: str
    # x-www-form-urlencoded; the engine's placeholders {%username%} and {%password%} stand for
    # the credentials, CSRF_PLACEHOLDER for each csrf field's value.
    body: str
    username: str = field(repr=False)
    password: str = field(repr=False)
    csrf_fields: tuple[str, ...] = ()
    logged_in: str | None = None  # regexes over response headers and body
    logged_out: str | None = None


@dataclass(frozen=True)
class StaticCredential:
    """A header or a cookie added to every request for `origin`, never to another host."""

    origin: str  # scheme://host:port (engine.interface.origin_of)
    value: str = field(repr=False)
    header: str = ""  # header name, or
    cookie: str = ""  # cookie name
    logged_out: str | None = None  # responses matching it are counted as logged out


@dataclass(frozen=True)
class SentMessage:
    """One request the engine sent for dast, with its answer (recorded in the engine's history)."""

    message_id: str
    request_header: str
    response_header: str
    response_body: str

    @property
    def status(self) -> int:
        parts = self.response_header.split(" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    @property
    def request_line(self) -> str:
        return self.request_header.split("\r\n", 1)[0].split("\n", 1)[0]


@dataclass(frozen=True)
class LoginAttempt:
    succeeded: bool  # the engine judged the answer logged in
    message: SentMessage | None  # the login request and its answer, when one was sent


@dataclass(frozen=True)
class AuthCounters:
    """What the engine counted while sending as the user."""

    logins: int = 0  # login requests that succeeded
    failed_logins: int = 0
    checked: int = 0  # responses to the user's requests whose login state was checked
    logged_out: int = 0  # of those, the ones that looked logged out


class AuthApi(abc.ABC):
    """The engine operations for authenticated scans."""

    @abc.abstractmethod
    def add_login_user(self, context_id: str, login: FormLogin) -> str:
        """Configure the context's form login and a user with the credentials; returns its id."""

    @abc.abstractmethod
    def log_in(self, context_id: str, user_id: str) -> LoginAttempt:
        """Log the user in now."""

    @abc.abstractmethod
    def act_as_user(self, context_id: str, user_id: str | None) -> None:
        """Every later request in the context goes as this user (forced user); None: anonymously."""

    @abc.abstractmethod
    def add_credential(self, credential: StaticCredential, script_dir: str) -> str | None:
        """Install the header/cookie credential; None when it runs, else why it does not."""

    @abc.abstractmethod
    def set_credential(self, value: str | None) -> None:
        """A new value for the installed credential; None: send without it (anonymously)."""

    @abc.abstractmethod
    def send(self, raw_request: str) -> SentMessage:
        """Send one raw request through the engine (recorded, as the current user) and return it."""

    @abc.abstractmethod
    def auth_counters(self, site: str) -> AuthCounters:
        """The counters for `site` (scheme://host:port as the engine names it)."""

    @abc.abstractmethod
    def reset_auth_counters(self) -> None: ...

    @abc.abstractmethod
    def login_walls(self, base_url: str) -> list[str]:
        """URLs under base_url whose answer was 401 or a redirect to a login page."""
