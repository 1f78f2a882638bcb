"""`halosync audit` with the reconciliation and the orphaned-licence finding (their hook in the audit), against
the sandbox answering in-process via respx."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from halosync.cli import app
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, add_northwind, write_config

runner = CliRunner()


def audit(path, *args):
    return runner.invoke(app, ["audit", "--config", str(path), *args])


def test_audit_reconciles_the_invoice_in_json_and_in_a_few_lines(sandbox_mock, tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["huntress"]["counts"] = "invoiced"
    path = write_config(tmp_path / "config.toml", data)
    assert runner.invoke(app, ["run", "--json", "--config", str(path), "--force"]).exit_code == 0
    payload = json.loads(audit(path, "--json").stdout)
    edr = payload["reconciliation"]["products"]["edr"]
    assert payload["reconciliation"]["invoice"]["id"] == 8002
    assert (edr["unmapped"], edr["neighborhood_watch"], edr["unexplained"]) == (3, 4, 0)
    assert edr["invoiced"] == edr["mapped"] + edr["unmapped"] - 4
    text = audit(path).stdout
    block = [l for l in text.splitlines() if "Huntress invoice 8002" in l or l.startswith("  edr: invoiced")]
    assert len(block) == 2 and f"edr: invoiced {edr['invoiced']} = mapped {edr['mapped']} + unmapped 3" in text


def test_a_licence_no_mapping_maintains_is_an_orphaned_licence_that_fix_leaves_alone(sandbox_mock, tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    path = write_config(tmp_path / "config.toml", data)
    assert runner.invoke(app, ["run", "--json", "--config", str(path), "--force"]).exit_code == 0
    data["organizations"] = [o for o in data["organizations"] if o["halo_client_id"] != 22]  # Kestrel unmapped
    write_config(path, data)
    result = audit(path, "--json")
    assert result.exit_code == 1
    orphans = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "orphaned_licence"]
    assert sorted((f["halo_client_id"], f["product"], f["licence_count"]) for f in orphans) == [
        (22, "edr", 9), (22, "itdr", 9), (22, "sat", 9)]
    assert all("last wrote it" in f["message"] and "end the licence" in f["message"] for f in orphans)
    before = len([r for r in sandbox_mock.requests if r.method == "POST" and "RecurringInvoice" in r.path])
    fixed = audit(path, "--fix", "--yes", "--json")
    assert {f["licence_id"] for f in json.loads(fixed.stdout)["findings"] if f["kind"] == "orphaned_licence"} == {
        f["licence_id"] for f in orphans}
    touched = [r for r in sandbox_mock.requests if r.method == "POST" and "RecurringInvoice" in r.path][before:]
    linked = {q["licence_id"] for r in touched for line in r.json or [] for q in line.get("quantity_licences", [])}
    assert touched and not linked & {f["licence_id"] for f in orphans}  # fixes were made, none for an orphan
    assert "orphaned licence: licence" in audit(path).stdout


def test_organizations_an_account_entry_bills_are_not_unmapped_usage(sandbox_mock, tmp_path):
    add_northwind(sandbox_mock)
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["accounts"] = [{"huntress_account_id": 2, "halo_client_id": 40}]
    path = write_config(tmp_path / "config.toml", data)
    payload = json.loads(audit(path, "--json").stdout)
    unmapped = {f.get("huntress_organization_id") for f in payload["findings"] if f["kind"] == "unmapped_usage"}
    assert unmapped == {103}  # Bob's Bakery only: the Clinic and the Dental Lab are billed through their account
    assert payload["reconciliation"]["products"]["edr"]["unmapped"] == 3
