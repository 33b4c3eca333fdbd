"""The profile's `auth:` section: how dast logs in, and how it knows it is (still) logged in.

Secrets are never written in a profile: a password, token or cookie value is `{env: NAME}` or
`{file: PATH}`; only a username may be a literal. Resolving them (and registering them with the
redactor) happens before anything starts, in dast/core/auth_config.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

# URLs that end the session or change the account; never requested while logged in (overridable).
DEFAULT_HAZARDS = (r"(?i)log[-_]?out|sign[-_]?out|log[-_]?off",)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")
_COOKIE_NAME = _HEADER_NAME
_TOKEN_PATH = re.compile(r"[^.\s]+(?:\.[^.\s]+)*")


def _regex(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a regular expression string")
    try:
        re.compile(value)
    except re.error as err:
        raise ValueError(f"invalid regular expression {value!r}: {err}") from None
    return value


Regex = Annotated[str, BeforeValidator(_regex)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretSource(_Section):
    """Where a secret comes from: an environment variable or a file (its first line, trimmed)."""

    env: str | None = Field(default=None, description="name of the environment variable")
    file: str | None = Field(default=None, description="path of a file holding the value")

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretSource:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of env: NAME or file: PATH")
        if self.env is not None and not _ENV_NAME.fullmatch(self.env):
            raise ValueError(f"env: {self.env!r} is not an environment variable name")
        if self.file is not None and not self.file.strip():
            raise ValueError("file: the path is empty")
        return self


def _no_literal(value: object) -> object:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        raise ValueError("a secret is never written in a profile: give {env: NAME} or {file: PATH}")
    return value


Secret = Annotated[SecretSource, BeforeValidator(_no_literal)]
Username = SecretSource | Annotated[str, Field(min_length=1, max_length=256)]


def _url_or_path(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a path relative to the target (e.g. /login) or an http(s) URL")
    if any(c.isspace() for c in value) or "#" in value:
        raise ValueError(f"{value!r}: no spaces or #fragment in a URL")
    if "://" in value and not re.match(r"(?i)https?://[^/?#]+", value):
        raise ValueError(f"{value!r}: only http(s) URLs")
    return value


UrlOrPath = Annotated[str, BeforeValidator(_url_or_path)]


def _header_name(value: object) -> object:
    if not isinstance(value, str) or not _HEADER_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not an HTTP header or cookie name")
    return value


HeaderName = Annotated[str, BeforeValidator(_header_name)]


class _Common(_Section):
    verify_url: UrlOrPath | None = Field(
        default=None, description="fetched after login; must match logged_in, else the scan stops"
    )
    logged_in: Regex | None = Field(default=None, description="regex seen in responses while logged in")
    logged_out: Regex | None = Field(
        default=None, description="regex (body or headers, e.g. Location) meaning the session was lost"
    )
    exclude: list[Regex] = Field(
        default_factory=lambda: list(DEFAULT_HAZARDS),
        description="URL patterns never requested while logged in (default: logout, signout, logoff)",
    )


class FormFields(_Section):
    username: str = Field(default="username", min_length=1, max_length=128)
    password: str = Field(default="password", min_length=1, max_length=128)


class FormAuth(_Common):
    """A login form: GET login_url (fresh CSRF token and cookie), POST the credentials."""

    type: Literal["form"]
    login_url: UrlOrPath
    submit_url: UrlOrPath | None = Field(default=None, description="default: the form's action")
    username: Username
    password: Secret
    fields: FormFields = Field(default_factory=FormFields)
    extra: dict[str, str] = Field(default_factory=dict, description="other fields posted as they are")
    csrf_field: str | None = Field(
        default=None, description="hidden field re-read before every login; detected when omitted"
    )

    @model_validator(mode="after")
    def _verified(self) -> FormAuth:
        _require(self, "verify_url", "logged_in")
        return self


class JsonAuth(_Common):
    """A JSON login API: POST `body` to submit_url, take a token from the answer into a header."""

    type: Literal["json"]
    submit_url: UrlOrPath
    username: Username
    password: Secret
    body: str = Field(
        default='{"username": "${username}", "password": "${password}"}',
        description="JSON template; ${username} and ${password} are filled in",
    )
    token_path: str = Field(description="dotted path to the token in the answer, e.g. data.access_token")
    header: HeaderName = "Authorization"
    prefix: str = Field(default="Bearer ", max_length=64)

    @model_validator(mode="after")
    def _template(self) -> JsonAuth:
        _require(self, "verify_url")
        for name in ("${username}", "${password}"):
            if name not in self.body:
                raise ValueError(f"body: the template must contain {name}")
        if not _TOKEN_PATH.fullmatch(self.token_path):
            raise ValueError(
                f"token_path: {self.token_path!r} is not a dotted path such as data.access_token"
            )
        return self


class HeaderAuth(_Common):
    """A fixed header on every request to the target (an API key, a long-lived token)."""

    type: Literal["header"]
    name: HeaderName
    value: Secret
    prefix: str = Field(default="", max_length=64)


class CookieAuth(_Common):
    """A fixed cookie on every request to the target (a session made elsewhere)."""

    type: Literal["cookie"]
    name: HeaderName
    value: Secret


def _require(section: _Common, *keys: str) -> None:
    missing = [k for k in keys if getattr(section, k) is None]
    if missing:
        kind = getattr(section, "type", "")
        raise ValueError(f"type {kind} needs {' and '.join(missing)}: a login must be verified")


Auth = Annotated[FormAuth | JsonAuth | HeaderAuth | CookieAuth, Field(discriminator="type")]
