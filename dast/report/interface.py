"""The reporter seam: an output format enum and the interface every reporter implements."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from pathlib import Path

from dast.models import RunRecord


class OutputFormat(enum.StrEnum):
    JSON = "json"
    JUNIT = "junit"
    HTML = "html"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    ZAP_XML = "zap-xml"  # ZAP's traditional XML report, for DefectDojo and other ZAP-report readers

    @property
    def filename(self) -> str:
        return _FILENAMES[self]

    @classmethod
    def parse_list(cls, text: str) -> tuple[OutputFormat, ...]:
        """`junit,html` -> formats, in the given order, without repeats; `all` for every one."""
        names = [part.strip().lower() for part in text.split(",") if part.strip()]
        if not names:
            raise ValueError("no report format given")
        if names == ["all"]:
            return tuple(cls)
        formats: list[OutputFormat] = []
        for name in names:
            try:
                fmt = cls(name)
            except ValueError:
                valid = ", ".join(f.value for f in cls)
                raise ValueError(f"unknown report format {name!r} (expected: {valid}, or all)") from None
            if fmt not in formats:
                formats.append(fmt)
        return tuple(formats)


_FILENAMES = {
    OutputFormat.JSON: "results.json",
    OutputFormat.JUNIT: "junit.xml",
    OutputFormat.HTML: "report.html",
    OutputFormat.SARIF: "results.sarif",
    OutputFormat.MARKDOWN: "summary.md",
    OutputFormat.ZAP_XML: "zap-report.xml",
}


@dataclass(frozen=True)
class RenderOptions:
    template_dir: Path | None = None  # a team's own templates override ours, file by file


class Reporter(abc.ABC):
    """Turns a run record into the bytes of one report file. Pure: no I/O besides templates."""

    format: OutputFormat

    @abc.abstractmethod
    def render(self, record: RunRecord) -> bytes: ...
