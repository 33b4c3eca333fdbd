"""Running a fleet: per-target scans (core/scan.py's `run_scan`, not a copy) on warm shared engines.

Each group of targets that may share an engine (groups.py) gets one engine, started when its first
target is picked up and stopped when its last one is done. On it every target has its own context,
policy and base URL; the engine-wide set-up (new session, rules, origin guard) is done once.
Up to `concurrency` targets run at a time; one target's failure is its own record and the others
go on. An interrupt stops every engine, so running scans end at once and unwind their containers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from dast.core.events import ScanObserver
from dast.core.scan import ScanRequest, SharedEngine, prepare_shared_engine, run_scan
from dast.engine.interface import EngineProvider, EngineSession, TrafficPolicy, origin_of
from dast.errors import InfrastructureError
from dast.fleet.groups import Member, group_members
from dast.models import RunRecord
from dast.profiles.model import Profile
from dast.target.interface import TargetRuntime

# An engine shared by a fleet is given this long to answer.
ENGINE_START_TIMEOUT_S = 180.0
GUARD_ORIGINS_VAR = "dast.guard.origins"


@dataclass(frozen=True)
class FleetTarget:
    """One target, ready to run: its scan request and its runtime (built at the CLI edge)."""

    name: str
    request: ScanRequest
    runtime: TargetRuntime
    url: str | None = None  # a URL target's URL (grouping keeps one origin per engine)


@dataclass(frozen=True)
class FleetHooks:
    """How the fleet reports back: an observer per target, and each record as soon as it exists."""

    observer_for: Callable[[str], ScanObserver]
    finished: Callable[[FleetTarget, RunRecord], None]


class _Group:
    """One engine and the targets that share it; the engine lives while any of them is left.

    The engine is started, and later stopped, by a thread of its own: it starts when the group's
    first target is picked up (so it comes up while that target's container does), and that thread
    lives as long as the engine, because a local engine is bound to the thread that started it
    (it dies with it).
    """

    def __init__(self, provider: EngineProvider, profile: Profile, size: int, observer: ScanObserver) -> None:
        self._provider = provider
        self._profile = profile
        self._left = size
        self._observer = observer
        self._lock = threading.Lock()
        self._owner: threading.Thread | None = None
        self._ready = threading.Event()  # set once the engine is up, or failed, or the fleet stopped
        self._stop = threading.Event()
        self._shared: SharedEngine | None = None
        self._session: EngineSession | None = None
        self._error: InfrastructureError | None = None
        self._origins: set[str] = set()
        self._guard_problem: str | None = None

    def warm(self) -> None:
        """Start the engine in the background unless that was done already."""
        with self._lock:
            if self._owner is None and not self._stop.is_set():
                self._owner = threading.Thread(target=self._own, name="dast-fleet-engine", daemon=True)
                self._owner.start()

    def engine(self) -> tuple[EngineSession, SharedEngine]:
        """The group's engine, once started and set up; InfrastructureError when it cannot be."""
        self.warm()
        self._ready.wait(ENGINE_START_TIMEOUT_S + 30)  # the provider's own timeout ends it first
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._stop.is_set() or self._session is None or self._shared is None:
                raise InfrastructureError("the fleet was stopped before this target's engine was ready")
            return self._session, self._shared

    def _own(self) -> None:
        """The engine's whole life: start, set up, wait until the group is done, stop."""
        with contextlib.ExitStack() as stack:
            try:
                session = stack.enter_context(self._provider.start(None, ENGINE_START_TIMEOUT_S))
                shared = prepare_shared_engine(self._profile, session, self._observer, self._admit)
                rate = self._profile.rate
                # No origin yet: the guard blocks everything until a target is admitted (it fails closed).
                problem = session.api.apply_traffic_policy(
                    TrafficPolicy(origins=(), max_rps=rate.max_rps, threads=rate.threads), session.script_dir
                )
            except InfrastructureError as err:
                self._fail(err)
                return
            except Exception as err:  # a thread's exception would vanish: its targets report it
                self._fail(InfrastructureError(f"the shared engine could not be set up: {err}"))
                return
            with self._lock:
                self._guard_problem = problem
                self._session, self._shared = session, shared
            self._ready.set()
            self._stop.wait()

    def _fail(self, err: InfrastructureError) -> None:
        with self._lock:
            self._error = err
        self._ready.set()

    def _admit(self, target_url: str) -> str | None:
        """Let the engine send to one more target's origin (the guard reads its origins per request)."""
        with self._lock:
            self._origins.add(origin_of(target_url))
            assert self._session is not None
            self._session.api.set_script_vars({GUARD_ORIGINS_VAR: " ".join(sorted(self._origins))})
            origins = ", ".join(sorted(self._origins))
            problem = self._guard_problem
        if problem is not None:
            return f"origin guard not running ({problem}); requests outside {origins} are not blocked by the engine"
        return None

    def release(self) -> None:
        """One target done; the last one stops the engine."""
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:
            self.close()

    def close(self) -> None:
        """Stop the engine (after its start, if it is starting); later targets get an error."""
        with self._lock:
            self._stop.set()
            owner = self._owner
        self._ready.set()
        if owner is not None and owner is not threading.current_thread():
            owner.join(ENGINE_START_TIMEOUT_S + 60)  # the provider's start and stop are bounded


class _SharedProvider(EngineProvider):
    """Hands a scan the group's running engine; the group, not the scan, stops it."""

    name = "shared"

    def __init__(self, group: _Group) -> None:
        self._group = group

    @contextlib.contextmanager
    def start(self, network: str | None, timeout_s: float) -> Iterator[EngineSession]:
        session, _shared = self._group.engine()
        yield dataclasses.replace(session, description=f"{session.description}, shared by the fleet")

    def availability(self) -> str | None:
        return None


def run_fleet(
    targets: Sequence[FleetTarget],
    provider_factory: Callable[[], EngineProvider],
    concurrency: int,
    hooks: FleetHooks,
) -> list[RunRecord]:
    """Scan every target; the records come back in the targets' order."""
    numbers = group_members([Member(t.request.profile, t.request.auth is not None, t.url) for t in targets])
    groups: dict[int, _Group] = {}
    for target, number in zip(targets, numbers, strict=True):
        if number not in groups:
            size = numbers.count(number)
            groups[number] = _Group(
                provider_factory(), target.request.profile, size, hooks.observer_for(f"engine {number + 1}")
            )
    records: list[RunRecord | None] = [None] * len(targets)

    def scan(position: int) -> None:
        target, group = targets[position], groups[numbers[position]]
        try:
            group.warm()
            request = dataclasses.replace(
                target.request, shared_engine=lambda: group.engine()[1], context_name=f"dast-{target.name}"
            )
            provider: EngineProvider = _SharedProvider(group)
            record = run_scan(request, target.runtime, provider, hooks.observer_for(target.name))
            if not record.target.name:  # it failed before its target was up; the fleet still names it
                named = dataclasses.replace(
                    record.target, name=target.name, url=record.target.url or target.url or ""
                )
                record = dataclasses.replace(record, target=named)
            records[position] = record
        finally:
            group.release()
        hooks.finished(target, records[position])  # type: ignore[arg-type]

    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="dast-fleet")
    futures: list[Future[None]] = [pool.submit(scan, i) for i in range(len(targets))]
    try:
        wait(futures)
    except BaseException:
        # Ctrl-C / SIGTERM: nothing new starts; stopping the engines ends the running scans, whose
        # own cleanup then removes their containers and networks.
        for future in futures:
            future.cancel()
        for group in groups.values():
            group.close()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    for future in futures:
        future.result()  # a bug in a hook is not swallowed
    return [r for r in records if r is not None]
