"""Signals become one Interrupted, even when the first interrupt lands where Python drops it."""

from __future__ import annotations

import os
import signal
import sys
import time
import weakref

import pytest

from dast.cli.interrupts import signals_as_interrupts
from dast.errors import Interrupted


class _Thing:
    pass


def _wait(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_becomes_interrupted_with_its_name(sig: signal.Signals) -> None:
    with pytest.raises(Interrupted, match=f"interrupted by {sig.name}"), signals_as_interrupts():
        os.kill(os.getpid(), sig)
        _wait(5)


def test_an_interrupt_dropped_inside_a_finalizer_is_raised_again() -> None:
    hook = sys.unraisablehook
    # What the runner left (SIG_IGN for a job started in the background by a non-interactive shell).
    handler = signal.getsignal(signal.SIGINT)
    began = time.monotonic()
    with pytest.raises(Interrupted, match="interrupted by SIGINT"), signals_as_interrupts():
        thing = _Thing()
        # The signal arrives while the finalizer runs: Python prints and drops what it raises there.
        weakref.finalize(thing, lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.2)))
        del thing
        _wait(5)
    assert time.monotonic() - began < 2
    # Everything is as it was: hook, handlers, no timer left running.
    assert sys.unraisablehook is hook
    assert signal.getsignal(signal.SIGINT) == handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
