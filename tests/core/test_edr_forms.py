"""EDR is one product billed whole or split, never both; and a licence is never billed on two recurring
invoices: the planning, survey and audit rules on plain values (core.plan, core.adoption, core.audit)."""

from __future__ import annotations

from halosync.core.adoption import survey
from halosync.core.audit import InvoiceLine, RecurringInvoice, audit
from halosync.core.mapping import Mapping
from halosync.core.models import Counts, Licence
from halosync.core.plan import build_plan

TEMPLATE = "Huntress {product}"
WHOLE = Mapping(clients={14: [104]}, products={"edr": 1001, "sat": 1003},
                licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"},
                licence_name_template=TEMPLATE)
SPLIT = Mapping(clients={14: [104]}, products={"edr_servers": 1006, "edr_workstations": 1007, "sat": 1003},
                licence_names={"edr_servers": "Huntress Managed EDR (servers)",
                               "edr_workstations": "Huntress Managed EDR (workstations)", "sat": "Huntress Managed SAT"},
                licence_name_template=TEMPLATE)
WHOLE_LICENCE = Licence(5500, 14, "Huntress EDR (Cedar)", 50, 1001)  # adopted: a name halosync never gave it
SERVERS = Licence(5511, 14, "Huntress Managed EDR (servers)", 8, 1006)
WORKSTATIONS = Licence(5512, 14, "Huntress Managed EDR (workstations)", 49, 1007)
SAT = Licence(5509, 14, "Huntress Managed SAT", 55, 1003)
COUNTS = {104: {"edr": 57, "edr_servers": 8, "edr_workstations": 49, "sat": 55}}


def plan(mapping, licences, written_for=None):
    rows = build_plan(mapping, {104: "Cedar Law"}, Counts(counts=COUNTS), licences, written_for=written_for).rows
    return {r.product: r for r in rows}


def test_back_to_whole_while_the_split_licences_live_fails_the_update_and_names_them():
    edr = plan(WHOLE, [WHOLE_LICENCE, SERVERS, WORKSTATIONS, SAT])["edr"]
    assert (edr.action, edr.status, edr.licence_id, edr.previous_count, edr.count) == ("update", "failed", 5500, 50, 57)
    assert "5511" in edr.message and "5512" in edr.message and "split" in edr.message
    assert "not updating licence 5500" in edr.message and "end those licences" in edr.message


def test_back_to_whole_fails_even_when_the_count_is_unchanged():
    edr = plan(WHOLE, [Licence(5500, 14, "x", 57, 1001), SERVERS])["edr"]
    assert edr.status == "failed" and "5511" in edr.message


def test_split_licences_found_by_the_log_when_renamed():
    renamed = Licence(5511, 14, "Servers (EDR)", 8, 1006)
    assert plan(WHOLE, [WHOLE_LICENCE, renamed])["edr"].status == "ok"  # nothing says it is ours
    edr = plan(WHOLE, [WHOLE_LICENCE, renamed], written_for={(14, "edr_servers"): {5511}})["edr"]
    assert edr.status == "failed" and "5511" in edr.message


def test_split_while_the_whole_licence_lives_fails_the_updates():
    written = {(14, "edr"): {5500}}
    rows = plan(SPLIT, [WHOLE_LICENCE, SERVERS, WORKSTATIONS, SAT], written_for=written)
    for product in ("edr_servers", "edr_workstations"):
        assert rows[product].status == "failed" and "5500" in rows[product].message
        assert "billed whole" in rows[product].message
    assert rows["sat"].status == "ok"


def test_ended_split_licences_no_longer_block_and_other_products_are_untouched():
    ended = Licence(5511, 14, "Huntress Managed EDR (servers)", 8, 1006, deleted=True)
    rows = plan(WHOLE, [WHOLE_LICENCE, ended, SAT])
    assert (rows["edr"].status, rows["edr"].action) == ("ok", "update")
    assert rows["sat"].action == "unchanged"


def test_check_permissions_survey_warns_about_the_other_form():
    pairs = {p.product: p for p in survey(WHOLE, [WHOLE_LICENCE, SERVERS, WORKSTATIONS, SAT], {})}
    assert pairs["edr"].state == "moved" and [l.id for l in pairs["edr"].licences] == [5511, 5512]
    assert pairs["edr"].own == WHOLE_LICENCE
    assert pairs["sat"].state == "adopt"


def test_several_matches_show_the_count_it_would_have_written():
    edr = plan(WHOLE, [WHOLE_LICENCE, Licence(5501, 14, "b", 2, 1001)])["edr"]
    assert edr.status == "failed" and edr.count == 57 and edr.licence_id is None


# -- the audit ------------------------------------------------------------------------------------------------


def billing(line_id, item_id, *licence_ids):
    return InvoiceLine(line_id, item_id, None, tuple(licence_ids))


def test_the_audit_never_adds_a_whole_line_while_a_line_bills_a_split_licence():
    invoice = RecurringInvoice(902, 14, (billing(9023, 1003, 5509), billing(9028, 1006, 5511), billing(9029, 1007, 5512)))
    report = audit(WHOLE, [WHOLE_LICENCE, SERVERS, WORKSTATIONS, SAT], [invoice])
    assert report.fixes == [] and not [f for f in report.findings if f.kind == "unbilled"]


def test_the_audit_never_adds_a_split_line_while_a_line_bills_the_whole_licence():
    whole = Licence(5500, 14, "Huntress Managed EDR", 57, 1001)
    invoice = RecurringInvoice(902, 14, (billing(9023, 1003, 5509), billing(9021, 1001, 5500)))
    report = audit(SPLIT, [whole, SERVERS, WORKSTATIONS, SAT], [invoice])
    assert report.fixes == [] and not [f for f in report.findings if f.kind == "unbilled"]


ACME = Mapping(clients={17: [107]}, products={"sat": 1003}, licence_names={"sat": "Huntress Managed SAT"})
SAT17 = Licence(5518, 17, "Huntress Managed SAT", 23, 1003)


def test_a_licence_billed_from_two_invoices_is_billed_twice_and_never_fixed():
    invoices = [RecurringInvoice(904, 17, (billing(9043, 1003, 5518),)),
                RecurringInvoice(950, 17, (billing(9501, 1003, 5518),))]
    report = audit(ACME, [SAT17], invoices)
    [finding] = report.findings
    assert (finding.kind, finding.invoice_ids, finding.line_ids, finding.licence_id) == \
        ("billed_twice", (904, 950), (9043, 9501), 5518)
    assert report.fixes == [] and report.manual == [finding] and "end" in (finding.manual or "")
    assert finding.as_json()["invoice_ids"] == [904, 950]


def test_a_licence_line_and_a_fixed_line_on_another_invoice_is_billed_twice_not_a_switch():
    invoices = [RecurringInvoice(904, 17, (billing(9043, 1003, 5518),)),
                RecurringInvoice(951, 17, (InvoiceLine(9511, 1003, 3),))]
    report = audit(ACME, [SAT17], invoices)
    assert [f.kind for f in report.findings] == ["billed_twice"] and report.fixes == []
    assert "9043" in report.findings[0].message and "9511" in report.findings[0].message


def test_a_fixed_line_of_zero_on_another_invoice_bills_nothing_twice():
    invoices = [RecurringInvoice(904, 17, (billing(9043, 1003, 5518),)),
                RecurringInvoice(951, 17, (InvoiceLine(9511, 1003, 0),))]
    assert "billed_twice" not in [f.kind for f in audit(ACME, [SAT17], invoices).findings]


def test_a_fixed_line_while_another_invoice_bills_an_old_licence_says_billed_elsewhere_first():
    old = Licence(5400, 17, "Huntress Managed SAT", 23, 999)  # the product's licence on its old item
    invoices = [RecurringInvoice(904, 17, (billing(9043, 999, 5400),)),
                RecurringInvoice(951, 17, (InvoiceLine(9511, 1003, 3),))]
    report = audit(ACME, [SAT17, old], invoices)
    [finding] = report.findings
    assert finding.kind == "quantity_mismatch" and report.fixes == []
    assert "already bills from licence 5400" in (finding.manual or "")


# -- through the CLI, in-process against the sandbox -------------------------------------------------------------


def test_switching_back_to_whole_is_warned_failed_and_never_added_to_an_invoice(sandbox_mock, tmp_path):
    import json

    from typer.testing import CliRunner

    from halosync.cli import app
    from halosync.sandbox.config import sandbox_config
    from tests.support import SANDBOX_HOST, write_config

    runner = CliRunner()
    [cedar] = [i for i in sandbox_mock.state.invoices if i["id"] == 902]  # Cedar's invoice bills EDR split
    cedar["lines"] = [line for line in cedar["lines"] if line["item_id"] != 1001] + [
        {"id": 9028, "item_id": 1006, "item_code": "S", "qty_order": 0, "bill_from_licence": True},
        {"id": 9029, "item_id": 1007, "item_code": "W", "qty_order": 0, "bill_from_licence": True}]
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    whole = dict(data["products"])
    data["products"] = {k: v for k, v in whole.items() if k != "edr"} | {"edr_servers": 1006, "edr_workstations": 1007}
    config = write_config(tmp_path / "config.toml", data)
    assert runner.invoke(app, ["run", "--force", "--config", str(config)]).exit_code in (0, 1)
    split = {l["id"] for l in sandbox_mock.live_licences() if l["client_id"] == 14 and l["item_id"] in (1006, 1007)}
    assert len(split) == 2  # Cedar is billed split now
    data["products"] = whole
    config = write_config(tmp_path / "config.toml", data)
    checked = runner.invoke(app, ["check-permissions", "--json", "--config", str(config)])
    warned = [c for c in json.loads(checked.stdout)["checks"]
              if c["name"] == "Product moved to another item" and "Cedar" in c["detail"]]
    assert warned and all(str(i) in warned[0]["detail"] for i in split) and "updates licence" in warned[0]["fix"]
    ran = runner.invoke(app, ["run", "--force", "--json", "--config", str(config)])
    [edr] = [r for r in json.loads(ran.stdout)["rows"] if r["halo_client_id"] == 14 and r["product"] == "edr"]
    assert edr["status"] == "failed" and edr["action"] == "update"
    before = sum(len(i["lines"]) for i in sandbox_mock.state.invoices if i["client_id"] == 14)
    fixed = runner.invoke(app, ["audit", "--fix", "--yes", "--json", "--config", str(config)])
    assert sum(len(i["lines"]) for i in sandbox_mock.state.invoices if i["client_id"] == 14) == before
    assert not [a for a in json.loads(fixed.stdout)["applied"] if a["halo_client_id"] == 14]
