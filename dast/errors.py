"""One exception tree for everything that can go wrong.

The CLI edge maps each class to an exit status; nothing below it exits.
Messages are one line, already free of secrets, and say what to do next.
"""

from __future__ import annotations


class DastError(Exception):
    """Base of every error dast raises on purpose.

    `setting` names what the message is about in the core's words ("image", "engine_url", ...);
    the CLI adds the flag or variable the user typed, so lower layers name no flags.
    """

    def __init__(self, message: str = "", setting: str = "") -> None:
        self.setting = setting
        super().__init__(message)


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


class EngineAuthError(EngineError):
    """The engine refused our API key."""


class StartTimeout(InfrastructureError):
    """The engine or the target did not come up in the time it was given.

    When that time was what was left of the scan's overall budget, the budget is what ran out:
    the core records the scan as incomplete rather than as an infrastructure failure.
    """


class EngineStartTimeout(EngineError, StartTimeout):
    """The engine did not answer in time."""


class TargetStartTimeout(TargetError, StartTimeout):
    """The target did not become healthy in time."""


class RuntimeUnavailableError(InfrastructureError):
    """The container runtime (Docker Engine) is missing or not answering."""


class ReportError(InfrastructureError):
    """A report could not be rendered or written."""


class Interrupted(DastError):
    """The run was stopped by Ctrl-C or SIGTERM; cleanup has run."""
