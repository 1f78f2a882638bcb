"""`audit --fix` against the sandbox when the world moves: split lines, a colleague at work meanwhile,
a read-back that fails, a line HaloPSA creates without linking it, and a signal during the fixes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from tests.support import read_log

runner = CliRunner()
ACME, ACME_SAT_LINE, DELTA = 901, 9013, 903  # the seeded invoices: Acme's SAT bills a fixed 20, Delta's no Huntress line


@pytest.fixture
def synced(sandbox_mock, sandbox_config_file):
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)]).exit_code == 0
    return sandbox_mock, sandbox_config_file


def audit_json(config, *args):
    result = runner.invoke(app, ["audit", "--json", "--config", str(config), *args])
    return result, json.loads(result.stdout)


def invoice_writes(sandbox, path=None):
    return [r.json for r in sandbox.requests if r.method == "POST" and r.path.startswith("/api/RecurringInvoice")
            and (path is None or r.path == path)]


def fix_records(config):
    return [r for r in read_log(config.parent / "results.jsonl") if r["type"] == "invoice_fix"]


def lines_of(state, invoice_id):
    return next(i for i in state.invoices if i["id"] == invoice_id)["lines"]


def test_split_lines_that_sum_to_the_licence_are_billed_and_a_differing_sum_is_one_finding_never_switched(synced):
    sandbox, config = synced
    lines_of(sandbox.state, ACME).append({"id": 9016, "item_id": 1003, "item_code": "", "qty_order": 4,
                                          "bill_from_licence": False})  # 20 + 4 = Acme's 24 SAT learners
    _, payload = audit_json(config)
    assert not [f for f in payload["findings"] if f.get("halo_client_id") == 12]
    lines_of(sandbox.state, ACME)[-1]["qty_order"] = 3  # 20 + 3
    _, payload = audit_json(config)
    [finding] = [f for f in payload["findings"] if f.get("halo_client_id") == 12]
    assert (finding["kind"], finding["line_ids"], finding["quantity"], finding["licence_count"]) == \
        ("quantity_mismatch", [ACME_SAT_LINE, 9016], 23, 24)
    result, payload = audit_json(config, "--fix", "--yes")
    assert not [b for b in invoice_writes(sandbox) if b[0]["ihid"] == ACME]  # neither line was switched: 48 avoided
    assert not [r for r in fix_records(config) if r["halo_client_id"] == 12]
    assert result.exit_code == 1 and any(f["kind"] == "quantity_mismatch" and f.get("manual") for f in payload["findings"])


def test_a_colleague_fixing_while_the_command_waits_is_seen_and_skipped(synced):
    sandbox, config = synced

    def colleague(state):  # after our first read of the invoices, before our writes
        lines_of(state, DELTA).append({"id": 9039, "item_id": 1001, "item_code": "", "qty_order": 0,
                                       "bill_from_licence": True})
        next(line for line in lines_of(state, ACME) if line["id"] == ACME_SAT_LINE)["bill_from_licence"] = True

    sandbox.faults.invoice_hook = colleague
    result, payload = audit_json(config, "--fix", "--yes")
    outcome = sorted((a["halo_client_id"], a["action"], a["status"]) for a in payload["applied"])
    assert outcome == [(12, "bill_from_licence", "skipped"), (15, "add_line", "ok"), (15, "add_line", "ok"),
                       (15, "add_line", "skipped")]
    skipped = [a for a in payload["applied"] if a["status"] == "skipped"]
    assert all("already done" in a["message"] for a in skipped)
    assert [line["item_id"] for line in lines_of(sandbox.state, DELTA)].count(1001) == 1  # never a second EDR line
    assert len(invoice_writes(sandbox)) == 2 and len(fix_records(config)) == 4
    left = {(f["kind"], f.get("halo_client_id")) for f in payload["findings"] if f["kind"] != "unmapped_usage"}
    assert left == {("no_invoice", 16)} and result.exit_code == 1
    audit_json(config, "--fix", "--yes")
    assert len(invoice_writes(sandbox)) == 2  # a second pass has nothing left to do


def test_a_write_whose_read_back_fails_is_recorded_unverified_and_exits_1_never_5(synced):
    sandbox, config = synced
    sandbox.faults.invoice_read_500_after_write = 10_000
    result, payload = audit_json(config, "--fix", "--yes")
    assert result.exit_code == 1, result.stderr
    assert len(invoice_writes(sandbox)) == 1  # the next fix could not be checked first, so it was not tried
    [record] = fix_records(config)
    assert record["status"] == "unverified" and record["invoice_id"] == ACME and record["line_id"] == ACME_SAT_LINE
    assert [a["status"] for a in payload["applied"]] == ["unverified"]
    assert payload["error"]["exit_code"] == 1 and "could not be read before changing it" in payload["error"]["message"]
    assert "nothing was written" not in result.stderr


def test_a_line_halo_creates_without_linking_is_named_and_the_step_is_to_edit_it(synced):
    sandbox, config = synced
    sandbox.faults.invoice_links_ignored = True
    result, payload = audit_json(config, "--fix", "--yes")
    assert result.exit_code == 1
    created = [line["id"] for line in lines_of(sandbox.state, DELTA) if line["item_id"] != 2001]
    added = [r for r in fix_records(config) if r["action"] == "add_line"]
    assert sorted(r["line_id"] for r in added) == sorted(created) and len(created) == 3
    for record in added:
        assert record["status"] == "failed" and f"created line {record['line_id']}" in record["message"]
        assert f"open line {record['line_id']}" in record["message"] and "Do not add a second line" in record["message"]
    [switched] = [r for r in fix_records(config) if r["action"] == "bill_from_licence"]
    assert switched["line_id"] == ACME_SAT_LINE and f"open line {ACME_SAT_LINE}" in switched["message"]
    # A second --fix never adds a line beside the unlinked one: the item is billed on that invoice already.
    audit_json(config, "--fix", "--yes")
    assert len([line for line in lines_of(sandbox.state, DELTA) if line["item_id"] != 2001]) == 3


def test_a_client_with_several_recurring_invoices_is_never_fixed(synced):
    sandbox, config = synced
    sandbox.state.add_invoice(910, 15, [{"item_id": 2001, "qty": 1}])  # Delta now has two recurring invoices
    sandbox.state.add_invoice(911, 12, [{"item_id": 2001, "qty": 1}])  # and so has Acme (its SAT line differs)
    result, payload = audit_json(config, "--fix", "--yes")
    assert payload["applied"] == [] and invoice_writes(sandbox) == [] and result.exit_code == 1
    manual = [f for f in payload["findings"] if f.get("halo_client_id") in (12, 15)]
    assert sorted(f["kind"] for f in manual) == ["quantity_mismatch", "unbilled", "unbilled", "unbilled"]
    assert all("2 recurring invoices" in f["manual"] for f in manual)


def test_a_write_that_answers_500_but_happened_is_read_back_never_sent_again(synced):
    sandbox, config = synced
    sandbox.faults.invoice_write_ok_then_500 = 4
    result, payload = audit_json(config, "--fix", "--yes")
    assert [a["status"] for a in payload["applied"]] == ["ok"] * 4 and len(invoice_writes(sandbox)) == 4
    assert sorted(line["item_id"] for line in lines_of(sandbox.state, DELTA)) == [1001, 1002, 1004, 2001]
    assert [r["status"] for r in fix_records(config)] == ["ok"] * 4
