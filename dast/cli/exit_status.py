"""Exit codes, documented in the README; errors and verdicts become codes here and nowhere else.

Precedence when several apply: 2 usage (nothing ran) > 130 interrupted > 1 gating findings
(real findings stay actionable even from a broken run) > 3 infrastructure > 4 incomplete > 0.
"""

from __future__ import annotations

import enum

from dast.errors import DastError, InfrastructureError, Interrupted, UsageError
from dast.gate import Outcome


class ExitStatus(enum.IntEnum):
    OK = 0  # scan ran and covered what it should, gate passed
    GATE_FAILED = 1  # findings at or above --fail-on
    USAGE = 2  # bad options, profile, target or input file; nothing was started
    INFRASTRUCTURE = 3  # engine, target, Docker or disk failed
    INCOMPLETE = 4  # the scan ran but did not cover what it should, and found nothing gating
    INTERRUPTED = 130  # Ctrl-C or SIGTERM; everything was cleaned up


def status_for(error: BaseException) -> ExitStatus:
    if isinstance(error, Interrupted):
        return ExitStatus.INTERRUPTED
    if isinstance(error, UsageError):
        return ExitStatus.USAGE
    if isinstance(error, InfrastructureError | DastError):
        return ExitStatus.INFRASTRUCTURE
    return ExitStatus.INFRASTRUCTURE  # an unexpected exception is an infrastructure failure


OUTCOME_STATUS = {
    Outcome.FAILED: ExitStatus.GATE_FAILED,
    Outcome.ERROR: ExitStatus.INFRASTRUCTURE,
    Outcome.INCOMPLETE: ExitStatus.INCOMPLETE,
    Outcome.PASSED: ExitStatus.OK,
}
