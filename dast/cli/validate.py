"""Checks the CLI runs on its input before anything starts: each raises typer.BadParameter,
which the CLI reports as one `dast: error:` line with exit 2."""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import typer

from dast.cli.container_hint import unwritable_folder_hint
from dast.errors import DastError
from dast.identity import check_name
from dast.repo_path import check_repo_path

# The checks that need the results model, pydantic, requests or jinja2 import them when they run: a
# callback runs only for an option that was given, and `--help` / `--version` need none of them.

# Docker's reference grammar: [registry[:port]/]path[:tag][@digest], path components lower case.
_REGISTRY = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REFERENCE = re.compile(
    rf"^{_REGISTRY}?{_COMPONENT}(?:/{_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
    r"(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?$"
)


def target_url(value: str | None) -> str | None:
    if value is None:
        return None
    from dast.target.url import check_target_url

    try:
        return check_target_url(value)
    except DastError as err:
        raise typer.BadParameter(str(err)) from None


def target_name(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_name(value)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None


def report_base_url(value: str | None) -> str | None:
    if value is None:
        return None
    from dast.target.url import check_target_url

    try:
        url = check_target_url(value)
    except DastError as err:
        raise typer.BadParameter(str(err).replace("the target", "the report base")) from None
    if urlsplit(url).query:
        raise typer.BadParameter(f"the report base must not have a ?query, got {value!r}")
    return url if url.endswith("/") else url + "/"  # a base is a folder: paths go below it


def image_reference(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > 255 or not IMAGE_REFERENCE.fullmatch(value):
        raise typer.BadParameter(
            f"{value!r} is not an image reference (e.g. shop:1.2, registry.example:5000/team/shop@sha256:…; "
            "names are lower case)"
        )
    return value


def port(value: int | None) -> int | None:
    if value is not None and not 0 < value < 65536:
        raise typer.BadParameter(f"must be 1-65535, got {value}")
    return value


def seconds(value: float) -> float:
    from dast.profiles.model import MAX_DURATION_S

    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"must be a number of seconds above 0, got {value}")
    if value > MAX_DURATION_S:
        raise typer.BadParameter(f"{value:.0f} s is more than the 7 days a scan may be given")
    return value


def health_path(value: str) -> str:
    if not value.startswith("/") or any(c.isspace() for c in value) or "#" in value:
        raise typer.BadParameter(f"must be a path starting with '/', got {value!r}")
    return value


def health_statuses(value: str) -> str:
    from dast.target.health import HealthyStatuses

    try:
        HealthyStatuses.parse(value)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    return value


def fail_on(value: str | None) -> str | None:
    if value is not None:
        from dast.gate import parse_fail_on

        try:
            parse_fail_on(value)
        except ValueError:
            raise typer.BadParameter(
                f"must be one of high, medium, low, info, never (got {value!r})"
            ) from None
    return value


def formats(value: str) -> str:
    from dast.report.interface import OutputFormat

    try:
        OutputFormat.parse_list(value)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    return value


def out_dir(value: Path) -> Path:
    """The folder must be creatable and writable: probed with a file that is removed at once."""
    if value.exists() and not value.is_dir():
        raise typer.BadParameter(f"{value} exists and is not a folder")
    existing = value
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise typer.BadParameter(f"{value} cannot be created: {existing} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".dast-probe-", dir=existing)
        os.close(fd)
        Path(probe).unlink()
    except OSError as err:
        hint = unwritable_folder_hint(existing.absolute())
        raise typer.BadParameter(f"{value} is not writable here ({err.strerror or err}){hint}") from None
    return value


def template_dir(value: Path | None) -> Path | None:
    """Your templates must exist and render a sample record, or the scan would fail at its end."""
    if value is None:
        return None
    from dast.report.html import HtmlReporter
    from dast.report.interface import RenderOptions
    from dast.report.sample import sample_record

    if not value.is_dir():
        raise typer.BadParameter(f"{value}: no such folder")
    try:
        HtmlReporter(RenderOptions(template_dir=value)).render(sample_record())
    except Exception as exc:  # a template error of any kind is the user's to fix
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        raise typer.BadParameter(f"templates in {value} do not render: {detail}") from None
    return value


def sarif_anchor(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_repo_path(value)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None


def log_file(value: Path | None) -> Path | None:
    if value is None:
        return None
    if value.is_dir():
        raise typer.BadParameter(f"{value} is a folder")
    parent = value.parent
    if not parent.is_dir():
        raise typer.BadParameter(f"{parent} does not exist")
    if not os.access(parent, os.W_OK) or (value.exists() and not os.access(value, os.W_OK)):
        raise typer.BadParameter(f"{value} is not writable")
    return value
