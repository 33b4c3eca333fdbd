"""The application under test in a container on a private network, through the Docker SDK."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import docker.errors

from dast.docker_reach import DockerReach, Placement, docker_reach
from dast.dockerx import docker_client, exit_reason, owned_labels, remove_owned, remove_quietly
from dast.errors import TargetError, UsageError
from dast.redact import redact
from dast.target.health import DEFAULT_HEALTHY, HealthyStatuses, probe, wait_healthy
from dast.target.interface import RunningTarget, TargetRuntime

TARGET_ALIAS = "target"  # the target's name on its private network


@dataclass(frozen=True)
class ContainerSpec:
    image: str
    port: int
    run_id: str
    build_context: Path | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)
    health_path: str = "/"
    health_timeout_s: float = 60.0
    healthy: HealthyStatuses = DEFAULT_HEALTHY
    logs_sink: Callable[[str], None] | None = None  # receives the container's (redacted) log at teardown


class ContainerTarget(TargetRuntime):
    def __init__(
        self,
        spec: ContainerSpec,
        client_factory: Callable[[], Any] = docker_client,
        reach_of: Callable[[Any], DockerReach] = docker_reach,
    ) -> None:
        self._spec = spec
        self._image_id: str | None = None
        self._client_factory = client_factory
        self._reach_of = reach_of

    def prepare(self) -> None:
        # Building or finding the image is not part of the scan's time budget.
        client = self._client_factory()
        try:
            self._image_id = str(self._image(client).id)
        finally:
            client.close()

    @contextlib.contextmanager
    def start(self, timeout_s: float) -> Iterator[RunningTarget]:
        spec = self._spec
        if self._image_id is None:
            self.prepare()
        image_id = str(self._image_id)
        client = self._client_factory()
        reach = self._reach_of(client)
        labels = owned_labels(spec.run_id)
        network_name, container_name = f"dast-{spec.run_id}", f"dast-target-{spec.run_id}"
        with contextlib.ExitStack() as cleanup:
            cleanup.callback(client.close)
            cleanup.callback(remove_owned, client, spec.run_id, {network_name, container_name})
            network = client.networks.create(network_name, driver="bridge", labels=labels)
            cleanup.callback(remove_quietly, network)
            if reach.placement is Placement.CONTAINER:
                # dast runs in a container of this engine: the host's 127.0.0.1 is not ours, the network is.
                _join(network, str(reach.container_id))
                cleanup.callback(_leave, network, str(reach.container_id))
            try:
                container = client.containers.create(
                    image_id,
                    name=container_name,
                    labels=labels,
                    environment=dict(spec.environment),
                    ports=reach.ports(spec.port),
                    network=network.name,
                    networking_config={
                        network.name: client.api.create_endpoint_config(aliases=[TARGET_ALIAS])
                    },
                    detach=True,
                )
            except docker.errors.APIError as err:
                raise TargetError(f"cannot create the target container: {err.explanation or err}") from None
            cleanup.callback(remove_quietly, container)
            if spec.logs_sink is not None:
                cleanup.callback(self._capture_logs, container, spec.logs_sink)
            try:
                container.start()
            except docker.errors.APIError as err:
                raise TargetError(f"cannot start the target container: {err.explanation or err}") from None
            published = (
                None if reach.placement is Placement.CONTAINER else self._published_port(container, spec.port)
            )
            host_url = reach.url(container_name, spec.port, published) + "/"
            health_url = urljoin(host_url, spec.health_path.lstrip("/"))
            wait_healthy(
                health_url,
                min(spec.health_timeout_s, timeout_s),
                still_running=lambda: self._stopped_reason(container),
                healthy=spec.healthy,
            )
            yield RunningTarget(
                host_url=host_url,
                network=network.name,
                network_url=f"http://{TARGET_ALIAS}:{spec.port}/",
                image=spec.image,
                image_digest=image_id,
                check_alive=lambda: self._stopped_reason(container) or probe(health_url, spec.healthy),
            )

    def _image(self, client: Any) -> Any:
        spec = self._spec
        if spec.build_context is not None:
            if not (spec.build_context / "Dockerfile").is_file():
                raise UsageError(f"{spec.build_context}: no Dockerfile there", setting="image")
            try:
                image, _ = client.images.build(
                    path=str(spec.build_context),
                    tag=spec.image,
                    buildargs=dict(spec.build_args),
                    rm=True,
                    forcerm=True,
                )
            except docker.errors.BuildError as err:
                raise TargetError(f"building {spec.image} failed: {_last_build_line(err)}") from None
            except docker.errors.APIError as err:
                raise TargetError(f"building {spec.image} failed: {err.explanation or err}") from None
            return image
        try:
            return client.images.get(spec.image)
        except docker.errors.ImageNotFound:
            raise UsageError(
                f"image {spec.image!r} is not on this Docker Engine; build or pull it first", setting="image"
            ) from None

    @classmethod
    def _published_port(cls, container: Any, port: int) -> int:
        container.reload()
        for binding in (container.ports or {}).get(f"{port}/tcp") or ():
            return int(binding["HostPort"])
        # A container that already exited has no ports; say why it exited instead.
        reason = cls._stopped_reason(container)
        if reason is not None:
            raise TargetError(f"target stopped before it became healthy: {reason}")
        raise TargetError(
            f"the target container publishes no port {port}; is that the app's port inside the container?",
            setting="port",
        )

    @staticmethod
    def _stopped_reason(container: Any) -> str | None:
        reason = exit_reason(container)
        return None if reason is None else f"container {reason}"

    @staticmethod
    def _capture_logs(container: Any, sink: Callable[[str], None]) -> None:
        with contextlib.suppress(docker.errors.APIError):
            sink(redact(container.logs(stdout=True, stderr=True).decode("utf-8", "replace")))


def _join(network: Any, container_id: str) -> None:
    try:
        network.connect(container_id)
    except docker.errors.APIError as err:
        raise TargetError(
            f"cannot join the scan network {network.name} from this container: {err.explanation or err}"
        ) from None


def _leave(network: Any, container_id: str) -> None:
    # Before the network's removal, which an endpoint of ours would block.
    with contextlib.suppress(docker.errors.APIError):
        network.disconnect(container_id, force=True)


def _last_build_line(err: Any) -> str:
    lines = [str(chunk.get("stream") or chunk.get("error") or "").strip() for chunk in err.build_log or ()]
    lines = [line for line in lines if line]
    return redact(lines[-1])[:300] if lines else str(err.msg)
