"""EDR billed by servers and workstations: the server rule, the cheaper agent listing, and the sync through the CLI."""

from __future__ import annotations

import tomllib

import httpx
import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.models import Organization
from halosync.huntress.usage import is_server
from tests.support import HUNTRESS, read_log, write_config
from tests.support.huntress import agents, huntress_client

runner = CliRunner()


@pytest.mark.parametrize(
    ("agent", "server"),
    [
        ({"os": "Windows Server 2022 Standard", "platform": "windows"}, True),
        ({"os": "Microsoft Windows Server 2016 Datacenter", "platform": "windows"}, True),
        ({"os": "Windows 11 Pro", "platform": "windows"}, False),
        ({"os": "Ubuntu 22.04.4 LTS", "platform": "linux"}, True),
        ({"os": "macOS 14.5", "platform": "darwin"}, False),
        ({}, False),
    ],
)
def test_server_rule(agent, server):
    assert is_server(agent) is server


def test_agents_listed_per_organization_when_that_is_cheaper(mock):
    route = mock.get(f"{HUNTRESS}/v1/agents").mock(side_effect=lambda request: httpx.Response(200, json={
        "agents": agents(int(request.url.params["organization_id"]), 2, 3), "pagination": {}}))
    orgs = {101: Organization(101, "A", {"agents_count": 5}), 102: Organization(102, "B", {"agents_count": 400}),
            103: Organization(103, "C", {"agents_count": 900})}  # the account: 1,305 agents = 3 pages
    split = huntress_client().agent_counts(orgs, [101])
    assert split == {101: {"edr_servers": 2, "edr_workstations": 3}}
    assert route.call_count == 1 and route.calls.last.request.url.params["limit"] == "500"


def test_agents_listed_account_wide_when_that_is_cheaper(mock):
    route = mock.get(f"{HUNTRESS}/v1/agents").mock(return_value=httpx.Response(200, json={
        "agents": agents(101, 1, 4) + agents(102, 3, 0) + agents(999, 5, 5), "pagination": {}}))
    orgs = {o: Organization(o, str(o), {"agents_count": 5}) for o in (101, 102, 103, 999)}
    split = huntress_client().agent_counts(orgs, [101, 102, 103])
    assert split == {101: {"edr_servers": 1, "edr_workstations": 4}, 102: {"edr_servers": 3, "edr_workstations": 0},
                     103: {"edr_servers": 0, "edr_workstations": 0}}
    assert route.call_count == 1 and "organization_id" not in route.calls.last.request.url.params


def test_split_edr_through_the_cli(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["products"] = {"edr_servers": 1006, "edr_workstations": 1007}
    write_config(sandbox_config_file, data)
    result = runner.invoke(app, ["run", "--force", "--config", str(sandbox_config_file)])
    assert result.exit_code == 0, result.output
    rows = {(r["halo_client_id"], r["product"]): r["count"] for r in read_log(sandbox_config_file.parent / "results.jsonl") if r["type"] == "row"}
    assert rows[18, "edr_servers"] == 27 and rows[18, "edr_workstations"] == 183  # Granite: 210 agents
    assert rows[12, "edr_servers"] + rows[12, "edr_workstations"] == 48  # Acme's two organizations
    assert sandbox_mock.count("huntress", "GET", "/v1/agents") == 2  # ~960 agents: two account-wide pages
    assert sandbox_mock.count("huntress") == 3  # and the organization list; no usage reads needed


def test_sandbox_agent_pages_cover_every_agent_once(sandbox):
    from halosync.sandbox import Request

    seen, token = [], None
    while True:
        query = {"limit": ["97"], **({"page_token": [token]} if token else {})}
        import base64
        auth = "Basic " + base64.b64encode(b"hk_sandbox_key:hs_sandbox_secret").decode()
        page = __import__("json").loads(sandbox.handle(Request("GET", "/huntress/v1/agents", query, {"authorization": auth})).body)
        seen += page["agents"]
        token = page["pagination"].get("next_page_token")
        if not token:
            break
    expected = [a for o in sorted(sandbox.state.organizations, reverse=True) for a in reversed(sandbox.state.agents(o))]
    assert seen == expected and len({a["id"] for a in seen}) == len(seen)


