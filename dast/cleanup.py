"""What earlier dast runs left behind - containers, networks, local-engine temp homes - and removing it.

The rule: a thing goes when its owner is provably dead (`ownership.judge`). With `older_than_s`,
a thing whose owner cannot be seen from here (another host or pid namespace, no owner labels)
goes too once it is older than that. What a live owner made always stays.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker.errors
import requests

from dast.dockerx import container_name, docker_client
from dast.errors import RuntimeUnavailableError
from dast.ownership import (
    ENGINE_HOME_PREFIX,
    ENGINE_PID_LABEL,
    ENGINE_STARTED_LABEL,
    RUN_LABEL,
    Liveness,
    Place,
    StartTimeOf,
    Verdict,
    created_at,
    judge,
    process_start_time,
    read_owner_file,
)
from dast.polling import Clock, Deadline, SystemClock, poll_until

LOGGER = logging.getLogger("dast")
DOCKER_ERRORS = (docker.errors.DockerException, requests.RequestException)
SWEEP_DOCKER_TIMEOUT_S = 5
NETWORK_BUSY_S = 5.0  # how long a network in use may take to come free


@dataclass(frozen=True)
class Surroundings:
    """What a verdict is judged against; tests pass their own."""

    here: Place
    start_time_of: StartTimeOf
    now: float  # seconds since the epoch
    temp_root: Path  # where local engines make their temp homes
    clock: Clock = field(default_factory=SystemClock)  # for waits while removing

    @classmethod
    def real(cls) -> Surroundings:
        return cls(Place.here(), process_start_time, time.time(), Path(tempfile.gettempdir()))


@dataclass(frozen=True)
class Leftover:
    kind: str  # container | network | temp dir
    name: str
    run_id: str
    verdict: Verdict
    age_s: float | None
    remove: Callable[[], None] = field(compare=False, repr=False)

    def describe(self) -> str:
        age = "" if self.age_s is None else f", created {_duration(self.age_s)} ago"
        return f"{self.kind} {self.name} (run {self.run_id or '?'}: {self.verdict.reason}{age})"

    def removable(self, older_than_s: float | None) -> bool:
        if self.verdict.liveness is Liveness.DEAD:
            return True
        if self.verdict.liveness is Liveness.ALIVE or older_than_s is None or self.age_s is None:
            return False
        return self.age_s >= older_than_s


@dataclass(frozen=True)
class CleanupResult:
    removed: tuple[str, ...] = ()  # descriptions, or what would be removed in a dry run
    kept: tuple[str, ...] = ()  # owner alive, or not provably dead and not old enough
    failed: tuple[str, ...] = ()  # description: why


def docker_leftovers(client: Any, env: Surroundings) -> list[Leftover]:
    """Raises the Docker SDK's errors: the caller decides whether they matter."""
    found = []
    filters = {"label": RUN_LABEL}
    for container in client.containers.list(all=True, sparse=True, filters=filters):
        labels = container.attrs.get("Labels") or {}
        found.append(
            Leftover(
                kind="container",
                name=container_name(container),
                run_id=labels.get(RUN_LABEL, ""),
                verdict=judge(labels, env.here, env.start_time_of),
                age_s=_age(labels, container.attrs.get("Created"), env.now),
                remove=_docker_remover(functools.partial(container.remove, force=True, v=True), env.clock),
            )
        )
    for network in client.networks.list(filters=filters):
        labels = network.attrs.get("Labels") or {}
        found.append(
            Leftover(
                kind="network",
                name=str(network.attrs.get("Name", "")),
                run_id=labels.get(RUN_LABEL, ""),
                verdict=judge(labels, env.here, env.start_time_of),
                age_s=_age(labels, network.attrs.get("Created"), env.now),
                remove=_docker_remover(network.remove, env.clock),
            )
        )
    return found


def temp_leftovers(env: Surroundings) -> list[Leftover]:
    found = []
    for path in sorted(_engine_homes(env.temp_root)):
        labels = read_owner_file(path)
        verdict = judge(labels, env.here, env.start_time_of)
        with contextlib.suppress(OSError):
            mtime = path.stat().st_mtime
            found.append(
                Leftover(
                    kind="temp dir",
                    name=str(path),
                    # dast-zap-<run id>-<mkdtemp's suffix, which has no '-'>
                    run_id=labels.get(RUN_LABEL)
                    or path.name.removeprefix(ENGINE_HOME_PREFIX).rpartition("-")[0],
                    verdict=verdict,
                    age_s=_age(labels, mtime, env.now),
                    remove=functools.partial(_remove_engine_home, path, labels, verdict, env.start_time_of),
                )
            )
    return found


def clean(
    leftovers: list[Leftover],
    older_than_s: float | None = None,
    dry_run: bool = False,
    on_removed: Callable[[str], None] = lambda _line: None,
) -> CleanupResult:
    removed, kept, failed = [], [], []
    for leftover in leftovers:
        description = leftover.describe()
        if not leftover.removable(older_than_s):
            kept.append(description)
            continue
        if not dry_run:
            try:
                leftover.remove()
            except _Gone:
                continue  # someone else removed it meanwhile
            except (*DOCKER_ERRORS, OSError) as err:
                failed.append(f"{description}: {_first_line(err)}")
                continue
        removed.append(description)
        on_removed(description)
    return CleanupResult(tuple(removed), tuple(kept), tuple(failed))


def sweep(client: Any | None, env: Surroundings) -> CleanupResult:
    """Remove what runs whose owner is provably dead left behind, one log line each.

    Docker's errors are logged, not raised: a scan of a URL with the local engine needs no Docker.
    Containers go before networks (a network in use cannot go).
    """
    leftovers: list[Leftover] = []
    if client is not None:
        try:
            leftovers += docker_leftovers(client, env)
        except DOCKER_ERRORS as err:
            LOGGER.debug(f"leftover sweep skipped Docker: {_first_line(err)}")
    leftovers += temp_leftovers(env)
    result = clean(leftovers, on_removed=lambda line: LOGGER.info(f"removed leftover {line}"))
    for line in result.failed:
        LOGGER.warning(f"could not remove leftover {line}")
    return result


def sweep_dead_runs() -> list[str]:
    """`dast scan` calls this before it starts anything; never raises for want of Docker."""
    with _docker_or_none() as client:
        return list(sweep(client, Surroundings.real()).removed)


def clean_up(
    older_than_s: float | None,
    dry_run: bool,
    run_id: str | None,
    on_removed: Callable[[str], None],
) -> CleanupResult:
    """`dast cleanup`: temp homes first (they need no Docker), then containers and networks.

    Raises RuntimeUnavailableError when Docker is not reachable.
    """
    env = Surroundings.real()

    def of_run(items: list[Leftover]) -> list[Leftover]:
        return [item for item in items if run_id is None or item.run_id == run_id]

    temp = clean(of_run(temp_leftovers(env)), older_than_s, dry_run, on_removed)
    client = docker_client(timeout_s=30, hint="start dockerd; containers and networks were not checked")
    try:
        in_docker = clean(of_run(docker_leftovers(client, env)), older_than_s, dry_run, on_removed)
    except DOCKER_ERRORS as err:
        raise RuntimeUnavailableError(f"Docker Engine failed while cleaning up: {_first_line(err)}") from None
    finally:
        client.close()
    return CleanupResult(
        removed=in_docker.removed + temp.removed,
        kept=in_docker.kept + temp.kept,
        failed=in_docker.failed + temp.failed,
    )


class _Gone(Exception):
    """The thing to remove no longer exists."""


def _docker_remover(remove: Callable[[], object], clock: Clock) -> Callable[[], None]:
    """Another dast may be removing the same thing right now (its sweep): that counts as gone,
    and a network waits a moment for that removal of its last container to finish."""

    def run() -> None:
        busy: list[docker.errors.APIError] = []

        def removed() -> bool:
            try:
                remove()
            except docker.errors.NotFound:
                raise _Gone from None
            except docker.errors.APIError as err:
                if "already in progress" in str(err):
                    raise _Gone from None
                if "active endpoints" not in str(err):
                    raise
                busy.append(err)
                return False
            return True

        if not poll_until(removed, Deadline.after(clock, NETWORK_BUSY_S)):
            raise busy[-1]

    return run


def _remove_engine_home(
    path: Path, labels: Mapping[str, str], verdict: Verdict, start_time_of: StartTimeOf
) -> None:
    if not path.is_dir():
        raise _Gone
    # A ZAP that outlived its dast (no parent-death signal on this system) still holds the key; the
    # pid means something only where the owner was proven dead, and only while it is the same process.
    if verdict.liveness is Liveness.DEAD:
        with contextlib.suppress(KeyError, ValueError, ProcessLookupError, PermissionError):
            pid = int(labels[ENGINE_PID_LABEL])
            if labels[ENGINE_STARTED_LABEL] and start_time_of(pid) == labels[ENGINE_STARTED_LABEL]:
                os.kill(pid, signal.SIGKILL)
    shutil.rmtree(path)


def _engine_homes(root: Path) -> Iterator[Path]:
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    uid = os.getuid()
    for path in entries:
        if not path.name.startswith(ENGINE_HOME_PREFIX):
            continue
        with contextlib.suppress(OSError):
            stat = path.lstat()
            # Only real folders of this user: never follow a link planted in a shared /tmp.
            if path.is_dir() and not path.is_symlink() and stat.st_uid == uid:
                yield path


@contextlib.contextmanager
def _docker_or_none() -> Iterator[Any | None]:
    try:
        client = docker_client(timeout_s=SWEEP_DOCKER_TIMEOUT_S)
    except RuntimeUnavailableError as err:
        LOGGER.debug(f"leftover sweep skipped Docker: {err}")
        yield None
        return
    try:
        yield client
    finally:
        client.close()


def _age(labels: Mapping[str, str], fallback: object, now: float) -> float | None:
    """From our label, else what Docker or the file system says (things made by older versions)."""
    created = created_at(labels)
    if created is None:
        created = _timestamp(fallback)
    return None if created is None else max(0.0, now - created)


def _timestamp(value: object) -> float | None:
    """Docker's `Created`: epoch seconds (container lists) or RFC 3339 text (networks)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and len(value) >= 19:
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC).timestamp()
    return None


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__
