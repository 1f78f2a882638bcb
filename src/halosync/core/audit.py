"""The audit's rules: both ends of the money, and which invoice fixes are safe. Pure.

Huntress side: usage of a mapped product on organizations nobody mapped or ignored
(`unmapped_usage`). HaloPSA side: a managed licence no recurring invoice line bills
(`unbilled`), a fixed-quantity line on one of our items that differs from the licence
(`quantity_mismatch`), a client with counts and no recurring invoice (`no_invoice`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from halosync.core.mapping import Mapping, ours, unmapped_organizations
from halosync.core.models import Licence
from halosync.core.products import AGENT_PRODUCTS, PRODUCTS
from halosync.core.reconcile import Reconciliation

FindingKind = Literal["unmapped_usage", "unbilled", "quantity_mismatch", "no_invoice", "orphaned_licence"]
LIST_PRODUCTS = ("edr", "itdr", "sat", "siem")  # the products the organization list counts
MANUAL = ("In HaloPSA: Invoices > Recurring Invoices > the client's invoice > add (or open) the line for the item, "
          "and set its Quantity to 'Calculate quantity from Licence count', choosing the licence")


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    message: str
    halo_client_id: int | None = None
    product: str | None = None
    licence_id: int | None = None
    licence_count: int | None = None
    invoice_id: int | None = None
    line_id: int | None = None
    quantity: int | float | None = None
    huntress_organization_id: int | None = None
    organization_name: str | None = None
    units: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Managed:
    """A licence halosync manages, and the recurring invoice lines that bill from it."""

    client_id: int
    product: str
    licence_id: int
    licence_name: str
    count: int | None
    item_id: int
    billed_by: list[str]  # "invoice 901 line 9011"


@dataclass(frozen=True)
class Fix:
    """A change --fix would make on a recurring invoice."""

    action: Literal["add_line", "bill_from_licence"]
    halo_client_id: int
    invoice_id: int
    licence_id: int
    item_id: int
    item_name: str
    licence_count: int
    line_id: int | None = None  # the line to switch (bill_from_licence)

    def describe(self) -> str:
        if self.action == "add_line":
            return (f"invoice {self.invoice_id} (client {self.halo_client_id}): add a line for item {self.item_id} "
                    f"{self.item_name!r} that bills from licence {self.licence_id} (now {self.licence_count})")
        return (f"invoice {self.invoice_id} line {self.line_id} (client {self.halo_client_id}): bill from licence "
                f"{self.licence_id} (now {self.licence_count}) instead of a fixed quantity")


@dataclass
class AuditReport:
    managed: list[Managed] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)  # ignored organizations and their units: information
    totals: dict[str, dict[str, int]] = field(default_factory=dict)  # product -> {"huntress": n, "licences": m}
    huntress_invoice: dict[str, Any] | None = None  # Huntress's latest invoice to the MSP, beside the EDR licences
    edr_licences: int = 0
    fixes: list[Fix] = field(default_factory=list)  # what --fix may change safely
    manual: list[Finding] = field(default_factory=list)  # what only a person can settle (no invoice, several)
    requests: dict[str, int] = field(default_factory=dict)
    client_names: dict[int, str] = field(default_factory=dict)  # HaloPSA clients, as licences and invoices name them
    reconciliation: Reconciliation | None = None  # Huntress's invoice, unit by unit (core/reconcile.py)


def line_item(line: dict[str, Any]) -> int | None:
    """A line's item id: `item_id`, or `_itemid` as Halo's schema names it."""
    for key in ("item_id", "_itemid"):
        try:
            if line.get(key):
                return int(line[key])
        except (TypeError, ValueError):
            pass
    return None


def linked_licences(line: dict[str, Any]) -> list[int]:
    ids = []
    for entry in line.get("quantity_licences") or []:
        try:
            ids.append(int(entry["licence_id"]))
        except (KeyError, TypeError, ValueError):
            continue
    return ids


def as_id(value: Any) -> int | None:
    """A vendor's id as an integer; None for anything else (such a record can be reported, never fixed)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> int | float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


Usage = dict[int, tuple[str, dict[str, int]]]  # Huntress organization -> (name, product -> units on the list)


def audit(mapping: Mapping, licences: list[Licence], invoices: list[dict[str, Any]],
          usage: Usage | None = None, huntress_invoice: dict[str, Any] | None = None,
          item_names: dict[int, str] | None = None) -> AuditReport:
    """Judge both ends. `usage` is every Huntress organization with its list counts (None: Halo side only)."""
    report = AuditReport(huntress_invoice=huntress_invoice)
    _halo_side(report, mapping, licences, invoices, item_names or {})
    if usage is not None:
        _huntress_side(report, mapping, usage)
    return report


def counted_products(mapping: Mapping) -> list[str]:
    """The list's products this mapping bills (the EDR split counts as EDR)."""
    mapped = set(mapping.products)
    return [p for p in LIST_PRODUCTS if p in mapped or (p == "edr" and mapped & AGENT_PRODUCTS)]


def _halo_side(report: AuditReport, mapping: Mapping, licences: list[Licence], invoices: list[dict[str, Any]],
               item_names: dict[int, str]) -> None:
    by_client: dict[int, list[Licence]] = defaultdict(list)
    for licence in licences:
        by_client[licence.client_id].append(licence)
    billed_by: dict[int, list[str]] = defaultdict(list)
    invoices_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for invoice in invoices:
        if invoice.get("disabled"):
            continue
        client_id = as_id(invoice.get("client_id"))
        if client_id is None or as_id(invoice.get("id")) is None:
            continue  # an invoice HaloPSA sent without usable ids: it can be neither matched nor fixed
        invoices_of[client_id].append(invoice)
        for line in invoice.get("lines") or []:
            for licence_id in linked_licences(line):
                billed_by[licence_id].append(f"invoice {invoice.get('id')} line {line.get('id')}")

    for client_id in sorted(mapping.clients):
        client_invoices = invoices_of.get(client_id, [])
        unbilled_here: list[Finding] = []
        for product, item_id in mapping.products_of(client_id).items():
            matches = ours(by_client[client_id], client_id, item_id, mapping.licence_names[product])
            if len(matches) != 1:
                continue  # none yet, or ambiguous: the sync reports those
            licence = matches[0]
            count = licence.count or 0
            report.managed.append(Managed(client_id, product, licence.id, licence.name, licence.count, item_id,
                                          billed_by[licence.id]))
            if product in PRODUCTS and PRODUCTS[product].key in ("edr", *AGENT_PRODUCTS):
                report.edr_licences += count
            if billed_by[licence.id]:
                continue
            # Lines on our item that bill a fixed quantity: they do bill the customer, just not from the licence.
            fixed = [(invoice, line) for invoice in client_invoices for line in invoice.get("lines") or []
                     if line_item(line) == item_id and not linked_licences(line)]
            name = item_names.get(item_id, "")
            for invoice, line in fixed:
                quantity = _number(line.get("qty_order"))
                invoice_id, line_id = int(invoice["id"]), as_id(line.get("id"))
                if quantity is not None and quantity != count:
                    finding = Finding(
                        "quantity_mismatch", halo_client_id=client_id, product=product, licence_id=licence.id,
                        licence_count=count, invoice_id=invoice_id, line_id=line_id, quantity=quantity,
                        message=(f"invoice {invoice_id} line {line_id} bills a fixed {quantity} of item {item_id}, "
                                 f"but licence {licence.id} counts {count}: bill from the licence, so the line follows it"))
                    report.findings.append(finding)
                    if line_id is not None:  # a line HaloPSA sent without an id is reported, never switched
                        report.fixes.append(Fix("bill_from_licence", client_id, invoice_id, licence.id, item_id,
                                                name, count, line_id=line_id))
            if fixed or count <= 0:
                continue  # billed at a fixed quantity (never a second line: that would bill twice), or nothing to bill
            finding = Finding("unbilled", halo_client_id=client_id, product=product, licence_id=licence.id,
                              licence_count=count,
                              message=(f"licence {licence.id} ({licence.name!r}, count {count}) is billed by no "
                                       "recurring invoice line: revenue left on the table"))
            unbilled_here.append(finding)
            if len(client_invoices) == 1:
                report.fixes.append(Fix("add_line", client_id, int(client_invoices[0]["id"]), licence.id, item_id,
                                        name, count))
        report.findings += unbilled_here
        if unbilled_here and not client_invoices:
            ids = ", ".join(str(f.licence_id) for f in unbilled_here)
            report.findings.append(Finding("no_invoice", halo_client_id=client_id,
                                           message=(f"client {client_id} has Huntress licences with counts ({ids}) "
                                                    f"but no recurring invoice. {MANUAL}")))
        elif unbilled_here and len(client_invoices) > 1:
            for finding in unbilled_here:
                report.manual.append(finding)


def _huntress_side(report: AuditReport, mapping: Mapping, usage: Usage) -> None:
    counted = counted_products(mapping)
    names = {org_id: name for org_id, (name, _) in usage.items()}
    for org_id in unmapped_organizations(names, mapping.organization_ids, ()):
        name, all_units = usage[org_id]
        units = {p: all_units.get(p, 0) for p in counted}
        if org_id in mapping.ignored:
            report.ignored.append({"huntress_organization_id": org_id, "organization_name": name,
                                   "units": {p: n for p, n in units.items() if n}})
            continue
        for product, n in units.items():
            if n > 0:
                report.findings.append(Finding(
                    "unmapped_usage", product=product, huntress_organization_id=org_id, organization_name=name,
                    units=n, message=(f"Huntress organization {org_id} {name!r} has {n} {product} unit(s) that no "
                                      "customer is billed for: map it (halosync map), or list it in [sync] "
                                      "ignore_organizations")))
    managed_by_product: dict[str, int] = defaultdict(int)
    for m in report.managed:
        managed_by_product["edr" if m.product in AGENT_PRODUCTS else m.product] += m.count or 0
    for product in counted:
        report.totals[product] = {"huntress": sum(units.get(product, 0) for _, units in usage.values()),
                                  "licences": managed_by_product.get(product, 0)}
