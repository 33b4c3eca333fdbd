"""Repository-relative file paths: where SARIF places results (GitHub code scanning takes nothing else)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

MAX_LENGTH = 1000
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\?#*]")


def check_repo_path(text: str) -> str:
    """`app/views/search.py` as given (a leading `./` dropped), or ValueError saying what is wrong."""
    path = text.strip()
    while path.startswith("./"):
        path = path[2:]
    if not path:
        raise ValueError("a repository path must not be empty")
    if len(path) > MAX_LENGTH:
        raise ValueError(f"a repository path has at most {MAX_LENGTH} characters")
    if path.startswith("/") or _SCHEME.match(path):
        raise ValueError(f"{text!r} is not relative to the repository root (e.g. app/views/search.py)")
    if _UNSAFE.search(path):
        raise ValueError(f"{text!r} holds characters a repository path cannot have (\\, ?, #, *, controls)")
    segments = path.split("/")
    if ".." in segments:
        raise ValueError(f"{text!r} leaves the repository ('..')")
    if any(s in ("", ".") for s in segments):
        raise ValueError(f"{text!r} has an empty or '.' segment")
    return path


def relative_to(path: Path, root: Path) -> str | None:
    """`path` as a repository path under `root` (the working directory), or None when it lies outside."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    text = PurePosixPath(*relative.parts).as_posix()
    try:
        return check_repo_path(text)
    except ValueError:
        return None
