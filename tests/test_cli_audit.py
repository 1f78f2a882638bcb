"""`halosync audit`: managed licences against recurring invoice lines."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import write_config
from halosync.cli import app
from halosync.core.audit import audit
from halosync.core.mapping import Mapping
from halosync.core.models import Licence

runner = CliRunner()
MAPPING = Mapping(clients={12: [101], 14: [104], 16: [106]}, products={"edr": 1001, "sat": 1003},
                  licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"})
LICENCES = [Licence(1, 12, "x", 48, 1001), Licence(2, 12, "y", 24, 1003), Licence(3, 14, "z", 57, 1001),
            Licence(4, 16, "w", 14, 1001), Licence(5, 14, "v", 0, 1003)]


def invoice(invoice_id, client_id, lines):
    return {"id": invoice_id, "client_id": client_id, "lines": lines}


def test_pure_audit_finds_each_kind():
    invoices = [
        invoice(901, 12, [{"id": 1, "item_id": 1001, "qty_order": 48, "quantity_licences": [{"licence_id": 1}]},
                          {"id": 2, "_itemid": 1003, "qty_order": 20, "quantity_licences": []}]),
        invoice(902, 14, [{"id": 3, "item_id": 2001, "qty_order": 5}]),
        {"id": 903, "client_id": 16, "disabled": True, "lines": [{"id": 4, "item_id": 1001, "quantity_licences": [{"licence_id": 4}]}]},
    ]
    report = audit(MAPPING, LICENCES, invoices)
    kinds = sorted((f.kind, f.client_id, f.product) for f in report.findings)
    assert kinds == [("no_invoice", 16, None), ("quantity_mismatch", 12, "sat"), ("unbilled", 12, "sat"),
                     ("unbilled", 14, "edr"), ("unbilled", 16, "edr")]
    billed = {m.licence_id: m.billed_by for m in report.managed}
    assert billed[1] == ["invoice 901 line 1"] and billed[5] == []  # count 0: not a finding


def test_clean_audit():
    invoices = [invoice(901, 12, [{"id": 1, "item_id": 1001, "quantity_licences": [{"licence_id": 1}]},
                                  {"id": 2, "item_id": 1003, "quantity_licences": [{"licence_id": 2}]}])]
    mapping = Mapping(clients={12: [101]}, products=MAPPING.products, licence_names=MAPPING.licence_names)
    assert audit(mapping, LICENCES, invoices).findings == []


def test_audit_against_the_sandbox_after_a_sync(sandbox_mock, sandbox_config_file):
    runner.invoke(app, ["run", "--force", "--config", str(sandbox_config_file)])
    result = runner.invoke(app, ["audit", "--json", "--config", str(sandbox_config_file)])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    kinds = sorted((f["kind"], f["client_id"], f["product"] or "") for f in payload["findings"])
    assert ("quantity_mismatch", 12, "sat") in kinds  # Acme's SAT line is fixed at 20; the licence counts 24
    assert ("no_invoice", 16, "") in kinds  # Evergreen has no recurring invoice
    assert {k for k in kinds if k[0] == "unbilled"} == {("unbilled", 12, "sat"), ("unbilled", 15, "edr"),
                                                        ("unbilled", 15, "itdr"), ("unbilled", 15, "siem"),
                                                        ("unbilled", 16, "edr"), ("unbilled", 16, "itdr"), ("unbilled", 16, "sat")}
    assert len(payload["licences"]) == 31 + 1  # every licence the sync made or matched
    assert sandbox_mock.count("halo", "POST", "/api/SoftwareLicence") == 1  # the audit wrote nothing
    table = runner.invoke(app, ["audit", "--config", str(sandbox_config_file)])
    assert "NOT BILLED" in table.stdout and "no recurring invoice" in table.stdout


def test_clean_sandbox_clients_exit_0(sandbox_mock, sandbox_config_file):
    import tomllib

    data = tomllib.loads(sandbox_config_file.read_text())
    data["organizations"] = [o for o in data["organizations"] if o["halo_client_id"] in (14, 17)]
    write_config(sandbox_config_file, data)
    runner.invoke(app, ["run", "--force", "--config", str(sandbox_config_file)])
    result = runner.invoke(app, ["audit", "--config", str(sandbox_config_file)])
    assert result.exit_code == 0, result.output
    assert "all billed" in result.stdout


def test_audit_without_invoice_permission(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.application_scopes = {"read:softwarelicensing", "edit:softwarelicensing", "read:items"}
    result = runner.invoke(app, ["audit", "--config", str(sandbox_config_file)])
    assert result.exit_code == 3 and "read:invoices" in result.output
