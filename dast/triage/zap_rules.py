"""ZAP's packaged-scan rules file (`zap-baseline.py -c rules.tsv`) as dast suppressions and overrides.

Each line is `id<TAB>LEVEL<TAB>name[<TAB>message]`; `ids<TAB>OUTOFSCOPE<TAB>regex` takes a URL regex
(ZAP matches it from the start of the whole URL) for comma-separated rule ids or `*`.
What the levels become:

- IGNORE, PASS: ZAP does not report the rule -> a suppression;
- OUTOFSCOPE: ZAP does not report the rule on those URLs -> a suppression with a `url` pattern;
- FAIL: the rule fails the scan whatever its risk -> an override to high;
- INFO: reported, never failing -> an override to info;
- WARN: ZAP's default -> nothing to convert: dast's severity gate (`--fail-on`) decides.

Every input line becomes one comment saying where it came from; what cannot be converted
stays a comment and a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from dast.errors import UsageError

LEVELS = ("PASS", "IGNORE", "INFO", "WARN", "FAIL", "OUTOFSCOPE")
_SCHEME = re.compile(r"[A-Za-z()|?:\[\]]*://")
# Escapes that match a '/' too.
_SLASH_ESCAPES = frozenset("SWD")


@dataclass
class Conversion:
    suppressions: list[str] = field(default_factory=list)  # YAML list items, each with its comment
    overrides: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # comments for lines with nothing to convert
    warnings: list[str] = field(default_factory=list)

    def yaml_text(self, name: str) -> str:
        lines = [
            f"# Converted by `dast triage import-zap-rules` from {name}. ZAP's IGNORE and PASS became",
            "# suppressions, OUTOFSCOPE suppressions of those URLs, FAIL overrides to high, INFO overrides",
            "# to info; WARN needs nothing: dast's severity gate (--fail-on) decides.",
            "suppressions:" + ("" if self.suppressions else " []"),
            *self.suppressions,
            "overrides:" + ("" if self.overrides else " []"),
            *self.overrides,
        ]
        if self.notes:
            lines += ["# Nothing to convert, or not convertible:", *self.notes]
        return "\n".join(lines) + "\n"


def convert(text: str, name: str) -> Conversion:
    out = Conversion()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        where = f"{name}:{number}"
        fields = line.rstrip().split("\t", 3)
        if len(fields) < 3:
            raise UsageError(
                f"{where}: expected at least 3 tab-separated fields (rule id, level, name), got {line!r}"
            )
        ids, level, detail = fields[0].strip(), fields[1].strip().upper(), fields[2].strip()
        message = fields[3].strip() if len(fields) > 3 else ""
        if level not in LEVELS:
            raise UsageError(f"{where}: level {fields[1]!r} is not one of {', '.join(LEVELS)}")
        comment = f"# {where}: {ids} {level} {detail}".rstrip()
        for rule in ids.split(","):
            _convert_line(out, where, comment, rule.strip(), level, detail, message)
    return out


def _convert_line(
    out: Conversion, where: str, comment: str, rule: str, level: str, detail: str, message: str
) -> None:
    if not re.fullmatch(r"\d+|\*", rule) or (rule == "*" and level != "OUTOFSCOPE"):
        why = (
            "a sub-rule id: dast reports findings per rule and cannot tell its sub-rules apart"
            if re.fullmatch(r"\d+-\d+", rule)
            else "not a rule id"
        )
        out.notes.append(f"{comment}  <- {rule!r} is {why}")
        out.warnings.append(f"{where}: {rule!r} is {why}; line not converted")
        return
    title = detail[1:-1] if detail.startswith("(") and detail.endswith(")") else detail
    reason = message or f"{level} in {where}" + (f": {title}" if title else "")
    if level in ("IGNORE", "PASS"):
        out.suppressions.append(_item(comment, {"rule": rule, "reason": reason}))
    elif level == "OUTOFSCOPE":
        pattern = path_pattern(detail)
        if pattern is None:
            out.notes.append(
                f"{comment}  <- the URL regex has no path part dast can match; write url: by hand"
            )
            out.warnings.append(
                f"{where}: cannot turn the URL regex {detail!r} into a path pattern; line not converted"
            )
            return
        entry = {"rule": rule, "url": pattern, "reason": message or f"OUTOFSCOPE in {where}"}
        out.suppressions.append(_item(comment, entry))
    elif level == "FAIL":
        out.overrides.append(_item(comment, {"rule": rule, "risk": "high", "reason": reason}))
    elif level == "INFO":
        out.overrides.append(_item(comment, {"rule": rule, "risk": "info", "reason": reason}))
    else:
        out.notes.append(f"{comment}  <- WARN: the severity gate decides")


def _item(comment: str, entry: dict[str, str]) -> str:
    values = {k: int(v) if k == "rule" and v.isdigit() else v for k, v in entry.items()}
    dumped = yaml.safe_dump(
        [values], sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    return comment + "\n" + dumped.rstrip("\n")


def path_pattern(regex: str) -> str | None:
    """ZAP's URL regex (matched from the start of the whole URL) as a pattern searched in path and query.

    The host part is dropped (dast only reports the target's own URLs); None when no path part
    can be told apart.
    """
    body = regex[1:] if regex.startswith("^") else regex
    anywhere = False
    while body.startswith(".*"):
        body, anywhere = body[2:], True
    scheme = _SCHEME.match(body)
    if scheme is None:
        # Without a scheme the regex must already sit in the path (after a leading .*).
        return _valid(body or ".*") if anywhere else None
    after = body[scheme.end() :]
    end = _authority_end(after)
    if end is None:
        return None
    authority, path = after[:end], after[end:]
    if not path:
        return ".*"  # re.match anchors only the start: every URL of that origin
    if anywhere or _can_match_slash(authority):
        return _valid(path)
    return _valid("^" + path)


def _authority_end(text: str) -> int | None:
    """Index of the first '/' outside a class or group; None when a group spans host and path."""
    i, depth, in_class = 0, 0, False
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "/" and depth == 0:
            return i
        i += 1
    return None if depth else len(text)


def _can_match_slash(authority: str) -> bool:
    i = 0
    while i < len(authority):
        char = authority[i]
        if char == "\\":
            if authority[i + 1 : i + 2] in _SLASH_ESCAPES:
                return True
            i += 2
            continue
        if char == ".":
            return True
        if char == "[":
            close = authority.find("]", i + 2)
            members = authority[i + 1 : close if close > 0 else len(authority)]
            negated = members.startswith("^")
            if ("/" in members) != negated:
                return True
            i = close if close > 0 else len(authority)
        i += 1
    return False


def _valid(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error:
        return None
    return pattern
