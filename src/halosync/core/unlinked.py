"""`unlinked_line`: a line `audit --fix` created that HaloPSA did not link to the licence, kept in sight. Pure.

Such a line bills a fixed quantity. While that quantity equals the licence's count no other rule
sees it, and after the next sync changes the count it bills the old number: so it is reported,
with the step to edit it, until it bills from a licence or is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from halosync.core.audit import Finding, RecurringInvoice, edit_line_steps


@dataclass(frozen=True)
class CreatedLine:
    """A line an `add_line` fix created whose link was not seen (the results log's invoice_fix record)."""

    halo_client_id: int
    invoice_id: int
    line_id: int
    licence_id: int
    time: str


def unlinked_lines(created: list[CreatedLine], invoices: list[RecurringInvoice], findings: list[Finding],
                   products: dict[int, str] | None = None) -> list[Finding]:
    """One finding per created line still on an active invoice and billing from no licence. A line another
    finding names already (a quantity_mismatch, billed_twice) is left to that finding. `products`: licence ->
    product, where the audit knows it."""
    named = {line for f in findings for line in (*(f.line_ids or ()), *((f.line_id,) if f.line_id else ()))}
    lines = {(invoice.id, line.id): line for invoice in invoices if invoice.active for line in invoice.lines}
    found = []
    seen: set[tuple[int, int]] = set()
    for entry in created:
        key = (entry.invoice_id, entry.line_id)
        line = lines.get(key)
        if line is None or line.licence_ids or entry.line_id in named or key in seen:
            continue  # gone, billing from a licence now, or reported already
        seen.add(key)
        steps = edit_line_steps(entry.invoice_id, entry.line_id, entry.licence_id)
        quantity = line.quantity if line.quantity is not None else "an unknown quantity"
        found.append(Finding(
            "unlinked_line", halo_client_id=entry.halo_client_id, licence_id=entry.licence_id,
            product=(products or {}).get(entry.licence_id),
            invoice_id=entry.invoice_id, line_id=entry.line_id, quantity=line.quantity, manual=steps,
            message=(f"line {entry.line_id} of invoice {entry.invoice_id}, which audit --fix created on {entry.time} "
                     f"to bill from licence {entry.licence_id}, bills a fixed {quantity} instead: it will not follow "
                     f"the licence's count. {steps}")))
    return found
