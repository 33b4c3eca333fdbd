"""The `--zap` choice and the default `--zap-image`: light, so declaring the commands imports no engine code."""

from __future__ import annotations

import enum

from dast.engine.images import DEFAULT_IMAGE

DEFAULT_ZAP_IMAGE = DEFAULT_IMAGE


class ZapChoice(enum.StrEnum):
    AUTO = "auto"
    LOCAL = "local"
    DOCKER = "docker"
    REMOTE = "remote"
