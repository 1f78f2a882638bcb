"""Hold requests against the vendors' OpenAPI documents (the committed subsets in tests/contracts)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
JSON_TYPES: dict[str, type | tuple[type, ...]] = {"integer": int, "number": (int, float), "string": str, "boolean": bool, "array": list, "object": dict}
# The token endpoint is OAuth2, outside Halo's OpenAPI document; API.md gives its fields.
TOKEN_FORM = {"grant_type", "client_id", "client_secret", "scope"}
TOKEN_QUERY = {"tenant"}


@dataclass
class Sent:
    """One request, reduced to what the contracts speak of."""

    service: str  # "huntress" or "halo"
    method: str
    path: str  # /v1/organizations, /api/SoftwareLicence, /auth/token
    query: dict[str, list[str]]
    form: dict[str, list[str]] | None = None
    json: Any = None


@cache
def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CONTRACTS / name).read_text())
    return document


def _operation(doc: dict[str, Any], method: str, path: str) -> tuple[dict[str, Any] | None, str]:
    for template, ops in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            op = ops.get(method.lower())
            return op, template
    return None, ""


def problems(sent: Sent) -> list[str]:
    """What in this request the vendor's document does not allow; empty when it conforms."""
    where = f"{sent.method} {sent.path}"
    if sent.service == "halo" and sent.path == "/auth/token":
        token: list[str] = []
        if sent.method != "POST":
            token.append(f"{where}: the token endpoint takes POST")
        token += [f"{where}: query parameter {k!r} is not one of {sorted(TOKEN_QUERY)}" for k in sent.query if k not in TOKEN_QUERY]
        token += [f"{where}: form field {k!r} is not one of {sorted(TOKEN_FORM)}" for k in (sent.form or {}) if k not in TOKEN_FORM]
        if (sent.form or {}).get("grant_type") != ["client_credentials"]:
            token.append(f"{where}: grant_type must be client_credentials")
        return token

    if sent.service == "huntress":
        doc, path = _document("huntress.json"), sent.path
    else:
        doc = _document("halo.json")
        if not sent.path.startswith("/api/"):
            return [f"{where}: HaloPSA's API lives under /api"]
        path = sent.path[len("/api"):]
    op, template = _operation(doc, sent.method, path)
    if op is None:
        return [f"{where}: no such operation in the {sent.service} OpenAPI document"]

    found: list[str] = []
    declared = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    for name, values in sent.query.items():
        param = declared.get(name)
        if param is None:
            found.append(f"{where}: query parameter {name!r} is not declared for {sent.method} {template}")
            continue
        schema = param.get("schema", param)
        for value in values:
            found += _check_scalar(f"{where}: {name}", schema, value)
    if sent.json is not None:
        found += _check_body(where, op, sent.json, doc)
    return found


def _check_scalar(what: str, schema: dict[str, Any], value: str) -> list[str]:
    kind = schema.get("type")
    if kind == "integer":
        try:
            number = int(value)
        except ValueError:
            return [f"{what}={value!r} is not an integer"]
        if "minimum" in schema and number < schema["minimum"]:
            return [f"{what}={number} is below the minimum {schema['minimum']}"]
        if "maximum" in schema and number > schema["maximum"]:
            return [f"{what}={number} is above the maximum {schema['maximum']}"]
    if kind == "boolean" and value not in ("true", "false", "True", "False"):
        return [f"{what}={value!r} is not a boolean"]
    return []


def _check_body(where: str, op: dict[str, Any], body: Any, doc: dict[str, Any]) -> list[str]:
    content = op.get("requestBody", {}).get("content", {})
    schema = (content.get("application/json") or {}).get("schema")
    if schema is None:
        return [f"{where}: the document declares no JSON body"]
    if schema.get("type") == "array":
        if not isinstance(body, list):
            return [f"{where}: the body must be an array"]
        items, ref = body, schema["items"]["$ref"]
    else:
        items, ref = [body], schema["$ref"]
    properties = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    found = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            found.append(f"{where}: body[{n}] is not an object")
            continue
        for key, value in item.items():
            if key not in properties:
                found.append(f"{where}: body[{n}].{key} is not a property of {ref.rsplit('/', 1)[1]}")
                continue
            expected = JSON_TYPES.get(properties[key].get("type"))
            if value is not None and expected and (not isinstance(value, expected) or isinstance(value, bool) and expected is int):
                found.append(f"{where}: body[{n}].{key}={value!r} is not of type {properties[key]['type']}")
    return found


def from_httpx(request: Any) -> Sent:
    """An httpx.Request (as respx records it) as a Sent; the service is told by the path."""
    from urllib.parse import parse_qs

    path = request.url.path
    query = parse_qs(request.url.query.decode() if isinstance(request.url.query, bytes) else request.url.query, keep_blank_values=True)
    content_type = request.headers.get("content-type", "")
    body = request.content
    form = parse_qs(body.decode()) if body and "form" in content_type else None
    data = json.loads(body) if body and "json" in content_type else None
    if "/v1/" in path:
        service, path = "huntress", path[path.index("/v1/"):]
    elif "/api/" in path:
        service, path = "halo", path[path.index("/api/"):]
    else:
        service, path = "halo", path[path.index("/auth/"):] if "/auth/" in path else path
    return Sent(service, request.method, path, query, form, data)


def assert_conforms(sent: list[Sent]) -> None:
    found = [problem for s in sent for problem in problems(s)]
    assert not found, "requests the vendors' documents do not allow:\n" + "\n".join(found)
