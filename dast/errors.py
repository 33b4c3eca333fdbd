"""One exception tree for everything that can go wrong.

The CLI edge maps each class to an exit status; nothing below it exits.
Messages are one line, already free of secrets, and say what to do next.
"""

from __future__ import annotations


class DastError(Exception):
    """Base of every error dast raises on purpose."""


class UsageError(DastError):
    """Bad options, profile or input file: the user can fix it."""


class ProfileError(UsageError):
    """A profile failed validation; carries one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ResultsFileError(UsageError):
    """A results.json given to `dast report` cannot be used."""


class InfrastructureError(DastError):
    """Something outside the user's input failed: engine, target, docker, disk."""


class EngineError(InfrastructureError):
    """The ZAP engine could not be installed, started or driven."""


class TargetError(InfrastructureError):
    """The application under test could not be built, started or reached."""


class RuntimeUnavailableError(InfrastructureError):
    """The container runtime (Docker Engine) is missing or not answering."""


class ReportError(InfrastructureError):
    """A report could not be rendered or written."""


class Interrupted(DastError):
    """The run was stopped by Ctrl-C or SIGTERM; cleanup has run."""
