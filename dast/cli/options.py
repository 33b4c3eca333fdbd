"""Options shared by several commands, declared once (name, env var, help, parse-time check)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dast.cli import validate

DEFAULT_FORMATS = "json,junit,html,sarif,markdown"

OutDir = Annotated[
    Path,
    typer.Option(
        "--out",
        envvar="DAST_OUT",
        help="Folder for the reports; the whole set is replaced only when every file was written.",
        callback=validate.out_dir,
    ),
]
Formats = Annotated[
    str,
    typer.Option(
        "--format",
        envvar="DAST_FORMAT",
        help="Comma list: json,junit,html,sarif,markdown,zap-xml, or all.",
        callback=validate.formats,
    ),
]
FailOn = Annotated[
    str,
    typer.Option(
        "--fail-on",
        envvar="DAST_FAIL_ON",
        help="Lowest failing risk: high|medium|low|info|never.",
        callback=validate.fail_on,
    ),
]
OptionalFailOn = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        envvar="DAST_FAIL_ON",
        help="Re-gate with another lowest failing risk: high|medium|low|info|never (default: the scan's).",
        callback=validate.fail_on,
    ),
]
TemplateDir = Annotated[
    Path | None,
    typer.Option(
        "--template-dir",
        envvar="DAST_TEMPLATE_DIR",
        help="Your own HTML templates, overriding ours by file name (checked by rendering a sample).",
        callback=validate.template_dir,
    ),
]
AllowIncomplete = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete",
        envvar="DAST_ALLOW_INCOMPLETE",
        help="An incomplete scan (budget cut, target died, too little reached) exits 0 with a warning, not 4.",
    ),
]
Suppressions = Annotated[
    Path | None,
    typer.Option(
        "--suppressions",
        envvar="DAST_SUPPRESSIONS",
        help="Suppressions and overrides YAML (README: Triage); with `dast report`, triage is applied anew.",
    ),
]
Baseline = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        envvar="DAST_BASELINE",
        help="An earlier run's results.json: marks each finding new or existing (by fingerprint), lists fixed ones.",
    ),
]
FailOnNew = Annotated[
    bool,
    typer.Option(
        "--fail-on-new",
        envvar="DAST_FAIL_ON_NEW",
        help="The gate counts only findings new against --baseline.",
    ),
]
SarifAnchor = Annotated[
    str | None,
    typer.Option(
        "--sarif-anchor",
        envvar="DAST_SARIF_ANCHOR",
        help="Repository file SARIF places results at when the profile's sarif.routes match none "
        "(default: the profile file, else the Dockerfile).",
        callback=validate.sarif_anchor,
    ),
]

Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")]

LogFile = Annotated[
    Path | None,
    typer.Option(
        "--log-file", help="Also log everything (debug level) to this file.", callback=validate.log_file
    ),
]
