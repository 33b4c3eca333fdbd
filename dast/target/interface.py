"""The target seam: bring the application under test up, say where it is, always take it down."""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable
from dataclasses import dataclass


def _always_up() -> str | None:
    return None


@dataclass(frozen=True)
class RunningTarget:
    host_url: str  # reachable from this machine
    network: str | None = None  # container network the target is on, if any
    network_url: str | None = None  # its URL from inside that network
    image: str = ""
    image_digest: str = ""
    # None while the target serves, else why not (container exited, health URL failing).
    # The core asks during the scan, so a target that dies mid-scan is never a silent pass.
    check_alive: Callable[[], str | None] = _always_up

    def url_for(self, in_network: bool) -> str:
        if in_network and self.network_url:
            return self.network_url
        return self.host_url


class TargetRuntime(abc.ABC):
    def prepare(self) -> None:  # noqa: B027 - optional hook; most targets have nothing to prepare
        """Work done before the scan's clock starts (building or resolving an image)."""

    @abc.abstractmethod
    def start(self, timeout_s: float) -> contextlib.AbstractContextManager[RunningTarget]:
        """Bring the target up; at most timeout_s until it is healthy."""
