"""The `local` provider: the installed ZAP core as a subprocess on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dast.engine.install import engine_install
from dast.engine.interface import EngineProvider, EngineSession
from dast.engine.zap_api import ZaproxyApi, wait_until_answering
from dast.errors import EngineError
from dast.redact import REDACTOR, redact
from dast.resources import rulepack_dir

STOP_GRACE_S = 20.0


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalProvider(EngineProvider):
    name = "local"

    def __init__(self, startup_timeout_s: float = 180.0, java_heap: str = "1g") -> None:
        self._startup_timeout_s = startup_timeout_s
        self._java_heap = java_heap

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
        home = Path(tempfile.mkdtemp(prefix="dast-zap-"))
        with contextlib.ExitStack() as cleanup:
            cleanup.callback(shutil.rmtree, home, True)
            # The key goes in a private config file, not on the command line where `ps` shows it.
            config_file = home / "dast.properties"
            fd = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(f"api.key={api_key}\nstart.checkForUpdates=false\n")
            command = [
                "java",
                f"-Xmx{self._java_heap}",
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
            )
            api = ZaproxyApi(f"http://127.0.0.1:{port}", api_key)
            cleanup.callback(api.close)
            cleanup.callback(_stop, process, api)

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
            )


def _stop(process: subprocess.Popen[bytes], api: ZaproxyApi) -> None:
    if process.poll() is None:
        with contextlib.suppress(EngineError):
            api.shutdown()
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=5)
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
