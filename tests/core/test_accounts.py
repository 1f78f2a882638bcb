"""Sub-accounts: the organizations of every account the credentials see, and [[accounts]] billing a whole account
to one HaloPSA client; through the CLI against the sandbox (in-process via respx)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.accounts import account_clients
from halosync.core.models import Organization
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, add_northwind, write_config

runner = CliRunner()


@pytest.fixture
def reseller(sandbox_mock):
    """The seeded MSP plus a sub-account, Northwind, with two organizations, and a HaloPSA client for it."""
    return add_northwind(sandbox_mock)


def config(tmp_path, **changes):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    for section, values in changes.items():
        if isinstance(values, dict):
            data[section] = {**data.get(section, {}), **values}
        else:
            data[section] = values
    return write_config(tmp_path / "config.toml", data)


def run_json(path, *args):
    result = runner.invoke(app, ["run", "--config", str(path), "--force", "--json", *args])
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("{") else None


def test_sub_accounts_are_listed_and_named_with_their_account(reseller, tmp_path):
    result, payload = run_json(config(tmp_path, huntress={"sub_accounts": True}), "--dry-run")
    assert result.exit_code == 0, result.output
    unmapped = {u["huntress_organization_id"]: u["name"] for u in payload["unmapped"]}
    assert unmapped == {103: "Bob's Bakery (Sandbox MSP)", 201: "Clinic (Northwind)", 202: "Dental Lab (Northwind)"}
    paths = [r.path for r in reseller.requests if r.service == "huntress"]
    assert "/v1/accounts" in paths and "/v1/accounts/2/organizations" in paths


def test_without_sub_accounts_nothing_more_is_read(reseller, tmp_path):
    result, payload = run_json(config(tmp_path), "--dry-run")
    assert result.exit_code == 0
    assert [u["huntress_organization_id"] for u in payload["unmapped"]] == [103]
    assert not any(r.path.startswith("/v1/accounts") for r in reseller.requests)


@pytest.mark.parametrize("counts", ["billable", "summary", "invoiced"])
def test_an_account_entry_bills_every_organization_of_the_account_to_one_client(reseller, tmp_path, counts):
    path = config(tmp_path, huntress={"counts": counts},
                  accounts=[{"huntress_account_id": 2, "halo_client_id": 40, "name": "Northwind"}])
    result, payload = run_json(path)
    assert result.exit_code == 0, result.output
    rows = {(r["halo_client_id"], r["product"]): r for r in payload["rows"]}
    assert rows[(40, "edr")]["count"] == 12 and rows[(40, "sat")]["count"] == 4
    assert sorted(rows[(40, "edr")]["huntress_organization_ids"]) == [201, 202]
    assert [u["huntress_organization_id"] for u in payload["unmapped"]] == [103]
    live = {(l["client_id"], l["item_id"]): l["count"] for l in reseller.live_licences(40)}
    assert live == {(40, 1001): 12, (40, 1003): 4}


def test_an_organization_mapped_twice_is_a_configuration_error(reseller, tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["organizations"].append({"huntress_id": 201, "halo_client_id": 41})
    data["accounts"] = [{"huntress_account_id": 2, "halo_client_id": 40}]
    result = runner.invoke(app, ["run", "--config", str(write_config(tmp_path / "c.toml", data)), "--force"])
    assert result.exit_code == 2
    assert "organization 201" in result.output and "[[accounts]]" in result.output
    assert reseller.count("halo", "POST", "/api/SoftwareLicence") == 0 and "Traceback" not in result.output


def test_an_account_the_credentials_do_not_see_is_a_configuration_error(reseller, tmp_path):
    result, _ = run_json(config(tmp_path, accounts=[{"huntress_account_id": 99, "halo_client_id": 40}]))
    assert result.exit_code == 2 and "huntress_account_id 99" in result.output
    assert reseller.count("halo", "POST", "/api/SoftwareLicence") == 0


def test_an_account_mapped_twice_in_the_file_is_a_configuration_error(tmp_path):
    path = config(tmp_path, accounts=[{"huntress_account_id": 2, "halo_client_id": 40},
                                      {"huntress_account_id": 2, "halo_client_id": 41}])
    result = runner.invoke(app, ["run", "--config", str(path), "--force"])
    assert result.exit_code == 2 and "huntress_account_id 2" in result.output


def test_account_clients_is_pure_and_names_every_clash():
    orgs = [Organization(1, "A", account_id=7), Organization(2, "B", account_id=7), Organization(3, "C", account_id=8)]
    assert account_clients({7: 40}, orgs, {}) == {40: [1, 2]}
    assert account_clients({9: 40}, orgs, {}) == {40: []}  # an account with no organizations bills 0
    with pytest.raises(ValueError, match="organization 2 .*client 12.*client 40"):
        account_clients({7: 40}, orgs, {2: 12})


def permissions(path):
    result = runner.invoke(app, ["check-permissions", "--config", str(path), "--json"])
    return result.exit_code, {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_check_permissions_reads_the_reseller_invoice_and_checks_each_account(reseller, tmp_path):
    code, checks = permissions(config(tmp_path, huntress={"counts": "invoiced"}, sync={"frequency": "invoice"},
                                      accounts=[{"huntress_account_id": 2, "halo_client_id": 40}]))
    assert checks["Read Huntress reseller invoices"]["status"] == "pass"
    assert "Huntress invoice 8002" in checks["Read Huntress reseller invoices"]["detail"]
    assert checks["[[accounts]]"]["status"] == "pass"
    code, checks = permissions(config(tmp_path, accounts=[{"huntress_account_id": 99, "halo_client_id": 40}]))
    assert code == 1 and checks["[[accounts]]"]["status"] == "fail" and "99" in checks["[[accounts]]"]["detail"]
    assert reseller.count("halo", "POST", "/api/SoftwareLicence") == 0


def test_check_permissions_without_reseller_access_says_what_to_use(reseller, tmp_path, monkeypatch):
    from halosync.sandbox.wire import _json

    # credentials that are not a reseller's: every reseller endpoint answers 403
    monkeypatch.setattr(type(reseller), "_reseller", lambda self, request, path: _json(403, {"errors": ["Forbidden"]}))
    code, checks = permissions(config(tmp_path, huntress={"counts": "invoiced"}))
    assert code == 3 and checks["Read Huntress reseller invoices"]["status"] == "fail"
    assert 'counts = "billable"' in checks["Read Huntress reseller invoices"]["fix"]


def test_map_shows_sub_account_organizations_with_their_account_and_not_those_an_account_entry_bills(reseller, tmp_path):
    shown = runner.invoke(app, ["map", "--config", str(config(tmp_path, huntress={"sub_accounts": True})), "--show"])
    assert shown.exit_code == 0 and "unmapped: 201 'Clinic (Northwind)'" in shown.stdout
    path = config(tmp_path, accounts=[{"huntress_account_id": 2, "halo_client_id": 40}])
    shown = runner.invoke(app, ["map", "--config", str(path), "--show"])
    assert shown.exit_code == 0 and "Clinic" not in shown.stdout and "Bob's Bakery" in shown.stdout
