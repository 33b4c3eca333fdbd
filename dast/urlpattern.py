"""The one URL-pattern rule of the whole tool.

A pattern is a Python regular expression SEARCHED (`re.search`) in a URL's path and query:
`/logout`, `^/admin/`, `\\.php\\.bak$`. Scope includes and excludes use it now; suppressions,
overrides and route maps will too. ZAP wants a Java regex that FULLY matches the whole URL,
so `to_engine()` translates: the origin part is matched by a prefix, a `^` of the pattern
becomes "at the start of the path", and the rest may stand anywhere after the origin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Any scheme://authority, bounded so Java accepts it inside a look-behind.
_ANY_ORIGIN = r"[A-Za-z][A-Za-z0-9+.-]{0,15}://[^/?#]{0,255}"


def path_and_query(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class UrlPattern:
    source: str

    def __post_init__(self) -> None:
        re.compile(self.source)  # raises re.error for the caller to report

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.source)

    def matches(self, url: str) -> bool:
        return self.regex.search(path_and_query(url)) is not None

    def to_engine(self, origin: str | None = None) -> str:
        """A Java regex fully matching the URLs this pattern matches; within `origin` if given."""
        authority = _java_literal(origin.rstrip("/")) if origin else _ANY_ORIGIN
        # The authority is consumed whole (possessive, then a path boundary), so a pattern can
        # never match inside the host name.
        prefix = f"{authority}+(?![^/?#])" if not origin else f"{authority}(?![^/?#])"
        path_start = f"(?<=^{authority})(?![^/?#])"
        return f"{prefix}.*?(?:{_translate(self.source, path_start)}).*"


def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _java_literal(text: str) -> str:
    # \Q...\E quotes everything in Java except a literal \E, which cannot occur in an origin.
    return f"\\Q{text}\\E"


def _translate(source: str, path_start: str) -> str:
    """Python regex -> Java regex, with start anchors moved to the path's start."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            pair = source[i : i + 2]
            if not in_class and pair == "\\A":
                out.append(path_start)
            elif not in_class and pair == "\\Z":
                out.append("\\z")
            else:
                out.append(pair)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            if source[i + 1 : i + 2] == "^":  # negation, not an anchor
                out.append("^")
                i += 1
            if source[i + 1 : i + 2] == "]":  # a leading ] is literal
                out.append("]")
                i += 1
        elif char == "^":
            out.append(path_start)
        elif source.startswith("(?P<", i):
            out.append("(?<")
            i += 4
            continue
        elif source.startswith("(?P=", i):
            end = source.index(")", i)
            out.append(f"\\k<{source[i + 4 : end]}>")
            i = end + 1
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)
