"""Hostile scan content must never break a report, run in a browser, or leak a secret."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import lxml.html
import pytest
from hostile import BREAKOUTS, EVIL_HOST, HUGE_LEN, IMG, SECRET_BEARER, SECRETS, hostile_record
from lxml import etree

from dast.models import RunRecord
from dast.redact import MASK
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.registry import reporter_for
from dast.report.sanitize import FIELD_LIMIT, REPLACEMENT, clean, decode, safe_link
from dast.report.writer import load_record, write_reports

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"  # vendored (tests/schemas/README.md)
UNESCAPED_JS_LINK = re.compile(r"(?<!\\)\]\(\s*javascript:", re.IGNORECASE)
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@pytest.fixture(scope="module")
def rendered() -> dict[OutputFormat, bytes]:
    record = hostile_record()
    return {fmt: reporter_for(fmt, RenderOptions()).render(record) for fmt in OutputFormat}


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_secrets_are_redacted_in_every_format(rendered: dict[OutputFormat, bytes], fmt: OutputFormat) -> None:
    text = rendered[fmt].decode("utf-8")
    for secret in SECRETS:
        assert secret not in text
    if fmt is not OutputFormat.MARKDOWN:  # the summary shows no evidence
        assert MASK in text


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_huge_text_is_cut_with_a_marker(rendered: dict[OutputFormat, bytes], fmt: OutputFormat) -> None:
    data = rendered[fmt]
    assert len(data) < 1_000_000  # two 5 MB fields went in
    if fmt is not OutputFormat.MARKDOWN:
        assert f"[truncated {HUGE_LEN - FIELD_LIMIT + len('Traceback '):,} characters]" in data.decode(
            "utf-8"
        )


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_output_is_strict_utf8_without_illegal_characters(
    rendered: dict[OutputFormat, bytes], fmt: OutputFormat
) -> None:
    text = rendered[fmt].decode("utf-8")  # strict: a lone surrogate could not have been encoded
    assert not ILLEGAL_XML.search(text)
    assert REPLACEMENT in text or fmt is OutputFormat.MARKDOWN


def test_junit_stays_well_formed_and_valid(rendered: dict[OutputFormat, bytes]) -> None:
    doc = etree.fromstring(rendered[OutputFormat.JUNIT])  # raises on malformed XML
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-jenkins-xunit-10.xsd")))
    assert schema.validate(doc), schema.error_log
    body = "".join(doc.itertext())
    assert "]]><script>alert(1)</script><![CDATA[" in body  # kept as text, not markup
    assert doc.find(".//error") is not None


def test_sarif_stays_valid(rendered: dict[OutputFormat, bytes]) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8"))
    doc = json.loads(rendered[OutputFormat.SARIF])
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    help_md = "\n".join(rule["help"]["markdown"] for rule in doc["runs"][0]["tool"]["driver"]["rules"])
    assert not UNESCAPED_JS_LINK.search(help_md)
    assert "<javascript:" not in help_md.lower()
    assert "<script" not in help_md


def test_json_round_trips_and_reloads(rendered: dict[OutputFormat, bytes], tmp_path: Path) -> None:
    again = RunRecord.from_dict(json.loads(rendered[OutputFormat.JSON]))
    path = tmp_path / "results.json"
    path.write_bytes(rendered[OutputFormat.JSON])
    assert load_record(path) == again
    # re-rendering from results.json (what `dast report` does) changes nothing: no double cut
    assert reporter_for(OutputFormat.JSON, RenderOptions()).render(again) == rendered[OutputFormat.JSON]


def test_html_has_no_active_content(rendered: dict[OutputFormat, bytes]) -> None:
    tree = lxml.html.document_fromstring(rendered[OutputFormat.HTML])
    assert not tree.xpath("//script | //iframe | //object | //embed | //img | //link | //base | //form")
    assert len(tree.xpath("//style")) == 1
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert EVIL_HOST not in value
    hrefs = [a.get("href") for a in tree.xpath("//a")]
    assert hrefs
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs), hrefs
    assert all("javascript" not in h.lower() for h in hrefs)
    external = tree.xpath("//a[starts-with(@href, 'http')]")
    assert all(a.get("rel") == "noopener noreferrer" for a in external)
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]


def test_html_shows_payloads_as_text(rendered: dict[OutputFormat, bytes]) -> None:
    html = rendered[OutputFormat.HTML].decode("utf-8")
    assert "&lt;script&gt;window.__pwned=1" in html
    assert "&lt;/textarea&gt;" in html
    tree = lxml.html.document_fromstring(rendered[OutputFormat.HTML])
    assert "<script>window.__pwned=1;document.title='pwned';alert(1)</script>" in tree.text_content()


def test_markdown_has_no_markup_or_links(rendered: dict[OutputFormat, bytes]) -> None:
    text = rendered[OutputFormat.MARKDOWN].decode("utf-8")
    assert "<script" not in text
    assert "<img" not in text
    assert not UNESCAPED_JS_LINK.search(text)
    assert "\\|pipe\\|" in text
    assert "\\`tick\\`" in text


# --- the evidence fields (issue 10): request, response, replay ------------------------------


def _texts(data: bytes, fmt: OutputFormat) -> str:
    """What a reader of the format sees as text (markup and escaping undone)."""
    if fmt in (OutputFormat.JUNIT, OutputFormat.ZAP_XML):
        return "".join(etree.fromstring(data).itertext())
    if fmt is OutputFormat.HTML:
        return str(lxml.html.document_fromstring(data).text_content())
    if fmt in (OutputFormat.JSON, OutputFormat.SARIF):
        return "\n".join(_strings(json.loads(data)))
    return data.decode("utf-8")


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_the_evidence_fields_are_shown_as_inert_text(
    rendered: dict[OutputFormat, bytes], fmt: OutputFormat
) -> None:
    text = _texts(rendered[fmt], fmt)
    if fmt is OutputFormat.MARKDOWN:
        # The replay of a hostile request, escaped: no markup, its secret headers masked.
        assert "touch /tmp/pwned" in text and "&lt;script&gt;" in text
        assert "Authorization: Bearer \\*\\*\\*" in text
        return
    if fmt is not OutputFormat.ZAP_XML:  # ZAP's layout has no place for a replay
        # The replay of a hostile request: shown, its substitutions inert, its secret headers masked.
        assert "touch /tmp/pwned" in text, "the replay is in every format"
    assert "Authorization: Bearer ***" in text
    if fmt is not OutputFormat.SARIF:  # SARIF carries the replay, not the exchange
        assert "X-Evil:" in text and IMG in text, "the request's hostile header is there, as text"
        assert f"X-Note: {BREAKOUTS[2]}" in text, "the response's hostile header is there, as text"
    if fmt is OutputFormat.HTML:
        tree = lxml.html.document_fromstring(rendered[fmt])
        marked = [m.text_content() for m in tree.xpath("//details[contains(@class, 'exchange')]//mark")]
        assert marked and marked[0].startswith("HTTP/1.1 200 OK"), "the evidence is marked, as text"


def test_write_reports_with_hostile_record(tmp_path: Path) -> None:
    paths = write_reports(hostile_record(), tuple(OutputFormat), tmp_path)
    assert all(p.stat().st_size > 0 for p in paths)


# --- sanitize helpers ---------------------------------------------------------------------


def test_clean_replaces_illegal_characters() -> None:
    assert clean("a\x00b\x07c\x1bd\udcffe\ufffef\tg\nh\ri") == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\tg\nh\ri"


def test_clean_cuts_with_a_visible_marker_and_is_idempotent() -> None:
    text = "x" * 4_832_331
    cut = clean(text)
    assert cut == "x" * FIELD_LIMIT + "… [truncated 4,812,331 characters]"
    assert clean(cut) == cut
    assert clean("y" * 100, limit=3) == "yyy… [truncated 97 characters]"


def test_clean_masks_a_secret_straddling_the_cut() -> None:
    text = "a" * (FIELD_LIMIT - 10) + f"\nAuthorization: Bearer {SECRET_BEARER}\n" + "b" * 100_000
    assert SECRET_BEARER[:5] not in clean(text)


def test_decode_invalid_utf8() -> None:
    assert decode(b"ok \xff\xfe \xc3\xa9") == "ok \ufffd\ufffd é"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://owasp.org/x", "https://owasp.org/x"),
        ("http://example.test/a?b=c", "http://example.test/a?b=c"),
        ("javascript:alert(1)", None),
        (" JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("vbscript:x", None),
        ("//evil.example/x", None),
        ("https://a.test/\x00x", None),
        ("http://[bad", None),
    ],
)
def test_safe_link(url: str, link: str | None) -> None:
    assert safe_link(url) == link
