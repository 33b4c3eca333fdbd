"""Assembling ZAP core and its runtime dependencies from Maven Central into a user cache.

The full ZAP distribution is not on any package registry; its core is, as `org.zaproxy:zap`.
Maven resolves the dependency tree (with the overrides in zap-pom.xml) once; after that the
cache is used offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dast.errors import EngineError

ZAP_VERSION = "2.11.1"
POM = Path(__file__).resolve().parent / "zap-pom.xml"
_COMPLETE_MARKER = ".complete"
INSTALL_TIMEOUT_S = 900


def cache_root() -> Path:
    configured = os.environ.get("DAST_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dast"


@dataclass(frozen=True)
class EngineInstall:
    version: str
    lib_dir: Path

    @property
    def complete(self) -> bool:
        return (self.lib_dir / _COMPLETE_MARKER).is_file() and any(self.lib_dir.glob("zap-*.jar"))

    @property
    def jar_count(self) -> int:
        return len(list(self.lib_dir.glob("*.jar")))


def engine_install(version: str = ZAP_VERSION) -> EngineInstall:
    return EngineInstall(version=version, lib_dir=cache_root() / "engine" / f"zap-{version}" / "lib")


def install_engine(force: bool = False) -> tuple[EngineInstall, bool]:
    """Returns the install and whether anything was downloaded."""
    install = engine_install()
    if install.complete and not force:
        return install, False
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EngineError("Maven (mvn) is needed once to assemble ZAP core from Maven Central; install it")
    if shutil.which("java") is None:
        raise EngineError("Java 17+ is needed to run ZAP core; install a JRE (e.g. openjdk-17-jre-headless)")
    install.lib_dir.parent.mkdir(parents=True, exist_ok=True)
    # Assemble into a fresh folder and swap it in, so an interrupted install never looks complete.
    staging = Path(tempfile.mkdtemp(prefix="lib.", dir=install.lib_dir.parent))
    try:
        command = [
            mvn,
            "-B",
            "-q",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise EngineError(
                f"assembling ZAP {ZAP_VERSION} took longer than {INSTALL_TIMEOUT_S} s"
            ) from None
        if result.returncode != 0:
            lines = [line for line in (result.stdout + result.stderr).splitlines() if "ERROR" in line]
            detail = lines[0][:300] if lines else f"mvn exited {result.returncode}"
            raise EngineError(f"assembling ZAP {ZAP_VERSION} from Maven Central failed: {detail}")
        if not any(staging.glob("zap-*.jar")):
            raise EngineError("Maven finished but no zap-*.jar was copied; check dast/engine/zap-pom.xml")
        (staging / _COMPLETE_MARKER).write_text(ZAP_VERSION + "\n")
        if install.lib_dir.exists():
            shutil.rmtree(install.lib_dir)
        staging.rename(install.lib_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return install, True
