"""The `auth:`, `assertions:` and `assertions_sets:` profile sections, and how secrets are resolved."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from fakes import make_profile
from typer.testing import Result

from dast.cli.auth_options import with_cli_auth
from dast.core.auth_config import resolve_auth
from dast.errors import ProfileError, UsageError
from dast.profiles.auth import DEFAULT_HAZARDS, CookieAuth, FormAuth, HeaderAuth, JsonAuth
from dast.profiles.loader import load_profile
from dast.profiles.model import Profile
from dast.redact import REDACTOR
from dast.urlpattern import UrlPattern

FORM: dict[str, Any] = {
    "type": "form",
    "login_url": "/login.php",
    "username": {"env": "APP_USER"},
    "password": {"env": "APP_PASSWORD"},
    "verify_url": "/index.php",
    "logged_in": r'href="logout\.php"',
}


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return str(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, text))
    return caught.value.problems


def test_the_issues_form_example_loads_as_written(tmp_path: Path) -> None:
    profile = load_profile(
        write(
            tmp_path,
            """name: dvwa
extends: full
auth:
  type: form                     # form | json | header | cookie
  login_url: /login.php
  submit_url: /login.php
  username: {env: APP_USER}
  password: {env: APP_PASSWORD}
  fields: {username: username, password: password}
  extra: {Login: Login}
  csrf_field: user_token
  logged_in: 'href="logout\\.php"'
  logged_out: 'name="password"|login\\.php'
  verify_url: /index.php
""",
        )
    ).profile
    auth = profile.auth
    assert isinstance(auth, FormAuth)
    assert auth.csrf_field == "user_token" and auth.extra == {"Login": "Login"}
    assert auth.exclude == list(DEFAULT_HAZARDS)  # logout and the like, unless overridden


@pytest.mark.parametrize(
    ("section", "cls"),
    [
        (
            {
                "type": "json",
                "submit_url": "/api/login",
                "username": "scanner",
                "password": {"file": "/run/secrets/pw"},
                "token_path": "data.access_token",
                "verify_url": "/api/me",
            },
            JsonAuth,
        ),
        ({"type": "header", "name": "X-Api-Key", "value": {"env": "API_KEY"}}, HeaderAuth),
        ({"type": "cookie", "name": "session", "value": {"env": "SESSION"}}, CookieAuth),
    ],
)
def test_json_header_and_cookie_forms(section: dict[str, Any], cls: type) -> None:
    assert isinstance(make_profile("baseline", auth=section).auth, cls)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "hunter2"}, "auth.form.password: a secret is never written in a profile"),
        ({"password": {"env": "A", "file": "b"}}, "give exactly one of env: NAME or file: PATH"),
        ({"password": {"env": "1BAD"}}, "is not an environment variable name"),
        ({"verify_url": None}, "type form needs verify_url: a login must be verified"),
        ({"logged_in": "("}, "auth.form.logged_in: invalid regular expression"),
        ({"login_url": "ftp://x/login"}, "only http(s) URLs"),
        ({"exclude": ["[unclosed"]}, "auth.form.exclude.0: invalid regular expression"),
        ({"type": "kerberos"}, "auth: Input tag 'kerberos' found using 'type' does not match"),
    ],
)
def test_bad_auth_sections_name_the_key(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    section = {k: v for k, v in {**FORM, **change}.items() if v is not None}
    text = yaml.safe_dump({"name": "p", "auth": section})
    assert any(message in p for p in problems(tmp_path, text)), problems(tmp_path, text)


def test_a_literal_header_value_is_refused(tmp_path: Path) -> None:
    text = "name: p\nauth: {type: header, name: X-Api-Key, value: abcdef123456}\n"
    assert any("auth.header.value: a secret is never written" in p for p in problems(tmp_path, text))


def test_json_body_must_carry_both_placeholders(tmp_path: Path) -> None:
    text = (
        "name: p\nauth: {type: json, submit_url: /l, username: u, password: {env: P}, "
        'token_path: t, verify_url: /me, body: \'{"user": "${username}"}\'}\n'
    )
    assert any("must contain ${password}" in p for p in problems(tmp_path, text))


def test_assertions_and_sets_load_as_the_issue_writes_them(tmp_path: Path) -> None:
    profile = load_profile(
        write(
            tmp_path,
            """name: p
auth: {type: header, name: X-Api-Key, value: {env: API_KEY}, verify_url: /me, logged_in: ok}
assertions:
  - name: anonymous users cannot see the admin page
    request: {method: GET, path: /admin, as: anonymous}     # as: anonymous | user
    expect: {status: [401, 403]}
  - name: account page is never cached
    request: {path: /account, as: user}
    expect: {header: {Cache-Control: 'no-store'}}          # header present and matching a regex
  - name: no banner
    request: {path: /}
    expect: {header_absent: [Server, X-Powered-By], body_not_contains: 'Traceback', status_not: [500]}
    risk: low
assertions_sets: [security-headers, no-server-banner, cookies-secure, {anonymous-denied: [/admin, /account]}]
""",
        )
    ).profile
    assert [a.request.as_ for a in profile.assertions] == ["anonymous", "user", None]
    assert profile.assertions[2].risk == "Low"
    assert profile.assertions[0].risk == "High"  # the default
    assert [s.name for s in profile.assertions_sets] == [
        "security-headers",
        "no-server-banner",
        "cookies-secure",
        "anonymous-denied",
    ]
    assert profile.assertions_sets[3].paths == ["/admin", "/account"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "assertions: [{name: a, request: {path: /a, as: user}, expect: {status: [200]}}]",
            "assertions.0.request.as: user needs an auth: section",
        ),
        ("assertions: [{name: a, request: {path: /a}, expect: {}}]", "expect: give at least one of"),
        (
            "assertions: [{name: a, request: {path: /a}, expect: {status: [999]}}]",
            "999 is not an HTTP status",
        ),
        (
            "assertions: [{name: a, request: {path: /a}, expect: {status: [200]}, risk: huge}]",
            "expected one of High",
        ),
        (
            "assertions: [{name: a, request: {path: /a}, expect: {header: {'bad header': x}}}]",
            "not an HTTP header",
        ),
        ("assertions_sets: [anonymous-denied]", "anonymous-denied takes the paths"),
        ("assertions_sets: [everything]", "assertions_sets.0.name"),
    ],
)
def test_bad_assertions_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    found = problems(tmp_path, f"name: p\n{text}\n")
    assert any(message in p for p in found), found


# --- secrets ----------------------------------------------------------------------------------


def test_secrets_come_from_the_environment_and_are_registered_before_use() -> None:
    profile = make_profile("baseline", auth=FORM)
    assert profile.auth is not None
    password = "s3cret-pw-h4-env"
    config = resolve_auth(profile.auth, {"APP_USER": "scanner-h4", "APP_PASSWORD": password})
    assert config.credentials.password == password and config.credentials.username == "scanner-h4"
    assert password not in repr(config)
    assert REDACTOR(f"password={password}&u=scanner-h4") == "password=${APP_PASSWORD}&u=${APP_USER}"


def test_secrets_come_from_files_relative_to_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("file-pw-h4-0001\n")
    profile = make_profile("baseline", auth={**FORM, "username": "scanner", "password": {"file": "pw"}})
    assert profile.auth is not None
    config = resolve_auth(profile.auth, {}, tmp_path)
    assert config.credentials.password == "file-pw-h4-0001"
    assert config.credentials.username == "scanner"  # a literal username stays visible
    assert REDACTOR("x file-pw-h4-0001 y") == "x ***password*** y"


@pytest.mark.parametrize(
    ("environ", "password", "message"),
    [
        ({}, {"env": "APP_PASSWORD"}, "auth.password: the environment variable APP_PASSWORD is not set"),
        ({"APP_PASSWORD": "abc"}, {"env": "APP_PASSWORD"}, "auth.password: shorter than 4 characters"),
        ({}, {"file": "/nonexistent/h4"}, "auth.password: cannot read /nonexistent/h4"),
    ],
)
def test_a_missing_secret_is_a_usage_error(environ: dict[str, str], password: Any, message: str) -> None:
    profile = make_profile("baseline", auth={**FORM, "username": "u", "password": password})
    assert profile.auth is not None
    with pytest.raises(UsageError, match="^" + message):
        resolve_auth(profile.auth, environ)


# --- the command line's shortcuts ---------------------------------------------------------------


def test_auth_header_names_a_variable_and_keeps_its_prefix() -> None:
    profile = with_cli_auth(make_profile("baseline"), "Authorization: Bearer $API_TOKEN", None)
    assert profile.auth == HeaderAuth(
        type="header",
        name="Authorization",
        prefix="Bearer ",
        value={"env": "API_TOKEN"},  # type: ignore[arg-type]
    )
    cookie = with_cli_auth(make_profile("baseline"), None, "session=${SESSION_ID}")
    assert isinstance(cookie.auth, CookieAuth) and cookie.auth.value.env == "SESSION_ID"


def test_auth_options_conflict_with_a_profile_auth_section() -> None:
    with pytest.raises(UsageError, match="the profile has an auth: section already"):
        with_cli_auth(make_profile("baseline", auth=FORM), "X-Key: $KEY", None)
    with pytest.raises(UsageError, match="not both"):
        with_cli_auth(make_profile("baseline"), "X-Key: $KEY", "s=$S")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--auth-header", "X-Api-Key: abc123secret"), "never the secret itself"),
        (("--auth-header", "no colon here"), "expected 'Authorization: Bearer $API_TOKEN'"),
        (("--auth-cookie", "session=literal-value"), "never the secret itself"),
    ],
)
def test_a_secret_on_the_command_line_is_refused_before_anything_starts(
    dast: Callable[..., Result], started: list[str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = dast("scan", "--target", "http://127.0.0.1:9/", "--out", tmp_path / "out", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "abc123secret" not in result.stderr and "literal-value" not in result.stderr
    assert started == []


def test_an_unset_credential_variable_stops_the_scan_before_anything_starts(
    dast: Callable[..., Result], started: list[str], tmp_path: Path
) -> None:
    result = dast(
        "scan",
        "--target",
        "http://127.0.0.1:9/",
        "--out",
        tmp_path / "out",
        "--auth-header",
        "X-Key: $H4_UNSET_KEY",
    )
    assert result.exit_code == 2, result.output
    assert "auth.value: the environment variable H4_UNSET_KEY is not set" in result.stderr
    assert started == []


def test_the_default_hazards_match_logout_pages_and_nothing_else() -> None:
    pattern = UrlPattern(DEFAULT_HAZARDS[0])
    for url in ("/logout", "/logout.php", "/user/sign-out", "/LogOff?x=1", "/a?next=/log_out"):
        assert pattern.matches(f"http://t{url}"), url
    for url in ("/login", "/logo.png", "/catalog/outdoor", "/signup"):
        assert not pattern.matches(f"http://t{url}"), url


def readme_yaml(first: str, last: str) -> list[dict[str, Any]]:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text[text.index(f"### {first}\n") : text.index(f"### {last}\n")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert blocks, "the section has YAML examples"
    return [doc for block in blocks for doc in yaml.safe_load_all(block)]


def test_the_readmes_yaml_examples_are_valid_profiles() -> None:
    documents = readme_yaml("Authenticated scans", "Reports")
    assert len(documents) == 5  # form, json, header, cookie, assertions
    form = documents[0]["auth"]
    for document in documents:
        # The assertions example goes with a login (it has `as: user`): the form example's.
        profile = Profile.model_validate({"name": "readme", "auth": form, **document})
        assert profile.auth is not None
    assert len(profile.assertions) == 2 and len(profile.assertions_sets) == 4
