"""`unlinked_line`: a line `audit --fix` created that HaloPSA did not link stays in later audits until it bills
from the licence (core.unlinked, run.unlinked), against the sandbox answering in-process via respx."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.audit import Finding, InvoiceLine, RecurringInvoice
from halosync.core.unlinked import CreatedLine, unlinked_lines
from tests.support import read_log

runner = CliRunner()
DELTA = 903  # the seeded invoice with no Huntress line: --fix adds them


def audit_json(config, *args):
    result = runner.invoke(app, ["audit", "--json", "--config", str(config), *args])
    return result, json.loads(result.stdout)


def test_a_created_line_halo_did_not_link_is_reported_until_it_bills_from_the_licence(sandbox_mock, sandbox_config_file):
    sandbox, config = sandbox_mock, sandbox_config_file
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
    sandbox.faults.invoice_links_ignored = True
    audit_json(config, "--fix", "--yes")
    sandbox.faults.invoice_links_ignored = False
    created = {r["line_id"]: r["licence_id"] for r in read_log(config.parent / "results.jsonl")
               if r["type"] == "invoice_fix" and r["action"] == "add_line" and r["status"] == "failed"}
    assert len(created) == 3
    result, payload = audit_json(config)
    unlinked = {f["line_id"]: f for f in payload["findings"] if f["kind"] == "unlinked_line"}
    assert set(unlinked) == set(created) and result.exit_code == 1
    for line_id, finding in unlinked.items():
        assert finding["invoice_id"] == DELTA and finding["licence_id"] == created[line_id]
        assert finding["product"] in ("edr", "itdr", "siem")
        assert f"open line {line_id}" in finding["manual"] and "Calculate quantity from Licence count" in finding["manual"]
    # Someone links them in HaloPSA: the findings go.
    for invoice in sandbox.state.invoices:
        for line in invoice["lines"]:
            if line["id"] in created:
                line["bill_from_licence"], line["licence_ids"] = True, [created[line["id"]]]
    _, payload = audit_json(config)
    assert not [f for f in payload["findings"] if f["kind"] == "unlinked_line"]


def test_only_a_line_still_there_unlinked_and_named_by_no_other_finding_is_reported():
    created = [CreatedLine(12, 901, 21, 2, "t"), CreatedLine(12, 901, 22, 2, "t"), CreatedLine(12, 901, 23, 2, "t"),
               CreatedLine(12, 901, 24, 2, "t"), CreatedLine(12, 901, 21, 2, "older")]
    invoices = [RecurringInvoice(901, 12, (InvoiceLine(21, 1003, 24), InvoiceLine(22, 1003, None, (2,)),
                                           InvoiceLine(24, 1003, 5)))]
    other = Finding("quantity_mismatch", "m", line_ids=(24,))
    found = unlinked_lines(created, invoices, [other])
    assert [(f.kind, f.line_id, f.quantity) for f in found] == [("unlinked_line", 21, 24)]
    assert unlinked_lines(created, [RecurringInvoice(901, 12, invoices[0].lines, active=False)], []) == []
