"""Scripts in an engine, as its API lists them: dast's guard, credential, export, pace and rules.

Also the one way dast installs its standalone scripts (alert export, passive pace): from the rule
pack's folder on the engine's host, in the engine's JavaScript engine, once per engine.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from dast.errors import EngineError

_ENGINE_PREFERENCE = ("nashorn", "graal.js", "ecmascript", "javascript")
STANDALONE = "standalone"

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def loaded_script(zap: Any, name: str) -> Mapping[str, Any] | None:
    """The engine's entry for the script called `name` (a `zaproxy` client), or None."""
    scripts = zap.script.list_scripts or ()
    return next((s for s in scripts if isinstance(s, dict) and s.get("name") == name), None)


def in_error(script: Mapping[str, Any] | None) -> bool:
    """Whether the engine marked the script in error: it threw, and ZAP stopped running it."""
    return script is not None and str(script.get("error", "")).lower() == "true"


def pick_engine(engines: list[str]) -> str | None:
    """The JavaScript engine to run dast's scripts in, from what the engine offers (None: none)."""
    for preferred in _ENGINE_PREFERENCE:
        for engine in engines:
            if preferred in engine.lower():
                return engine
    return None


@contextlib.contextmanager
def engine_lock(key: str) -> Iterator[None]:
    """One run at a time of a standalone script per engine (`key`): its runs share its variables."""
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        yield


def install_standalone(zap: Any, name: str, file: str, script_dir: str) -> None:
    """Load the standalone script `file` of the pack's folder as `name`, unless an earlier scan did.

    Raises EngineError saying why the engine cannot run it.
    """
    if not script_dir:
        raise EngineError("the script folder's place on the engine's host is not known")
    script = loaded_script(zap, name)
    if script is not None:
        if in_error(script):
            raise EngineError(f"the script {name} failed in the engine")
        return  # loaded by an earlier scan on this engine
    types = {str(t.get("name")) for t in zap.script.list_types or () if isinstance(t, dict)}
    if STANDALONE not in types:
        raise EngineError("the engine has no standalone scripts")
    engine = pick_engine([str(e) for e in zap.script.list_engines or ()])
    if engine is None:
        raise EngineError("the engine has no JavaScript script engine")
    zap.script.load(name, STANDALONE, engine, str(PurePosixPath(script_dir) / file))
