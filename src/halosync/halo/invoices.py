"""HaloPSA's recurring invoices on the wire: read into core's typed values, and the bodies of line writes.

Every field name of Halo's invoice schema lives here, so that the audit's rules (core/audit.py)
work on plain values and the write bodies are built in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from halosync.core.audit import Fix, InvoiceLine, RecurringInvoice, number

if TYPE_CHECKING:
    from halosync.halo.client import HaloClient


def as_id(value: Any) -> int | None:
    """A vendor's id as an integer; None for anything else (a record without one can be reported, never fixed)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_line(row: dict[str, Any]) -> InvoiceLine:
    item_id = None
    for key in ("item_id", "_itemid"):  # Halo lists `item_id`; its write schema names it `_itemid`
        if row.get(key):
            item_id = as_id(row[key])
            if item_id is not None:
                break
    return InvoiceLine(id=as_id(row.get("id")), item_id=item_id, quantity=number(row.get("qty_order")),
                       licence_ids=licence_ids(row))


def licence_ids(line: dict[str, Any]) -> tuple[int, ...]:
    """The licences a line bills from (`quantity_licences[].licence_id`); entries without a usable id are left out."""
    entries = line.get("quantity_licences")
    found = (as_id(e.get("licence_id")) for e in (entries if isinstance(entries, list) else []) if isinstance(e, dict))
    return tuple(i for i in found if i is not None)


def parse_invoice(row: dict[str, Any]) -> RecurringInvoice | None:
    """None for an invoice HaloPSA sent without usable ids: it can be neither matched nor fixed. An ended line
    (`isinactive`) bills nothing: it is left out, as `report --money` leaves it out (halo/prices.py), so a licence
    only an ended line names is unbilled, and a fix never switches an ended line."""
    invoice_id, client_id = as_id(row.get("id")), as_id(row.get("client_id"))
    if invoice_id is None or client_id is None:
        return None
    lines = row.get("lines")
    return RecurringInvoice(id=invoice_id, client_id=client_id, active=not row.get("disabled"),
                            lines=tuple(parse_line(line) for line in (lines if isinstance(lines, list) else [])
                                        if isinstance(line, dict) and not line.get("isinactive")))


def parse_invoices(rows: list[dict[str, Any]]) -> list[RecurringInvoice]:
    return [invoice for invoice in (parse_invoice(row) for row in rows if isinstance(row, dict)) if invoice is not None]


def read_invoices(halo: HaloClient, client_id: int | None = None) -> list[RecurringInvoice]:
    """Recurring invoices with their lines, of one client or all (needs read:invoices)."""
    return parse_invoices(halo.recurring_invoices(client_id))


def line_body(fix: Fix) -> dict[str, Any]:
    """The one line a fix writes: a new line billing from the licence (POST /RecurringInvoice/Lines), or an
    existing line switched to bill from it (POST /RecurringInvoice/updatelines)."""
    body: dict[str, Any] = {"ihid": fix.invoice_id, "quantity_licences": [{"licence_id": fix.licence_id}]}
    if fix.action == "add_line":
        body |= {"_itemid": fix.item_id, "item_shortdescription": fix.item_name, "qty_order": fix.licence_count}
    else:
        body["id"] = fix.line_id
    return body


def write_fix(halo: HaloClient, fix: Fix) -> None:
    """Send one fix. Never retried blind: the caller re-reads the invoice to learn what happened."""
    halo.write_invoice_lines([line_body(fix)], add=fix.action == "add_line")
