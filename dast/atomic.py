"""Atomic file output: readers never see a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp_path = Path(tmp_name)
        tmp_path.chmod(0o644)
        tmp_path.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp_name).unlink()
        raise


def write_set(folder: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Replace a set of files as a whole or not at all.

    Every file is written and fsynced under a temporary name first; only when all of them are
    on disk are they renamed into place. A failure (a full disk) removes the temporary files and
    leaves the previous set byte-identical, and a folder this call created is removed again.
    """
    created = _make_folder(folder)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            tmp_path = Path(tmp_name)
            staged.append((tmp_path, folder / name))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            tmp_path.chmod(0o644)
    except BaseException:
        for tmp_path, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp_path.unlink()
        for made in reversed(created):
            with contextlib.suppress(OSError):
                made.rmdir()
        raise
    # Renames within one folder do not allocate space; they are the commit.
    for tmp_path, final in staged:
        tmp_path.replace(final)
    return [final for _, final in staged]


def _make_folder(folder: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (deepest last)."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))
