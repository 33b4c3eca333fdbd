"""A curl command that sends a finding's request again, for a reviewer to reproduce it.

The target's base is a shell variable with the report base as its default
(`"${TARGET:-http://shop}/search?q=…"`), so the same command works against any deployment.
Secrets appear as their redaction placeholders: `${APP_TOKEN}` expands from the reviewer's
environment, `***session***` stays visibly masked. Everything else is quoted literally, so text
the target sent (`$(…)`, backticks, `${HOME}`) can never run or expand in the reviewer's shell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

TARGET_VARIABLE = "TARGET"

# Headers curl sets itself, or that only describe this one connection or the engine.
_SKIPPED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "accept-encoding",  # curl would print a compressed body without --compressed
        "user-agent",
        "accept",
        "accept-language",
        "cache-control",
        "pragma",
        "referer",
    }
)
_TOKEN = re.compile(r"[A-Z][A-Z0-9_-]{0,31}")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]{0,63})\}")
# What may stand inside double quotes without any shell meaning.
_DOUBLE_QUOTE_SAFE = re.compile(r'[^$`\\"!\r\n]*')
_SAFE_BASE = re.compile(r"https?://[A-Za-z0-9._~%@:\[\]/-]+")
_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")


@dataclass(frozen=True)
class _Part:
    text: str
    variable: bool = False


def _word(parts: Sequence[_Part]) -> str:
    """One shell word: variables in double quotes, literal text in single quotes unless harmless."""
    if all(p.variable or _DOUBLE_QUOTE_SAFE.fullmatch(p.text) for p in parts):
        return '"' + "".join(p.text for p in parts) + '"'
    return "".join(f'"{p.text}"' if p.variable else _single_quoted(p.text) for p in parts if p.text)


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _literal(text: str, variables: frozenset[str]) -> list[_Part]:
    """Text with the redaction placeholders of known environment variables left to expand."""
    parts: list[_Part] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        if match.group(1) not in variables:
            continue
        parts.append(_Part(text[position : match.start()]))
        parts.append(_Part(match.group(), variable=True))
        position = match.end()
    parts.append(_Part(text[position:]))
    return [p for p in parts if p.text] or [_Part("")]


def _url_parts(url: str, base_url: str, variables: frozenset[str]) -> list[_Part]:
    root = base_url.rstrip("/")
    if root and _SAFE_BASE.fullmatch(root) and (url == root or url.startswith((root + "/", root + "?"))):
        return [
            _Part(f"${{{TARGET_VARIABLE}:-{root}}}", variable=True),
            *_literal(url[len(root) :], variables),
        ]
    return _literal(url, variables)


def curl_command(
    method: str,
    url: str,
    base_url: str,
    headers: Iterable[tuple[str, str]] = (),
    body: str = "",
    variables: frozenset[str] = frozenset(),
    body_cut: bool = False,
) -> str:
    """The request as one curl command line (`-i`: the answer's headers are part of the evidence)."""
    method = method.upper() or "GET"
    words = ["curl", "-i"]
    if method == "HEAD":
        words.append("--head")
    elif method not in ("GET", "POST") or (method == "POST" and not body):
        words += ["-X", method if _TOKEN.fullmatch(method) else _single_quoted(method)]
    try:
        parts = urlsplit(url)
        path = parts.path
    except ValueError:
        path = ""
    if _DOT_SEGMENT.search(path):
        words.append("--path-as-is")  # curl would squash ../ and ./ away
    if any(c in url for c in "[]{}"):
        words.append("--globoff")  # brackets and braces are curl's URL globbing otherwise
    words.append(_word(_url_parts(url, base_url, variables)))
    for name, value in headers:
        if name.lower() in _SKIPPED_HEADERS or not name:
            continue
        line = f"{name}: {value}" if value else f"{name};"  # `Name;` sends an empty header
        words += ["-H", _word(_literal(line, variables))]
    if body:
        words += ["--data-raw", _word(_literal(body, variables))]
    command = " ".join(words)
    return f"{command}  # body cut to its first part" if body_cut else command


def parse_request_head(head: str) -> tuple[str, str, list[tuple[str, str]]]:
    """`GET http://h/p HTTP/1.1` + header lines -> (method, URL, [(name, value)])."""
    lines = head.replace("\r\n", "\n").split("\n")
    request_line = lines[0].split(" ") if lines else []
    method = request_line[0] if request_line else "GET"
    target = request_line[1] if len(request_line) > 1 else ""
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return method, target, headers
