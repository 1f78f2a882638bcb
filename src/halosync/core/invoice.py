"""Following Huntress's invoice: which invoice a run follows, whether a sync is due, and the rows' invoice stamps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from halosync.core.models import Row
from halosync.core.times import parse_iso


@dataclass(frozen=True)
class HuntressInvoice:
    """The invoice a run follows: what its run record keeps (`huntress_invoice`)."""

    id: int
    created_at: str
    quantity: int | None
    plan: str

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "quantity": self.quantity, "plan": self.plan}

    def describe(self) -> str:
        """`invoice 7002 of 2026-11-01 (Huntress Managed EDR, 1,031 units)` for messages."""
        day = self.created_at[:10] if self.created_at else "an unknown date"
        extra = [p for p in (self.plan, f"{self.quantity:,} units" if self.quantity is not None else "") if p]
        return f"Huntress invoice {self.id} of {day}" + (f" ({', '.join(extra)})" if extra else "")


@dataclass
class LineItems:
    """An invoice's organization usage line items, added up per organization (what `counts = "invoiced"` bills)."""

    invoice_id: int
    units: dict[int, dict[str, int]] = field(default_factory=dict)  # organization -> product -> units
    names: dict[int, str] = field(default_factory=dict)  # organization -> name, as the line items give it
    accounts: dict[int, str] = field(default_factory=dict)  # organization -> its account's name
    account_ids: dict[int, int] = field(default_factory=dict)  # organization -> its account's id
    periods: dict[int, tuple[str, str]] = field(default_factory=dict)  # organization -> (period_start, period_end)
    bad: dict[tuple[int, str], str] = field(default_factory=dict)  # (organization, product) -> why refused
    items: int = 0  # line items read (distinct ids)

    def totals(self) -> dict[str, int]:
        """Per product, the units of every line item that could be read (a refused value counts nothing)."""
        found: dict[str, int] = {}
        for org, units in self.units.items():
            for product, n in units.items():
                if (org, product) not in self.bad:
                    found[product] = found.get(product, 0) + n
        return found

    def billed_units(self) -> int:
        """Units of every product on every line item that could be read: 0 means the line items carry no usage."""
        return sum(self.totals().values())

    def period(self, organizations: Iterable[int]) -> tuple[str | None, str | None]:
        """The billing period of some organizations: earliest start, latest end. An organization without a
        line item (no usage on this invoice) takes the invoice's whole period."""
        spans = [self.periods[o] for o in organizations if o in self.periods] or list(self.periods.values())
        starts = [s for s, _ in spans if s]
        ends = [e for _, e in spans if e]
        return (min(starts) if starts else None, max(ends) if ends else None)


def is_invoice_due(newest: HuntressInvoice | None, followed: dict[str, Any] | None) -> bool:
    """Due when Huntress's newest invoice is newer than the one the last completed sync followed (`followed`, its
    run record's `huntress_invoice`). No invoice at all: not due (nothing to follow; a sync now would bill a day's
    counts, not an invoice's). An invoice older than the one followed (a newer one voided, say) is not due either:
    billing an older invoice again would turn counts back."""
    if newest is None:
        return False
    if followed is None:
        return True
    if newest.id == followed.get("id"):
        return False
    now = parse_iso(newest.created_at, naive_is_utc=True)
    was = parse_iso(str(followed.get("created_at") or ""), naive_is_utc=True)
    if now is not None and was is not None:
        return now > was
    return not isinstance(followed.get("id"), int) or newest.id > followed["id"]


def stamp_rows(rows: list[Row], invoice_id: int, line_items: LineItems) -> list[Row]:
    """Each row with the invoice it was counted from and its organizations' billing period."""
    stamped = []
    for row in rows:
        start, end = line_items.period(row.huntress_organization_ids)
        stamped.append(row.replace(huntress_invoice_id=invoice_id, period_start=start, period_end=end))
    return stamped


def unusable_reason(invoice: HuntressInvoice, line_items: LineItems) -> str | None:
    """Why these line items cannot be billed from (the run fails and the invoice stays due), else None.

    No line item, or line items that carry no usage at all (`actual_usage` missing, null, `{}` or all zeros),
    are not an invoice to bill from: they are an invoice whose line items are not complete yet. Billing from them
    would sync every customer to 0. A real invoice with customers on it always has some units.
    """
    if not line_items.units:
        return f"{invoice.describe()} has no organization usage line items yet"
    if line_items.billed_units() == 0:
        header = f" although the invoice says {invoice.quantity:,} units" if invoice.quantity else ""
        return (f"{invoice.describe()}: its {line_items.items:,} organization usage line items carry no usage "
                f"(0 units of every product){header}")
    return None


def looks_short(invoice: HuntressInvoice, line_items: LineItems) -> bool:
    """Far below the invoice's header: the line items' EDR units are under half the invoice's `quantity` (its
    licensed agents). A subscription minimum can explain that; a line-item list that is not complete yet can too,
    so the account usage line items are asked (`short_reason`)."""
    if not invoice.quantity:
        return False
    return line_items.totals().get("edr", 0) * 2 < invoice.quantity


def short_reason(invoice: HuntressInvoice, line_items: LineItems, actual: dict[str, int] | None) -> str | None:
    """For line items that `looks_short`: None when the account usage line items (`actual`: per product, the
    units the organizations used) are all accounted for by the organization line items, so the gap to the
    header is the subscription minimum; else why the invoice cannot be billed from yet."""
    totals = line_items.totals()
    edr = totals.get("edr", 0)
    header = f"{invoice.describe()}: its organization usage line items carry {edr:,} EDR units, under half the "
    if actual is None:
        return header + "invoice's quantity, and its account usage line items cannot be read to explain that"
    if not actual:
        return header + "invoice's quantity, and it has no account usage line items yet to explain that"
    short = {p: (totals.get(p, 0), n) for p, n in actual.items() if totals.get(p, 0) < n}
    if short:
        listed = ", ".join(f"{p} {have:,} of {want:,}" for p, (have, want) in sorted(short.items()))
        return header + f"invoice's quantity, and fewer than its account usage line items report ({listed}): " \
            "the list looks incomplete"
    return None
