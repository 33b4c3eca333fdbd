"""Which reporter renders which format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from dast.report.html import HtmlReporter
from dast.report.interface import OutputFormat, RenderOptions, Reporter
from dast.report.json_report import JsonReporter
from dast.report.junit import JUnitReporter
from dast.report.markdown import MarkdownReporter
from dast.report.sarif import SarifReporter
from dast.report.zap_xml import ZapXmlReporter

ReporterFactory = Callable[[RenderOptions], Reporter]

REPORTERS: Mapping[OutputFormat, ReporterFactory] = MappingProxyType(
    {
        OutputFormat.JSON: lambda _options: JsonReporter(),
        OutputFormat.JUNIT: lambda _options: JUnitReporter(),
        OutputFormat.HTML: HtmlReporter,
        OutputFormat.SARIF: lambda _options: SarifReporter(),
        OutputFormat.MARKDOWN: lambda _options: MarkdownReporter(),
        OutputFormat.ZAP_XML: lambda _options: ZapXmlReporter(),
    }
)


def reporter_for(
    fmt: OutputFormat, options: RenderOptions, reporters: Mapping[OutputFormat, ReporterFactory] = REPORTERS
) -> Reporter:
    try:
        factory = reporters[fmt]
    except KeyError:
        raise ValueError(f"no reporter for format {fmt.value!r}") from None
    return factory(options)
