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

from dast.docker_reach import Placement, docker_reach
from dast.dockerx import (
    docker_availability,
    docker_client,
    exit_reason,
    owned_labels,
    remove_owned,
    remove_quietly,
)
from dast.engine.images import DEFAULT_IMAGE
from dast.engine.interface import EngineProvider, EngineSession
from dast.engine.local import SHUTDOWN_TIMEOUT_S, free_loopback_port
from dast.engine.zap_api import ZaproxyApi, wait_until_answering
from dast.errors import EngineError, UsageError
from dast.redact import REDACTOR, redact
from dast.resources import rulepack_dir

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
        reach = docker_reach(client)
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
            # Without a target network the target's URL is one this process reaches: ZAP shares our
            # network (the host's, or our container's) and so its loopback, or, with a remote engine,
            # runs on that engine's default bridge.
            network_mode = None if network is not None else reach.engine_network_mode()
            on_loopback = network_mode is not None
            port = free_loopback_port() if on_loopback else API_PORT
            command = [
                "zap.sh",
                "-daemon",
                "-silent",
                "-host",
                "127.0.0.1" if on_loopback else "0.0.0.0",  # noqa: S104 - inside the container only
                "-port",
                str(port),
                # The key travels in a file copied into the container, not in its command line,
                # which `docker inspect` would show to anyone on the machine.
                "-configfile",
                CONTAINER_CONFIG_FILE,
                "-config",
                "start.checkForUpdates=false",
            ]
            if not on_loopback:
                # The API is reached from outside the container: a port mapping or the network.
                command += ["-config", "api.addrs.addr.name=.*", "-config", "api.addrs.addr.regex=true"]
            kwargs: dict[str, Any] = {
                "name": name,
                "labels": owned_labels(self._run_id),
                "detach": True,
                "command": command,
            }
            if network_mode is not None:
                kwargs["network_mode"] = network_mode
            else:
                kwargs["ports"] = reach.ports(API_PORT)
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
            if on_loopback:
                api_url = f"http://127.0.0.1:{port}"
            else:
                published = None if reach.placement is Placement.CONTAINER else _published_port(container)
                api_url = reach.url(name, API_PORT, published)
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
                in_network=network is not None,
                script_dir=CONTAINER_SCRIPT_DIR,
                description=f"ZAP {version} in container {container.short_id} ({self._image})",
                fresh=True,
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
        # Sub-folders too: the active scripts load their shared library from lib/.
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if any(part.startswith((".", "__")) for part in relative.parts):
                continue
            info = archive.gettarinfo(
                str(path), arcname=f"{Path(CONTAINER_SCRIPT_DIR).name}/{relative.as_posix()}"
            )
            info.uid = info.gid = 0
            if path.is_dir():
                info.mode = 0o755
                archive.addfile(info)
            elif path.is_file():
                info.mode = 0o644
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
