"""Following Huntress's invoice: the invoice the last completed sync followed, and the count source that bills
a reseller invoice's line items (`counts = "invoiced"`). Returns data; prints nothing."""

from __future__ import annotations

from collections.abc import Iterable

from halosync.core.invoice import HuntressInvoice, LineItems, looks_short, short_reason, stamp_rows, unusable_reason
from halosync.core.models import Counts, Organization, Row
from halosync.core.ports import Progress
from halosync.core.products import CountMode
from halosync.errors import ServiceError
from halosync.huntress.client import HuntressClient
from halosync.huntress.invoices import account_actual_units


class InvoicedSource:
    """The counts of one reseller invoice's organization usage line items, in the shape the sync reads.

    The organizations are those the line items name, plus every mapped organization: a mapped
    organization with no line item used nothing on this invoice (0 units), it is not missing.
    Costs ⌈line items / 500⌉ requests, whatever the number of organizations.
    """

    def __init__(self, client: HuntressClient, invoice: HuntressInvoice | None, mapped: dict[int, str]):
        self.client = client
        self.invoice = invoice
        self.mapped = mapped  # mapped organization -> the name the config gives it
        self._line_items: LineItems | None = None

    @property
    def requests(self) -> int:
        return self.client.requests

    def line_items(self) -> LineItems:
        """Read once. No invoice, or an invoice without line items, fails the run (exit 5): never a sync to zero."""
        if self._line_items is None:
            if self.invoice is None:
                raise ServiceError("Huntress", "Huntress has no reseller invoice yet: there is nothing to bill from "
                                   '(counts = "invoiced"); nothing was written')
            found = self.client.invoice_line_items(self.invoice.id)
            reason = unusable_reason(self.invoice, found)
            if reason is None and looks_short(self.invoice, found):
                # One more request, only then: the account line items tell a minimum from a short list.
                actual = account_actual_units(self.client.account_line_items(self.invoice.id))
                reason = short_reason(self.invoice, found, actual)
            if reason:
                raise ServiceError("Huntress", f"{reason}: nothing was written (billing from it would bill every "
                                   "customer 0); the next run tries again")
            self._line_items = found
        return self._line_items

    def organizations(self, progress: Progress | None = None) -> list[Organization]:
        found = self.line_items()
        if progress:
            progress(f"Huntress: {found.items} line items of {self.invoice.describe() if self.invoice else ''}")
        names = {**{org: name for org, name in self.mapped.items()}, **found.names}
        several = len(set(found.accounts.values())) > 1  # name each organization with its account, as the list does
        return [Organization(id=org, name=f"{name} ({found.accounts[org]})" if several and org in found.accounts
                             else name, account_id=found.account_ids.get(org)) for org, name in names.items()]

    def counts(self, organizations: dict[int, Organization], wanted: Iterable[int], products: Iterable[str],
               mode: CountMode, progress: Progress | None = None) -> Counts:
        found = self.line_items()
        products = list(products)
        counts: dict[int, dict[str, int]] = {}
        bad: dict[tuple[int, str], str] = {}
        for org in wanted:
            units = found.units.get(org, {})
            counts[org] = {p: units.get(p, 0) for p in products if (org, p) not in found.bad}
            bad.update({(org, p): found.bad[(org, p)] for p in products if (org, p) in found.bad})
        return Counts(counts=counts, bad=bad)

    def stamp(self, rows: list[Row]) -> list[Row]:
        """Each row with the invoice and the billing period of its organizations."""
        if self.invoice is None or self._line_items is None:
            return rows
        return stamp_rows(rows, self.invoice.id, self._line_items)
