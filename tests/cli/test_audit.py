"""`halosync audit`: both ends of the money (Huntress usage, licences, recurring invoices), and --fix."""

from __future__ import annotations

import json
import tomllib

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.audit import audit as judge
from halosync.core.mapping import Mapping
from halosync.core.models import Licence
from halosync.halo.invoices import parse_invoices
from tests.support import read_log, write_config

runner = CliRunner()
MAPPING = Mapping(clients={12: [101], 14: [104], 16: [106]}, products={"edr": 1001, "sat": 1003},
                  licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"},
                  ignored=frozenset({109}))
LICENCES = [Licence(1, 12, "x", 48, 1001), Licence(2, 12, "y", 24, 1003), Licence(3, 14, "z", 57, 1001),
            Licence(4, 16, "w", 14, 1001), Licence(5, 14, "v", 0, 1003)]
USAGE = {101: ("Acme", {"edr": 48, "sat": 24}), 104: ("Cedar", {"edr": 57, "sat": 0}), 106: ("Evergreen", {"edr": 14}),
         103: ("Bob's Bakery", {"edr": 3, "sat": 0}), 109: ("Internal", {"edr": 5}), 110: ("Idle", {"edr": 0})}


def audit(mapping, licences, invoices, usage=None):
    """The audit on invoices as HaloPSA sends them, read the way the command reads them."""
    return judge(mapping, licences, parse_invoices(invoices), usage)


def invoice(invoice_id, client_id, lines):
    return {"id": invoice_id, "client_id": client_id, "lines": lines}


def kinds(findings):
    return sorted((f.kind, f.halo_client_id, f.product, f.licence_id, f.huntress_organization_id) for f in findings)


def test_each_kind_of_finding_with_its_ids_and_numbers():
    invoices = [
        invoice(901, 12, [{"id": 1, "item_id": 1001, "qty_order": 48, "quantity_licences": [{"licence_id": 1}]},
                          {"id": 2, "_itemid": 1003, "qty_order": 20, "quantity_licences": []}]),
        invoice(902, 14, [{"id": 3, "item_id": 2001, "qty_order": 5}]),
        {"id": 903, "client_id": 16, "disabled": True, "lines": [{"id": 4, "item_id": 1001, "quantity_licences": [{"licence_id": 4}]}]},
    ]
    report = audit(MAPPING, LICENCES, invoices, USAGE)
    assert kinds(report.findings) == [
        ("no_invoice", 16, None, None, None),
        ("quantity_mismatch", 12, "sat", 2, None),  # a fixed 20 where the licence counts 24: never also "unbilled"
        ("unbilled", 14, "edr", 3, None),  # 16's only invoice is disabled: no_invoice alone, never also unbilled
        ("unmapped_usage", None, "edr", None, 103),  # Bob's Bakery: 3 agents nobody bills; Internal (109) is ignored
    ]
    mismatch = next(f for f in report.findings if f.kind == "quantity_mismatch").as_json()
    assert mismatch | {"message": ""} == {"kind": "quantity_mismatch", "halo_client_id": 12, "product": "sat",
                                          "licence_id": 2, "licence_count": 24, "invoice_id": 901, "line_id": 2,
                                          "line_ids": [2], "quantity": 20, "message": ""}
    assert report.ignored == [{"huntress_organization_id": 109, "organization_name": "Internal", "units": {"edr": 5}}]
    assert report.totals == {"edr": {"huntress": 127, "licences": 119}, "sat": {"huntress": 24, "licences": 24}}
    fixes = sorted((f.action, f.invoice_id, f.licence_id, f.line_id) for f in report.fixes)
    assert fixes == [("add_line", 902, 3, None), ("bill_from_licence", 901, 2, 2)]  # 16 has no (live) invoice: manual


def test_a_fixed_quantity_equal_to_the_count_is_billed_and_never_gets_a_second_line():
    invoices = [invoice(901, 12, [{"id": 1, "item_id": 1001, "quantity_licences": [{"licence_id": 1}]},
                                  {"id": 2, "item_id": 1003, "qty_order": 24}])]
    mapping = Mapping(clients={12: [101]}, products=MAPPING.products, licence_names=MAPPING.licence_names)
    report = audit(mapping, LICENCES, invoices)
    assert report.findings == [] and report.fixes == []


def test_a_licence_only_an_ended_line_bills_from_is_unbilled_and_gets_a_line_of_its_own():
    invoices = [invoice(901, 12, [{"id": 1, "item_id": 1001, "qty_order": 48, "quantity_licences": [{"licence_id": 1}],
                                   "isinactive": True},
                                  {"id": 2, "item_id": 1003, "quantity_licences": [{"licence_id": 2}]}])]
    mapping = Mapping(clients={12: [101]}, products=MAPPING.products, licence_names=MAPPING.licence_names)
    report = audit(mapping, LICENCES, invoices)
    assert kinds(report.findings) == [("unbilled", 12, "edr", 1, None)]
    assert [(f.action, f.invoice_id, f.licence_id, f.line_id) for f in report.fixes] == [("add_line", 901, 1, None)]


@pytest.fixture
def synced(sandbox_mock, sandbox_config_file):
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)]).exit_code == 0
    return sandbox_mock, sandbox_config_file


def invoice_writes(sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method == "POST" and r.path.startswith("/api/RecurringInvoice"))


def audit_json(config, *args):
    result = runner.invoke(app, ["audit", "--json", "--config", str(config), *args])
    return result, json.loads(result.stdout)


def test_both_ends_against_the_sandbox_as_data(synced):
    sandbox, config = synced
    result, payload = audit_json(config)
    assert result.exit_code == 1
    found = {(f["kind"], f.get("halo_client_id"), f.get("product"), f.get("huntress_organization_id"))
             for f in payload["findings"]}
    assert ("quantity_mismatch", 12, "sat", None) in found and ("no_invoice", 16, None, None) in found
    assert ("unmapped_usage", None, "edr", 103) in found  # Bob's Bakery's 3 agents
    assert {f[2] for f in found if f[0] == "unbilled" and f[1] == 15} == {"edr", "itdr", "siem"}
    agents = sum(sandbox.state.agent_count(o) for o in sandbox.state.organizations)
    seats = sandbox.state.neighborhood_watch["edr"]  # used, not billed by Huntress
    assert payload["huntress_invoice"]["quantity"] == agents - seats
    assert payload["totals"]["edr"]["huntress"] == agents
    # one organization listing (per 500), one invoice read, and /v1/account for the Neighborhood Watch seats
    assert payload["requests"]["huntress"] == 3
    assert invoice_writes(sandbox) == 0 and sandbox.count("halo", "POST", "/api/SoftwareLicence") == 1  # wrote nothing
    text = runner.invoke(app, ["audit", "--config", str(config)]).stdout
    assert "Huntress's latest invoice" in text and "Bob's Bakery" in text


def test_an_ignored_organization_is_information_not_a_finding(synced):
    _, config = synced
    data = tomllib.loads(config.read_text())
    data["sync"]["ignore_organizations"] = [103]
    write_config(config, data)
    _, payload = audit_json(config)
    assert not [f for f in payload["findings"] if f["kind"] == "unmapped_usage"]
    assert payload["ignored_organizations"][0]["huntress_organization_id"] == 103


def test_fix_dry_run_shows_every_change_and_writes_nothing(synced):
    sandbox, config = synced
    result, payload = audit_json(config, "--fix", "--dry-run")
    assert sorted((f["action"], f["halo_client_id"], f["licence_count"]) for f in payload["fixes"]) == [
        ("add_line", 15, 12), ("add_line", 15, 102), ("add_line", 15, 128), ("bill_from_licence", 12, 24)]
    assert invoice_writes(sandbox) == 0 and payload["applied"] == []


def test_fix_adds_and_switches_lines_and_checks_them(synced):
    sandbox, config = synced
    result, payload = audit_json(config, "--fix", "--yes")
    applied = sorted((a["action"], a["halo_client_id"], a["status"]) for a in payload["applied"])
    assert applied == [("add_line", 15, "ok")] * 3 + [("bill_from_licence", 12, "ok")]
    assert invoice_writes(sandbox) == 4
    records = [r for r in read_log(config.parent / "results.jsonl") if r["type"] == "invoice_fix"]
    assert len(records) == len(payload["applied"]) and all(r["line_id"] for r in records)
    left = {(f["kind"], f.get("halo_client_id")) for f in payload["findings"]}
    assert ("quantity_mismatch", 12) not in left and ("unbilled", 15) not in left
    assert ("no_invoice", 16) in left and result.exit_code == 1  # Evergreen has no invoice: a person must act
    _, again = audit_json(config)
    left = {(f["kind"], f.get("halo_client_id")) for f in again["findings"] if f["kind"] != "unmapped_usage"}
    assert left == {("no_invoice", 16)}  # only the client without an invoice is left, for a person (once, not per licence)


def test_a_fix_halo_accepts_but_does_not_link_is_a_failure_with_the_manual_steps(synced):
    sandbox, config = synced
    sandbox.faults.invoice_links_ignored = True
    result, payload = audit_json(config, "--fix", "--yes")
    assert result.exit_code == 1
    assert payload["applied"] and all(a["status"] == "failed" for a in payload["applied"])
    assert all("Calculate quantity from Licence count" in a["message"] for a in payload["applied"])


def test_fix_without_edit_invoices_exits_3_and_writes_nothing(synced):
    sandbox, config = synced
    sandbox.state.application_scopes = {"read:softwarelicensing", "edit:softwarelicensing", "read:items", "read:invoices"}
    result = runner.invoke(app, ["audit", "--fix", "--yes", "--config", str(config)])
    assert result.exit_code == 3 and "edit:invoices" in result.stderr
    assert invoice_writes(sandbox) == 0


def test_fix_without_a_terminal_needs_yes(synced):
    sandbox, config = synced
    result = runner.invoke(app, ["audit", "--fix", "--config", str(config)])
    assert result.exit_code == 2 and "--yes" in result.stderr and invoice_writes(sandbox) == 0


def test_audit_without_invoice_permission(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.application_scopes = {"read:softwarelicensing", "edit:softwarelicensing", "read:items"}
    result = runner.invoke(app, ["audit", "--config", str(sandbox_config_file)])
    assert result.exit_code == 3 and "read:invoices" in result.output


def test_on_a_terminal_fix_asks_once_and_ctrl_c_changes_nothing(tmp_path):
    import subprocess

    from halosync.sandbox import Sandbox, serve
    from halosync.sandbox.config import sandbox_config
    from tests.support.installed import HALOSYNC
    from tests.support.terminal import on_a_terminal

    sandbox = Sandbox()
    with serve(sandbox) as url:
        config = write_config(tmp_path / "config.toml", sandbox_config(url, str(tmp_path / "results.jsonl")))
        assert subprocess.run([str(HALOSYNC), "run", "--config", str(config)], capture_output=True).returncode == 0
        code, text = on_a_terminal(["audit", "--fix", "--config", str(config)], [b"\x03"])
        assert code == 130 and "Make these 4 change(s)" in text and "no invoice was changed" in text
        assert invoice_writes(sandbox) == 0
        code, text = on_a_terminal(["audit", "--fix", "--config", str(config)], [b"y\r"])
    assert invoice_writes(sandbox) == 4 and "fixed: invoice 903" in text


def test_fix_while_a_run_holds_the_lock_exits_4_and_changes_nothing(synced):
    from filelock import FileLock

    from halosync.run.resultslog import lock_path

    sandbox, config = synced
    with FileLock(str(lock_path(config.parent / "results.jsonl"))):
        result = runner.invoke(app, ["audit", "--fix", "--yes", "--config", str(config)])
    assert result.exit_code == 4 and "no invoice was changed" in result.stderr
    assert invoice_writes(sandbox) == 0


def test_invoices_and_lines_without_usable_ids_are_passed_over_not_a_crash():
    invoices = [
        {"id": "n/a", "client_id": 12, "lines": [{"id": 1, "item_id": 1001, "quantity_licences": [{"licence_id": 1}]}]},
        invoice(901, 12, [{"item_id": 1003, "qty_order": 20}, {"id": True, "item_id": 1001, "qty_order": 3}]),
        {"id": 902, "client_id": None, "lines": []},
    ]
    mapping = Mapping(clients={12: [101]}, products=MAPPING.products, licence_names=MAPPING.licence_names)
    report = audit(mapping, LICENCES, invoices)
    # Lines without an id still bill: their quantities differ from the licences, so both are reported,
    # but a line that cannot be named is never switched; the invoice without an id is passed over.
    assert kinds(report.findings) == [("quantity_mismatch", 12, "edr", 1, None), ("quantity_mismatch", 12, "sat", 2, None)]
    assert all(f.line_id is None and f.invoice_id == 901 for f in report.findings)
    assert report.fixes == []
