"""Keeps secrets out of logs, reports and exception messages.

Two layers: exact values we know are secret (API keys, passwords given to us),
and patterns for secrets the target itself sends back in evidence
(Authorization headers, cookies, tokens in query strings).
"""

from __future__ import annotations

import re
import threading

MASK = "***"

_PATTERNS = (
    # Header lines: keep the name, hide the value.
    re.compile(
        r"(?im)^((?:proxy-)?authorization|cookie|set-cookie|x-zap-api-key|x-api-key)(\s*:\s*)([^\r\n]+)"
    ),
    # key=value in query strings, form bodies and cookies (also id_token=, auth_token=, ...).
    re.compile(
        r"(?i)(?<![a-z0-9])(apikey|api_key|api-key|access_token|refresh_token|token|password|passwd|pwd|secret|session|sessionid|jsessionid)(=)([^&\s;\"'<>]+)"
    ),
    # JSON members (escaped quotes inside the value are part of it).
    re.compile(r'(?i)("(?:password|passwd|secret|token|access_token|api_?key)"\s*:\s*)(")((?:[^"\\]|\\.)*)"'),
)


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        # Very short values would mask innocent text everywhere.
        if secret and len(secret) >= 4:
            with self._lock:
                self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, MASK)
        text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        text = _PATTERNS[2].sub(lambda m: f'{m.group(1)}"{MASK}"', text)
        return text


# The process-wide redactor: providers register the keys they create, the CLI registers
# secrets from the environment, and every log handler and report passes text through it.
REDACTOR = Redactor()


def redact(text: str) -> str:
    return REDACTOR(text)
