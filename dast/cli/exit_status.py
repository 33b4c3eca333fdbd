"""Exit codes, documented in the README; errors become codes here and nowhere else."""

from __future__ import annotations

import enum

from dast.errors import DastError, InfrastructureError, Interrupted, UsageError


class ExitStatus(enum.IntEnum):
    OK = 0  # scan ran, gate passed
    GATE_FAILED = 1  # scan ran, findings at or above --fail-on
    USAGE = 2  # bad options, profile, target or input file; nothing was started
    INFRASTRUCTURE = 3  # engine, target, Docker or disk failed
    INTERRUPTED = 130  # Ctrl-C or SIGTERM; everything was cleaned up


def status_for(error: DastError) -> ExitStatus:
    if isinstance(error, Interrupted):
        return ExitStatus.INTERRUPTED
    if isinstance(error, UsageError):
        return ExitStatus.USAGE
    if isinstance(error, InfrastructureError):
        return ExitStatus.INFRASTRUCTURE
    return ExitStatus.INFRASTRUCTURE
