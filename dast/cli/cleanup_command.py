"""`dast cleanup`: remove what dast runs left behind, and say what went."""

from __future__ import annotations

from typing import Annotated

import typer

from dast.cli.verdict import error, say
from dast.errors import UsageError


def cleanup_command(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            help="Also remove leftovers whose owner cannot be seen from here (another host or pid "
            "namespace, e.g. a Docker Engine shared by CI jobs) once older than this: 90s, 5m, 2h.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be removed.")] = False,
    run: Annotated[str | None, typer.Option("--run", help="Only leftovers of this run id.")] = None,
) -> None:
    """Remove containers, networks and engine temp dirs of dast runs whose owner process is gone.

    By default only what provably belongs to a dead run on this machine (`dast scan` does the same before each scan).

    Exit codes: 0 done, 2 bad option, 3 Docker Engine unreachable or a removal failed.
    """
    # Imported here, not at the top: the Docker SDK and pydantic would slow every `dast` start.
    from dast.cleanup import clean_up
    from dast.cli.exit_status import ExitStatus
    from dast.ownership import RUN_ID

    verb = "would remove" if dry_run else "removed"
    # DastErrors raised here become `dast: error:` lines and exit codes in DastGroup, like everywhere.
    older_than_s = _positive_duration(older_than) if older_than is not None else None
    if run is not None and not RUN_ID.fullmatch(run):
        raise UsageError(f"--run must be 1-32 lowercase letters, digits or '-', got {run!r}")
    result = clean_up(older_than_s, dry_run, run, lambda line: say(f"{verb} {line}"))
    kept = f"; kept {len(result.kept)} not provably abandoned" if result.kept else ""
    hint = " (see --older-than)" if result.kept and older_than is None else ""
    say(f"{verb} {len(result.removed)} leftover(s){kept}{hint}")
    for line in result.failed:
        error(f"could not remove {line}")
    raise typer.Exit(int(ExitStatus.INFRASTRUCTURE if result.failed else ExitStatus.OK))


def _positive_duration(text: str) -> float:
    from dast.profiles.model import parse_duration

    try:
        seconds = parse_duration(text)
    except ValueError as err:
        raise UsageError(f"--older-than: {err}") from None
    if seconds <= 0:
        raise UsageError("--older-than must be longer than 0s")
    return seconds
