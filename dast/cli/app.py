"""`dast`: thin Typer commands that build a config, call the core and map errors to exit codes."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import yaml
from rich.console import Console

from dast import __version__
from dast.atomic import write_atomic
from dast.cli.console import LOGGER, PlainProgress, QuietProgress, RichProgress, setup_logging
from dast.cli.exit_status import ExitStatus, status_for
from dast.cli.wiring import (
    DEFAULT_ZAP_IMAGE,
    EngineOptions,
    TargetOptions,
    ZapChoice,
    build_engine,
    build_target,
)
from dast.core.events import ScanObserver
from dast.core.openapi import check_definition_source
from dast.core.scan import ScanRequest, run_scan
from dast.engine.install import engine_install, install_engine
from dast.engine.local import LocalProvider
from dast.errors import DastError, Interrupted, ProfileError, ReportError, UsageError
from dast.gate import evaluate, parse_fail_on
from dast.models import Risk, RunRecord
from dast.profiles.loader import available_profiles, load_profile
from dast.redact import REDACTOR, redact
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.registry import reporter_for
from dast.report.writer import STEP_SUMMARY_VAR, load_record, write_reports, write_step_summary

app = typer.Typer(
    name="dast",
    help="DAST for CI/CD: bring up the app, scan it with OWASP ZAP, gate on findings, write reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
engine_app = typer.Typer(help="Install and inspect the local ZAP engine.", no_args_is_help=True)
profiles_app = typer.Typer(help="List and show scan profiles.", no_args_is_help=True)
app.add_typer(engine_app, name="engine")
app.add_typer(profiles_app, name="profiles")

DEFAULT_FORMATS = "json,junit,html,sarif,markdown"


def _say(message: str) -> None:
    typer.echo(redact(message))


def _fail(error: DastError) -> None:
    status = status_for(error)
    lines = error.problems if isinstance(error, ProfileError) else [str(error)]
    for line in lines:
        typer.echo(f"dast: error: {redact(line)}", err=True)
    raise typer.Exit(int(status))


@contextlib.contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """SIGTERM and Ctrl-C unwind the stack, so every cleanup runs; later signals are ignored.

    The handler raises KeyboardInterrupt, not a DastError: being a BaseException, no
    `except Exception` on the way (logging's emit has one) can swallow it.
    """
    received: list[str] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        received.append(signal.Signals(signum).name)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except KeyboardInterrupt:
        name = received[0] if received else "SIGINT"
        raise Interrupted(f"interrupted by {name}; everything it started was cleaned up") from None
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        _say(f"dast {__version__}")
        raise typer.Exit(0)


@app.command()
def scan(
    target: Annotated[
        str | None, typer.Option("--target", envvar="DAST_TARGET", help="URL of an already deployed app.")
    ] = None,
    image: Annotated[
        str | None, typer.Option("--image", envvar="DAST_IMAGE", help="Container image of the app to start.")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", envvar="DAST_PORT", help="Port the app listens on in its container."),
    ] = None,
    build: Annotated[
        Path | None, typer.Option("--build", help="Build the app image from this folder's Dockerfile first.")
    ] = None,
    build_arg: Annotated[list[str] | None, typer.Option("--build-arg", help="KEY=VALUE for --build.")] = None,
    health_path: Annotated[
        str, typer.Option("--health-path", envvar="DAST_HEALTH_PATH", help="Path polled until the app is up.")
    ] = "/",
    wait: Annotated[
        float, typer.Option("--wait", envvar="DAST_TARGET_TIMEOUT", help="Seconds to wait for the app.")
    ] = 60.0,
    profile: Annotated[
        str,
        typer.Option(
            "--profile", envvar="DAST_PROFILE", help="Profile name (see `dast profiles list`) or YAML path."
        ),
    ] = "baseline",
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", envvar="DAST_FAIL_ON", help="Lowest failing risk: high|medium|low|info|never."
        ),
    ] = "medium",
    out: Annotated[Path, typer.Option("--out", envvar="DAST_OUT", help="Folder for the reports.")] = Path(
        "dast-reports"
    ),
    formats: Annotated[
        str,
        typer.Option(
            "--format", envvar="DAST_FORMAT", help="Comma list: json,junit,html,sarif,markdown or all."
        ),
    ] = DEFAULT_FORMATS,
    template_dir: Annotated[
        Path | None,
        typer.Option("--template-dir", help="Your own HTML templates, overriding ours by file name."),
    ] = None,
    zap: Annotated[
        ZapChoice, typer.Option("--zap", envvar="DAST_ZAP", help="Engine provider: auto|local|docker|remote.")
    ] = ZapChoice.AUTO,
    zap_url: Annotated[
        str | None,
        typer.Option("--zap-url", envvar="DAST_ZAP_URL", help="API URL of a running ZAP (remote)."),
    ] = None,
    zap_image: Annotated[
        str, typer.Option("--zap-image", envvar="DAST_ZAP_IMAGE", help="ZAP image for --zap docker.")
    ] = DEFAULT_ZAP_IMAGE,
    progress: Annotated[
        str, typer.Option("--progress", envvar="DAST_PROGRESS", help="auto|rich|plain: progress display.")
    ] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdict and errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
    log_file: Annotated[
        Path | None, typer.Option("--log-file", help="Also log everything to this file.")
    ] = None,
) -> None:
    """Scan an app and gate on the findings.

    Environment: DAST_TARGET, DAST_IMAGE, DAST_PORT, DAST_PROFILE, DAST_FAIL_ON, DAST_OUT, DAST_FORMAT,
    DAST_ZAP, DAST_ZAP_URL, DAST_ZAP_API_KEY (the remote engine's key; never on the command line),
    DAST_ZAP_IMAGE, DAST_ZAP_SCRIPT_DIR (the rule pack's folder on a remote ZAP's host),
    DAST_HEALTH_PATH, DAST_TARGET_TIMEOUT, DAST_PROGRESS.

    Exit codes: 0 gate passed, 1 findings at or above --fail-on, 2 bad usage or configuration,
    3 engine/target/infrastructure failure, 130 interrupted.
    """
    api_key = os.environ.get("DAST_ZAP_API_KEY")
    REDACTOR.add(api_key)
    try:
        setup_logging(verbose, quiet, log_file)
        if progress not in ("auto", "rich", "plain"):
            raise UsageError(f"--progress must be auto, rich or plain, got {progress!r}")
        try:
            threshold = parse_fail_on(fail_on)
            output_formats = OutputFormat.parse_list(formats)
        except ValueError as err:
            raise UsageError(str(err)) from None
        if template_dir is not None and not template_dir.is_dir():
            raise UsageError(f"--template-dir {template_dir}: no such folder")
        loaded = load_profile(profile)
        check_definition_source(loaded.profile.openapi.file if loaded.profile.openapi.enabled else None)
        run_id = secrets.token_hex(4)
        target_logs: list[str] = []
        target_runtime = build_target(
            TargetOptions(
                target_url=target,
                image=image,
                build_dir=build,
                build_args=tuple(build_arg or ()),
                port=port,
                health_path=health_path,
                wait_s=wait,
                run_id=run_id,
            ),
            logs_sink=target_logs.append,
        )
        engine = build_engine(
            EngineOptions(
                choice=zap,
                zap_url=zap_url,
                api_key=api_key,
                zap_image=zap_image,
                run_id=run_id,
                script_dir=os.environ.get("DAST_ZAP_SCRIPT_DIR"),
            )
        )
        request = ScanRequest(profile=loaded.profile, profile_sha256=loaded.sha256, fail_on=threshold)
        LOGGER.info(f"profile {loaded.profile.name} ({loaded.source}), fail on {fail_on}")
        with _signals_as_interrupts(), _observer(progress, quiet) as observer:
            record = run_scan(request, target_runtime, engine, observer)
        written = write_reports(record, output_formats, out, RenderOptions(template_dir=template_dir))
        if target_logs:
            _write_target_log(out, target_logs)
        if os.environ.get(STEP_SUMMARY_VAR):
            # GitHub's job summary gets the Markdown table whatever --format asked for.
            summary = reporter_for(OutputFormat.MARKDOWN, RenderOptions()).render(record)
            write_step_summary(summary, os.environ)
    except DastError as err:
        _fail(err)
        return
    _finish(record, written)


def _write_target_log(out: Path, chunks: list[str]) -> None:
    try:
        write_atomic(out / "target.log", "".join(chunks).encode("utf-8", "replace"))
    except OSError as err:
        raise ReportError(f"could not write {out / 'target.log'}: {err.strerror or err}") from None


def _finish(record: RunRecord, written: list[Path]) -> None:
    verdict = evaluate(record)
    if written:
        _say(f"reports: {', '.join(str(p) for p in written)}")
    if record.error:
        _say(f"dast: scan failed: {record.error}")
        raise typer.Exit(int(ExitStatus.INFRASTRUCTURE))
    counts = ", ".join(
        f"{risk}: {sum(1 for f in record.findings if f.risk.label == risk)}"
        for risk in ("High", "Medium", "Low", "Informational")
    )
    cut = f"; cut short: {', '.join(record.budgets_hit)}" if record.budgets_hit else ""
    _say(f"findings: {counts}{cut}")
    _say(verdict.summary())
    raise typer.Exit(int(ExitStatus.OK if verdict.passed else ExitStatus.GATE_FAILED))


@contextlib.contextmanager
def _observer(progress: str, quiet: bool) -> Iterator[ScanObserver]:
    if quiet:
        yield QuietProgress()
    elif progress == "rich" or (progress == "auto" and sys.stderr.isatty()):
        with RichProgress(Console(file=sys.stderr)) as rich_progress:
            yield rich_progress
    else:
        yield PlainProgress()


@app.command()
def report(
    source: Annotated[Path, typer.Option("--from", help="A results.json written by `dast scan`.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the reports.")] = Path("dast-reports"),
    formats: Annotated[
        str, typer.Option("--format", help="Comma list of formats, or all.")
    ] = "junit,html,sarif,markdown",
    fail_on: Annotated[
        str | None, typer.Option("--fail-on", help="Re-gate with another threshold (default: the scan's).")
    ] = None,
    template_dir: Annotated[
        Path | None, typer.Option("--template-dir", help="Your own HTML templates.")
    ] = None,
) -> None:
    """Re-render reports from a results.json, without any engine."""
    try:
        try:
            output_formats = OutputFormat.parse_list(formats)
            threshold = parse_fail_on(fail_on) if fail_on is not None else None
        except ValueError as err:
            raise UsageError(str(err)) from None
        if template_dir is not None and not template_dir.is_dir():
            raise UsageError(f"--template-dir {template_dir}: no such folder")
        record = load_record(source)
        if fail_on is not None:
            record = _with_fail_on(record, threshold)
        written = write_reports(record, output_formats, out, RenderOptions(template_dir=template_dir))
    except DastError as err:
        _fail(err)
        return
    _finish(record, written)


def _with_fail_on(record: RunRecord, threshold: Risk | None) -> RunRecord:
    return dataclasses.replace(record, fail_on=threshold)


@engine_app.command("install")
def engine_install_command(
    force: Annotated[bool, typer.Option("--force", help="Assemble again even if cached.")] = False,
) -> None:
    """Assemble ZAP core and its dependencies from Maven Central into the user cache (once)."""
    setup_logging(False, False, None)
    try:
        install, downloaded = install_engine(force=force)
    except DastError as err:
        _fail(err)
        return
    state = "installed" if downloaded else "already installed"
    _say(f"ZAP {install.version} {state}: {install.lib_dir} ({install.jar_count} jars)")


@engine_app.command("status")
def engine_status_command() -> None:
    """Show which engine providers can serve on this machine."""
    from dast.dockerx import docker_availability

    install = engine_install()
    _say(f"engine cache: {install.lib_dir} ({'complete' if install.complete else 'not installed'})")
    local = LocalProvider().availability()
    _say(f"local:  {'ready' if local is None else 'unavailable: ' + local}")
    docker_reason = docker_availability()
    _say(f"docker: {'ready' if docker_reason is None else 'unavailable: ' + docker_reason}")
    remote = "DAST_ZAP_URL set" if os.environ.get("DAST_ZAP_URL") else "set DAST_ZAP_URL and DAST_ZAP_API_KEY"
    _say(f"remote: {remote}")


@profiles_app.command("list")
def profiles_list() -> None:
    """The bundled profiles."""
    for name in available_profiles():
        try:
            description = load_profile(name).profile.description
        except ProfileError as err:
            description = f"(invalid: {err.problems[0]})"
        _say(f"{name:<10} {description}")


@profiles_app.command("show")
def profiles_show(name: Annotated[str, typer.Argument(help="Profile name or YAML path.")]) -> None:
    """A profile after `extends:` is merged and defaults are filled in."""
    try:
        loaded = load_profile(name)
    except DastError as err:
        _fail(err)
        return
    document = loaded.profile.model_dump(mode="json", exclude={"extends"})
    typer.echo(f"# {loaded.source} (sha256 {loaded.sha256[:16]})")
    typer.echo(yaml.safe_dump(document, sort_keys=False).rstrip())


def main() -> None:
    app()
