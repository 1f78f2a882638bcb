"""Listings are complete or the run stops: HaloPSA lists read to record_count, Huntress pagers that repeat
themselves refused, and every organization and agent counted once per id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from halosync.config.load import load_config
from halosync.config.schema import Config
from halosync.errors import UnreachableError
from halosync.halo.client import HaloClient
from halosync.huntress.client import HuntressClient
from tests.support import HALO, HUNTRESS, basic_config

API = f"{HALO}/api"
V1 = f"{HUNTRESS}/v1"


def halo(**options) -> HaloClient:
    return HaloClient.from_config(Config.model_validate(basic_config(halo=options)))


def token() -> httpx.Response:
    return httpx.Response(200, json={"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})


def licence(i: int) -> dict[str, Any]:
    return {"id": i, "client_id": 12, "name": f"L{i}", "count": i, "item_id": 1001}


def licences(rows, total) -> httpx.Response:
    return httpx.Response(200, json={"record_count": total, "licences": rows})


# -- HaloPSA ---------------------------------------------------------------


def test_a_page_shorter_than_asked_does_not_end_the_list_while_record_count_says_more(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    rows = [licence(i) for i in range(1, 8)]
    pages = [rows[0:3], rows[3:6], rows[6:7]]  # Halo serves 3 a page although 5 were asked
    route = mock.get(f"{API}/SoftwareLicence").mock(
        side_effect=lambda request: licences(pages[int(request.url.params["page_no"]) - 1], 7))
    found = halo(page_size=5).licences()
    assert sorted(l.id for l in found) == [1, 2, 3, 4, 5, 6, 7]
    assert route.call_count == 3


def test_a_page_with_nothing_new_before_record_count_is_exit_5_naming_the_list(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    rows = [licence(i) for i in range(1, 5)]
    answers = {1: rows[0:2], 2: rows[2:4], 3: rows[2:4]}  # page 3 repeats page 2; record_count says 6
    mock.get(f"{API}/SoftwareLicence").mock(
        side_effect=lambda request: licences(answers.get(int(request.url.params["page_no"]), []), 6))
    with pytest.raises(UnreachableError) as caught:
        halo(page_size=2).licences()
    assert caught.value.exit_code == 5
    message = str(caught.value)
    assert "list of licences" in message and "/SoftwareLicence" in message and "4 of the 6" in message


def test_an_empty_page_before_record_count_is_exit_5(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    mock.get(f"{API}/Item").mock(side_effect=lambda request: httpx.Response(200, json={
        "record_count": 3, "items": [{"id": 1, "name": "a"}] if request.url.params["page_no"] == "1" else []}))
    with pytest.raises(UnreachableError, match="list of items"):
        halo(page_size=1).items()


def test_without_record_count_a_short_page_ends_the_list(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    route = mock.get(f"{API}/SoftwareLicence").mock(side_effect=[
        httpx.Response(200, json={"licences": [licence(1), licence(2)]}),
        httpx.Response(200, json={"licences": [licence(3)]})])
    assert sorted(l.id for l in halo(page_size=2).licences()) == [1, 2, 3]
    assert route.call_count == 2


def test_short_pages_are_read_a_window_at_a_time_and_never_past_record_count(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    rows = [licence(i) for i in range(1, 26)]
    # 10 a page asked, 5 served: page 2 alone, then as many pages as the rows left would fill (3-4, then 5).
    route = mock.get(f"{API}/SoftwareLicence").mock(side_effect=lambda request: licences(
        rows[(int(request.url.params["page_no"]) - 1) * 5:int(request.url.params["page_no"]) * 5], 25))
    assert len(halo(page_size=10).licences()) == 25
    assert route.call_count == 5


# -- Huntress --------------------------------------------------------------


def huntress() -> HuntressClient:
    return HuntressClient.from_config(Config.model_validate(basic_config()))


def org(org_id: int) -> dict[str, Any]:
    return {"id": org_id, "name": f"Org {org_id}", "agents_count": 1}


def test_a_huntress_page_of_repeats_is_exit_5_naming_the_list(mock):
    mock.get(f"{V1}/organizations").mock(side_effect=[
        httpx.Response(200, json={"organizations": [org(3), org(2)], "pagination": {"next_page_token": "t2"}}),
        httpx.Response(200, json={"organizations": [org(3), org(2)], "pagination": {"next_page_token": "t3"}}),
    ])
    with pytest.raises(UnreachableError) as caught:
        huntress().organizations()
    assert caught.value.exit_code == 5 and "list of organizations" in str(caught.value)
    assert "page 2" in str(caught.value)


def test_an_empty_huntress_page_that_promises_more_is_exit_5(mock):
    mock.get(f"{V1}/agents").mock(return_value=httpx.Response(
        200, json={"agents": [], "pagination": {"next_page_token": "again"}}))
    with pytest.raises(UnreachableError, match=r"list of agents \(GET /v1/agents, organization_id 7\)"):
        list(huntress()._pages("/agents", "agents", {"organization_id": 7}))


def test_the_last_huntress_page_may_be_empty(mock):
    mock.get(f"{V1}/organizations").mock(side_effect=[
        httpx.Response(200, json={"organizations": [org(2)], "pagination": {"next_page_token": "t2"}}),
        httpx.Response(200, json={"organizations": [], "pagination": {}}),
    ])
    assert [o.id for o in huntress().organizations()] == [2]


def test_organizations_shown_on_two_pages_are_counted_once(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.huntress_page_cap = 5
    sandbox_mock.faults.huntress_page_overlap = 2  # each page starts with the last two of the page before
    _, config = load_config(sandbox_config_file)
    client = HuntressClient.from_config(config)
    organizations = client.organizations()
    assert sorted(o.id for o in organizations) == sorted(sandbox_mock.state.organizations)
    assert sandbox_mock.count("huntress", "GET", "/v1/organizations") > 3  # the overlap was served


@pytest.mark.parametrize("wanted", [[104, 108], list(range(101, 113))])  # listed per organization / account-wide
def test_agents_shown_on_two_pages_are_counted_once(sandbox_mock, sandbox_config_file, wanted):
    sandbox_mock.faults.huntress_page_cap = 20
    sandbox_mock.faults.huntress_page_overlap = 3
    _, config = load_config(sandbox_config_file)
    client = HuntressClient.from_config(config)
    organizations = {o.id: o for o in client.organizations()}
    split = client.agent_counts(organizations, wanted)
    for org_id in wanted:
        agents = sandbox_mock.state.agents(org_id)
        servers = sum(1 for a in agents if "Server" in a["os"] or "Ubuntu" in a["os"])
        assert split[org_id] == {"edr_servers": servers, "edr_workstations": len(agents) - servers}


def test_a_huntress_pager_that_loops_back_is_exit_5(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.huntress_page_cap = 5
    sandbox_mock.faults.huntress_pager_repeats = True
    _, config = load_config(sandbox_config_file)
    with pytest.raises(UnreachableError, match="list of organizations"):
        HuntressClient.from_config(config).organizations()
