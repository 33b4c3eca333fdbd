"""Terminal output: the package logger, and the observer that shows scan progress."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from dast.core.events import Event, Notice, PhaseFinished, PhaseProgress, PhaseStarted
from dast.errors import UsageError
from dast.models import PhaseOutcome
from dast.redact import redact

LOGGER = logging.getLogger("dast")
PLAIN_PROGRESS_EVERY_S = 30.0


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def setup_logging(verbose: bool, quiet: bool, log_file: Path | None, stream: IO[str] | None = None) -> None:
    LOGGER.handlers.clear()
    LOGGER.setLevel(logging.DEBUG)
    LOGGER.propagate = False
    err = stream or sys.stderr
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler: logging.Handler
    if err.isatty():
        handler = RichHandler(console=Console(file=err), show_path=False, markup=False)
    else:
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter("dast: %(message)s"))
    handler.setLevel(level)
    handler.addFilter(_RedactingFilter())
    LOGGER.addHandler(handler)
    if log_file is not None:
        try:
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as err:
            raise UsageError(f"--log-file {log_file}: cannot open: {err.strerror or err}") from None
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        file_handler.setLevel(logging.DEBUG)
        file_handler.addFilter(_RedactingFilter())
        LOGGER.addHandler(file_handler)


def _finished_line(event: PhaseFinished) -> str:
    result = event.result
    line = f"phase {result.name}: {result.outcome.value} in {result.duration_s:.1f} s"
    return f"{line} ({result.detail})" if result.detail else line


class PlainProgress:
    """For CI logs: a line per phase change, and a progress line at most every 30 s."""

    def __init__(self, every_s: float = PLAIN_PROGRESS_EVERY_S) -> None:
        self._every_s = every_s
        self._last = 0.0

    def on_event(self, event: Event) -> None:
        if isinstance(event, Notice):
            LOGGER.info(event.message)
        elif isinstance(event, PhaseStarted):
            self._last = time.monotonic()
            LOGGER.info(f"phase {event.phase}: started")
        elif isinstance(event, PhaseProgress):
            now = time.monotonic()
            if now - self._last >= self._every_s:
                self._last = now
                LOGGER.info(f"phase {event.phase}: {event.percent}% ({event.urls_found} URLs)")
        elif isinstance(event, PhaseFinished):
            level = logging.WARNING if event.result.outcome is PhaseOutcome.CUT_SHORT else logging.INFO
            LOGGER.log(level, _finished_line(event))


class RichProgress:
    """For a terminal: one live bar per phase, with the URLs found (alert counts cost the engine too much)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[urls]} URLs"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def on_event(self, event: Event) -> None:
        if isinstance(event, Notice):
            self._progress.console.print(redact(event.message), style="dim", markup=False, highlight=False)
        elif isinstance(event, PhaseStarted):
            self._tasks[event.phase] = self._progress.add_task(event.phase, total=100, urls=0)
        elif isinstance(event, PhaseProgress) and event.phase in self._tasks:
            self._progress.update(self._tasks[event.phase], completed=event.percent, urls=event.urls_found)
        elif isinstance(event, PhaseFinished):
            task = self._tasks.get(event.result.name)
            if task is not None:
                self._progress.update(
                    task, completed=100, description=f"{event.result.name} ({event.result.outcome.value})"
                )
            else:
                self._progress.console.print(
                    f"[dim]{_finished_line(event)}[/dim]", markup=True, highlight=False
                )


class QuietProgress:
    def on_event(self, event: Event) -> None:
        if isinstance(event, PhaseFinished) and event.result.outcome is PhaseOutcome.CUT_SHORT:
            LOGGER.warning(_finished_line(event))
