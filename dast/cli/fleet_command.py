"""`dast fleet run FLEET.yaml`: many targets, one warm engine per compatible group, one exit code.

Every target is turned into the same validated config `dast scan` builds (scan_command.py), all
of them before anything starts; the run itself is the core's (dast/fleet/runner.py); each target
gets the same report set as `scan` in its own folder, and the fleet an index.html and one JUnit file.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import typer

from dast.atomic import write_set
from dast.cli.console import LOGGER, setup_logging
from dast.cli.engine_choice import ZapChoice
from dast.cli.environment import Environment
from dast.cli.exit_status import OUTCOME_STATUS, ExitStatus
from dast.cli.interrupts import signals_as_interrupts
from dast.cli.scan_command import TARGET_LOG, ScanConfig, ScanOptions, build_scan_config
from dast.cli.triage_command import today
from dast.cli.verdict import error, say, warn, with_hint
from dast.cli.wiring import EngineOptions
from dast.core.events import Event, Notice, PhaseFinished
from dast.core.triage import triage_run
from dast.errors import DastError, ReportError, UsageError
from dast.fleet.model import COMBINED_JUNIT, INDEX, FleetFile, FleetTarget, load_fleet, resolve_path
from dast.fleet.report import FleetEntry, combined_junit, overall_outcome, render_index
from dast.fleet.runner import FleetHooks, run_fleet
from dast.fleet.runner import FleetTarget as RunnableTarget
from dast.fleet.shard import ALL, Shard
from dast.gate import evaluate
from dast.models import PhaseOutcome, RunRecord
from dast.ownership import RUN_ID
from dast.redact import REDACTOR
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.writer import write_reports

MAX_CONCURRENCY = 32
# Per-target run ids are the fleet's id plus "-NNNN" (ownership.RUN_ID allows 32 characters).
FLEET_ID_CHARS = 27


@dataclass(frozen=True)
class FleetOptions:
    fleet_file: Path
    concurrency: int
    shard: str | None
    out: Path
    formats: str
    template_dir: Path | None
    zap: ZapChoice
    zap_url: str | None
    zap_image: str
    quiet: bool
    verbose: bool
    log_file: Path | None


@dataclass(frozen=True)
class _Planned:
    name: str
    config: ScanConfig
    folder: Path
    logs: list[str]


def run_fleet_command(options: FleetOptions, env: Environment) -> ExitStatus:
    environ = env.environ()
    REDACTOR.add(environ.get("DAST_ZAP_API_KEY"), source="$DAST_ZAP_API_KEY")
    if not 1 <= options.concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be 1-{MAX_CONCURRENCY}, got {options.concurrency}")
    try:
        shard = Shard.parse(options.shard) if options.shard else ALL
    except ValueError as err:
        raise UsageError(f"--shard: {err}") from None
    fleet = load_fleet(options.fleet_file)
    fleet_id = (environ.get("DAST_RUN_ID", "") or secrets.token_hex(4))[:FLEET_ID_CHARS].rstrip("-")
    if not RUN_ID.fullmatch(fleet_id):
        raise UsageError(f"DAST_RUN_ID must be 1-32 lowercase letters, digits or '-', got {fleet_id!r}")
    engine = _engine_options(options, environ, fleet_id)
    formats = OutputFormat.parse_list(options.formats)
    # Every target of the file is checked, not only this shard's: a bad entry fails every shard alike.
    planned = _plan(fleet, options, environ, fleet_id)
    chosen = [planned[i] for i in shard.select([p.name for p in planned])]
    setup_logging(options.verbose, options.quiet, options.log_file)
    shard_text = f"{shard.index}/{shard.count}" if shard.count > 1 else ""
    LOGGER.info(
        f"fleet {fleet_id}: {len(chosen)} of {len(planned)} target(s)"
        f"{', shard ' + shard_text if shard_text else ''}, concurrency {options.concurrency}"
    )
    entries: dict[str, FleetEntry] = {}
    lock = threading.Lock()
    render = RenderOptions(template_dir=options.template_dir)

    def finished(target: RunnableTarget, record: RunRecord) -> None:
        plan = next(p for p in chosen if p.name == target.name)
        entry = _write_target(plan, record, formats, render, options.out)
        with lock:
            entries[plan.name] = entry
        verdict = evaluate(entry.record)
        LOGGER.info(f"[{plan.name}] {verdict.outcome.value}: {verdict.summary()}")

    runnable = [
        RunnableTarget(
            p.name,
            p.config.request,
            env.target_factory(p.config.target, p.logs.append),
            url=p.config.target.target_url,
        )
        for p in chosen
    ]
    with signals_as_interrupts():
        env.sweep()
        run_fleet(
            runnable,
            lambda: env.engine_factory(engine),
            options.concurrency,
            FleetHooks(observer_for=_observer_for(options.quiet), finished=finished),
        )
    ordered = [entries[p.name] for p in chosen if p.name in entries]
    written = write_set(
        options.out,
        {
            INDEX: render_index(ordered, shard_text, render),
            COMBINED_JUNIT: combined_junit([e.record for e in ordered]),
        },
    )
    return _announce(ordered, written)


def _engine_options(options: FleetOptions, environ: Mapping[str, str], fleet_id: str) -> EngineOptions:
    api_key = environ.get("DAST_ZAP_API_KEY") or None
    choice = options.zap
    if choice is ZapChoice.DOCKER:
        # A containerised engine sits on one target's network; a fleet's engine must reach them all.
        raise UsageError("--zap docker cannot serve a fleet: use --zap local (or remote with --zap-url)")
    if choice is ZapChoice.AUTO:
        choice = ZapChoice.REMOTE if options.zap_url else ZapChoice.LOCAL
    if choice is ZapChoice.REMOTE and not options.zap_url:
        raise UsageError("--zap remote needs --zap-url (or DAST_ZAP_URL): the running engine's API URL")
    if choice is ZapChoice.REMOTE and not api_key:
        raise UsageError("--zap remote needs the engine's API key in DAST_ZAP_API_KEY")
    if choice is ZapChoice.LOCAL and options.zap_url:
        raise UsageError("--zap-url goes with --zap remote (or auto), not --zap local")
    return EngineOptions(
        choice=choice,
        zap_url=options.zap_url,
        api_key=api_key,
        zap_image=options.zap_image,
        run_id=fleet_id,
        script_dir=environ.get("DAST_ZAP_SCRIPT_DIR"),
    )


def _plan(
    fleet: FleetFile, options: FleetOptions, environ: Mapping[str, str], fleet_id: str
) -> list[_Planned]:
    """Each target as `dast scan` would take it; every problem of every target in one UsageError."""
    planned: list[_Planned] = []
    problems: list[str] = []
    for index, target in enumerate(fleet.targets):
        run_id = f"{fleet_id}-{index:04d}"
        folder = options.out / target.name
        try:
            config = build_scan_config(
                _scan_options(target, options, folder), {**environ, "DAST_RUN_ID": run_id}
            )
        except (DastError, typer.BadParameter, ValueError) as err:
            problems.append(f"target {target.name!r}: {_one_line(err)}")
            continue
        planned.append(_Planned(target.name, config, folder, []))
    if problems:
        raise UsageError(f"{options.fleet_file}: " + "; ".join(problems))
    return planned


def _scan_options(target: FleetTarget, options: FleetOptions, folder: Path) -> ScanOptions:
    def path(value: str | None) -> Path | None:
        return Path(resolve_path(options.fleet_file, value)) if value else None

    profile = target.profile
    if profile.endswith((".yaml", ".yml")):
        profile = resolve_path(options.fleet_file, profile)
    return ScanOptions(
        target=target.url,
        image=target.image,
        port=target.port,
        build=None,
        build_args=(),
        health_path=target.health_path,
        health_status=target.health_status,
        wait=target.wait,
        profile=profile,
        fail_on=target.fail_on,
        out=folder,
        formats=options.formats,
        template_dir=options.template_dir,
        zap=options.zap,
        zap_url=options.zap_url,
        zap_image=options.zap_image,
        allow_incomplete=target.allow_incomplete,
        progress="plain",
        quiet=options.quiet,
        verbose=options.verbose,
        log_file=None,
        auth_header=target.auth_header,
        auth_cookie=target.auth_cookie,
        name=target.name,
        report_base_url=target.report_base_url,
        suppressions=path(target.suppressions),
        baseline=path(target.baseline),
        fail_on_new=target.fail_on_new,
    )


def _one_line(err: BaseException) -> str:
    text = err.format_message() if isinstance(err, typer.BadParameter) else str(err)
    return " ".join(text.split())


def _write_target(
    plan: _Planned, record: RunRecord, formats: tuple[OutputFormat, ...], render: RenderOptions, out: Path
) -> FleetEntry:
    """The target's own report set, as `dast scan` writes it; a write failure is recorded, not raised."""
    record = triage_run(record, plan.config.triage, today())
    record = dataclasses.replace(record, sarif=plan.config.sarif)
    logs = "".join(plan.logs)
    extra = {TARGET_LOG: logs.encode("utf-8", "replace")} if logs else {}
    folder = plan.folder.relative_to(out).as_posix()
    try:
        written = write_reports(record, formats, plan.folder, render, extra_files=extra)
    except ReportError as err:
        return FleetEntry(plan.name, folder, record, (), report_error=str(err))
    return FleetEntry(plan.name, folder, record, tuple(p.name for p in written))


class _TargetLog:
    """Phase ends and notices of one target, each line tagged with its name (targets interleave)."""

    def __init__(self, name: str, quiet: bool) -> None:
        self._name = name
        self._quiet = quiet

    def on_event(self, event: Event) -> None:
        if isinstance(event, Notice) and not self._quiet:
            LOGGER.info(f"[{self._name}] {event.message}")
        elif isinstance(event, PhaseFinished):
            result = event.result
            cut = result.outcome is PhaseOutcome.CUT_SHORT
            if cut or not self._quiet:
                detail = f" ({result.detail})" if result.detail else ""
                line = (
                    f"[{self._name}] phase {result.name}: {result.outcome.value} in {result.duration_s:.1f} s"
                )
                LOGGER.log(30 if cut else 20, line + detail)


def _observer_for(quiet: bool) -> Callable[[str], _TargetLog]:
    return lambda name: _TargetLog(name, quiet)


def _announce(entries: list[FleetEntry], written: list[Path]) -> ExitStatus:
    say(f"fleet reports: {', '.join(str(p) for p in written)}")
    for entry in entries:
        verdict = evaluate(entry.record)
        say(f"{entry.name}: {verdict.outcome.value} ({entry.folder}/)")
        for line in entry.record.warnings:
            warn(f"{entry.name}: {line}")
        if entry.record.error:
            error(with_hint(f"{entry.name}: scan failed: {entry.record.error}", entry.record.error_setting))
        if entry.report_error:
            error(f"{entry.name}: {entry.report_error}")
    outcome = overall_outcome([e.record for e in entries])
    say(f"fleet: {outcome.value} ({len(entries)} target(s))")
    status = OUTCOME_STATUS[outcome]
    if any(e.report_error for e in entries) and status is ExitStatus.OK:
        return ExitStatus.INFRASTRUCTURE
    return status
