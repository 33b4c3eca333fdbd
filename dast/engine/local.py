"""The `local` provider: the installed ZAP core as a subprocess on a free loopback port."""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

from dast.engine.install import engine_install
from dast.engine.interface import EngineProvider, EngineSession
from dast.engine.zap_api import ZaproxyApi, wait_until_answering
from dast.errors import EngineError
from dast.ownership import (
    ENGINE_HOME_PREFIX,
    ENGINE_PID_LABEL,
    ENGINE_STARTED_LABEL,
    Owner,
    process_start_time,
    write_owner_file,
)
from dast.redact import REDACTOR, redact
from dast.resources import rulepack_dir

SHUTDOWN_TIMEOUT_S = 5.0  # the API shutdown call (the docker provider, on the normal path only)
STOP_GRACE_S = 10.0  # how long ZAP may take to exit after that call
TERM_GRACE_S = 0.5  # after SIGTERM, before SIGKILL; an interrupt goes straight to this
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalProvider(EngineProvider):
    name = "local"

    def __init__(self, startup_timeout_s: float = 180.0, java_heap: str = "1g", run_id: str = "") -> None:
        self._startup_timeout_s = startup_timeout_s
        self._java_heap = java_heap
        self._run_id = run_id or secrets.token_hex(4)

    def availability(self) -> str | None:
        if shutil.which("java") is None:
            return "no java on PATH"
        if not engine_install().complete:
            return "ZAP engine not installed (run: dast engine install)"
        return None

    @contextlib.contextmanager
    def start(self, network: str | None, timeout_s: float) -> Iterator[EngineSession]:
        reason = self.availability()
        if reason is not None:
            raise EngineError(f"local engine unavailable: {reason}")
        install = engine_install()
        api_key = secrets.token_urlsafe(24)
        REDACTOR.add(api_key)
        port = free_loopback_port()
        labels = Owner.current().labels(self._run_id)
        with contextlib.ExitStack() as cleanup:
            # The home holds the API key (dast.properties, ZAP's config.xml): removed on every path we
            # run; after a SIGKILL its owner file lets a later sweep prove it orphaned and remove it.
            home = Path(tempfile.mkdtemp(prefix=f"{ENGINE_HOME_PREFIX}{self._run_id}-"))
            cleanup.callback(shutil.rmtree, home, True)
            write_owner_file(home, labels)
            # The key goes in a private config file, not on the command line where `ps` shows it.
            config_file = home / "dast.properties"
            fd = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(f"api.key={api_key}\nstart.checkForUpdates=false\n")
            command = [
                "java",
                f"-Xmx{self._java_heap}",
                # No /tmp/hsperfdata_<user>/<pid> file, which a killed JVM would leave behind.
                "-XX:-UsePerfData",
                "-cp",
                f"{install.lib_dir}/*",
                "org.zaproxy.zap.ZAP",
                "-daemon",
                "-silent",
                "-host",
                "127.0.0.1",
                "-port",
                str(port),
                "-dir",
                str(home / "home"),
                "-configfile",
                str(config_file),
                "-config",
                "start.checkForUpdates=false",
            ]
            output = (home / "stdout.log").open("wb")
            cleanup.callback(output.close)
            # A session of its own: Ctrl-C reaches us, and we stop ZAP in order.
            process = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_this_process(),
            )
            api_url = f"http://127.0.0.1:{port}"

            def stop_engine(
                exc_type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
            ) -> None:
                _stop(process, api_url, api_key, polite=exc_type is None)

            cleanup.push(stop_engine)
            write_owner_file(
                home,
                {
                    **labels,
                    ENGINE_PID_LABEL: str(process.pid),
                    ENGINE_STARTED_LABEL: process_start_time(process.pid) or "",
                },
            )
            api = ZaproxyApi(api_url, api_key)
            cleanup.callback(api.close)

            def died() -> str | None:
                if process.poll() is None:
                    return None
                return f"ZAP exited with code {process.returncode} during startup: {_last_error(home)}"

            version = wait_until_answering(api, min(self._startup_timeout_s, timeout_s), died)
            yield EngineSession(
                api=api,
                provider=self.name,
                in_network=False,
                script_dir=str(rulepack_dir()),
                description=f"local ZAP {version} (pid {process.pid}, 127.0.0.1:{port})",
                fresh=True,
            )


def _die_with_this_process() -> Callable[[], None] | None:
    """A preexec_fn that makes the kernel SIGKILL the child when this process dies.

    ZAP runs in a session of its own, so nothing else ends it: after a SIGKILL of dast (a CI runner
    out of patience) no cleanup of ours runs and ZAP would go on attacking the target. Linux's
    parent-death signal needs no cooperation from the dying parent. It fires when the *thread* that
    started the child ends, so providers are started from the thread the scan runs in.
    Elsewhere there is no such signal; the sweep of later runs is the fallback.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:
        prctl(
            PR_SET_PDEATHSIG,
            ctypes.c_ulong(signal.SIGKILL),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        if os.getppid() != parent:  # the parent died before prctl took effect: no signal will come
            os.kill(os.getpid(), signal.SIGKILL)

    return in_child


def _stop(process: subprocess.Popen[bytes], api_url: str, api_key: str, polite: bool) -> None:
    """Normal path: SIGTERM, and time to exit. Error or interrupt path: signals at once.

    Not core/action/shutdown: ZAP then closes its session database in order, which nobody reads
    (the home is removed next); measured on 2.11.1, 1.35 s until exit that way, 0.37 s on SIGTERM.
    """
    try:
        if polite and process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_GRACE_S)
    finally:
        # Also when a Ctrl-C lands in the wait above.
        _end(process)


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=TERM_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _last_error(home: Path) -> str:
    for name in ("home/zap.log", "stdout.log"):
        path = home / name
        if not path.is_file():
            continue
        lines = path.read_text("utf-8", "replace").splitlines()
        errors = [
            line for line in lines if "ERROR" in line or "Exception" in line or "badparam" in line.lower()
        ]
        picked = errors[-1] if errors else (lines[-1] if lines else "")
        if picked:
            return redact(picked.strip())[:300]
    return "no output"
