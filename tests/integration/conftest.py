from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Integration helpers live beside the tests; tests/ is not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engines import build_demo_image, require_docker


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    client = require_docker()
    yield client
    client.close()


@pytest.fixture(scope="session")
def demo_image(docker_client: Any) -> str:
    return build_demo_image(docker_client)
