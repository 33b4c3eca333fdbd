"""Keeps secrets out of logs, reports and exception messages.

Two layers:
- by value: secrets we know (API keys, credentials from the environment, values the target's own
  traffic carried under secret-looking names) are masked wherever they recur, also URL-encoded,
  HTML-escaped, JSON-escaped or base64-encoded. The placeholder names the value's source
  (`${APP_PASSWORD}`, `***token***`), so a replayed request stays readable;
- by position: patterns for secrets nobody told us about (Authorization headers, cookies, tokens in
  query strings) in whatever the target sends back. They keep placeholders the first layer wrote,
  so an attack built on a secret (`***token***' AND '1'='1`) stays visible.
"""

from __future__ import annotations

import base64
import re
import threading

MASK = "***"
MIN_SECRET_LEN = 4  # very short values would mask innocent text everywhere
# Base64 of a secret that sits at an arbitrary offset inside longer data is matched by its middle
# part alone; shorter middles than this would match innocent base64 by chance.
MIN_BASE64_CORE = 8

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")
_ENV_SOURCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]{0,63})")
# Placeholders this module writes; the second layer and a second pass leave them alone.
_PLACEHOLDER = r"\*\*\*[A-Za-z0-9_.\-]{1,40}\*\*\*|\$\{[A-Za-z_][A-Za-z0-9_]{0,63}\}"
_IS_PLACEHOLDER = re.compile(rf"\s*(?:{_PLACEHOLDER})\s*")
_HAS_PLACEHOLDER = re.compile(_PLACEHOLDER)

_HEADER_LINE = re.compile(
    r"(?im)^((?:proxy-)?authorization|cookie|set-cookie|x-zap-api-key|x-api-key)(\s*:\s*)([^\r\n]+)"
)
# key=value in query strings, form bodies and cookies (also id_token=, auth_token=, ...).
_NAME_VALUE = re.compile(
    r"(?i)(?<![a-z0-9])(apikey|api_key|api-key|access_token|refresh_token|token|password|passwd|pwd|secret"
    r"|session|sessionid|jsessionid)(=)([^&\s;\"'<>]+)"
)
# Words each position rule needs in the text (case-insensitively): texts without them skip the
# rule. For ASCII text str.lower() is exactly the rules' (?i); the regexes cost ~0.1 us a
# character, too much for the response bodies a report shows.
_CHECK_WORDS_FROM = 1_000  # characters
_HEADER_WORDS = ("authorization", "cookie", "x-zap-api-key", "x-api-key")
_NAME_VALUE_ENDS = ("apikey=", "api_key=", "api-key=", "token=", "password=", "passwd=", "pwd=", "secret=",
                    "session=", "sessionid=")  # fmt: skip
_JSON_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey")


def _may_hold(lowered: str | None, words: tuple[str, ...]) -> bool:
    """False only when none of the words is in the text (None: not looked at, so checked in full)."""
    return lowered is None or any(word in lowered for word in words)


# JSON members (escaped quotes inside the value are part of it).
_JSON_MEMBER = re.compile(
    r'(?i)("(?:password|passwd|secret|token|access_token|api_?key)"\s*:\s*)(")((?:[^"\\]|\\.)*)"'
)
_AUTH_SCHEME = re.compile(r"(\s*[A-Za-z][A-Za-z0-9_-]*\s+)(\S.*)")

_HTML_NAMED = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/"}


def placeholder_for(source: str) -> str:
    """`$NAME` (an environment variable) -> `${NAME}`; a parameter, header or cookie name -> `***name***`."""
    env = _ENV_SOURCE.fullmatch(source)
    if env:
        return f"${{{env.group(1)}}}"
    # The name came from the target: only characters that cannot break a report or a log line.
    name = _NAME_UNSAFE.sub("_", source)[:40]
    return f"***{name}***" if name.strip("_") else MASK


def _hex_any_case(hex_digits: str) -> str:
    return "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in hex_digits)


def _char_forms(char: str) -> str:
    """A regex for one character of a secret: itself, or URL-encoded, HTML-escaped or JSON-escaped."""
    if char.isascii() and (char.isalnum() or char == "_"):
        return char  # no encoding changes these
    forms = [re.escape(char)]
    # URL-encoded (any case, also double-encoded), byte by byte in UTF-8.
    forms.append("".join(f"%(?:25)?{_hex_any_case(f'{b:02X}')}" for b in char.encode("utf-8")))
    if char == " ":
        forms.append(r"\+")
    point = ord(char)
    forms.append(f"&#0*{point};")
    forms.append(f"&#[xX]0*{_hex_any_case(f'{point:X}')};")
    if char in _HTML_NAMED:
        forms.append(f"&{_HTML_NAMED[char]};")
    if point <= 0xFFFF:
        forms.append(r"\\u" + _hex_any_case(f"{point:04X}"))
    if char in _JSON_SHORT:
        forms.append(re.escape(_JSON_SHORT[char]))
    return "(?:" + "|".join(forms) + ")"


def _base64_forms(secret: str) -> list[str]:
    """The secret's base64 at each of the three byte alignments (the characters it alone decides)."""
    data = secret.encode("utf-8")
    forms = [base64.b64encode(data).decode("ascii")]
    bits = 8 * len(data)
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + data).decode("ascii")
        first = -(-8 * shift // 6)  # first character whose 6 bits are all the secret's
        last = (8 * shift + bits - 6) // 6
        core = encoded[first : last + 1]
        if len(core) >= MIN_BASE64_CORE:
            forms.append(core)
    forms += [f.replace("+", "-").replace("/", "_") for f in forms]  # base64url (JWTs, tokens)
    return list(dict.fromkeys(f for f in forms if f))


def _longest_word(text: str) -> str:
    return max(re.findall(r"[A-Za-z0-9_]+", text), key=len, default="")


def _secret_pattern(secret: str) -> tuple[str, list[str]]:
    """The alternation for one secret, and the literal strings one of which every form contains."""
    text_form = "".join(_char_forms(c) for c in secret)
    b64 = _base64_forms(secret)
    pattern = "|".join([text_form, *(re.escape(f) for f in b64)])
    return pattern, [_longest_word(secret), *(_longest_word(f) for f in b64)]


_KEY_LEN = 4
_WORD = re.compile(r"[A-Za-z0-9_]{4,}")
_REGEX_CACHE_SIZE = 256


class _Compiled:
    """Every known secret, ready to mask; built again only when the set changes.

    One alternation of hundreds of secrets costs that much per character of text. So a text is
    first scanned for the secrets it may hold: 4-character keys from the longest literal word of
    each secret form, looked up in a dict (the cost grows with the text, not with the number of
    secrets). Only the alternation of those candidates, compiled once per combination, runs on it.
    """

    def __init__(self, secrets: dict[str, str]) -> None:
        # Longest first: where two secrets start at the same place, the longer one is masked whole.
        ordered = sorted(secrets, key=lambda s: (-len(s), s))
        self._patterns: list[str] = []
        self._placeholders: list[str] = []
        self._by_key: dict[str, set[int]] = {}
        always: set[int] = set()  # secrets some form of which has no key: a candidate everywhere
        for index, secret in enumerate(ordered):
            pattern, words = _secret_pattern(secret)
            self._patterns.append(pattern)
            self._placeholders.append(secrets[secret])
            if all(len(w) >= _KEY_LEN for w in words):
                for word in words:
                    self._by_key.setdefault(word[:_KEY_LEN], set()).add(index)
            else:
                always.add(index)
        self._always = frozenset(always)
        self._regexes: dict[frozenset[int], re.Pattern[str]] = {}

    def apply(self, text: str) -> str:
        if not self._patterns:
            return text
        candidates = self._candidates(text)
        return self._regex_for(candidates).sub(self._replace, text) if candidates else text

    def _candidates(self, text: str) -> frozenset[int]:
        found = set(self._always)
        by_key = self._by_key
        for word in _WORD.findall(text):
            for i in range(len(word) - _KEY_LEN + 1):
                hit = by_key.get(word[i : i + _KEY_LEN])
                if hit:
                    found |= hit
        return frozenset(found)

    def _regex_for(self, candidates: frozenset[int]) -> re.Pattern[str]:
        regex = self._regexes.get(candidates)
        if regex is None:
            if len(self._regexes) >= _REGEX_CACHE_SIZE:
                self._regexes.clear()
            groups = [f"(?P<keep>{_PLACEHOLDER})"]
            groups += [f"(?P<s{i}>{self._patterns[i]})" for i in sorted(candidates)]
            regex = self._regexes[candidates] = re.compile("|".join(groups))
        return regex

    def _replace(self, match: re.Match[str]) -> str:
        name = match.lastgroup
        if name is None or name == "keep":
            return match.group()
        return self._placeholders[int(name[1:])]


_EMPTY = _Compiled({})


def _keep_or_mask(value: str) -> str:
    return value if _IS_PLACEHOLDER.fullmatch(value) else MASK


def _mask_header(name: str, value: str) -> str:
    """Hide a sensitive header's value but keep its shape: cookie names, attributes, the auth scheme."""
    lower = name.lower()
    if lower in ("cookie", "set-cookie"):
        parts = value.split(";")
        secret_parts = 1 if lower == "set-cookie" else len(parts)  # the rest are attributes
        for i in range(secret_parts):
            key, eq, val = parts[i].partition("=")
            parts[i] = f"{key}={_keep_or_mask(val)}" if eq else _keep_or_mask(parts[i])
        return ";".join(parts)
    if "authorization" in lower:
        scheme = _AUTH_SCHEME.fullmatch(value)
        if scheme:
            return scheme.group(1) + _keep_or_mask(scheme.group(2))
    return _keep_or_mask(value)


def mask_header_value(name: str, value: str) -> str:
    """A header's value as reports show it: masked when the header name is a sensitive one."""
    return _mask_header(name, value) if _HEADER_LINE.match(f"{name}: x") else value


def _mask_unless_marked(value: str) -> str:
    # A value holding a placeholder had its secret masked already; the rest is what a scanner added.
    return value if _HAS_PLACEHOLDER.search(value) else MASK


class Redactor:
    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}  # value -> placeholder
        self._compiled = _EMPTY
        self._dirty = False
        self._lock = threading.Lock()

    def add(self, secret: str | None, source: str = "") -> bool:
        """Mask `secret` from now on; True when it was new.

        source: `$NAME` for a value from environment variable NAME (shown as `${NAME}`), a parameter,
        header or cookie name for a value found in the target's traffic (shown as `***name***`),
        empty for a value of no particular name (shown as `***`). The first source given stays.
        """
        if not secret or len(secret) < MIN_SECRET_LEN or _IS_PLACEHOLDER.fullmatch(secret):
            return False
        with self._lock:
            if secret in self._secrets:
                return False
            self._secrets[secret] = placeholder_for(source) if source else MASK
            self._dirty = True
        return True

    def count(self) -> int:
        """How many values are masked."""
        with self._lock:
            return len(self._secrets)

    def variables(self) -> frozenset[str]:
        """Environment variables whose values are masked (as `${NAME}`): a replayed request may expand them."""
        with self._lock:
            placeholders = set(self._secrets.values())
        return frozenset(p[2:-1] for p in placeholders if p.startswith("${"))

    def _current(self) -> _Compiled:
        # Rebuilt only after the set changed; texts then share its compiled alternations.
        with self._lock:
            if self._dirty:
                self._compiled = _Compiled(dict(self._secrets))
                self._dirty = False
            return self._compiled

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = self._current().apply(text)
        # Long texts only: on short ones the checks cost more than the regexes they spare.
        lowered = text.lower() if len(text) > _CHECK_WORDS_FROM and text.isascii() else None
        if _may_hold(lowered, _HEADER_WORDS):
            text = _HEADER_LINE.sub(
                lambda m: f"{m.group(1)}{m.group(2)}{_mask_header(m.group(1), m.group(3))}", text
            )
        if _may_hold(lowered, _NAME_VALUE_ENDS):
            text = _NAME_VALUE.sub(
                lambda m: f"{m.group(1)}{m.group(2)}{_mask_unless_marked(m.group(3))}", text
            )
        if _may_hold(lowered, _JSON_WORDS):
            text = _JSON_MEMBER.sub(lambda m: f'{m.group(1)}"{_mask_unless_marked(m.group(3))}"', text)
        return text


# The process-wide redactor: providers register the keys they create, the CLI registers
# secrets from the environment, the scan registers what the target's own traffic carried,
# and every log handler and report passes text through it.
REDACTOR = Redactor()


def redact(text: str) -> str:
    return REDACTOR(text)
