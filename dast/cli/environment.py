"""What a command needs from the world, injected so tests can hand in fakes at the seams.

Real runs use `Environment()`: the concrete engine providers and target runtimes of wiring.py,
the real sweep of leftovers and the process environment. A test passes its own through
`CliRunner.invoke(app, args, obj=Environment(...))`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dast.cleanup import sweep_dead_runs
from dast.cli.wiring import EngineOptions, TargetOptions, build_engine, build_target
from dast.engine.interface import EngineProvider
from dast.target.interface import TargetRuntime

EngineFactory = Callable[[EngineOptions], EngineProvider]
TargetFactory = Callable[[TargetOptions, Callable[[str], None]], TargetRuntime]


def _environ() -> Mapping[str, str]:
    return os.environ


@dataclass(frozen=True)
class Environment:
    engine_factory: EngineFactory = build_engine
    target_factory: TargetFactory = build_target
    sweep: Callable[[], list[str]] = sweep_dead_runs
    environ: Callable[[], Mapping[str, str]] = field(default=_environ)
