"""The sandbox's reseller side answers in the shapes Huntress's document gives: every field it sends is declared,
with the declared type; the objects the document only shows by example carry the example's keys."""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

import pytest

from halosync.sandbox import Request, Sandbox
from halosync.sandbox.state import HUNTRESS_KEY, HUNTRESS_SECRET, State
from tests.support.contract import CONTRACTS

TYPES = {"integer": int, "string": str, "boolean": bool, "array": list, "object": dict, "Object": dict}
# Every sandbox list adds these to `pagination` (the shared paging, older than this file); halosync reads only
# next_page_token, which the document declares.
SANDBOX_PAGINATION = {"current_page", "limit", "total"}
PRODUCTS = {"edr", "itdr", "ispm", "sat", "siem", "siem_extended_retention"}  # the document's product enum


@cache
def document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CONTRACTS / "huntress.json").read_text())
    return document


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document()["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def problems(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    schema = resolve(schema)
    kind = schema.get("type")
    found: list[str] = []
    if kind in TYPES and not isinstance(value, TYPES[kind]) or (kind == "integer" and isinstance(value, bool)):
        return [f"{where}: {value!r} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if kind == "Object" and isinstance(schema.get("example"), dict):
        allowed = set(schema["example"]) | (PRODUCTS if set(schema["example"]) & PRODUCTS else set())
        found += [f"{where}.{k}: not in the document's example" for k in value if k not in allowed]
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if where.endswith(".pagination") and key in SANDBOX_PAGINATION:
                continue
            if key not in schema["properties"]:
                found.append(f"{where}.{key}: not declared")
            else:
                found += problems(item, schema["properties"][key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            found += problems(item, schema["items"], f"{where}[{n}]")
    return found


def get(sandbox: Sandbox, path: str, **query: str) -> dict[str, Any]:
    auth = base64.b64encode(f"{HUNTRESS_KEY}:{HUNTRESS_SECRET}".encode()).decode()
    reply = sandbox.handle(Request(method="GET", path="/huntress" + path, query={k: [v] for k, v in query.items()},
                                   headers={"authorization": f"Basic {auth}"}, body=b""))
    assert reply.status == 200, reply.body
    body = json.loads(reply.body)
    assert isinstance(body, dict)
    return body


@pytest.fixture
def reseller() -> Sandbox:
    state = State.seeded()
    state.accounts[2] = {"id": 2, "name": "Northwind Sub-account", "subdomain": "northwind", "status": "enabled"}
    state.add_organization(201, "Northwind Clinic", edr=5, itdr=[0, 0], sat=0, siem=0, ispm=[0])
    state.organizations[201]["account_id"] = 2
    state.subscription_minimums = {"edr": 1500}
    sandbox = Sandbox(state)
    sandbox.faults.huntress_rate_limit = 0
    return sandbox


@pytest.mark.parametrize("path", [
    "/v1/reseller/invoices", "/v1/reseller/invoices/8002/organization_usage_line_items",
    "/v1/reseller/invoices/8002/account_usage_line_items", "/v1/accounts", "/v1/accounts/2/organizations",
    "/v1/account", "/v1/invoices",
])
def test_every_answer_matches_the_huntress_document(reseller, path):
    body = get(reseller, path, limit="500") if path != "/v1/account" else get(reseller, path)
    template = path.replace("8002", "{id}").replace("/accounts/2/", "/accounts/{account_id}/")
    schema = document()["paths"][template]["get"]["responses"]["200"]["schema"]
    assert problems(body, schema, path) == []
    lists = [v for k, v in body.items() if isinstance(v, list)]
    assert path == "/v1/account" or (lists and lists[0]), "an empty list proves nothing"


def test_line_items_leave_out_organizations_with_no_usage_and_name_the_account(reseller):
    for product in ("edr", "itdr", "sat", "siem"):
        reseller.state.set_count(112, product, 0)
    items = get(reseller, "/v1/reseller/invoices/8002/organization_usage_line_items", limit="500")
    by_org = {i["organization"]["id"]: i for i in items["organization_usage_line_items"]}
    assert 112 not in by_org and by_org[201]["account"]["name"] == "Northwind Sub-account"
    assert by_org[101]["actual_usage"]["edr"] == 42


def test_an_unknown_invoice_is_404_and_the_subscription_minimum_shows_as_billable_over_actual(reseller):
    auth = base64.b64encode(f"{HUNTRESS_KEY}:{HUNTRESS_SECRET}".encode()).decode()
    reply = reseller.handle(Request(method="GET", path="/huntress/v1/reseller/invoices/1/organization_usage_line_items",
                                    query={}, headers={"authorization": f"Basic {auth}"}, body=b""))
    assert reply.status == 404
    items = get(reseller, "/v1/reseller/invoices/8002/account_usage_line_items", limit="500")
    edr = next(i for i in items["account_usage_line_items"] if i["product"] == "edr" and i["account"]["id"] == 1)
    assert edr["usage"]["billable"] == 1500 and edr["usage"]["actual"] < 1500
