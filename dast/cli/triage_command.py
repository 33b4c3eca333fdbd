"""Triage on the command line: the options `scan` and `report` share, and `dast suppress`,
`dast diff` and `dast triage import-zap-rules`."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dast.cli.verdict import say, warn
from dast.errors import ResultsFileError, UsageError

# The commands are declared on every `dast` start; what they run (pydantic, the results model, the
# triage rules) is imported in their bodies, so `dast --version` and `--help` stay fast.
if TYPE_CHECKING:
    from dast.core.triage import TriagePlan
    from dast.models import Finding, FixedInstance, Instance, RunRecord
    from dast.triage.rules import Suppression, TriageRules

DEFAULT_SUPPRESSIONS = Path("dast-suppressions.yaml")
DEFAULT_RESULTS = Path("dast-reports/results.json")


def today() -> datetime.date:
    """The day expiry dates are judged against: UTC, as every time in the record."""
    return datetime.datetime.now(datetime.UTC).date()


def load_plan(
    suppressions: Path | None,
    baseline: Path | None,
    fail_on_new: bool,
    profile_rules: TriageRules | None = None,
    record_has_baseline: bool = False,
) -> TriagePlan:
    """Read and check the triage inputs before anything starts; UsageError names the option."""
    from dast.core.triage import TriagePlan
    from dast.report.writer import load_record
    from dast.triage.rules import TriageRules, load_rules

    rules: TriageRules | None = None
    if suppressions is not None:
        try:
            rules = load_rules(suppressions)
        except UsageError as err:
            raise UsageError(str(err), setting="suppressions") from None
    if profile_rules is not None and profile_rules.sources:
        rules = (rules or TriageRules()) + profile_rules
    previous: RunRecord | None = None
    if baseline is not None:
        try:
            previous = load_record(baseline)
        except ResultsFileError as err:
            raise UsageError(f"baseline: {err}", setting="baseline") from None
    if fail_on_new and previous is None and not record_has_baseline:
        raise UsageError("--fail-on-new needs --baseline PREVIOUS/results.json: new against which run?")
    return TriagePlan(rules, previous, str(baseline) if baseline is not None else "", fail_on_new)


# --- dast suppress ------------------------------------------------------------------------


def suppress_command(
    fingerprint: Annotated[str, typer.Argument(help="The instance's fingerprint, as every report shows it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the risk is accepted (required).")],
    rule: Annotated[
        str | None,
        typer.Option("--rule", help="The finding's rule id (looked up in --from when not given)."),
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Last day the suppression applies: YYYY-MM-DD.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who accepted the risk.")] = None,
    ticket: Annotated[str | None, typer.Option("--ticket", help="Where it is tracked.")] = None,
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            envvar="DAST_SUPPRESSIONS",
            help="The suppressions file to add to (created when missing).",
        ),
    ] = DEFAULT_SUPPRESSIONS,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", help="A results.json holding the fingerprint (default: dast-reports/results.json)."
        ),
    ] = None,
) -> None:
    """Append a suppression of one finding instance to a suppressions file (copy the line from the HTML report)."""
    from dast.triage.rules import load_rules
    from dast.triage.suppress_file import added_comment, append_suppression

    day = today()
    fields: dict[str, object] = {"rule": rule or "0", "fingerprint": fingerprint, "reason": reason}
    fields |= {k: v for k, v in (("owner", owner), ("ticket", ticket)) if v is not None}
    if expires is not None:
        fields["expires"] = _future_day(expires, day)
    found = _lookup(fingerprint.strip().lower(), source, required=rule is None)
    if found is not None:
        finding, instance = found
        if rule is not None and rule.strip() != finding.rule_id:
            raise UsageError(
                f"fingerprint {instance.fingerprint} belongs to rule {finding.rule_id}, not --rule {rule}"
            )
        fields["rule"] = finding.rule_id
    entry = _entry(fields)
    existing = load_rules(file).suppressions if file.exists() else ()
    same = next(
        (p for p in existing if p.entry.fingerprint == entry.fingerprint and p.entry.rule == entry.rule), None
    )
    if same is not None:
        say(f"already suppressed by {same.where}; {file} is unchanged")
        return
    where = ""
    if found is not None:
        finding, instance = found
        where = f"{finding.name}, {instance.method} {instance.url}" + (
            f" ({instance.parameter})" if instance.parameter else ""
        )
    append_suppression(file, entry, added_comment(day, where))
    say(
        f"added to {file}: rule {entry.rule}, fingerprint {entry.fingerprint}"
        + (f" ({where})" if where else "")
    )


def _future_day(text: str, day: datetime.date) -> datetime.date:
    try:
        expires = datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--expires must be a date as YYYY-MM-DD, got {text!r}") from None
    if expires < day:
        raise UsageError(f"--expires {expires.isoformat()} is already past (today is {day.isoformat()}, UTC)")
    return expires


def _entry(fields: dict[str, object]) -> Suppression:
    from pydantic import ValidationError

    from dast.triage.rules import Suppression

    try:
        return Suppression.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        option = "the fingerprint" if name == "fingerprint" else f"--{name}"
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "string_pattern_mismatch":
            message = f"{first['input']!r} is not valid" + (
                " (32 hex digits, as reports show it)" if name == "fingerprint" else ""
            )
        elif first["type"] in ("string_too_short", "too_short"):
            message = "must not be empty"
        raise UsageError(f"{option}: {message}") from None


def _lookup(fingerprint: str, source: Path | None, required: bool) -> tuple[Finding, Instance] | None:
    """The finding and instance with this fingerprint in a results.json, if there is one to read."""
    from dast.report.writer import load_record

    path = source or DEFAULT_RESULTS
    if source is None and not path.exists():
        if required:
            raise UsageError(
                f"give --rule, or --from a results.json holding {fingerprint} ({path} does not exist)"
            )
        return None
    record = load_record(path)
    for finding in (*record.findings, *record.suppressed):
        for instance in finding.instances:
            if instance.fingerprint == fingerprint:
                return finding, instance
    if required:
        raise UsageError(f"fingerprint {fingerprint} is not in {path}; give --rule RULE_ID")
    return None


# --- dast diff ----------------------------------------------------------------------------


def diff_command(
    old: Annotated[Path, typer.Argument(help="The earlier run's results.json.")],
    new: Annotated[Path, typer.Argument(help="The later run's results.json.")],
) -> None:
    """What changed between two runs, by fingerprint: +N new, -M fixed; nothing is scanned."""
    from dast.core.baseline_diff import compare
    from dast.models import BaselineState
    from dast.report.writer import load_record

    later = load_record(new)
    compared = compare(later, load_record(old), str(old))
    assert compared.baseline is not None  # compare() always sets it
    say(f"{compared.baseline.summary} ({new} against {old})")
    for finding in compared.findings:
        for i in finding.instances:
            if i.baseline is BaselineState.NEW:
                say(f"new:   {finding.risk.label} {finding.rule_id} {finding.name}: {_where(i)}")
    for x in compared.baseline.fixed:
        say(f"fixed: {x.risk.label} {x.rule_id} {x.name}: {_where(x)}")
    for line in compared.warnings:
        if line not in later.warnings:
            warn(line)


def _where(item: Instance | FixedInstance) -> str:
    parameter = f" ({item.parameter})" if item.parameter else ""
    return f"{item.method} {item.url}{parameter} [{item.fingerprint}]"


# --- dast triage import-zap-rules -----------------------------------------------------------

triage_app = typer.Typer(help="Triage helpers: bring in ZAP's rules files.", no_args_is_help=True)


@triage_app.command("import-zap-rules")
def import_zap_rules_command(
    rules_file: Annotated[
        Path, typer.Argument(metavar="RULES", help="A zap-baseline.py -c file: id<TAB>LEVEL<TAB>name lines.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the YAML here (refused if it exists); default: stdout."),
    ] = None,
) -> None:
    """Convert a ZAP packaged-scan rules file into dast suppressions and overrides (YAML)."""
    from dast.atomic import write_atomic
    from dast.triage.rules import rules_from_text
    from dast.triage.zap_rules import convert

    try:
        text = rules_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{rules_file}: no such rules file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{rules_file}: not UTF-8 text") from None
    except OSError as err:
        raise UsageError(f"{rules_file}: cannot read: {err.strerror or err}") from None
    conversion = convert(text, rules_file.name)
    document = conversion.yaml_text(rules_file.name)
    converted = rules_from_text(document, str(out or "the converted file"))  # what we write must load
    for line in conversion.warnings:
        warn(line)
    if out is None:
        typer.echo(document, nl=False)
        return
    if out.exists():
        raise UsageError(f"--out {out} already exists; dast does not overwrite a suppressions file")
    try:
        write_atomic(out, document.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"--out {out}: cannot write: {err.strerror or err}") from None
    say(f"wrote {out}: {len(converted.suppressions)} suppression(s), {len(converted.overrides)} override(s)")
