"""Advice that only applies inside dast's worker image, which sets DAST_WORKER_IMAGE."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

WORKER_IMAGE_ENV = "DAST_WORKER_IMAGE"


def unwritable_folder_hint(folder: Path, env: Mapping[str, str] | None = None, uid: int | None = None) -> str:
    """What to do about a folder this process cannot write; empty outside the worker image.

    In the image dast runs as a fixed non-root uid, while a folder Docker creates for a bind mount
    belongs to root, so the two usual ways out are named.
    """
    if not (os.environ if env is None else env).get(WORKER_IMAGE_ENV):
        return ""
    uid = os.getuid() if uid is None else uid
    return (
        f"; {folder} is not writable by uid {uid} in this container: mount a folder that uid can write, "
        'or run the container with --user "$(id -u):$(id -g)"'
    )
