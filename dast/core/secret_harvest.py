"""Learns the target's own secrets from the traffic the engine recorded, before any attack.

Values the target's pages, links, cookies and headers carry under a secret-looking name (password,
token, session, api key, ...) are registered with the redactor, so they are masked wherever they
recur later: in URLs, attack strings, evidence, logs. This must run before the active scan: attack
strings are built from these values and must never be taken for secrets themselves.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dast.engine.interface import ZapApi
from dast.polling import Deadline
from dast.redact import MIN_SECRET_LEN, Redactor

HARVEST_BUDGET_S = 30.0
PAGE_SIZE = 50
MAX_PAGES = 200  # 10,000 messages
MAX_TOTAL_CHARS = 50_000_000  # of everything read, bodies included
MAX_BODY_CHARS = 500_000  # read of each body; secrets sit in headers, links and forms near the top
MAX_VALUE_LEN = 4_096
MAX_SECRETS = 1_000

_SECRET_NAME = re.compile(
    r"pass(?:word|wd|phrase|code)|(?<![a-z])pass(?![a-z])|pwd|secret|token|jwt|csrf|xsrf"
    r"|api[-_.]?key|access[-_.]?key|private[-_.]?key|credential|session|sess[-_.]?id|(?<![a-z])sid(?![a-z])"
    r"|authoriz|(?<![a-z])auth(?:token|code|key|[^a-z]|$)|signature|(?<![a-z])sig(?![a-z])"
)
# Values a secret-named field often holds that are no secret: masking them would blank out
# ordinary words (or numbers) all over the reports.
_NOT_SECRET = frozenset(
    {"true", "false", "null", "none", "undefined", "yes", "no", "on", "off", "bearer", "basic", "deleted"}
)
_SHORT_NUMBER = re.compile(r"\d{1,5}")
# name=value pairs in URLs and in text (after HTML entities are decoded).
_PAIR = re.compile(r"(?:^|[?&;\s\"'])([A-Za-z0-9_.\-\[\]]{1,64})=([^&\s#;\"'<>]{1,4096})")
_TAG = re.compile(r"<(?:input|meta)\b[^>]{0,2000}>", re.IGNORECASE)
_ATTR = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_JSON_STRING_MEMBER = re.compile(r'"([^"\\]{1,64})"\s*:\s*"((?:[^"\\]|\\.){1,4096})"')


def looks_secret(name: str) -> bool:
    """Whether a parameter, header or cookie of this name holds a secret."""
    return bool(_SECRET_NAME.search(name.lower()))


def _worth_hiding(name: str, value: str) -> bool:
    value = value.strip()
    return (
        MIN_SECRET_LEN <= len(value) <= MAX_VALUE_LEN
        and value.lower() not in _NOT_SECRET
        and value.lower() != name.lower()
        and not _SHORT_NUMBER.fullmatch(value)
    )


def _lines(header_block: str) -> Iterator[tuple[str, str]]:
    for line in header_block.splitlines()[1:]:  # the first line is the request or status line
        name, colon, value = line.partition(":")
        if colon and name.strip():
            yield name.strip(), value.strip()


def _cookie_pairs(header: str, set_cookie: bool) -> Iterator[tuple[str, str]]:
    parts = header.split(";")
    pairs = parts[:1] if set_cookie else parts  # a Set-Cookie's other parts are attributes
    for part in pairs:
        name, eq, value = part.partition("=")
        if eq:
            yield name.strip(), value.strip().strip('"')


def _credentials(name: str, value: str) -> Iterator[tuple[str, str]]:
    """An Authorization value, its credentials without the scheme, and a Basic password alone."""
    yield name, value
    scheme, _, credentials = value.partition(" ")
    if not credentials:
        return
    yield name, credentials.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        yield name, decoded
        yield name, decoded.partition(":")[2]


def _header_values(header_block: str) -> Iterator[tuple[str, str]]:
    for name, value in _lines(header_block):
        lower = name.lower()
        if lower in ("cookie", "set-cookie"):
            yield from _cookie_pairs(value, set_cookie=lower == "set-cookie")
        elif looks_secret(lower):
            yield from _credentials(lower, value)


def _query_values(header_block: str) -> Iterator[tuple[str, str]]:
    request_line = header_block.split("\r\n", 1)[0].split("\n", 1)[0]
    parts = request_line.split(" ")
    if len(parts) >= 2:
        try:
            yield from parse_qsl(urlsplit(parts[1]).query, keep_blank_values=False)
        except ValueError:
            return


def _form_values(header_block: str, body: str) -> Iterator[tuple[str, str]]:
    if re.search(r"(?im)^content-type:\s*application/x-www-form-urlencoded", header_block):
        yield from parse_qsl(body)


def _text_values(text: str) -> Iterator[tuple[str, str]]:
    """Secrets in a body: link and script parameters, form fields and meta tags, JSON members."""
    for match in _TAG.finditer(text):
        attrs = {
            m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(match.group())
        }
        name = attrs.get("name", "")
        value = attrs.get("value", attrs.get("content", ""))
        if name and value:
            yield name, value
    for match in _JSON_STRING_MEMBER.finditer(text):
        try:
            value = json.loads(f'"{match.group(2)}"')
        except ValueError:
            continue
        yield match.group(1), value
    for name, value in _PAIR.findall(html.unescape(text)):
        # Decoded where it was URL-encoded (a link's query), else as the text shows it
        # (there a "+" is a plus, not an encoded space).
        if "%" in value:
            yield from parse_qsl(f"{name}={value}")
        else:
            yield name, value


def secret_values(message: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(name, value) for every secret-looking value in one message as ZAP's core/view/messages gives it."""
    request_header = str(message.get("requestHeader", ""))
    request_body = str(message.get("requestBody", ""))[:MAX_BODY_CHARS]
    found = [
        *_query_values(request_header),
        *_header_values(request_header),
        *_form_values(request_header, request_body),
        *_text_values(request_body),
        *_header_values(str(message.get("responseHeader", ""))),
        *_text_values(str(message.get("responseBody", ""))[:MAX_BODY_CHARS]),
    ]
    for name, value in found:
        if looks_secret(name) and _worth_hiding(name, value):
            yield name, value.strip()


def _size(message: Mapping[str, Any]) -> int:
    return sum(len(str(v)) for v in message.values())


def harvest_secrets(api: ZapApi, base_url: str, redactor: Redactor, deadline: Deadline) -> int:
    """Register the secrets in the messages recorded so far under base_url; returns how many were new.

    Bounded by MAX_PAGES pages of PAGE_SIZE messages, MAX_TOTAL_CHARS read, MAX_SECRETS and the deadline.
    """
    added = read = 0
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        if deadline.expired() or read >= MAX_TOTAL_CHARS or added >= MAX_SECRETS:
            break
        messages = api.messages(base_url, page * PAGE_SIZE, PAGE_SIZE)
        for message in messages:
            message_id = str(message.get("id", ""))
            if message_id and message_id in seen:
                continue
            seen.add(message_id)
            read += _size(message)
            for name, value in secret_values(message):
                added += redactor.add(value, name)
            if added >= MAX_SECRETS:
                break
        if len(messages) < PAGE_SIZE:
            break
    return added
