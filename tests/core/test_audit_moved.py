"""The audit's `moved_licence`: a product's licence left on its previous item, found as the sync finds it."""

from __future__ import annotations

from halosync.core.audit import InvoiceLine, RecurringInvoice, audit
from halosync.core.mapping import Mapping
from halosync.core.models import Licence

MAPPING = Mapping(clients={12: [101], 16: [106]}, products={"edr": 1006, "sat": 1003},
                  licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"})


def test_a_licence_halosync_wrote_is_found_by_the_log_and_never_gets_a_line_added():
    licences = [Licence(1, 12, "renamed by a person", 48, 1001), Licence(2, 12, "Huntress Managed SAT", 24, 1003),
                Licence(3, 16, "Huntress Managed EDR", 14, 1001)]
    invoices = [RecurringInvoice(901, 12, (InvoiceLine(9012, 1003, 24, (2,)),))]  # 1's line was ended
    report = audit(MAPPING, licences, invoices, {101: ("Acme", {"edr": 48}), 106: ("Evergreen", {"edr": 14})},
                   written_for={(12, "edr"): {1}})
    kinds = sorted((f.kind, f.halo_client_id, f.licence_id) for f in report.findings)
    assert kinds == [("moved_licence", 12, 1), ("moved_licence", 16, 3), ("no_invoice", 16, None)]
    [moved] = [f for f in report.findings if f.licence_id == 1]
    assert moved.item_id == 1001 and moved.licence_count == 48 and moved.line_ids is None
    assert "billed by no recurring invoice line" in moved.message and moved in report.manual
    assert report.fixes == []  # an add_line for the old item would bill a moved product again
    [no_invoice] = [f for f in report.findings if f.kind == "no_invoice"]
    assert no_invoice.licence_ids == (3,)
    assert report.totals["edr"] == {"huntress": 62, "licences": 62} and report.edr_licences == 62


def test_without_the_log_a_licence_of_another_name_is_not_ours():
    licences = [Licence(1, 12, "renamed by a person", 48, 1001)]
    report = audit(MAPPING, licences, [], {101: ("Acme", {"edr": 48})})
    assert [f.kind for f in report.findings] == []
    assert report.totals["edr"] == {"huntress": 48, "licences": 0}
