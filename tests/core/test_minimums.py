"""[[clients]]: contract minimums and the products each customer takes, from the config to the rows and the log."""

from __future__ import annotations

import tomllib

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.load import load_config
from halosync.core.mapping import Mapping
from halosync.core.models import Counts
from halosync.core.plan import build_plan
from halosync.errors import ConfigError
from tests.support import basic_config, read_log, write_config

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


def test_a_clients_entry_error_names_the_entry(tmp_path):
    path = write_config(tmp_path / "c.toml", basic_config(clients=[{"halo_client_id": 12, "minimum": {"av": 3}}]))
    with pytest.raises(ConfigError, match=r"\[\[clients\]\] #1 minimum av: unknown product"):
        load_config(path)
