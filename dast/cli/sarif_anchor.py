"""Where SARIF places results in the repository: `--sarif-anchor`, or a default from the command line."""

from __future__ import annotations

from pathlib import Path

from dast.errors import UsageError
from dast.models import SarifLocations, SarifRoute
from dast.profiles.loader import available_profiles
from dast.profiles.model import Profile
from dast.repo_path import check_repo_path, relative_to
from dast.report.sarif_locations import DEFAULT_ANCHOR


def default_anchor(profile: str, build_dir: Path | None, cwd: Path) -> str:
    """The profile file when one was given (and lies in the repository), else the Dockerfile."""
    if profile not in available_profiles():
        found = relative_to(Path(profile), cwd)
        if found is not None:
            return found
    if build_dir is not None:
        found = relative_to(build_dir / "Dockerfile", cwd)
        if found is not None:
            return found
    return DEFAULT_ANCHOR


def sarif_locations(
    anchor: str | None, profile: Profile, profile_arg: str, build_dir: Path | None, cwd: Path
) -> SarifLocations:
    if anchor:
        try:
            anchor = check_repo_path(anchor)
        except ValueError as err:
            raise UsageError(f"--sarif-anchor: {err}") from None
    return SarifLocations(
        anchor=anchor or default_anchor(profile_arg, build_dir, cwd),
        routes=tuple(SarifRoute(pattern, path) for pattern, path in profile.sarif.routes.items()),
    )
