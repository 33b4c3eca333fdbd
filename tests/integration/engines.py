"""Finding (or building) the real engines integration tests need; skip with a reason when absent.

Tests are marked `engine`; with DAST_REQUIRE_ENGINES=1 their skips become failures (tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dast.dockerx import RUN_LABEL, docker_availability
from dast.engine.local import LocalProvider

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("DAST_BASE_IMAGE", "dast-base/debian:bookworm")
ZAP_IMAGE = os.environ.get("DAST_TEST_ZAP_IMAGE", "dast-local/zap:2.11.1")
DEMO_IMAGE = "dast-demo:test"


def require_local_engine() -> None:
    reason = LocalProvider().availability()
    if reason is not None:
        pytest.skip(f"local ZAP engine unavailable: {reason} (run: make engine)")


def require_docker() -> Any:
    reason = docker_availability()
    if reason is not None:
        pytest.skip(f"Docker unavailable: {reason} (run: scripts/docker-up.sh)")
    import docker

    return docker.from_env()


def require_image(client: Any, name: str, how: str) -> None:
    import docker.errors

    try:
        client.images.get(name)
    except docker.errors.ImageNotFound:
        pytest.skip(f"image {name} missing ({how})")


def build_demo_image(client: Any) -> str:
    require_image(client, BASE_IMAGE, "run: scripts/build-images.sh")
    client.images.build(
        path=str(ROOT / "demo-app"),
        tag=DEMO_IMAGE,
        buildargs={"BASE_IMAGE": BASE_IMAGE},
        rm=True,
        forcerm=True,
    )
    return DEMO_IMAGE


def leftovers(client: Any) -> list[str]:
    """Containers and networks dast created that still exist."""
    found = [f"container {c.name}" for c in client.containers.list(all=True, filters={"label": RUN_LABEL})]
    found += [f"network {n.name}" for n in client.networks.list(filters={"label": RUN_LABEL})]
    return found


def zap_processes() -> list[str]:
    """ZAP engines started by the local provider (their home is a dast-zap-* temp dir)."""
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [
        line.strip() for line in out.splitlines() if re.search(r"org\.zaproxy\.zap\.ZAP .*dast-zap-", line)
    ]
