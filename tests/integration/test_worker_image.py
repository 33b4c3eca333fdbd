"""The worker image builds from the top-level Dockerfile on the local base and runs the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engines import BASE_IMAGE, ROOT, require_image

pytestmark = pytest.mark.engine

WORKER_IMAGE = "dast-worker:test"


def extra_ca_pem() -> str:
    """This machine reaches PyPI through a TLS-intercepting proxy; the build must trust its CA too."""
    folder = Path("/usr/local/share/ca-certificates")
    return "".join(p.read_text() for p in sorted(folder.glob("*.crt"))) if folder.is_dir() else ""


def test_worker_image_builds_and_runs_dast_help(docker_client: Any) -> None:
    require_image(docker_client, BASE_IMAGE, "run: scripts/build-images.sh")
    docker_client.images.build(
        path=str(ROOT),
        tag=WORKER_IMAGE,
        buildargs={"BASE_IMAGE": BASE_IMAGE, "EXTRA_CA_PEM": extra_ca_pem()},
        rm=True,
        forcerm=True,
    )
    output = docker_client.containers.run(WORKER_IMAGE, ["--help"], remove=True).decode()
    assert "Usage: dast" in output and "scan" in output
    profiles = docker_client.containers.run(WORKER_IMAGE, ["profiles", "list"], remove=True).decode()
    assert {"baseline", "full", "api", "nightly"} <= {
        line.split()[0] for line in profiles.splitlines() if line
    }
    user = docker_client.images.get(WORKER_IMAGE).attrs["Config"]["User"]
    assert user == "dast", "the worker does not run as root"
