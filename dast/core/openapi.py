"""API definitions: OpenAPI 3 and Swagger 2 into ZAP's Sites tree, so the active scan can reach them.

Engines with ZAP's OpenAPI add-on import the definition themselves. ZAP core has none; then dast
reads the definition and sends one well-formed request per operation through ZAP instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import requests
import yaml

from dast.engine.interface import EngineCapabilities, ZapApi
from dast.errors import TargetError, UsageError
from dast.polling import Deadline

MAX_OPERATIONS = 500
MAX_DEFINITION_BYTES = 10 * 1024 * 1024
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class ImportSummary:
    operations: int
    cut_short: bool
    detail: str


@dataclass(frozen=True)
class Operation:
    method: str
    url: str
    body: str
    content_type: str


def import_definition(
    api: ZapApi,
    caps: EngineCapabilities,
    *,
    source_url: str | None,
    source_file: str | None,
    host_url: str,
    scan_url: str,
    override_server: bool,
    context_id: str,
    deadline: Deadline,
) -> ImportSummary:
    if caps.has_openapi and source_url is not None:
        # The engine fetches the definition itself, so it needs the URL as *it* sees the target.
        warnings = api.import_openapi(urljoin(scan_url, source_url), True, scan_url.rstrip("/"), context_id)
        return ImportSummary(0, False, f"imported by the engine's OpenAPI add-on ({len(warnings)} warnings)")
    document = _load(source_url, source_file, host_url)
    operations = operations_of(document, scan_url, override_server)
    sent = 0
    for operation in operations:
        if deadline.expired():
            return ImportSummary(
                sent, True, f"{sent} of {len(operations)} operations sent before the budget ran out"
            )
        api.send_request(raw_request(operation))
        sent += 1
    return ImportSummary(sent, False, f"{sent} operations imported by dast")


def check_definition_source(source_file: str | None) -> None:
    """A definition file is checked before anything starts, so a typo is exit 2 at once."""
    if source_file is not None:
        _parse(_read_file(source_file), source_file)


def _read_file(source_file: str) -> str:
    try:
        return Path(source_file).read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"openapi.file {source_file}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"openapi.file {source_file}: not UTF-8 text") from None


def _load(source_url: str | None, source_file: str | None, host_url: str) -> Mapping[str, Any]:
    if source_file is not None:
        text = _read_file(source_file)
        where = source_file
    elif source_url is not None:
        url = urljoin(host_url, source_url)
        where = url
        try:
            with requests.Session() as session:
                session.trust_env = False
                response = session.get(url, timeout=30)
        except requests.RequestException as err:
            raise TargetError(f"cannot fetch the API definition {url}: {type(err).__name__}") from None
        if response.status_code != 200:
            raise TargetError(f"cannot fetch the API definition {url}: HTTP {response.status_code}")
        if len(response.content) > MAX_DEFINITION_BYTES:
            raise TargetError(f"the API definition {url} is larger than {MAX_DEFINITION_BYTES} bytes")
        text = response.text
    else:
        raise UsageError("openapi: give a url or a file")
    return _parse(text, where)


def _parse(text: str, where: str) -> Mapping[str, Any]:
    try:
        document = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError:
        raise UsageError(f"the API definition {where} is neither JSON nor YAML") from None
    if not isinstance(document, dict) or not ("openapi" in document or "swagger" in document):
        raise UsageError(f"the API definition {where} is not an OpenAPI 3 or Swagger 2 document")
    return document


def operations_of(document: Mapping[str, Any], scan_url: str, override_server: bool) -> list[Operation]:
    base = _base_url(document, scan_url, override_server)
    operations: list[Operation] = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters", [])
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params = [_resolve(document, p) for p in [*shared, *op.get("parameters", [])]]
            operations.append(_operation(document, base, str(path), method.upper(), params, op))
            if len(operations) >= MAX_OPERATIONS:
                return operations
    return operations


def _base_url(document: Mapping[str, Any], scan_url: str, override_server: bool) -> str:
    target = urlsplit(scan_url)
    if "swagger" in document:
        declared = str(document.get("basePath") or "/")
    else:
        servers = document.get("servers") or [{"url": "/"}]
        declared = str(servers[0].get("url", "/")) if isinstance(servers[0], dict) else "/"
    declared_parts = urlsplit(declared)
    if declared_parts.netloc and not override_server:
        return declared.rstrip("/")
    # Only the path of the declared server is kept: requests go to the target we were given.
    return f"{target.scheme}://{target.netloc}{declared_parts.path.rstrip('/')}"


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 10:
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            return {}
        current: Any = document
        for part in ref[2:].split("/"):
            current = (
                current.get(part.replace("~1", "/").replace("~0", "~"), {})
                if isinstance(current, dict)
                else {}
            )
        node = current
        seen += 1
    return node


def _operation(
    document: Mapping[str, Any], base: str, path: str, method: str, params: list[Any], op: Mapping[str, Any]
) -> Operation:
    query: dict[str, str] = {}
    body = ""
    content_type = ""
    for param in params:
        if not isinstance(param, dict):
            continue
        value = _example(document, param.get("schema", param), param.get("example"))
        where = param.get("in")
        if where == "path":
            path = path.replace("{" + str(param.get("name")) + "}", quote(_param_text(value), safe=""))
        elif where == "query":
            query[str(param.get("name"))] = _param_text(value)
        elif where == "body":  # Swagger 2
            body, content_type = json.dumps(value), "application/json"
        elif where == "formData":
            body = (body + "&" if body else "") + urlencode({str(param.get("name")): _param_text(value)})
            content_type = "application/x-www-form-urlencoded"
    request_body = _resolve(document, op.get("requestBody", {}))
    content = request_body.get("content", {}) if isinstance(request_body, dict) else {}
    for media, spec in content.items():
        if "json" in media and isinstance(spec, dict):
            body = json.dumps(_example(document, spec.get("schema", {}), spec.get("example")))
            content_type = "application/json"
            break
        if media == "application/x-www-form-urlencoded" and isinstance(spec, dict):
            sample = _example(document, spec.get("schema", {}), spec.get("example"))
            body = urlencode(sample) if isinstance(sample, dict) else ""
            content_type = media
            break
    url = base + (path if path.startswith("/") else "/" + path)
    if query:
        url += "?" + urlencode(query)
    return Operation(method=method, url=url, body=body, content_type=content_type)


def _param_text(value: Any) -> str:
    """A parameter value as OpenAPI's default styles write it: true/false, arrays comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_param_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def _example(document: Mapping[str, Any], schema: Any, example: Any = None, depth: int = 0) -> Any:
    if example is not None:
        return example
    schema = _resolve(document, schema)
    if not isinstance(schema, dict) or depth > 5:
        return "x"
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            str(name): _example(document, sub, None, depth + 1)
            for name, sub in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return [_example(document, schema.get("items", {}), None, depth + 1)]
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return "dast"


def raw_request(operation: Operation) -> str:
    parts = urlsplit(operation.url)
    lines = [f"{operation.method} {operation.url} HTTP/1.1", f"Host: {parts.netloc}", "User-Agent: dast"]
    if operation.body:
        lines += [
            f"Content-Type: {operation.content_type}",
            f"Content-Length: {len(operation.body.encode())}",
        ]
    return "\r\n".join(lines) + "\r\n\r\n" + operation.body
