"""`--auth-header` and `--auth-cookie`: the simple authentication cases, without a profile.

Both name an environment variable, never the secret itself, so no credential is ever on a
command line (where `ps`, shell history and CI logs keep it):

    --auth-header 'Authorization: Bearer $API_TOKEN'     # header Authorization, prefix "Bearer "
    --auth-cookie 'session=${SESSION_ID}'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dast.errors import UsageError

if TYPE_CHECKING:
    from dast.profiles.model import Profile

_VAR_AT_END = re.compile(
    r"^(?P<prefix>.*?)\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))$"
)
_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")
NAME_THE_VARIABLE = "name an environment variable ($NAME) that holds the secret, never the secret itself"


def _split(value: str, separator: str, option: str, example: str) -> tuple[str, str, str]:
    """'NAME<sep>[prefix]$VAR' -> (name, prefix, VAR)."""
    name, sep, rest = value.partition(separator)
    name, rest = name.strip(), rest.strip()
    if not sep or not _NAME.fullmatch(name):
        raise typer.BadParameter(f"expected {example}")
    match = _VAR_AT_END.match(rest)
    if match is None:
        raise typer.BadParameter(f"{option}: {NAME_THE_VARIABLE}, e.g. {example}")
    return name, match.group("prefix"), match.group("braced") or match.group("bare")


def auth_header(value: str | None) -> str | None:
    if value is not None:
        _split(value, ":", "--auth-header", "'Authorization: Bearer $API_TOKEN'")
    return value


def auth_cookie(value: str | None) -> str | None:
    if value is not None:
        _split(value, "=", "--auth-cookie", "'session=$SESSION_ID'")
    return value


AuthHeader = Annotated[
    str | None,
    typer.Option(
        "--auth-header",
        envvar="DAST_AUTH_HEADER",
        help="'NAME: [PREFIX ]$ENVVAR': send this header to the target only; the value comes from ENVVAR.",
        callback=auth_header,
    ),
]
AuthCookie = Annotated[
    str | None,
    typer.Option(
        "--auth-cookie",
        envvar="DAST_AUTH_COOKIE",
        help="'NAME=$ENVVAR': send this cookie to the target only; the value comes from ENVVAR.",
        callback=auth_cookie,
    ),
]


def with_cli_auth(profile: Profile, header: str | None, cookie: str | None) -> Profile:
    """The profile with the command line's credential as its auth: section (UsageError on a conflict)."""
    if header is None and cookie is None:
        return profile
    if header is not None and cookie is not None:
        raise UsageError(
            "give --auth-header or --auth-cookie, not both (a profile's auth: section does more)"
        )
    if profile.auth is not None:
        raise UsageError(
            f"--auth-{'header' if header else 'cookie'}: the profile has an auth: section already"
        )
    section: dict[str, Any]
    if header is not None:
        name, prefix, var = _split(header, ":", "--auth-header", "")
        section = {"type": "header", "name": name, "prefix": prefix, "value": {"env": var}}
    else:
        assert cookie is not None
        name, _prefix, var = _split(cookie, "=", "--auth-cookie", "")
        section = {"type": "cookie", "name": name, "value": {"env": var}}
    from pydantic import TypeAdapter  # pydantic only when a credential is given: the CLI starts faster

    from dast.profiles.auth import Auth

    auth: Auth = TypeAdapter(Auth).validate_python(section)
    return profile.model_copy(update={"auth": auth})
