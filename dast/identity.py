"""Stable names for a run's target, so reports keep their identity from one run to the next.

The engine reaches a container through a port that changes every run; reports name every URL
under a stable base instead (`rebase`), and CI servers file results under a logical target
name (`default_name`).
"""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import urlsplit, urlunsplit

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_name(name: str) -> str:
    """The name, or ValueError saying what a name may hold."""
    if not NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a target name: 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name


def _as_name(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("._-")[:100]
    return cleaned or "target"


def default_name(image: str | None, build_dir: str | None, target_url: str | None) -> str:
    """The image's name without registry, path, tag or digest; the build folder's name; or the URL's host."""
    if image:
        repository = image.split("@", 1)[0].rsplit("/", 1)[-1]
        return _as_name(repository.split(":", 1)[0])
    if build_dir:
        return _as_name(PurePath(build_dir).name)
    if target_url:
        return _as_name(urlsplit(target_url).hostname or "")
    return "target"


def default_base_url(name: str) -> str:
    return f"http://{name}/"


def rebase(url: str, engine_url: str, base_url: str) -> str:
    """A URL as the engine reached it, named under the stable base instead.

    Only URLs of the engine's origin change; the part below the engine's base path is kept.
    """
    if not base_url or not engine_url or engine_url == base_url:
        return url
    try:
        parts, engine, base = urlsplit(url), urlsplit(engine_url), urlsplit(base_url)
    except ValueError:
        return url
    if (parts.scheme.lower(), parts.netloc.lower()) != (engine.scheme.lower(), engine.netloc.lower()):
        return url
    path, prefix = parts.path or "/", engine.path or "/"
    if not prefix.endswith("/"):
        prefix += "/"
    if path.startswith(prefix) or path + "/" == prefix:
        path = (base.path or "/").rstrip("/") + "/" + path[len(prefix) :]
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


def rebase_text(text: str, engine_url: str, base_url: str) -> str:
    """Free text (a rule's other-info, evidence) with every URL of the engine's origin rebased.

    Rules write the URLs they saw into their texts; those hold the throwaway port too.
    """
    if not text or not base_url or not engine_url or engine_url == base_url:
        return text
    engine = urlsplit(engine_url)
    root = f"{engine.scheme}://{engine.netloc}"
    if root.lower() not in text.lower():
        return text
    pattern = re.compile(re.escape(root) + r"(?![\w.:-])[^\s\"'<>]*", re.I)
    return pattern.sub(lambda m: rebase(m.group(0), engine_url, base_url), text)
