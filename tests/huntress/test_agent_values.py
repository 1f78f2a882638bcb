"""A non-numeric agent field with the EDR split mapped fails that organization's rows, never the run."""

from __future__ import annotations

import tomllib

import httpx
import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.models import Organization
from tests.support import HUNTRESS, read_log, write_config
from tests.support.huntress import agents, huntress_client

runner = CliRunner()


def test_an_agent_with_a_non_numeric_organization_id_fails_only_its_organization(mock):
    def listing(request):
        org = int(request.url.params["organization_id"])
        found = agents(org, 2, 3)
        if org == 102:
            found[0]["organization_id"] = "n/a"
        return httpx.Response(200, json={"agents": found, "pagination": {}})

    mock.get(f"{HUNTRESS}/v1/agents").mock(side_effect=listing)
    orgs = {o: Organization(o, str(o), {"agents_count": 5}) for o in (101, 102)}
    orgs[103] = Organization(103, "big", {"agents_count": 5000})
    unreadable: dict[int, str] = {}
    split = huntress_client().agent_counts(orgs, [101, 102], unreadable)
    assert split == {101: {"edr_servers": 2, "edr_workstations": 3}}
    assert list(unreadable) == [102] and "'n/a'" in unreadable[102]


def test_an_unreadable_agents_count_fails_only_its_organization(mock):
    mock.get(f"{HUNTRESS}/v1/agents").mock(side_effect=lambda request: httpx.Response(200, json={
        "agents": agents(int(request.url.params["organization_id"]), 1, 1), "pagination": {}}))
    orgs = {101: Organization(101, "A", {"agents_count": 2}), 102: Organization(102, "B", {"agents_count": "lots"}),
            103: Organization(103, "C", {"agents_count": 5000})}
    unreadable: dict[int, str] = {}
    split = huntress_client().agent_counts(orgs, [101, 102], unreadable)
    assert split == {101: {"edr_servers": 1, "edr_workstations": 1}}
    assert "agents_count" in unreadable[102] and "'lots'" in unreadable[102]


def test_through_the_cli_the_organizations_rows_fail_and_the_others_sync(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["products"] = {"edr_servers": 1006, "edr_workstations": 1007}
    write_config(sandbox_config_file, data)
    original = sandbox_mock.state.agents

    def agents_with_a_glitch(org_id, *window):
        found = [dict(a) for a in original(org_id, *window)]
        if org_id == 104 and found:
            found[0]["organization_id"] = "one-hundred-and-four"
        return found

    sandbox_mock.state.agents = agents_with_a_glitch
    result = runner.invoke(app, ["run", "--force", "--config", str(sandbox_config_file)])
    assert result.exit_code == 1, result.output
    rows = [r for r in read_log(sandbox_config_file.parent / "results.jsonl") if r["type"] == "row"]
    failed = {(r["halo_client_id"], r["product"]) for r in rows if r["status"] == "failed"}
    # The account-wide listing cannot tell whose the agent is: every split row fails, with the reason; nothing crashed.
    assert failed == {(r["halo_client_id"], r["product"]) for r in rows}
    assert all("one-hundred-and-four" in r["message"] for r in rows)
    assert "internal error" not in result.output


@pytest.mark.parametrize("value", ["12", 2.5, -1, True, 10**9])
def test_agents_count_is_read_like_every_other_count(mock, value):
    # summary_count refuses these for the other products: the EDR split must not bill a value they refuse.
    mock.get(f"{HUNTRESS}/v1/agents").mock(side_effect=lambda request: httpx.Response(200, json={
        "agents": agents(int(request.url.params["organization_id"]), 1, 1), "pagination": {}}))
    orgs = {101: Organization(101, "A", {"agents_count": 2}), 102: Organization(102, "B", {"agents_count": value}),
            103: Organization(103, "C", {"agents_count": 5000})}  # listing per organization is cheaper
    unreadable: dict[int, str] = {}
    split = huntress_client().agent_counts(orgs, [101, 102], unreadable)
    assert split == {101: {"edr_servers": 1, "edr_workstations": 1}}
    assert list(unreadable) == [102] and "agents_count" in unreadable[102] and str(value) in unreadable[102]
