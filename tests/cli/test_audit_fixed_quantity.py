"""`halosync audit` on a licence billed at a fixed quantity equal to its count: billed today, says why, and a
note (not a finding) that the line will not follow the licence."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.audit import audit
from halosync.core.mapping import Mapping
from halosync.core.models import Licence
from halosync.formats.audit import billed_text
from halosync.halo.invoices import parse_invoices

runner = CliRunner()
MAPPING = Mapping(clients={12: [101]}, products={"edr": 1001, "sat": 1003},
                  licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"})
LICENCES = [Licence(1, 12, "x", 48, 1001), Licence(2, 12, "y", 20, 1003)]


def report_for(sat_quantity):
    invoices = [{"id": 901, "client_id": 12, "lines": [
        {"id": 9011, "item_id": 1001, "quantity_licences": [{"licence_id": 1}]},
        {"id": 9013, "item_id": 1003, "qty_order": sat_quantity}]}]
    return audit(MAPPING, LICENCES, parse_invoices(invoices), None)


def test_a_matching_fixed_line_is_named_with_its_quantity_and_why_it_is_fine_today():
    report = report_for(20)
    assert report.findings == []
    sat = next(m for m in report.managed if m.product == "sat")
    edr = next(m for m in report.managed if m.product == "edr")
    assert sat.fixed_matches() and not edr.fixed_matches()
    assert billed_text(sat) == "invoice 901 line 9013 at a fixed 20 (matches; will not follow the licence)"
    assert billed_text(edr) == "invoice 901 line 9011"


def test_a_differing_fixed_line_is_named_without_matches_and_is_a_finding():
    report = report_for(18)
    sat = next(m for m in report.managed if m.product == "sat")
    assert not sat.fixed_matches()
    assert billed_text(sat) == "invoice 901 line 9013 at a fixed 18"
    assert [f.kind for f in report.findings] == ["quantity_mismatch"]


def test_against_the_sandbox_the_note_is_information_and_the_exit_is_unchanged(sandbox_mock, sandbox_config_file):
    config = str(sandbox_config_file)
    assert runner.invoke(app, ["run", "--json", "--force", "--config", config]).exit_code == 0
    before = runner.invoke(app, ["audit", "--json", "--config", config])
    payload = json.loads(before.stdout)
    # Make Acme Dental's fixed SAT line match its licence: billed, no finding for it, a note.
    sat = next(m for m in payload["licences"] if m["client_id"] == 12
               and m["product"] == "sat")
    assert sat["fixed_lines"], sat
    invoice_id, line_id, _ = sat["fixed_lines"][0]
    for invoice in sandbox_mock.state.invoices:
        for line in invoice["lines"]:
            if invoice["id"] == invoice_id and line["id"] == line_id:
                line["qty_order"] = sat["count"]
    result = runner.invoke(app, ["audit", "--json", "--config", config])
    after = json.loads(result.stdout)
    assert result.exit_code == before.exit_code  # other findings remain; this note is not one of them
    assert len(after["findings"]) == len(payload["findings"]) - 1
    text = " ".join(runner.invoke(app, ["audit", "--config", config], env={"COLUMNS": "80"}).stdout.split())
    assert f"invoice {invoice_id} line {line_id} at a fixed {sat['count']} (matches; will not follow the licence)" in text
    assert "note: 1 licence(s) billed at a fixed quantity that matches the count today" in text
