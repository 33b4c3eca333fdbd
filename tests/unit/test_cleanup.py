"""Ownership labels, the "provably dead" rule, and the sweep - with fakes of Docker SDK objects."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import docker.errors
import pytest
import requests
from fakes import FakeClock

from dast.cleanup import Surroundings, clean, docker_leftovers, sweep, temp_leftovers
from dast.ownership import (
    CREATED_LABEL,
    ENGINE_HOME_PREFIX,
    ENGINE_PID_LABEL,
    ENGINE_STARTED_LABEL,
    HOST_LABEL,
    PID_LABEL,
    PIDNS_LABEL,
    RUN_LABEL,
    STARTED_LABEL,
    Liveness,
    Owner,
    Place,
    judge,
    process_start_time,
    write_owner_file,
)

HERE = Place("machine-1", "4026531836")
NOW = 1_800_000_000.0
LIVE_PID, DEAD_PID = 100, 200


def start_times(table: Mapping[int, str]) -> Callable[[int], str | None]:
    return table.get


PROCESSES = start_times({LIVE_PID: "5000"})


def labels(
    run_id: str = "r1",
    pid: int = DEAD_PID,
    started: str = "5000",
    place: Place = HERE,
    age_s: float = 60.0,
) -> dict[str, str]:
    return Owner(place, pid, started).labels(run_id, created=NOW - age_s)


# --- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner_labels", "liveness", "reason"),
    [
        (labels(pid=DEAD_PID), Liveness.DEAD, "owner pid 200 gone"),
        (labels(pid=LIVE_PID, started="4999"), Liveness.DEAD, "owner pid 100 gone (pid reused)"),
        (labels(pid=LIVE_PID), Liveness.ALIVE, "owner pid 100 running"),
        (labels(place=Place("machine-2", HERE.pid_namespace)), Liveness.UNKNOWN, "owner on another host"),
        (labels(place=Place(HERE.host_id, "4026532999")), Liveness.UNKNOWN, "owner in another pid namespace"),
        (labels(started=""), Liveness.UNKNOWN, "owner pid 200 without a start time"),
        ({RUN_LABEL: "r1"}, Liveness.UNKNOWN, "no owner labels"),
        ({**labels(), PID_LABEL: "not-a-pid"}, Liveness.UNKNOWN, "no owner labels"),
    ],
    ids=[
        "pid-gone",
        "pid-reused",
        "alive",
        "other-host",
        "other-pidns",
        "no-start-time",
        "old-labels",
        "bad-pid",
    ],
)
def test_only_an_owner_on_this_host_and_pid_namespace_whose_process_is_gone_is_dead(
    owner_labels: dict[str, str], liveness: Liveness, reason: str
) -> None:
    verdict = judge(owner_labels, HERE, PROCESSES)
    assert (verdict.liveness, verdict.reason) == (liveness, reason)


def test_labels_name_the_run_the_host_the_pid_namespace_the_pid_and_its_start_time() -> None:
    owner = Owner.current()
    made = owner.labels("r1")
    assert made[RUN_LABEL] == "r1"
    assert made[PID_LABEL] == str(os.getpid())
    assert made[HOST_LABEL] == owner.place.host_id != ""
    assert made[PIDNS_LABEL] == str(Path("/proc/self/ns/pid").stat().st_ino)
    assert made[STARTED_LABEL] == process_start_time(os.getpid()) != ""
    assert abs(float(made[CREATED_LABEL]) - time.time()) < 5
    assert f"{CREATED_LABEL}=" not in " ".join(owner.label_filters("r1")), "filters match every creation time"
    assert judge(made, Place.here()).liveness is Liveness.ALIVE


def test_a_real_process_is_alive_then_dead_as_a_zombie_and_after_it_is_reaped() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        made = Owner(Place.here(), child.pid, process_start_time(child.pid) or "").labels("r1")
        assert judge(made, Place.here()).liveness is Liveness.ALIVE
        child.kill()
        deadline = time.monotonic() + 5
        while process_start_time(child.pid) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert judge(made, Place.here()).liveness is Liveness.DEAD, "a zombie cleans up nothing"
    finally:
        child.kill()
        child.wait(timeout=5)
    assert judge(made, Place.here()).liveness is Liveness.DEAD


def test_the_start_time_is_read_after_the_last_parenthesis_of_the_command_name(tmp_path: Path) -> None:
    fields = " ".join(str(n) for n in range(4, 23))  # fields 4..22: the start time is 22
    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "stat").write_text(f"7 (a) b (c)) S {fields} 23 24\n")
    assert process_start_time(7, proc=tmp_path) == "22"
    (tmp_path / "7" / "stat").write_text(f"7 (zap) Z {fields}\n")
    assert process_start_time(7, proc=tmp_path) is None
    assert process_start_time(8, proc=tmp_path) is None


# --- a small fake of the Docker SDK ---------------------------------------------------------


class FakeResource:
    """A container or network as the SDK lists it; remove() raises the given errors in turn, then works."""

    def __init__(self, kind: str, attrs: dict[str, Any], log: list[str], errors: list[Exception]):
        self.kind = kind
        self.attrs = attrs
        self.name = attrs.get("Name") or attrs["Names"][0].lstrip("/")
        self._log = log
        self._errors = errors
        self.attempts = 0

    def remove(self, **kwargs: Any) -> None:
        if self.kind == "container":
            assert kwargs == {"force": True, "v": True}, "a leftover container may still run"
        self.attempts += 1
        if self._errors:
            raise self._errors.pop(0)
        self._log.append(f"{self.kind} {self.name}")


class FakeCollection:
    def __init__(self, items: list[FakeResource]) -> None:
        self.items = items
        self.filters: list[Any] = []

    def list(self, all: bool = False, sparse: bool = False, filters: Any = None) -> list[FakeResource]:
        self.filters.append(filters)
        wanted = filters["label"]
        return [item for item in self.items if wanted in item.attrs["Labels"]]


class FakeDocker:
    def __init__(self) -> None:
        self.removed: list[str] = []
        self.containers = FakeCollection([])
        self.networks = FakeCollection([])

    def container(self, name: str, owner_labels: dict[str, str], *errors: Exception) -> FakeResource:
        # As `containers.list(sparse=True)` gives them: Names, Labels, Created in epoch seconds.
        attrs = {"Names": [f"/{name}"], "Labels": owner_labels, "Created": int(NOW - 60)}
        self.containers.items.append(FakeResource("container", attrs, self.removed, list(errors)))
        return self.containers.items[-1]

    def network(
        self,
        name: str,
        owner_labels: dict[str, str],
        *errors: Exception,
        created: str = "2027-01-15T07:59:00Z",
    ) -> FakeResource:
        attrs = {"Name": name, "Labels": owner_labels, "Created": created}
        self.networks.items.append(FakeResource("network", attrs, self.removed, list(errors)))
        return self.networks.items[-1]


def surroundings(temp_root: Path, clock: FakeClock | None = None) -> Surroundings:
    return Surroundings(HERE, PROCESSES, NOW, temp_root, clock or FakeClock())


def dead_run(daemon: FakeDocker, run_id: str, **kwargs: Any) -> None:
    daemon.network(f"dast-{run_id}", labels(run_id, **kwargs))
    daemon.container(f"dast-target-{run_id}", labels(run_id, **kwargs))
    daemon.container(f"dast-zap-{run_id}", labels(run_id, **kwargs))


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_removes_a_dead_runs_containers_before_its_network_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    daemon = FakeDocker()
    dead_run(daemon, "dead")
    dead_run(daemon, "alive", pid=LIVE_PID)
    dead_run(daemon, "elsewhere", place=Place("machine-2", "1"), age_s=3 * 3600)
    daemon.container("unlabelled-old-version", {RUN_LABEL: "old"})
    # A handler of the test's own on dast's logger: what other tests left configured does not matter.
    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("dast")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        result = sweep(daemon, surroundings(tmp_path))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert daemon.removed == ["container dast-target-dead", "container dast-zap-dead", "network dast-dead"]
    assert lines == [f"removed leftover {line}" for line in result.removed]
    assert result.removed[0] == "container dast-target-dead (run dead: owner pid 200 gone, created 60s ago)"
    assert len(result.kept) == 7 and result.failed == ()
    assert daemon.containers.filters == [{"label": RUN_LABEL}], "only dast's own things are looked at"


def test_older_than_also_removes_old_things_whose_owner_cannot_be_seen_but_never_a_live_owners(
    tmp_path: Path,
) -> None:
    daemon = FakeDocker()
    dead_run(daemon, "elsewhere-old", place=Place("machine-2", "1"), age_s=3 * 3600)
    dead_run(daemon, "elsewhere-new", place=Place("machine-2", "1"), age_s=30 * 60)
    dead_run(daemon, "alive-old", pid=LIVE_PID, age_s=5 * 3600)
    # Made by a version without owner labels: Docker's own creation time decides.
    daemon.container("dast-target-legacy", {RUN_LABEL: "legacy"})  # 60 s old
    daemon.network("dast-legacy", {RUN_LABEL: "legacy"}, created="2027-01-15T05:00:00.5Z")  # NOW - 3 h
    result = clean(docker_leftovers(daemon, surroundings(tmp_path)), older_than_s=2 * 3600)
    assert daemon.removed == [
        "container dast-target-elsewhere-old",
        "container dast-zap-elsewhere-old",
        "network dast-elsewhere-old",
        "network dast-legacy",
    ]
    assert result.removed[-2].endswith("(run elsewhere-old: owner on another host, created 3.0h ago)")
    assert result.removed[-1].endswith("(run legacy: no owner labels, created 3.0h ago)")


def test_a_dry_run_lists_and_removes_nothing(tmp_path: Path) -> None:
    daemon = FakeDocker()
    dead_run(daemon, "dead")
    result = clean(docker_leftovers(daemon, surroundings(tmp_path)), dry_run=True)
    assert len(result.removed) == 3
    assert daemon.removed == []


def test_a_thing_gone_meanwhile_is_skipped_and_a_failed_removal_is_reported(tmp_path: Path) -> None:
    daemon = FakeDocker()
    daemon.container("dast-target-a", labels("a"), docker.errors.NotFound("No such container"))
    # Another dast's sweep is removing it at this very moment.
    daemon.container("dast-target-b", labels("b"), conflict("removal of container b is already in progress"))
    daemon.container("dast-target-c", labels("c"), docker.errors.APIError("500 Server Error: busy"))
    daemon.container("dast-target-d", labels("d"))
    result = sweep(daemon, surroundings(tmp_path))
    assert daemon.removed == ["container dast-target-d"]
    assert [line.split(" (")[0] for line in result.removed] == ["container dast-target-d"]
    assert len(result.failed) == 1 and result.failed[0].endswith(": 500 Server Error: busy")


def conflict(message: str) -> Exception:
    return docker.errors.APIError(f"409 Client Error: Conflict ({message})")


def test_a_network_waits_a_bounded_while_for_its_last_container_to_go(
    tmp_path: Path, clock: FakeClock
) -> None:
    daemon = FakeDocker()
    in_use = conflict("error while removing network: network dast-a id 1 has active endpoints")
    soon_free = daemon.network("dast-a", labels("a"), in_use, in_use)
    never_free = daemon.network("dast-b", labels("b"), *[in_use] * 100)
    result = sweep(daemon, surroundings(tmp_path, clock))
    assert daemon.removed == ["network dast-a"] and soon_free.attempts == 3
    assert (
        len(result.failed) == 1
        and "network dast-b" in result.failed[0]
        and "active endpoints" in result.failed[0]
    )
    assert 5.0 <= clock.now - clock.start <= 5.0 + 1.0 + 1.0, "about NETWORK_BUSY_S for both together"
    assert never_free.attempts < 15


# --- local engine temp homes -----------------------------------------------------------------


def engine_home(root: Path, run_id: str, owner_labels: dict[str, str] | None) -> Path:
    home = root / f"{ENGINE_HOME_PREFIX}{run_id}-abc123_x"
    (home / "home").mkdir(parents=True)
    (home / "dast.properties").write_text("api.key=secret\n")
    if owner_labels is not None:
        write_owner_file(home, owner_labels)
    return home


class UnreachableDocker(FakeDocker):
    def __init__(self) -> None:
        super().__init__()
        self.containers.list = self._fail  # type: ignore[method-assign]

    def _fail(self, **_: Any) -> list[FakeResource]:
        raise requests.ConnectionError("Connection aborted.")


def test_a_docker_engine_failing_mid_sweep_does_not_stop_the_sweep_of_temp_homes(tmp_path: Path) -> None:
    dead = engine_home(tmp_path, "dead", labels("dead"))
    result = sweep(UnreachableDocker(), surroundings(tmp_path))
    assert [line.split(" (")[0] for line in result.removed] == [f"temp dir {dead}"]


def test_temp_homes_of_dead_owners_go_with_their_keys_live_and_unowned_ones_stay(tmp_path: Path) -> None:
    dead = engine_home(tmp_path, "dead", labels("dead"))
    alive = engine_home(tmp_path, "alive", labels("alive", pid=LIVE_PID))
    unowned = engine_home(tmp_path, "unowned", None)
    (tmp_path / "not-dast").mkdir()
    (tmp_path / f"{ENGINE_HOME_PREFIX}link-x").symlink_to(dead)
    found = temp_leftovers(surroundings(tmp_path))
    assert sorted(item.run_id for item in found) == ["alive", "dead", "unowned"], (
        "the symlink is not followed"
    )
    result = clean(found)
    assert not dead.exists()
    assert alive.exists() and unowned.exists()
    assert result.removed == (f"temp dir {dead} (run dead: owner pid 200 gone, created 60s ago)",)


def test_an_engine_that_outlived_its_dead_owner_is_stopped_before_its_home_goes(tmp_path: Path) -> None:
    engine = subprocess.Popen(["sleep", "30"])
    try:
        home = engine_home(
            tmp_path,
            "orphan",
            {
                **labels("orphan"),
                ENGINE_PID_LABEL: str(engine.pid),
                ENGINE_STARTED_LABEL: process_start_time(engine.pid) or "?",
            },
        )
        # The owner (DEAD_PID) is gone; the engine's pid is looked up for real.
        env = Surroundings(
            HERE, lambda pid: None if pid == DEAD_PID else process_start_time(pid), NOW, tmp_path
        )
        clean(temp_leftovers(env))
        assert engine.wait(timeout=5) == -9
        assert not home.exists()
    finally:
        engine.kill()
        engine.wait(timeout=5)


def test_an_engine_pid_now_used_by_another_process_is_left_alone(tmp_path: Path) -> None:
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        engine_home(
            tmp_path,
            "reused",
            {**labels("reused"), ENGINE_PID_LABEL: str(bystander.pid), ENGINE_STARTED_LABEL: "1"},
        )
        env = Surroundings(
            HERE, lambda pid: None if pid == DEAD_PID else process_start_time(pid), NOW, tmp_path
        )
        result = clean(temp_leftovers(env))
        assert len(result.removed) == 1
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait(timeout=5)


# --- through the real entry points, without Docker ---------------------------------------------


@pytest.fixture
def no_docker_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAST_")}
    env.update({"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock", "TMPDIR": str(tmp_path)})
    yield env


def dead_owner_labels(run_id: str) -> dict[str, str]:
    """Labels of a real process of this host that has exited."""
    child = subprocess.Popen(["sleep", "30"])
    made = Owner(Place.here(), child.pid, process_start_time(child.pid) or "").labels(run_id)
    child.kill()
    child.wait(timeout=5)
    return made


def test_the_sweep_before_a_scan_removes_a_dead_runs_temp_home_and_never_fails_without_docker(
    tmp_path: Path, no_docker_env: dict[str, str]
) -> None:
    dead = engine_home(tmp_path, "killed", dead_owner_labels("killed"))
    mine = engine_home(tmp_path, "mine", Owner.current().labels("mine"))
    result = subprocess.run(
        [sys.executable, "-c", "from dast.cleanup import sweep_dead_runs; print(sweep_dead_runs())"],
        capture_output=True,
        text=True,
        timeout=60,
        env=no_docker_env,
    )
    assert result.returncode == 0, result.stderr
    assert f"temp dir {dead} (run killed: owner pid" in result.stdout
    assert not dead.exists() and mine.exists()


def test_cleanup_without_docker_is_one_error_line_and_exit_3_after_the_temp_homes(
    tmp_path: Path, no_docker_env: dict[str, str]
) -> None:
    dead = engine_home(tmp_path, "killed", dead_owner_labels("killed"))
    result = subprocess.run(
        [sys.executable, "-m", "dast", "cleanup"],
        capture_output=True,
        text=True,
        timeout=60,
        env=no_docker_env,
    )
    assert result.returncode == 3
    assert result.stdout.startswith(f"removed temp dir {dead} (run killed: owner pid")
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("dast: error: Docker Engine is not reachable ("), errors
    assert "--target" not in result.stderr
    assert not dead.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "0s"], "--older-than must be longer than 0s"),
        (["--older-than", "soon"], "--older-than: expected a duration such as 90s, 5m or 1h30m"),
        (["--run", "UPPER"], "--run must be 1-32 lowercase letters, digits or '-'"),
    ],
)
def test_cleanup_rejects_bad_options_with_exit_2(
    dast: Callable[..., Any], args: list[str], message: str
) -> None:
    result = dast("cleanup", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"dast: error: {message}")
