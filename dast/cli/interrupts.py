"""Signals as interrupts for the long-running commands (scan, fleet run): cleanup always runs."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType

from dast.errors import Interrupted


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
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

    def raise_again(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        # An interrupt that lands in a finalizer or a callback is printed and dropped, and the scan would
        # go on to its end: raise it again shortly, from the main line of code.
        if received and issubclass(info.exc_type, KeyboardInterrupt):
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            return
        previous_hook(info)

    previous_hook = sys.unraisablehook
    sys.unraisablehook = unraisable
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, raise_again)
    try:
        yield
    except KeyboardInterrupt:
        name = received[0] if received else "SIGINT"
        raise Interrupted(f"interrupted by {name}; everything it started was cleaned up") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.unraisablehook = previous_hook
        for sig, old in previous.items():
            signal.signal(sig, old)
