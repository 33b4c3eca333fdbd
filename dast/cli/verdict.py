"""The end of a run on the terminal: the verdict on stdout, every problem on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from dast.redact import redact

if TYPE_CHECKING:
    from pathlib import Path

    from dast.cli.exit_status import ExitStatus
    from dast.models import RunRecord

# Flags and variables the core's settings come from, so lower layers' messages name none.
SETTING_HINTS = {
    "target": "--target / DAST_TARGET",
    "image": "--image / --build",
    "port": "--port",
    "engine": "--zap / --zap-url / DAST_ZAP_API_KEY",
    "script_dir": "set DAST_ZAP_SCRIPT_DIR",
    "suppressions": "--suppressions / DAST_SUPPRESSIONS",
    "baseline": "--baseline / DAST_BASELINE",
}


def with_hint(message: str, setting: str) -> str:
    hint = SETTING_HINTS.get(setting)
    return f"{message} ({hint})" if hint else message


def say(message: str) -> None:
    typer.echo(redact(message))


def error(message: str) -> None:
    typer.echo(f"dast: error: {redact(message)}", err=True)


def warn(message: str) -> None:
    typer.echo(f"dast: warning: {redact(message)}", err=True)


def announce(record: RunRecord, written: list[Path]) -> ExitStatus:
    # The gate and the results model load here, not at the top: say/error/warn serve every command.
    from dast.cli.exit_status import OUTCOME_STATUS
    from dast.gate import Outcome, evaluate

    verdict = evaluate(record)
    if written:
        say(f"reports: {', '.join(str(p) for p in written)}")
    counts = ", ".join(
        f"{risk}: {sum(1 for f in record.findings if f.risk.label == risk)}"
        for risk in ("High", "Medium", "Low", "Informational")
    )
    say(f"findings: {counts}")
    if record.suppressed:
        count = sum(len(f.instances) for f in record.suppressed)
        say(f"suppressed: {count} instance(s) of {len(record.suppressed)} finding(s), not counted")
    if record.baseline is not None:
        say(f"baseline: {record.baseline.summary} (against {record.baseline.source})")
    say(verdict.summary())
    for line in record.warnings:
        warn(line)
    for line in record.triage.warnings if record.triage is not None else ():
        warn(line)
    if record.error:
        # A failed login is its own line (`dast: error: login failed: ...`); it is the profile's to fix.
        line = record.error if record.error_setting == "auth" else f"scan failed: {record.error}"
        error(with_hint(line, record.error_setting))
    if verdict.incomplete:
        reasons = "; ".join(verdict.incomplete)
        if verdict.allow_incomplete:
            warn(f"scan INCOMPLETE (allowed): {reasons}")
        elif verdict.outcome is not Outcome.ERROR:
            # With an error the reason is already said above; otherwise this is the problem.
            error(f"scan INCOMPLETE: {reasons}")
    return OUTCOME_STATUS[verdict.outcome]
