"""Reading a ZAP XML report the way DefectDojo's "ZAP Scan" importer does, for the zap-xml tests.

The reader uses the same element paths and fields as DefectDojo's parser (dojo/tools/zap/parser.py,
read for this, not copied): root `site` elements, `alerts/alertitem` under each, the texts alert,
desc, riskcode (mapped 0-3 to Info..High), solution, reference, pluginid and cweid (digits), and per
`instances/instance` the uri plus either requestheader+requestbody / responseheader+responsebody
(concatenated) or method, param, attack and evidence. The file name must end in `.xml`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

SEVERITY = {"0": "Info", "1": "Low", "2": "Medium", "3": "High"}


def import_like_defectdojo(path: Path) -> list[dict[str, Any]]:
    """What the importer takes from each alert item: one finding per item, one request/response per instance."""
    assert path.name.endswith(".xml"), "the importer refuses other file names"
    tree = ET.parse(path)
    findings = []
    for site in tree.findall("site"):
        for item in site.findall("alerts/alertitem"):
            finding: dict[str, Any] = {
                "title": item.findtext("alert"),
                "description": item.findtext("desc"),
                "severity": SEVERITY.get(item.findtext("riskcode") or ""),
                "mitigation": item.findtext("solution"),
                "references": item.findtext("reference"),
                "vuln_id_from_tool": item.findtext("pluginid"),
                "cwe": int(item.findtext("cweid") or "")
                if (item.findtext("cweid") or "").isdigit()
                else None,
                "endpoints": [],
                "req_resp": [],
            }
            for text in ("description", "mitigation", "references"):
                assert finding[text] is not None, f"{text}: the importer converts it from HTML and needs it"
            for instance in item.findall("instances/instance"):
                uri = instance.findtext("uri") or ""
                if instance.findtext("requestheader") is not None:
                    request = (instance.findtext("requestheader") or "") + str(
                        instance.findtext("requestbody")
                    )
                    response = (instance.findtext("responseheader") or "") + str(
                        instance.findtext("responsebody")
                    )
                    assert instance.findtext("requestbody") is not None
                    assert instance.findtext("responsebody") is not None
                else:
                    request = (
                        f"Method: {instance.findtext('method')} Param: {instance.findtext('param')} "
                        f"Attack: {instance.findtext('attack')} Query: {urlparse(uri).query}"
                    )
                    response = str(instance.findtext("evidence"))
                parts = urlparse(uri)
                finding["endpoints"].append((parts.scheme, parts.netloc, parts.path))
                finding["req_resp"].append({"req": request, "resp": response})
            findings.append(finding)
    return findings
