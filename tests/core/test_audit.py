"""The audit's invoice rules on plain values (core.audit): lines summed per invoice and item, which fixes
are safe, and the checks around a fix (still needed just before the write; carried out, after)."""

from __future__ import annotations

from dataclasses import replace

from halosync.core.audit import Fix, InvoiceLine, RecurringInvoice, audit, product_licences, recheck, verify
from halosync.core.mapping import Mapping
from halosync.core.models import Licence
from halosync.halo.invoices import line_body, parse_invoices

MAPPING = Mapping(clients={12: [101], 14: [104]}, products={"edr": 1001, "sat": 1003},
                  licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"})
SAT = Licence(2, 12, "Huntress Managed SAT", 24, 1003)
EDR = Licence(1, 12, "Huntress Managed EDR", 48, 1001)


def fixed(line_id, item_id, quantity):
    return InvoiceLine(line_id, item_id, quantity)


def billing(line_id, item_id, *licence_ids):
    return InvoiceLine(line_id, item_id, None, tuple(licence_ids))


def acme(*lines, invoice_id=901, active=True):
    return RecurringInvoice(invoice_id, 12, (billing(11, 1001, 1), *lines), active)


def only_acme():
    return Mapping(clients={12: [101]}, products=MAPPING.products, licence_names=MAPPING.licence_names)


def test_two_fixed_lines_whose_sum_equals_the_licence_are_no_finding():
    report = audit(only_acme(), [EDR, SAT], [acme(fixed(21, 1003, 20), fixed(22, 1003, 4))])
    assert report.findings == [] and report.fixes == []


def test_a_differing_sum_is_one_finding_with_every_line_and_no_line_is_switched():
    report = audit(only_acme(), [EDR, SAT], [acme(fixed(21, 1003, 20), fixed(22, 1003, 3))])
    [finding] = report.findings
    assert (finding.kind, finding.invoice_id, finding.line_ids, finding.quantity, finding.licence_count) == \
        ("quantity_mismatch", 901, (21, 22), 23, 24)
    assert "20 + 3" in finding.message and "2 lines" in (finding.manual or "")
    assert report.fixes == [] and report.manual == [finding]


def test_a_line_billing_from_the_licence_plus_a_fixed_line_is_a_mismatch_never_switched():
    report = audit(only_acme(), [EDR, SAT], [acme(billing(21, 1003, 2), fixed(22, 1003, 4))])
    [finding] = report.findings
    assert finding.quantity == 28 and finding.line_ids == (21, 22) and report.fixes == []


def test_one_fixed_line_that_differs_is_switched():
    report = audit(only_acme(), [EDR, SAT], [acme(fixed(21, 1003, 20))])
    assert [(f.action, f.line_id, f.licence_id, f.product_licences) for f in report.fixes] == \
        [("bill_from_licence", 21, 2, (2,))]


def test_several_recurring_invoices_are_never_fixed():
    invoices = [acme(fixed(21, 1003, 20)), RecurringInvoice(902, 12, ())]
    report = audit(only_acme(), [EDR, SAT], invoices)
    assert [f.kind for f in report.findings] == ["quantity_mismatch"] and report.fixes == []
    assert "2 recurring invoices" in (report.findings[0].manual or "")
    # Unbilled with two invoices: reported with the manual steps, no line added to either.
    report = audit(only_acme(), [EDR, SAT], [acme(), RecurringInvoice(902, 12, ())])
    assert [f.kind for f in report.findings] == ["unbilled"] and report.fixes == []
    assert report.manual == report.findings


def test_a_client_without_an_invoice_is_one_no_invoice_finding_listing_its_licences():
    report = audit(only_acme(), [EDR, SAT], [acme(invoice_id=903, active=False)])
    [finding] = report.findings
    assert finding.kind == "no_invoice" and finding.licence_ids == (1, 2) and report.fixes == []
    assert finding.as_json()["licence_ids"] == [1, 2]


def test_no_line_is_added_for_a_product_a_licence_on_its_old_item_already_bills():
    # EDR moved from item 1006 to 1001: the old licence (our name, old item) is what the invoice bills.
    old = Licence(7, 12, "Huntress Managed EDR", 48, 1006)
    report = audit(only_acme(), [EDR, old, SAT],
                   [RecurringInvoice(901, 12, (billing(11, 1006, 7), billing(12, 1003, 2)))])
    assert report.fixes == [] and [f.kind for f in report.findings] == []


def test_a_line_without_an_id_is_reported_never_switched():
    report = audit(only_acme(), [EDR, SAT], [acme(fixed(None, 1003, 20))])
    assert [f.kind for f in report.findings] == ["quantity_mismatch"] and report.fixes == []


ADD = Fix("add_line", 12, 901, 2, 1003, "Huntress Managed SAT", 24, product="sat", product_licences=(2, 7))
SWITCH = Fix("bill_from_licence", 12, 901, 2, 1003, "", 24, line_id=21, product="sat", product_licences=(2,))


def test_recheck_skips_a_fix_someone_made_meanwhile():
    done = recheck(ADD, [acme(billing(30, 1003, 2))])
    assert (done.needed, done.done) == (False, True) and "already done" in done.reason and "line 30" in done.reason
    assert recheck(ADD, [acme(billing(30, 1003, 7))]).done  # any licence of the product counts
    assert recheck(SWITCH, [acme(billing(21, 1003, 2))]).done


def test_recheck_never_adds_a_second_line_or_switches_a_line_no_longer_alone():
    assert not recheck(ADD, [acme(fixed(30, 1003, 24))]).needed  # someone added a fixed line: no second line
    assert not recheck(SWITCH, [acme(fixed(21, 1003, 20), fixed(22, 1003, 4))]).needed
    assert not recheck(SWITCH, [acme()]).needed  # the line is gone
    assert not recheck(ADD, [acme(), RecurringInvoice(902, 12, ())]).needed  # a second invoice appeared
    assert not recheck(ADD, [acme(active=False)]).needed
    assert recheck(ADD, [acme()]).needed and recheck(SWITCH, [acme(fixed(21, 1003, 20))]).needed


def test_verify_checks_the_lines_item_as_well_as_its_licence():
    before = acme()
    assert verify(ADD, before, [acme(billing(30, 1003, 2))]).status == "ok"
    wrong_item = verify(ADD, before, [acme(billing(30, 2001, 2))])
    assert wrong_item.status == "failed" and wrong_item.line_id == 30 and "on item 2001, not 1003" in wrong_item.message
    assert verify(SWITCH, acme(fixed(21, 1003, 20)), [acme(billing(21, 1003, 2))]).status == "ok"
    assert verify(SWITCH, acme(fixed(21, 1003, 20)), [acme(billing(21, 2001, 2))]).status == "failed"


def test_a_line_created_but_not_linked_is_named_and_the_step_is_to_edit_it():
    verdict = verify(ADD, acme(), [acme(fixed(30, 1003, 24))])
    assert verdict.status == "failed" and verdict.line_id == 30
    assert "created line 30" in verdict.message and "open line 30" in verdict.message
    assert "Do not add a second line" in verdict.message


def test_two_lines_billing_from_the_licence_after_a_write_is_never_ok():
    verdict = verify(ADD, acme(billing(21, 1003, 2)), [acme(billing(21, 1003, 2), billing(30, 1003, 2))])
    assert verdict.status == "failed" and "billed twice" in verdict.message


def test_the_wire_format_is_read_and_written_in_halo():
    [invoice] = parse_invoices([{"id": "901", "client_id": 12, "disabled": False, "lines": [
        {"id": 1, "_itemid": 1003, "qty_order": "20.0", "quantity_licences": [{"licence_id": 2}, {"licence_id": None}]},
        {"id": 2.5, "item_id": True, "qty_order": "n/a"}, "junk"]}, {"id": None, "client_id": 12}])
    assert invoice == RecurringInvoice(901, 12, (InvoiceLine(1, 1003, 20, (2,)), InvoiceLine(None, None, None)))
    assert line_body(ADD) == {"ihid": 901, "_itemid": 1003, "item_shortdescription": "Huntress Managed SAT",
                              "qty_order": 24, "quantity_licences": [{"licence_id": 2}]}
    assert line_body(SWITCH) == {"id": 21, "ihid": 901, "quantity_licences": [{"licence_id": 2}]}


def test_a_line_billing_from_a_deleted_licence_does_not_bill_the_product():
    # EDR's old licence (our name, old item) was deleted in HaloPSA; a line still billing from it bills nothing.
    gone = Licence(7, 12, "Huntress Managed EDR", 48, 1006, deleted=True)
    assert product_licences([EDR, gone, SAT], 1001, "Huntress Managed EDR") == (1,)
    report = audit(only_acme(), [EDR, gone, SAT], [RecurringInvoice(901, 12, (billing(11, 1006, 7), billing(12, 1003, 2)))])
    assert [f.kind for f in report.findings] == ["unbilled"] and [f.licence_id for f in report.fixes] == [1]
    assert not recheck(replace(ADD, licence_id=1, item_id=1001, product_licences=(1,)),
                       [RecurringInvoice(901, 12, (billing(11, 1006, 7),))]).done
