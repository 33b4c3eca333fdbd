"""Authentication coverage and security assertions, as every report format shows them.

One place decides the words and numbers, so JUnit, SARIF, HTML and Markdown agree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dast.gate import fails_assertion
from dast.models import AssertionOutcome, AssertionResult, Risk, RunRecord

ASSERTION_CASE_PREFIX = "assertion: "
_URI_SAFE = ":/?#[]@!$&'()*+,;=-._~%"
_SARIF_LEVELS = {Risk.HIGH: "error", Risk.MEDIUM: "warning", Risk.LOW: "note", Risk.INFO: "note"}


def auth_summary(record: RunRecord) -> str:
    """One line: how the scan was logged in and how well the session held."""
    auth, coverage = record.auth, record.coverage
    if not auth.type:
        walls = f"; {len(auth.login_walls)} URL(s) answered 'log in first'" if auth.login_walls else ""
        return f"not authenticated; {coverage.urls} in-scope URL(s) reached{walls}"
    verified = "verified" if auth.verified else "NOT verified"
    return (
        f"{auth.type} login, {verified}; {auth.relogins} re-login(s), {auth.failed_logins} failed; "
        f"{coverage.urls} in-scope URL(s) reached; {auth.logged_out_share:.0%} of "
        f"{auth.responses_checked} checked answer(s) looked logged out"
    )


def assertion_counts(record: RunRecord) -> tuple[int, int, int]:
    """(passed, failed, not checked)."""
    outcomes = [a.outcome for a in record.assertions]
    return (
        outcomes.count(AssertionOutcome.PASSED),
        outcomes.count(AssertionOutcome.FAILED),
        outcomes.count(AssertionOutcome.ERROR),
    )


def assertion_line(result: AssertionResult) -> str:
    return (
        f"{result.outcome.value.upper()}: {result.name} ({result.risk.label}; {result.acting_as} "
        f"{result.method} {result.url}): expected {result.expected}; saw {result.seen}"
    )


# -- JUnit -----------------------------------------------------------------------------------


@dataclass
class JUnitAssertions:
    cases: list[ET.Element] = field(default_factory=list)
    failures: int = 0
    errors: int = 0
    out: list[str] = field(default_factory=list)  # below-gate failures (no <system-out> in a testcase)


def junit_assertions(record: RunRecord, classname: str) -> JUnitAssertions:
    """One testcase per assertion: a failure when it gates, an error when it could not be checked."""
    found = JUnitAssertions()
    for result in record.assertions:
        case = ET.Element("testcase", name=ASSERTION_CASE_PREFIX + result.name, classname=classname, time="0")
        details = (
            f"Assertion: {result.name}\nRule: {result.rule_id}\nRisk: {result.risk.label}\n"
            f"Request: {result.acting_as} {result.method} {result.url}\n"
            f"Expected: {result.expected}\nSeen: {result.seen}\nSource: {result.source}\n"
        )
        if result.outcome is AssertionOutcome.ERROR:
            error = ET.SubElement(
                case, "error", type="AssertionNotChecked", message=_one_line(assertion_line(result))
            )
            error.text = details
            found.errors += 1
        elif fails_assertion(result, record.fail_on):
            failure = ET.SubElement(
                case, "failure", type=result.risk.label, message=_one_line(assertion_line(result))
            )
            failure.text = details
            found.failures += 1
        elif result.outcome is AssertionOutcome.FAILED:
            found.out.append(
                f"== {ASSERTION_CASE_PREFIX}{result.name} ({result.risk.label}, below the gate)\n{details}"
            )
        found.cases.append(case)
    return found


def junit_properties(record: RunRecord) -> list[tuple[str, str]]:
    auth, passed_failed = record.auth, assertion_counts(record)
    return [
        ("auth.type", auth.type or "none"),
        ("auth.verified", str(auth.verified).lower()),
        ("auth.relogins", str(auth.relogins)),
        ("auth.failed_logins", str(auth.failed_logins)),
        ("auth.logged_out_share", f"{auth.logged_out_share:.3f}"),
        ("coverage.urls", str(record.coverage.urls)),
        ("assertions", "passed {}, failed {}, not checked {}".format(*passed_failed)),
    ]


# -- SARIF -----------------------------------------------------------------------------------


def sarif_assertions(
    record: RunRecord, first_index: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rules, results): a rule per assertion (its own id), a result per assertion (`kind` pass/fail)."""
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for result in record.assertions:
        if result.rule_id not in index:
            index[result.rule_id] = first_index + len(rules)
            rules.append(
                {
                    "id": result.rule_id,
                    "name": result.name,
                    "shortDescription": {"text": result.name},
                    "fullDescription": {"text": f"Security assertion: {result.expected}"},
                    "defaultConfiguration": {"level": _SARIF_LEVELS[result.risk]},
                    "properties": {"tags": ["security", "assertion"], "risk": result.risk.label},
                }
            )
        failed = result.outcome is AssertionOutcome.FAILED
        entry: dict[str, Any] = {
            "ruleId": result.rule_id,
            "ruleIndex": index[result.rule_id],
            # `open`: it could not be checked. A result that is no failure has level "none" (SARIF 3.27.9).
            "kind": "fail" if failed else ("pass" if result.outcome is AssertionOutcome.PASSED else "open"),
            "level": _SARIF_LEVELS[result.risk] if failed else "none",
            "message": {"text": assertion_line(result)},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": quote(result.url, safe=_URI_SAFE)}}}
            ],
            "properties": {
                "risk": result.risk.label,
                "outcome": result.outcome.value,
                "actingAs": result.acting_as,
                "method": result.method,
                "expected": result.expected,
                "seen": result.seen,
                "source": result.source,
                "messageId": result.message_id,
            },
        }
        results.append(entry)
    return rules, results


def sarif_properties(record: RunRecord) -> dict[str, Any]:
    auth = record.auth
    return {
        "authentication": {
            "type": auth.type or "none",
            "verified": auth.verified,
            "relogins": auth.relogins,
            "failedLogins": auth.failed_logins,
            "responsesChecked": auth.responses_checked,
            "loggedOutShare": auth.logged_out_share,
        },
        "urlsReached": record.coverage.urls,
    }


# -- Markdown ----------------------------------------------------------------------------------


def markdown_lines(record: RunRecord, cell: Any) -> list[str]:
    """Lines for the summary; `cell` escapes scan text (markdown.cell)."""
    lines = ["", f"**Authentication:** {cell(auth_summary(record), 500)}"]
    if record.assertions:
        passed, failed, unchecked = assertion_counts(record)
        lines += ["", f"**Assertions:** {passed} passed, {failed} failed, {unchecked} not checked", ""]
        icons = {AssertionOutcome.PASSED: "✅", AssertionOutcome.FAILED: "❌", AssertionOutcome.ERROR: "⚠️"}
        for result in record.assertions:
            seen = "" if result.outcome is AssertionOutcome.PASSED else f": saw {cell(result.seen, 300)}"
            lines.append(f"- {icons[result.outcome]} {cell(result.name)} ({result.risk.label}){seen}")
    return lines


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- HTML --------------------------------------------------------------------------------------

_PILLS = {
    AssertionOutcome.PASSED: "completed",
    AssertionOutcome.FAILED: "failed",
    AssertionOutcome.ERROR: "cut_short",
}


def auth_context(record: RunRecord) -> dict[str, Any]:
    """What _auth.html.j2 shows."""
    passed, failed, unchecked = assertion_counts(record)
    return {
        "summary": auth_summary(record),
        "info": record.auth,
        "reached": record.coverage.reached,
        "not_requested": record.coverage.not_requested,
        "assertions": [
            {
                "result": result,
                "pill": _PILLS[result.outcome],
                "gating": fails_assertion(result, record.fail_on),
            }
            for result in record.assertions
        ],
        "counts": {"passed": passed, "failed": failed, "unchecked": unchecked},
    }
