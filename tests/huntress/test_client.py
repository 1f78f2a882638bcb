"""Huntress client: Basic auth, every page at limit=500, details only where the count mode needs them."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from halosync.config.schema import Config
from halosync.core.models import Organization
from halosync.errors import AuthError, UnreachableError
from halosync.huntress.client import HuntressClient
from tests.support import HUNTRESS, basic_config

V1 = f"{HUNTRESS}/v1"


def client(**huntress) -> HuntressClient:
    return HuntressClient.from_config(Config.model_validate(basic_config(huntress=huntress)))


def org(org_id: int, **counts) -> dict[str, Any]:
    return {"id": org_id, "name": f"Org {org_id}", "agents_count": 0, "billable_identity_count": 0,
            "sat_learner_count": 0, "logs_sources_count": 0, **counts}


def test_basic_auth_and_every_page_at_limit_500(mock):
    pages = mock.get(f"{V1}/organizations").mock(side_effect=[
        httpx.Response(200, json={"organizations": [org(3), org(2)], "pagination": {"next_page_token": "t2", "next_page_url": "x"}}),
        httpx.Response(200, json={"organizations": [org(1)], "pagination": {"next_page_token": ""}}),
    ])
    orgs = client().organizations()
    assert [o.id for o in orgs] == [3, 2, 1]
    first, second = (call.request for call in pages.calls)
    assert first.url.params["limit"] == "500" and "page_token" not in first.url.params
    assert second.url.params["page_token"] == "t2"
    user, _, password = base64.b64decode(first.headers["authorization"].split()[1]).decode().partition(":")
    assert (user, password) == ("hk_test_key", "hs_test_secret")


def test_a_repeated_page_token_is_an_error_not_the_end_of_the_list(mock):
    route = mock.get(f"{V1}/organizations").mock(return_value=httpx.Response(
        200, json={"organizations": [org(1)], "pagination": {"next_page_token": "same"}}))
    with pytest.raises(UnreachableError, match="list of organizations"):
        client().organizations()
    assert route.call_count == 2


def test_billable_mode_fetches_details_only_for_mapped_organizations_that_exist(mock):
    usages = {"edr": {"billable_agents_count": 40}, "sat": {"learners_count": 20}}
    detail = mock.get(url__regex=rf"{V1}/organizations/\d+").mock(return_value=httpx.Response(
        200, json={"organization": {**org(101), "actual_usages": json.dumps(usages)}}))
    hc = client()
    orgs = {o: Organization(o, f"Org {o}", org(o)) for o in (101, 103)}
    read = hc.counts(orgs, [101, 999], ["edr", "sat"], "billable")
    assert read.counts == {101: {"edr": 40, "sat": 20}} and read.errors == {} and read.bad == {}
    assert [c.request.url.path for c in detail.calls] == ["/v1/organizations/101"]


def test_summary_mode_uses_the_list_and_fetches_details_only_for_ispm(mock):
    detail = mock.get(url__regex=rf"{V1}/organizations/\d+").mock(return_value=httpx.Response(
        200, json={"organization": {**org(101), "actual_usages": {"ispm": [{"billable_identities_count": 7}]}}}))
    hc = client(counts="summary")
    orgs = {101: Organization(101, "Org 101", org(101, agents_count=42, sat_learner_count=9))}
    read = hc.counts(orgs, [101], ["edr", "sat"], "summary")
    assert read.counts == {101: {"edr": 42, "sat": 9}} and detail.call_count == 0
    read = hc.counts(orgs, [101], ["edr", "ispm"], "summary")
    assert read.counts == {101: {"edr": 42, "ispm": 7}} and detail.call_count == 1


def test_an_unreadable_organization_is_an_error_of_its_own(mock):
    mock.get(f"{V1}/organizations/101").mock(return_value=httpx.Response(404, json={"errors": ["Not found"]}))
    orgs = {101: Organization(101, "Org 101", org(101))}
    read = client().counts(orgs, [101], ["edr"], "billable")
    assert read.counts == {} and "404" in read.errors[101]


def test_bad_credentials_are_an_auth_error_without_the_secret(mock):
    mock.get(f"{V1}/organizations").mock(return_value=httpx.Response(401, json={"errors": ["hs_test_secret is invalid"]}))
    with pytest.raises(AuthError) as caught:
        client().organizations()
    assert "hs_test_secret" not in str(caught.value)


def test_a_bad_billable_value_is_refused_for_that_product_only(mock):
    orgs = {101: Organization(101, "Acme", {})}
    mock.get(f"{HUNTRESS}/v1/organizations/101").mock(return_value=httpx.Response(200, json={"organization": {
        "id": 101, "actual_usages": {"edr": {"billable_agents_count": 12.9}, "sat": {"learners_count": 20}}}}))
    read = client().counts(orgs, [101], ["edr", "sat"], "billable")
    assert read.counts == {101: {"sat": 20}} and read.errors == {}
    assert "12.9" in read.bad[101, "edr"] and "billable_agents_count" in read.bad[101, "edr"]
