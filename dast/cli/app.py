"""`dast`: thin Typer commands that build a config, call the core and map errors to exit codes.

Every problem reaches the user as `dast: error: …` lines on stderr, also under `-q`: dast's own
errors, the option parser's, and unexpected exceptions (exit 3; their traceback goes only to
`--log-file` / `-v`).
"""

from __future__ import annotations

import enum
import json
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.exceptions import NoArgsIsHelpError
from typer.core import TyperGroup

# Only what declaring the commands needs is imported here; each command imports its own machinery
# (docker, zaproxy, jinja2, pydantic, rich) when it runs, so `dast --version` and `--help` start fast.
from dast import __version__
from dast.cli import validate
from dast.cli.auth_options import AuthCookie, AuthHeader
from dast.cli.cleanup_command import cleanup_command
from dast.cli.engine_choice import DEFAULT_ZAP_IMAGE, ZapChoice
from dast.cli.options import (
    DEFAULT_FORMATS,
    AllowIncomplete,
    Baseline,
    FailOn,
    FailOnNew,
    Formats,
    LogFile,
    OptionalFailOn,
    OutDir,
    SarifAnchor,
    Suppressions,
    TemplateDir,
    Verbose,
)
from dast.cli.triage_command import diff_command, suppress_command, triage_app
from dast.cli.verdict import error, say, with_hint
from dast.errors import DastError, ProfileError
from dast.redact import REDACTOR

if TYPE_CHECKING:
    from dast.cli.environment import Environment

API_KEY_VAR = "DAST_ZAP_API_KEY"


class DastGroup(TyperGroup):
    """Runs a command and turns whatever ends it into one exit code and `dast: error:` lines."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        standalone_mode = kwargs.pop("standalone_mode", True)
        # Before parsing: a parser error may quote a value that holds the key.
        REDACTOR.add(os.environ.get(API_KEY_VAR), source=f"${API_KEY_VAR}")
        try:
            kwargs["standalone_mode"] = False
            code = super().main(*args, **kwargs)
        except Exception as exc:
            code = _report_failure(exc)
        code = int(code or 0)
        if standalone_mode:
            sys.exit(code)
        return code


def _report_failure(exc: Exception) -> int:
    """Says what ended the command on stderr and gives its exit code."""
    # Imported here: the exit codes pull in the gate and the results model, which a successful
    # `--version` or `--help` never needs.
    from dast.cli.exit_status import ExitStatus, status_for

    if isinstance(exc, NoArgsIsHelpError):
        typer.echo(exc.ctx.get_help() if exc.ctx is not None else "", err=True)
        return int(ExitStatus.USAGE)
    if isinstance(exc, typer.TyperException):  # the option parser: bad flag, bad value
        ctx = getattr(exc, "ctx", None)
        command = f"{ctx.command_path} --help" if ctx is not None else "dast --help"
        error(f"{exc.format_message()} (see: {command})")
        return int(ExitStatus.USAGE)
    if isinstance(exc, typer.Abort):
        error("aborted")
        return int(ExitStatus.INTERRUPTED)
    if isinstance(exc, DastError):
        lines = exc.problems if isinstance(exc, ProfileError) else [with_hint(str(exc), exc.setting)]
        for line in lines:
            error(line)
        return int(status_for(exc))
    # a bug or an unforeseen failure: one line here, the trace in the log
    from dast.cli.console import LOGGER

    LOGGER.debug("unexpected error:\n" + "".join(traceback.format_exception(exc)))
    error(f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    return int(ExitStatus.INFRASTRUCTURE)


class ProgressStyle(enum.StrEnum):
    AUTO = "auto"
    RICH = "rich"
    PLAIN = "plain"


app = typer.Typer(
    name="dast",
    cls=DastGroup,
    help="DAST for CI/CD: bring up the app, scan it with OWASP ZAP, gate on findings, write reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: Typer's rich help screen imports rich and markdown-it (~70 ms of every --help).
    rich_markup_mode=None,
)
engine_app = typer.Typer(help="Install and inspect the local ZAP engine.", no_args_is_help=True)
profiles_app = typer.Typer(help="List and show scan profiles.", no_args_is_help=True)
schema_app = typer.Typer(help="Print the JSON Schema of dast's files.", no_args_is_help=True)
app.add_typer(engine_app, name="engine")
app.add_typer(profiles_app, name="profiles")
app.add_typer(schema_app, name="schema")
app.command("cleanup")(cleanup_command)
app.command("suppress")(suppress_command)
app.command("diff")(diff_command)
app.add_typer(triage_app, name="triage")
fleet_app = typer.Typer(help="Scan many targets on warm shared engines.", no_args_is_help=True)
app.add_typer(fleet_app, name="fleet")


def _environment(ctx: typer.Context) -> Environment:
    from dast.cli.environment import Environment

    obj = ctx.find_root().obj
    return obj if isinstance(obj, Environment) else Environment()


def _print_version(value: bool) -> None:
    if value:
        say(f"dast {__version__}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _root(
    # Eager: handled before the other options, whose coercion would import pydantic (a slower start).
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    """Nothing to do here: --version is handled by its callback."""


@app.command()
def scan(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            envvar="DAST_TARGET",
            help="URL of an already deployed app.",
            callback=validate.target_url,
        ),
    ] = None,
    image: Annotated[
        str | None,
        typer.Option(
            "--image",
            envvar="DAST_IMAGE",
            help="Container image of the app to start.",
            callback=validate.image_reference,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            envvar="DAST_PORT",
            help="Port the app listens on in its container.",
            callback=validate.port,
        ),
    ] = None,
    build: Annotated[
        Path | None,
        typer.Option(
            "--build",
            help="Build the app image from this folder's Dockerfile first.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    build_arg: Annotated[list[str] | None, typer.Option("--build-arg", help="KEY=VALUE for --build.")] = None,
    health_path: Annotated[
        str,
        typer.Option(
            "--health-path",
            envvar="DAST_HEALTH_PATH",
            help="Path polled until the app is up, and during the scan.",
            callback=validate.health_path,
        ),
    ] = "/",
    health_status: Annotated[
        str,
        typer.Option(
            "--health-status",
            envvar="DAST_HEALTH_STATUS",
            help="HTTP statuses that mean healthy, e.g. 200-399 or 200,401.",
            callback=validate.health_statuses,
        ),
    ] = "200-399",
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            envvar="DAST_TARGET_TIMEOUT",
            help="Seconds to wait for the app to become healthy.",
            callback=validate.seconds,
        ),
    ] = 60.0,
    profile: Annotated[
        str,
        typer.Option(
            "--profile", envvar="DAST_PROFILE", help="Profile name (see `dast profiles list`) or YAML path."
        ),
    ] = "baseline",
    fail_on: FailOn = "medium",
    out: OutDir = Path("dast-reports"),
    formats: Formats = DEFAULT_FORMATS,
    template_dir: TemplateDir = None,
    zap: Annotated[
        ZapChoice, typer.Option("--zap", envvar="DAST_ZAP", help="Engine provider: auto|local|docker|remote.")
    ] = ZapChoice.AUTO,
    zap_url: Annotated[
        str | None,
        typer.Option("--zap-url", envvar="DAST_ZAP_URL", help="API URL of a running ZAP (remote)."),
    ] = None,
    zap_image: Annotated[
        str,
        typer.Option(
            "--zap-image",
            envvar="DAST_ZAP_IMAGE",
            help="ZAP image for --zap docker.",
            callback=validate.image_reference,
        ),
    ] = DEFAULT_ZAP_IMAGE,
    allow_incomplete: AllowIncomplete = False,
    auth_header: AuthHeader = None,
    auth_cookie: AuthCookie = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            envvar="DAST_NAME",
            help="Logical target name for JUnit, SARIF and HTML (default: the image's name, or the URL's host).",
            callback=validate.target_name,
        ),
    ] = None,
    report_base_url: Annotated[
        str | None,
        typer.Option(
            "--report-base-url",
            envvar="DAST_REPORT_BASE_URL",
            help="With --image: the base reports name URLs under (default: http://<name>/).",
            callback=validate.report_base_url,
        ),
    ] = None,
    suppressions: Suppressions = None,
    baseline: Baseline = None,
    fail_on_new: FailOnNew = False,
    sarif_anchor: SarifAnchor = None,
    progress: Annotated[
        ProgressStyle,
        typer.Option("--progress", envvar="DAST_PROGRESS", help="auto|rich|plain: progress display."),
    ] = ProgressStyle.AUTO,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict and problems.")] = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Scan an app and gate on the findings.

    Environment: DAST_TARGET, DAST_IMAGE, DAST_PORT, DAST_PROFILE, DAST_FAIL_ON, DAST_OUT, DAST_FORMAT,
    DAST_TEMPLATE_DIR, DAST_ZAP, DAST_ZAP_URL, DAST_ZAP_API_KEY (the remote engine's key; never on the
    command line), DAST_ZAP_IMAGE, DAST_ZAP_SCRIPT_DIR (the rule pack's folder on a remote ZAP's host),
    DAST_HEALTH_PATH, DAST_HEALTH_STATUS, DAST_TARGET_TIMEOUT, DAST_ALLOW_INCOMPLETE, DAST_PROGRESS,
    DAST_RUN_ID, DAST_AUTH_HEADER, DAST_AUTH_COOKIE (each names the variable holding the secret),
    DAST_NAME, DAST_REPORT_BASE_URL, DAST_SUPPRESSIONS, DAST_BASELINE, DAST_FAIL_ON_NEW, DAST_SARIF_ANCHOR.

    Exit codes: 0 gate passed, 1 findings at or above --fail-on, 2 bad usage or configuration,
    3 engine/target/infrastructure failure, 4 scan incomplete, 130 interrupted.
    """
    from dast.cli.scan_command import ScanOptions, run_scan_command

    options = ScanOptions(
        target=target,
        image=image,
        port=port,
        build=build,
        build_args=tuple(build_arg or ()),
        health_path=health_path,
        health_status=health_status,
        wait=wait,
        profile=profile,
        fail_on=fail_on,
        out=out,
        formats=formats,
        template_dir=template_dir,
        zap=zap,
        zap_url=zap_url,
        zap_image=zap_image,
        allow_incomplete=allow_incomplete,
        auth_header=auth_header,
        auth_cookie=auth_cookie,
        name=name,
        report_base_url=report_base_url,
        suppressions=suppressions,
        baseline=baseline,
        fail_on_new=fail_on_new,
        sarif_anchor=sarif_anchor,
        progress=progress.value,
        quiet=quiet,
        verbose=verbose,
        log_file=log_file,
    )
    raise typer.Exit(int(run_scan_command(options, _environment(ctx))))


@app.command()
def report(
    source: Annotated[Path, typer.Option("--from", help="A results.json written by `dast scan`.")],
    out: OutDir = Path("dast-reports"),
    formats: Formats = "junit,html,sarif,markdown",
    fail_on: OptionalFailOn = None,
    template_dir: TemplateDir = None,
    allow_incomplete: AllowIncomplete = False,
    suppressions: Suppressions = None,
    baseline: Baseline = None,
    fail_on_new: FailOnNew = False,
    sarif_anchor: SarifAnchor = None,
) -> None:
    """Re-render reports from a results.json, without any engine; exits as the scan would have.

    --suppressions applies triage anew (replacing the record's); --baseline compares anew.
    """
    import dataclasses

    from dast.cli.triage_command import load_plan, today
    from dast.cli.verdict import announce
    from dast.core.triage import triage_run
    from dast.gate import parse_fail_on
    from dast.report.interface import OutputFormat, RenderOptions
    from dast.report.writer import load_record, write_reports

    record = load_record(source)
    plan = load_plan(suppressions, baseline, fail_on_new, record_has_baseline=record.baseline is not None)
    if fail_on is not None:
        record = dataclasses.replace(record, fail_on=parse_fail_on(fail_on))
    if allow_incomplete:
        record = dataclasses.replace(record, allow_incomplete=True)
    if sarif_anchor:
        record = dataclasses.replace(record, sarif=dataclasses.replace(record.sarif, anchor=sarif_anchor))
    record = triage_run(record, plan, today())
    written = write_reports(
        record, OutputFormat.parse_list(formats), out, RenderOptions(template_dir=template_dir)
    )
    raise typer.Exit(int(announce(record, written)))


@fleet_app.command("run")
def fleet_run(
    ctx: typer.Context,
    fleet_file: Annotated[
        Path, typer.Argument(help="The fleet YAML: targets, each with its own name, profile and triage.")
    ],
    concurrency: Annotated[
        int, typer.Option("--concurrency", envvar="DAST_CONCURRENCY", help="Targets scanned at a time.")
    ] = 2,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard", envvar="DAST_SHARD", help="I/N: scan only the I-th of N equal shares (stable order)."
        ),
    ] = None,
    out: OutDir = Path("dast-reports"),
    formats: Formats = DEFAULT_FORMATS,
    template_dir: TemplateDir = None,
    zap: Annotated[
        ZapChoice,
        typer.Option("--zap", envvar="DAST_ZAP", help="Engine provider: auto|local|remote (not docker)."),
    ] = ZapChoice.AUTO,
    zap_url: Annotated[
        str | None,
        typer.Option("--zap-url", envvar="DAST_ZAP_URL", help="API URL of a running ZAP (remote)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdicts and problems.")] = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Scan every target of a fleet file; reports per target in OUT/<name>/, plus index.html and
    junit-fleet.xml. Exit code: as `scan`, over all targets (1 > 3 > 4 > 0)."""
    from dast.cli.fleet_command import FleetOptions, run_fleet_command

    options = FleetOptions(
        fleet_file=fleet_file,
        concurrency=concurrency,
        shard=shard,
        out=out,
        formats=formats,
        template_dir=template_dir,
        zap=zap,
        zap_url=zap_url,
        zap_image=DEFAULT_ZAP_IMAGE,
        quiet=quiet,
        verbose=verbose,
        log_file=log_file,
    )
    raise typer.Exit(int(run_fleet_command(options, _environment(ctx))))


@schema_app.command("results")
def schema_results() -> None:
    """The JSON Schema of results.json."""
    from dast.models import results_json_schema

    typer.echo(json.dumps(results_json_schema(), indent=2, sort_keys=True))


@engine_app.command("install")
def engine_install_command(
    force: Annotated[bool, typer.Option("--force", help="Assemble again even if cached.")] = False,
) -> None:
    """Assemble ZAP core and its dependencies from Maven Central into the user cache (once)."""
    from dast.cli.console import setup_logging
    from dast.engine.install import install_engine

    setup_logging(False, False, None)
    install, downloaded = install_engine(force=force)
    state = "installed" if downloaded else "already installed"
    say(f"ZAP {install.version} {state}: {install.lib_dir} ({install.jar_count} jars)")


@engine_app.command("status")
def engine_status_command() -> None:
    """Show which engine providers can serve on this machine."""
    from dast.dockerx import docker_availability
    from dast.engine.install import engine_install
    from dast.engine.local import LocalProvider

    install = engine_install()
    say(f"engine cache: {install.lib_dir} ({'complete' if install.complete else 'not installed'})")
    local = LocalProvider().availability()
    say(f"local:  {'ready' if local is None else 'unavailable: ' + local}")
    docker_reason = docker_availability()
    say(f"docker: {'ready' if docker_reason is None else 'unavailable: ' + docker_reason}")
    remote = "DAST_ZAP_URL set" if os.environ.get("DAST_ZAP_URL") else "set DAST_ZAP_URL and DAST_ZAP_API_KEY"
    say(f"remote: {remote}")


@profiles_app.command("list")
def profiles_list() -> None:
    """The bundled profiles."""
    from dast.profiles.loader import available_profiles, load_profile

    for name in available_profiles():
        try:
            description = load_profile(name).profile.description
        except ProfileError as err:
            description = f"(invalid: {err.problems[0]})"
        say(f"{name:<10} {description}")


@profiles_app.command("show")
def profiles_show(name: Annotated[str, typer.Argument(help="Profile name or YAML path.")]) -> None:
    """A profile after `extends:` is merged and defaults are filled in."""
    import yaml

    from dast.profiles.loader import load_profile

    loaded = load_profile(name)
    document = loaded.profile.model_dump(mode="json", exclude={"extends"})
    typer.echo(f"# {loaded.source} (sha256 {loaded.sha256[:16]})")
    typer.echo(yaml.safe_dump(document, sort_keys=False).rstrip())


def main() -> None:
    app()
