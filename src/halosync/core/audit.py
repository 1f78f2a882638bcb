"""The invoice audit's rules: is every licence halosync manages billed by a recurring invoice? Pure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from halosync.core.mapping import Mapping, ours
from halosync.core.models import Licence

FindingKind = Literal["unbilled", "quantity_mismatch", "no_invoice"]


@dataclass(frozen=True)
class Managed:
    """A licence halosync manages, and the recurring invoice lines that bill from it."""

    client_id: int
    product: str
    licence_id: int
    licence_name: str
    count: int | None
    billed_by: list[str]  # "invoice 901 line 9011"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    client_id: int
    detail: str
    product: str | None = None
    licence_id: int | None = None
    invoice_id: int | None = None


@dataclass
class AuditReport:
    managed: list[Managed] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0


def line_item(line: dict[str, Any]) -> int | None:
    """A line's item id: `item_id`, or `_itemid` as Halo's schema names it."""
    for key in ("item_id", "_itemid"):
        try:
            if line.get(key):
                return int(line[key])
        except (TypeError, ValueError):
            pass
    return None


def _linked_licences(line: dict[str, Any]) -> list[int]:
    ids = []
    for entry in line.get("quantity_licences") or []:
        try:
            ids.append(int(entry["licence_id"]))
        except (KeyError, TypeError, ValueError):
            continue
    return ids


def audit(mapping: Mapping, licences: list[Licence], invoices: list[dict[str, Any]]) -> AuditReport:
    report = AuditReport()
    by_client: dict[int, list[Licence]] = defaultdict(list)
    for licence in licences:
        by_client[licence.client_id].append(licence)

    billed_by: dict[int, list[str]] = defaultdict(list)
    invoices_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for invoice in invoices:
        if invoice.get("disabled"):
            continue
        client_id = int(invoice.get("client_id") or 0)
        invoices_of[client_id].append(invoice)
        for line in invoice.get("lines") or []:
            for licence_id in _linked_licences(line):
                billed_by[licence_id].append(f"invoice {invoice.get('id')} line {line.get('id')}")

    managed: dict[tuple[int, str], Licence] = {}
    for client_id in sorted(mapping.clients):
        for product, item_id in mapping.products_of(client_id).items():
            matches = ours(by_client[client_id], client_id, item_id, mapping.licence_names[product])
            if len(matches) != 1:
                continue  # none yet, or ambiguous: the sync reports those
            licence = matches[0]
            managed[(client_id, product)] = licence
            report.managed.append(Managed(client_id, product, licence.id, licence.name, licence.count, billed_by[licence.id]))
            if (licence.count or 0) > 0 and not billed_by[licence.id]:
                report.findings.append(Finding(
                    "unbilled", client_id, product=product, licence_id=licence.id,
                    detail=f"licence {licence.id} ({licence.name!r}, count {licence.count}) is billed by no recurring "
                           "invoice line: revenue left on the table"))

    product_of_item = {item: product for product, item in mapping.products.items()}
    for client_id, client_invoices in sorted(invoices_of.items()):
        for invoice in client_invoices:
            for line in invoice.get("lines") or []:
                line_product = product_of_item.get(line_item(line) or -1)
                line_licence = managed.get((client_id, line_product)) if line_product else None
                if line_licence is None or line_product is None or _linked_licences(line):
                    continue
                quantity = line.get("qty_order")
                try:
                    quantity = float(quantity) if quantity is not None else None
                except (TypeError, ValueError):
                    quantity = None
                if quantity is not None and quantity != (line_licence.count or 0):
                    report.findings.append(Finding(
                        "quantity_mismatch", client_id, product=line_product, licence_id=line_licence.id,
                        invoice_id=invoice.get("id"),
                        detail=f"invoice {invoice.get('id')} line {line.get('id')} bills a fixed {quantity:g} of item "
                               f"{line_item(line)}, but licence {line_licence.id} counts {line_licence.count}: bill from "
                               "the licence instead, so the line follows the count"))

    with_counts = sorted({c for (c, _), l in managed.items() if (l.count or 0) > 0})
    for client_id in with_counts:
        if not invoices_of.get(client_id):
            report.findings.append(Finding(
                "no_invoice", client_id,
                detail=f"client {client_id} has Huntress licences with counts but no recurring invoice"))
    return report
