"""The `docker` provider: ZAP in a container, on the target's private network when there is one."""

from __future__ import annotations

import contextlib
import io
import secrets
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import docker.errors

from dast.dockerx import (
    docker_availability,
    docker_client,
    exit_reason,
    owned_labels,
    remove_owned,
    remove_quietly,
)
from dast.engine.interface import EngineProvider, EngineSession
from dast.engine.local import SHUTDOWN_TIMEOUT_S, free_loopback_port
from dast.engine.zap_api import ZaproxyApi, wait_until_answering
from dast.errors import EngineError, UsageError
from dast.redact import REDACTOR, redact
from dast.resources import rulepack_dir

DEFAULT_IMAGE = "zaproxy/zap-stable"
API_PORT = 8080
CONTAINER_SCRIPT_DIR = "/tmp/dast-rulepack"  # noqa: S108 - a path inside the ZAP container
CONTAINER_CONFIG_FILE = "/tmp/dast-zap.properties"  # noqa: S108 - likewise


class DockerProvider(EngineProvider):
    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, run_id: str = "", startup_timeout_s: float = 180.0):
        self._image = image
        self._run_id = run_id or secrets.token_hex(4)
        self._startup_timeout_s = startup_timeout_s

    def availability(self) -> str | None:
        reason = docker_availability()
        if reason is not None:
            return reason
        client = docker_client(timeout_s=10)
        try:
            client.images.get(self._image)
        except docker.errors.ImageNotFound:
            return f"image {self._image} is not on this Docker Engine"
        finally:
            client.close()
        return None

    @contextlib.contextmanager
    def start(self, network: str | None, timeout_s: float) -> Iterator[EngineSession]:
        client = docker_client()
        api_key = secrets.token_urlsafe(24)
        REDACTOR.add(api_key)
        name = f"dast-zap-{self._run_id}"
        with contextlib.ExitStack() as cleanup:
            cleanup.callback(client.close)
            cleanup.callback(remove_owned, client, self._run_id, {name})
            try:
                client.images.get(self._image)
            except docker.errors.ImageNotFound:
                raise UsageError(
                    f"ZAP image {self._image!r} is not on this Docker Engine; pull or build it"
                ) from None
            host_network = network is None
            # Without a target network the target is on this machine's loopback, which only a
            # container on the host's network can reach.
            port = free_loopback_port() if host_network else API_PORT
            command = [
                "zap.sh",
                "-daemon",
                "-silent",
                "-host",
                "127.0.0.1" if host_network else "0.0.0.0",  # noqa: S104 - inside the container only
                "-port",
                str(port),
                # The key travels in a file copied into the container, not in its command line,
                # which `docker inspect` would show to anyone on the machine.
                "-configfile",
                CONTAINER_CONFIG_FILE,
                "-config",
                "start.checkForUpdates=false",
            ]
            if not host_network:
                # The API is reached through Docker's port mapping, from outside the container.
                command += ["-config", "api.addrs.addr.name=.*", "-config", "api.addrs.addr.regex=true"]
            kwargs: dict[str, Any] = {
                "name": name,
                "labels": owned_labels(self._run_id),
                "detach": True,
                "command": command,
            }
            if host_network:
                kwargs["network_mode"] = "host"
            else:
                kwargs["ports"] = {f"{API_PORT}/tcp": ("127.0.0.1", None)}
            try:
                container = client.containers.create(self._image, **kwargs)
            except docker.errors.APIError as err:
                raise EngineError(
                    f"cannot create the ZAP container: {redact(str(err.explanation or err))}"
                ) from None
            cleanup.callback(remove_quietly, container)
            if network is not None:
                client.networks.get(network).connect(container)
            _copy_files(container, f"api.key={api_key}\nstart.checkForUpdates=false\n")
            try:
                container.start()
            except docker.errors.APIError as err:
                raise EngineError(
                    f"cannot start the ZAP container: {redact(str(err.explanation or err))}"
                ) from None
            if not host_network:
                port = _published_port(container)
            api_url = f"http://127.0.0.1:{port}"
            api = ZaproxyApi(api_url, api_key)
            cleanup.callback(api.close)

            def shutdown_if_clean(
                exc_type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
            ) -> None:
                # After an error or an interrupt the forced removal alone stops it, at once.
                if exc_type is None:
                    _shutdown(api_url, api_key)

            cleanup.push(shutdown_if_clean)
            version = wait_until_answering(
                api, min(self._startup_timeout_s, timeout_s), lambda: _died(container)
            )
            yield EngineSession(
                api=api,
                provider=self.name,
                in_network=not host_network,
                script_dir=CONTAINER_SCRIPT_DIR,
                description=f"ZAP {version} in container {container.short_id} ({self._image})",
            )


def _copy_files(container: Any, properties: str) -> None:
    """The rule pack's scripts and ZAP's config file, into /tmp of the (created, not started) container."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = properties.encode()
        info = tarfile.TarInfo(Path(CONTAINER_CONFIG_FILE).name)
        info.size = len(data)
        info.mode = 0o644  # read by the image's non-root ZAP user; the container is ours alone
        archive.addfile(info, io.BytesIO(data))
        source = rulepack_dir()
        for path in sorted(source.iterdir()):
            if path.is_file():
                info = archive.gettarinfo(str(path), arcname=f"{Path(CONTAINER_SCRIPT_DIR).name}/{path.name}")
                info.mode = 0o644
                info.uid = info.gid = 0
                with path.open("rb") as handle:
                    archive.addfile(info, handle)
    container.put_archive(str(Path(CONTAINER_SCRIPT_DIR).parent), buffer.getvalue())


def _published_port(container: Any) -> int:
    container.reload()
    for binding in (container.ports or {}).get(f"{API_PORT}/tcp") or ():
        return int(binding["HostPort"])
    raise EngineError("the ZAP container's API port was not published")


def _died(container: Any) -> str | None:
    reason = exit_reason(container)
    return None if reason is None else f"ZAP container {reason}"


def _shutdown(api_url: str, api_key: str) -> None:
    # Asking ZAP to stop lets it close its database; the container is removed (forced) regardless.
    with contextlib.suppress(EngineError):
        ZaproxyApi(api_url, api_key, timeout_s=SHUTDOWN_TIMEOUT_S).shutdown()
