"""`dast scan` as one testable function: options -> validated config -> run -> reports -> exit code.

The Typer command in app.py only declares the options and calls `run_scan_command`.
Everything that can be checked is checked in `build_scan_config`, before anything starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from dast.cli.auth_options import with_cli_auth
from dast.cli.console import LOGGER, PlainProgress, QuietProgress, RichProgress, setup_logging
from dast.cli.environment import Environment
from dast.cli.exit_status import ExitStatus
from dast.cli.interrupts import signals_as_interrupts
from dast.cli.sarif_anchor import sarif_locations
from dast.cli.triage_command import load_plan, today
from dast.cli.verdict import announce
from dast.cli.wiring import EngineOptions, TargetOptions, ZapChoice
from dast.core.auth_config import resolve_auth
from dast.core.events import ScanObserver
from dast.core.openapi import check_definition_source
from dast.core.scan import ScanRequest, run_scan
from dast.core.triage import TriagePlan, triage_run
from dast.errors import ResultsFileError, UsageError
from dast.gate import parse_fail_on
from dast.identity import default_base_url, default_name
from dast.models import RunRecord, SarifLocations
from dast.ownership import RUN_ID
from dast.profiles.loader import LoadedProfile, load_profile
from dast.redact import REDACTOR
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.registry import reporter_for
from dast.report.writer import STEP_SUMMARY_VAR, load_record, write_reports, write_step_summary
from dast.target.health import HealthyStatuses
from dast.target.url import check_target_url
from dast.triage.rules import from_profile

TARGET_LOG = "target.log"


@dataclass(frozen=True)
class ScanOptions:
    """The command line as typed (after parse-time checks)."""

    target: str | None
    image: str | None
    port: int | None
    build: Path | None
    build_args: tuple[str, ...]
    health_path: str
    health_status: str
    wait: float
    profile: str
    fail_on: str
    out: Path
    formats: str
    template_dir: Path | None
    zap: ZapChoice
    zap_url: str | None
    zap_image: str
    allow_incomplete: bool
    progress: str
    quiet: bool
    verbose: bool
    log_file: Path | None
    auth_header: str | None = None  # 'NAME: [prefix]$ENVVAR'
    auth_cookie: str | None = None  # 'NAME=$ENVVAR'
    name: str | None = None
    report_base_url: str | None = None
    suppressions: Path | None = None
    baseline: Path | None = None
    fail_on_new: bool = False
    sarif_anchor: str | None = None


@dataclass(frozen=True)
class ScanConfig:
    options: ScanOptions
    profile: LoadedProfile
    request: ScanRequest
    formats: tuple[OutputFormat, ...]
    engine: EngineOptions
    target: TargetOptions
    triage: TriagePlan = field(default_factory=TriagePlan)
    sarif: SarifLocations = field(default_factory=SarifLocations)


def build_scan_config(options: ScanOptions, environ: Mapping[str, str]) -> ScanConfig:
    """Every check that needs no engine, container or network; UsageError names the flag."""
    run_id = environ.get("DAST_RUN_ID", "") or secrets.token_hex(4)
    if not RUN_ID.fullmatch(run_id):
        raise UsageError(f"DAST_RUN_ID must be 1-32 lowercase letters, digits or '-', got {run_id!r}")
    if options.target and (options.image or options.build):
        raise UsageError("give either --target URL or --image/--build, not both")
    if options.target and options.port is not None:
        raise UsageError("--port goes with --image (the port inside the container), not with --target")
    if not options.target and not options.image and not options.build:
        raise UsageError("nothing to scan: give --target URL, or --image IMAGE --port N")
    if (options.image or options.build) and options.port is None:
        raise UsageError("--image needs --port: the port the application listens on inside the container")
    if options.build_args and options.build is None:
        raise UsageError("--build-arg goes with --build DIR")
    for item in options.build_args:
        key, sep, _ = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--build-arg must look like KEY=VALUE, got {item!r}")
    if options.build is not None and not (options.build / "Dockerfile").is_file():
        raise UsageError(f"--build {options.build}: no Dockerfile there")
    api_key = environ.get("DAST_ZAP_API_KEY") or None
    if options.zap is ZapChoice.REMOTE:
        if not options.zap_url:
            raise UsageError("--zap remote needs --zap-url (or DAST_ZAP_URL): the running engine's API URL")
        if not api_key:
            raise UsageError("--zap remote needs the engine's API key in DAST_ZAP_API_KEY")
    if options.zap_url:
        if options.zap not in (ZapChoice.REMOTE, ZapChoice.AUTO):
            raise UsageError(f"--zap-url goes with --zap remote (or auto), not --zap {options.zap.value}")
        _check_engine_url(options.zap_url)
    if options.report_base_url and options.target:
        raise UsageError(
            "--report-base-url goes with --image/--build; with --target, reports name URLs under the target URL"
        )
    name = options.name or default_name(
        options.image, str(options.build) if options.build else None, options.target
    )
    base_url = check_target_url(options.target) if options.target else options.report_base_url
    loaded = load_profile(options.profile)
    profile = with_cli_auth(loaded.profile, options.auth_header, options.auth_cookie)
    # Secrets are read (and registered with the redactor) now, so a missing one stops everything here.
    auth = resolve_auth(profile.auth, environ, Path.cwd()) if profile.auth is not None else None
    openapi = loaded.profile.openapi
    check_definition_source(openapi.file if openapi.enabled else None)
    profile_rules = from_profile(loaded.source, loaded.profile.suppressions, loaded.profile.overrides)
    triage = load_plan(options.suppressions, options.baseline, options.fail_on_new, profile_rules)
    allow_incomplete = options.allow_incomplete or loaded.profile.allow_incomplete
    request = ScanRequest(
        profile=profile,
        auth=auth,
        profile_sha256=loaded.sha256,
        fail_on=parse_fail_on(options.fail_on),
        allow_incomplete=allow_incomplete,
        run_id=run_id,
        target_name=name,
        report_base_url=base_url or default_base_url(name),
    )
    engine = EngineOptions(
        choice=options.zap,
        zap_url=options.zap_url,
        api_key=api_key,
        zap_image=options.zap_image,
        run_id=run_id,
        script_dir=environ.get("DAST_ZAP_SCRIPT_DIR"),
    )
    target = TargetOptions(
        target_url=options.target,
        image=options.image,
        build_dir=options.build,
        build_args=options.build_args,
        port=options.port,
        health_path=options.health_path,
        wait_s=options.wait,
        run_id=run_id,
        healthy=HealthyStatuses.parse(options.health_status),
    )
    sarif = sarif_locations(options.sarif_anchor, loaded.profile, options.profile, options.build, Path.cwd())
    return ScanConfig(
        options, loaded, request, OutputFormat.parse_list(options.formats), engine, target, triage, sarif
    )


def _check_engine_url(url: str) -> None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as err:
        raise UsageError(f"--zap-url {url!r} is not a valid URL ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--zap-url must be an http(s) URL, got {url!r}")


def run_scan_command(options: ScanOptions, env: Environment) -> ExitStatus:
    environ = env.environ()
    REDACTOR.add(environ.get("DAST_ZAP_API_KEY"), source="$DAST_ZAP_API_KEY")
    config = build_scan_config(options, environ)
    # Logging starts once the input is known to be good, so a bad call leaves no log file.
    setup_logging(options.verbose, options.quiet, options.log_file)
    target_logs: list[str] = []
    target_runtime = env.target_factory(config.target, target_logs.append)
    engine = env.engine_factory(config.engine)
    profile = config.profile
    LOGGER.info(
        f"run {config.request.run_id}: profile {profile.profile.name} ({profile.source}), "
        f"fail on {options.fail_on}"
    )
    with signals_as_interrupts(), _observer(options.progress, options.quiet) as observer:
        env.sweep()  # only what provably dead runs left behind; never fails the scan
        record = run_scan(config.request, target_runtime, engine, observer)
    record = _named_apart(triage_run(record, config.triage, today()), options.out)
    record = dataclasses.replace(record, sarif=config.sarif)
    extra = {TARGET_LOG: "".join(target_logs).encode("utf-8", "replace")} if target_logs else {}
    written = write_reports(
        record,
        config.formats,
        options.out,
        RenderOptions(template_dir=options.template_dir),
        extra_files=extra,
    )
    if environ.get(STEP_SUMMARY_VAR):
        # GitHub's job summary gets the Markdown table whatever --format asked for.
        summary = reporter_for(OutputFormat.MARKDOWN, RenderOptions()).render(record)
        write_step_summary(summary, environ)
    return announce(record, written)


def _named_apart(record: RunRecord, out: Path) -> RunRecord:
    """Warn when the folder's previous reports were for another target: one name per run folder."""
    try:
        previous = load_record(out / OutputFormat.JSON.filename).target.name
    except ResultsFileError:
        return record  # nothing there yet, or nothing of ours
    if not previous or previous == record.target.name:
        return record
    warning = (
        f"{out} held the reports of target {previous!r}, now replaced by those of {record.target.name!r}: "
        "give each target its own --out folder (and --name), or CI history mixes them"
    )
    return dataclasses.replace(record, warnings=(*record.warnings, warning))


@contextlib.contextmanager
def _observer(progress: str, quiet: bool) -> Iterator[ScanObserver]:
    if quiet:
        yield QuietProgress()
    elif progress == "rich" or (progress == "auto" and sys.stderr.isatty()):
        with RichProgress(Console(file=sys.stderr)) as rich_progress:
            yield rich_progress
    else:
        yield PlainProgress()
