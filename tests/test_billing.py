"""Billing control: contract minimums, per-client products, EDR split by servers and workstations."""

from __future__ import annotations

import tomllib

import httpx
import pytest
from typer.testing import CliRunner

from conftest import HUNTRESS, basic_config, read_log, write_config
from halosync.cli import app
from halosync.config.load import load_config
from halosync.config.schema import Config
from halosync.core.mapping import Mapping
from halosync.core.models import Counts
from halosync.core.plan import build_plan
from halosync.errors import ConfigError
from halosync.huntress.client import HuntressClient, Organization
from halosync.huntress.usage import is_server

runner = CliRunner()


# -- config ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("clients", "words"),
    [
        ([{"halo_client_id": 12, "minimum": {"edr": -1}}], "greater than or equal to 0"),
        ([{"halo_client_id": 12, "minimum": {"av": 3}}], "unknown product"),
        ([{"halo_client_id": 12, "products": ["edr", "av"]}], "products"),
        ([{"halo_client_id": 12, "products": ["itdr"]}], "itdr is not mapped"),
        ([{"halo_client_id": 12, "products": ["edr"], "minimum": {"sat": 5}}], "leaves out"),
        ([{"halo_client_id": 12}, {"halo_client_id": 12}], "more than one"),
        ([{"halo_client_id": 12, "products": ["edr", "edr"]}], "twice"),
        ([{"halo_client_id": 12, "minimum": {"edr": "10"}}], "integer"),
    ],
)
def test_clients_validation(tmp_path, clients, words):
    path = write_config(tmp_path / "c.toml", basic_config(clients=clients))
    with pytest.raises(ConfigError, match=words) as caught:
        load_config(path)
    assert "clients" in str(caught.value)


def test_split_edr_keys_are_products_now(tmp_path):
    _, config = load_config(write_config(tmp_path / "c.toml", basic_config(products={"edr_servers": 1006, "edr_workstations": 1007})))
    assert config.products.mapped() == {"edr": 1001, "sat": 1003, "edr_servers": 1006, "edr_workstations": 1007}


# -- planning ----------------------------------------------------------------------------------

def mapping_with(**kwargs) -> Mapping:
    base = dict(clients={12: [101], 14: [104]}, products={"edr": 1001, "sat": 1003},
                licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"})
    return Mapping(**{**base, **kwargs})


ORGS = {101: "A", 104: "C"}
COUNTS = Counts(counts={101: {"edr": 7, "sat": 0}, 104: {"edr": 57, "sat": 3}})


def test_minimum_raises_the_count_and_records_the_actual():
    rows = build_plan(mapping_with(minimums={12: {"edr": 10, "sat": 5}, 14: {"edr": 10}}), ORGS, COUNTS, []).rows
    by = {(r.halo_client_id, r.product): r for r in rows}
    assert (by[12, "edr"].count, by[12, "edr"].actual_count, by[12, "edr"].action) == (10, 7, "create")
    assert (by[12, "sat"].count, by[12, "sat"].actual_count) == (5, 0)  # a minimum on nothing still bills
    assert (by[14, "edr"].count, by[14, "edr"].actual_count) == (57, None)  # above the minimum: no note


def test_client_products_limit_the_rows():
    rows = build_plan(mapping_with(client_products={12: frozenset({"edr"})}), ORGS, COUNTS, []).rows
    assert sorted((r.halo_client_id, r.product) for r in rows) == [(12, "edr"), (14, "edr"), (14, "sat")]


def test_minimum_shows_in_the_log_and_table(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["clients"] = [{"halo_client_id": 22, "name": "Kestrel", "minimum": {"edr": 15}, "products": ["edr", "sat"]}]
    write_config(sandbox_config_file, data)
    result = runner.invoke(app, ["run", "--force", "--config", str(sandbox_config_file)])
    assert result.exit_code == 0, result.output
    kestrel = [r for r in read_log(sandbox_config_file.parent / "results.jsonl") if r.get("halo_client_id") == 22]
    assert [(r["product"], r["count"], r["actual_count"]) for r in kestrel] == [("edr", 15, 9), ("sat", 9, None)]
    assert "(minimum; actual 9)" in result.stdout


# -- EDR split -----------------------------------------------------------------------------------

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


def huntress_client() -> HuntressClient:
    return HuntressClient.from_config(Config.model_validate(basic_config()))


def agents(org_id: int, servers: int, workstations: int) -> list[dict]:
    return ([{"id": org_id * 100 + n, "organization_id": org_id, "os": "Windows Server 2019", "platform": "windows"} for n in range(servers)]
            + [{"id": org_id * 100 + 50 + n, "organization_id": org_id, "os": "Windows 10 Pro", "platform": "windows"} for n in range(workstations)])


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


def test_a_clients_entry_error_names_the_entry(tmp_path):
    path = write_config(tmp_path / "c.toml", basic_config(clients=[{"halo_client_id": 12, "minimum": {"av": 3}}]))
    with pytest.raises(ConfigError, match=r"\[\[clients\]\] #1 minimum av: unknown product"):
        load_config(path)
