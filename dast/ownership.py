"""Who made a container, network or temp dir, and whether that owner is provably dead.

Everything dast creates carries the owner's labels made here. A later run may remove a thing
only when its owner is provably dead: same host and same pid namespace (so the pid names the
same process table) and that pid gone, a zombie, or another process now (its start time differs).
Anything else - another host, another pid namespace, labels missing - is "cannot tell".
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import os
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# A run id goes into container names, labels and temp dir names: short, lower case, no spaces.
RUN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
RUN_LABEL = "dev.dast.run"
HOST_LABEL = "dev.dast.host"
PID_LABEL = "dev.dast.pid"
STARTED_LABEL = "dev.dast.started"  # the owner's start time, clock ticks since boot (/proc/<pid>/stat)
PIDNS_LABEL = "dev.dast.pidns"
CREATED_LABEL = "dev.dast.created"  # seconds since the epoch
# Only in a local engine's temp home: the ZAP process, so a cleanup can stop it if it outlived dast.
ENGINE_PID_LABEL = "dev.dast.engine-pid"
ENGINE_STARTED_LABEL = "dev.dast.engine-started"

ENGINE_HOME_PREFIX = "dast-zap-"  # local engine temp homes: dast-zap-<run id>-<random>
OWNER_FILE = "dast-owner.json"

PROC = Path("/proc")

# Start time of a live process, or None when there is no such (live) process.
StartTimeOf = Callable[[int], str | None]


class Liveness(enum.Enum):
    ALIVE = "alive"
    DEAD = "dead"  # provably: safe to remove what it left
    UNKNOWN = "unknown"  # cannot tell from here


@dataclass(frozen=True)
class Verdict:
    liveness: Liveness
    reason: str  # e.g. "owner pid 4711 gone"


@dataclass(frozen=True)
class Place:
    """Where pids mean something: a host and a pid namespace on it."""

    host_id: str
    pid_namespace: str

    @classmethod
    def here(cls) -> Place:
        return cls(_host_id(), _pid_namespace())


@dataclass(frozen=True)
class Owner:
    place: Place
    pid: int
    started: str

    @classmethod
    def current(cls) -> Owner:
        pid = os.getpid()
        return cls(Place.here(), pid, process_start_time(pid) or "")

    def labels(self, run_id: str, created: float | None = None) -> dict[str, str]:
        return {
            RUN_LABEL: run_id,
            HOST_LABEL: self.place.host_id,
            PIDNS_LABEL: self.place.pid_namespace,
            PID_LABEL: str(self.pid),
            STARTED_LABEL: self.started,
            CREATED_LABEL: str(int(time.time() if created is None else created)),
        }

    def label_filters(self, run_id: str) -> list[str]:
        """Docker label filters matching what this owner created for this run."""
        labels = self.labels(run_id)
        del labels[CREATED_LABEL]
        return [f"{key}={value}" for key, value in labels.items()]


def owner_of(labels: Mapping[str, str]) -> Owner | None:
    try:
        place = Place(labels[HOST_LABEL], labels[PIDNS_LABEL])
        return Owner(place, int(labels[PID_LABEL]), labels[STARTED_LABEL])
    except (KeyError, ValueError):
        return None


def judge(labels: Mapping[str, str], here: Place, start_time_of: StartTimeOf | None = None) -> Verdict:
    """Is the owner named by these labels provably dead, seen from `here`?"""
    owner = owner_of(labels)
    if owner is None:
        return Verdict(Liveness.UNKNOWN, "no owner labels")
    if not owner.place.host_id or owner.place.host_id != here.host_id:
        return Verdict(Liveness.UNKNOWN, "owner on another host")
    if not owner.place.pid_namespace or owner.place.pid_namespace != here.pid_namespace:
        return Verdict(Liveness.UNKNOWN, "owner in another pid namespace")
    if not owner.started:
        return Verdict(Liveness.UNKNOWN, f"owner pid {owner.pid} without a start time")
    started_now = (start_time_of or process_start_time)(owner.pid)
    if started_now is None:
        return Verdict(Liveness.DEAD, f"owner pid {owner.pid} gone")
    if started_now != owner.started:
        return Verdict(Liveness.DEAD, f"owner pid {owner.pid} gone (pid reused)")
    return Verdict(Liveness.ALIVE, f"owner pid {owner.pid} running")


def created_at(labels: Mapping[str, str]) -> float | None:
    try:
        return float(labels[CREATED_LABEL])
    except (KeyError, ValueError):
        return None


def process_start_time(pid: int, proc: Path = PROC) -> str | None:
    """Field 22 of /proc/<pid>/stat; None when the pid is gone or a zombie (it can clean up nothing)."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    # The command name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def write_owner_file(directory: Path, labels: Mapping[str, str]) -> None:
    """Replaced as a whole, so a sweep never reads half a file."""
    partial = directory / f"{OWNER_FILE}.partial"
    partial.write_text(json.dumps(dict(labels), sort_keys=True), "utf-8")
    partial.replace(directory / OWNER_FILE)


def read_owner_file(directory: Path) -> dict[str, str]:
    """The labels in a temp dir's owner file; empty when it has none or an unreadable one."""
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((directory / OWNER_FILE).read_text("utf-8"))
        if isinstance(data, dict):
            return {str(key): str(value) for key, value in data.items()}
    return {}


@functools.cache
def _host_id() -> str:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        machine_id = Path("/etc/machine-id").read_text("ascii").strip()
        if machine_id:
            return machine_id
    return f"hostname:{socket.gethostname()}"


@functools.cache
def _pid_namespace() -> str:
    try:
        return str((PROC / "self" / "ns" / "pid").stat().st_ino)
    except OSError:
        return ""  # no /proc: nothing made here can ever be proven dead
