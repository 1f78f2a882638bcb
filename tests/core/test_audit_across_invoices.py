"""The audit sums a client's lines on one item across all its recurring invoices (core.audit._across_invoices):
the same fixed quantity on two invoices bills twice; an honest split across invoices is no finding."""

from __future__ import annotations

from halosync.core.audit import InvoiceLine, RecurringInvoice, audit
from tests.core.test_audit import EDR, SAT, billing, fixed, only_acme


def invoice(invoice_id, *lines):
    return RecurringInvoice(invoice_id, 12, (billing(11 + invoice_id * 100, 1001, 1), *lines) if invoice_id == 901
                            else lines)


def test_the_full_count_fixed_on_two_invoices_is_billed_twice_never_fixed():
    report = audit(only_acme(), [EDR, SAT], [invoice(901, fixed(21, 1003, 24)), invoice(902, fixed(31, 1003, 24))])
    [finding] = report.findings
    assert (finding.kind, finding.product, finding.licence_id, finding.invoice_ids, finding.line_ids,
            finding.quantity) == ("billed_twice", "sat", 2, (901, 902), (21, 31), 48)
    assert "invoice 901 line 21" in finding.message and "invoice 902 line 31" in finding.message
    assert report.fixes == [] and report.manual == [finding]


def test_an_honest_split_across_two_invoices_is_no_finding():
    report = audit(only_acme(), [EDR, SAT], [invoice(901, fixed(21, 1003, 12)), invoice(902, fixed(31, 1003, 12))])
    assert report.findings == [] and report.fixes == [] and report.manual == []


def test_more_than_the_licence_across_invoices_even_when_each_is_below_it_is_billed_twice():
    report = audit(only_acme(), [EDR, SAT], [invoice(901, fixed(21, 1003, 20)), invoice(902, fixed(31, 1003, 10))])
    assert [(f.kind, f.quantity, f.invoice_ids) for f in report.findings] == [("billed_twice", 30, (901, 902))]


def test_too_little_across_invoices_keeps_the_per_invoice_judgement():
    report = audit(only_acme(), [EDR, SAT], [invoice(901, fixed(21, 1003, 10)), invoice(902, fixed(31, 1003, 10))])
    assert [(f.kind, f.invoice_id) for f in report.findings] == [("quantity_mismatch", 901), ("quantity_mismatch", 902)]
    assert report.fixes == []


def test_a_line_of_zero_or_an_unknown_quantity_is_not_added_up():
    zero = audit(only_acme(), [EDR, SAT], [invoice(901, fixed(21, 1003, 24)), invoice(902, fixed(31, 1003, 0))])
    assert "billed_twice" not in [f.kind for f in zero.findings]  # 0 bills nothing: one invoice bills the licence
    unknown = audit(only_acme(), [EDR, SAT], [invoice(901, fixed(21, 1003, 24)),
                                              invoice(902, InvoiceLine(31, 1003, None))])
    assert unknown.findings == []  # nothing to add up: the per-invoice judgement stands (it says nothing either)


def test_too_much_on_one_invoice_is_a_mismatch_there_not_billed_twice():
    # Across-invoice judging needs lines on two invoices: one invoice over the licence is that invoice's mismatch.
    report = audit(only_acme(), [EDR, SAT], [invoice(901, fixed(21, 1003, 20), fixed(22, 1003, 10))])
    assert [(f.kind, f.invoice_id, f.quantity) for f in report.findings] == [("quantity_mismatch", 901, 30)]
