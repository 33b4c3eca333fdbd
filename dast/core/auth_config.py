"""The `auth:` section with its secrets resolved, before anything starts.

Each secret is read once, from the environment variable or file the profile names, and
registered with the redactor at once: no log line, report or error message written after
this point can carry it. A missing variable or unreadable file is a usage error (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dast.errors import UsageError
from dast.profiles.auth import Auth, CookieAuth, FormAuth, HeaderAuth, JsonAuth, SecretSource
from dast.redact import MIN_SECRET_LEN, REDACTOR

MAX_SECRET_FILE_BYTES = 65_536


@dataclass(frozen=True)
class Credentials:
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    value: str = field(default="", repr=False)  # a header's or cookie's value


@dataclass(frozen=True)
class AuthConfig:
    """The profile's auth settings and the secrets they name."""

    settings: Auth
    credentials: Credentials = field(repr=False)

    @property
    def kind(self) -> str:
        return self.settings.type


def resolve_auth(auth: Auth, environ: Mapping[str, str], cwd: Path | None = None) -> AuthConfig:
    """Read every secret `auth` names and register it with the redactor; UsageError when one is missing."""
    if isinstance(auth, FormAuth | JsonAuth):
        username = (
            auth.username
            if isinstance(auth.username, str)
            else _read(auth.username, "username", environ, cwd)
        )
        password = _secret(_read(auth.password, "password", environ, cwd), "password")
        return AuthConfig(auth, Credentials(username=username, password=password))
    if isinstance(auth, HeaderAuth | CookieAuth):
        return AuthConfig(auth, Credentials(value=_secret(_read(auth.value, "value", environ, cwd), "value")))
    raise UsageError(
        f"auth: unknown type {auth!r}", setting="auth"
    )  # pragma: no cover - the model forbids it


def _secret(value: str, key: str) -> str:
    if len(value) < MIN_SECRET_LEN:
        # The redactor leaves values this short alone (they would mask ordinary text everywhere).
        raise UsageError(
            f"auth.{key}: shorter than {MIN_SECRET_LEN} characters, too short to keep out of the reports",
            setting="auth",
        )
    return value


def _read(source: SecretSource, key: str, environ: Mapping[str, str], cwd: Path | None) -> str:
    if source.env is not None:
        value = environ.get(source.env, "")
        if not value:
            raise UsageError(
                f"auth.{key}: the environment variable {source.env} is not set or empty", setting="auth"
            )
        REDACTOR.add(value, source=f"${source.env}")
        return value
    path = Path(source.file or "")
    if not path.is_absolute() and cwd is not None:
        path = cwd / path
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as err:
        raise UsageError(
            f"auth.{key}: cannot read {source.file}: {err.strerror or err}", setting="auth"
        ) from None
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise UsageError(f"auth.{key}: {source.file} is larger than a secret can be (64 KiB)", setting="auth")
    try:
        value = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise UsageError(f"auth.{key}: {source.file} is not UTF-8 text", setting="auth") from None
    if not value:
        raise UsageError(f"auth.{key}: {source.file} is empty", setting="auth")
    REDACTOR.add(value, source=key)
    return value
