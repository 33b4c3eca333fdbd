"""What the core tells its observer while a scan runs. The CLI renders these; tests record them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dast.models import PhaseResult


@dataclass(frozen=True)
class Notice:
    message: str


@dataclass(frozen=True)
class PhaseStarted:
    phase: str


@dataclass(frozen=True)
class PhaseProgress:
    phase: str
    percent: int
    urls_found: int = 0


@dataclass(frozen=True)
class PhaseFinished:
    result: PhaseResult


Event = Notice | PhaseStarted | PhaseProgress | PhaseFinished


class ScanObserver(Protocol):
    def on_event(self, event: Event) -> None: ...


class RecordingObserver:
    """Keeps every event; used by tests and by the run record's phase list."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def on_event(self, event: Event) -> None:
        self.events.append(event)
