"""results.json: the full run record, the source `dast report` re-renders every other format from."""

from __future__ import annotations

import dataclasses
import json

from dast.models import Finding, RunRecord
from dast.report.interface import OutputFormat, Reporter
from dast.report.sanitize import by_severity, sanitize_record


class JsonReporter(Reporter):
    format = OutputFormat.JSON

    def render(self, record: RunRecord) -> bytes:
        record = sanitize_record(record)
        # Stable order (findings by severity, instances by fingerprint, keys sorted) keeps diffs
        # between runs small; sanitising keeps it loadable by load_record.
        data = dataclasses.replace(
            record, findings=_stable(record.findings), suppressed=_stable(record.suppressed)
        ).to_dict()
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"


def _stable(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(
        dataclasses.replace(f, instances=tuple(sorted(f.instances, key=lambda i: (i.fingerprint, i.url))))
        for f in by_severity(findings)
    )
