"""The audit's rules: both ends of the money, and which invoice fixes are safe. Pure.

Huntress side: usage of a mapped product on organizations nobody mapped or ignored
(`unmapped_usage`). HaloPSA side, per invoice and item: the lines on one of our items,
summed, against the licence (`quantity_mismatch`, one per invoice and item); a managed
licence no line bills (`unbilled`); a client with counts and no recurring invoice
(`no_invoice`, one per client); a licence of ours left on a product's previous item
(`moved_licence`: the sync neither updates it nor creates one on the new item). Then, on fresh reads, whether a planned fix is still
needed (`recheck`) and whether HaloPSA carried it out (`verify`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from halosync.core.mapping import Mapping, edr_kin, elsewhere, ours, unmapped_organizations
from halosync.core.models import Licence
from halosync.core.products import AGENT_PRODUCTS, PRODUCTS
from halosync.core.reconcile import Reconciliation

FindingKind = Literal["unmapped_usage", "unbilled", "quantity_mismatch", "no_invoice", "orphaned_licence",
                      "billed_twice", "unlinked_line", "moved_licence"]
LIST_PRODUCTS = ("edr", "itdr", "sat", "siem")  # the products the organization list counts
MANUAL = ("In HaloPSA: Invoices > Recurring Invoices > the client's invoice > add (or open) the line for the item, "
          "and set its Quantity to 'Calculate quantity from Licence count', choosing the licence")


def new_invoice_steps(client: str, lines: list[tuple[int, int, str]]) -> str:
    """The manual steps for a client with no recurring invoice: make one, with a line per licence (licence id,
    item id, item name) billing from that licence. There is no invoice to open, so never "open the invoice"."""
    per_line = "; ".join(f"item {item_id}{f' ({name})' if name else ''} from licence {licence_id}"
                         for licence_id, item_id, name in lines)
    return (f"In HaloPSA: Invoices > Recurring Invoices > New, for {client} (choose its billing schedule), then add "
            f"one line per licence, each with its Quantity set to 'Calculate quantity from Licence count' and that "
            f"licence chosen: {per_line}")


def edit_line_steps(invoice_id: int, line_id: int | None, licence_id: int) -> str:
    """The manual step for a line that exists: edit it, never add another (that would bill twice)."""
    return (f"In HaloPSA: Invoices > Recurring Invoices > invoice {invoice_id} > open line {line_id} and set its "
            f"Quantity to 'Calculate quantity from Licence count', choosing licence {licence_id}. Do not add a "
            "second line: that would bill the customer twice")


@dataclass(frozen=True)
class InvoiceLine:
    """One line of a recurring invoice, as halo/invoices.py reads it from HaloPSA."""

    id: int | None  # None: HaloPSA sent it without a usable id (it still bills; it is reported, never switched)
    item_id: int | None
    quantity: int | float | None  # the quantity HaloPSA shows; None: none it could say
    licence_ids: tuple[int, ...] = ()  # the licences it bills from; empty: a fixed quantity


@dataclass(frozen=True)
class RecurringInvoice:
    id: int
    client_id: int
    lines: tuple[InvoiceLine, ...] = ()
    active: bool = True  # HaloPSA's disabled invoices bill nothing


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    message: str
    halo_client_id: int | None = None
    product: str | None = None
    licence_id: int | None = None
    licence_count: int | None = None
    invoice_id: int | None = None
    line_id: int | None = None  # the line, when one line is concerned
    quantity: int | float | None = None  # what the invoice bills of the item (the sum of its lines on it)
    huntress_organization_id: int | None = None
    organization_name: str | None = None
    units: int | None = None
    line_ids: tuple[int, ...] | None = None  # every line on the item in that invoice (quantity_mismatch)
    licence_ids: tuple[int, ...] | None = None  # every licence a client without an invoice holds (no_invoice)
    invoice_ids: tuple[int, ...] | None = None  # every invoice that bills the licence (billed_twice, moved_licence)
    item_id: int | None = None  # the item the licence is on (moved_licence: the product's previous item)
    manual: str | None = None  # why --fix leaves it to a person, and what to do

    def as_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items() if v is not None}


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
    # Lines of an active invoice billing the licence's item at a fixed quantity: (invoice, line, quantity).
    fixed_lines: list[tuple[int, int | None, int | float | None]] = field(default_factory=list)

    def fixed_matches(self) -> bool:
        """Billed only at a fixed quantity that equals the count today: right now, wrong at the next change."""
        total = sum(q or 0 for _, _, q in self.fixed_lines)
        return bool(self.fixed_lines) and not self.billed_by and total == (self.count or 0) > 0


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
    product: str = ""
    product_licences: tuple[int, ...] = ()  # every licence of ours for this client and product: none may be billed

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
    manual: list[Finding] = field(default_factory=list)  # findings only a person can settle (each says why)
    requests: dict[str, int] = field(default_factory=dict)
    client_names: dict[int, str] = field(default_factory=dict)  # HaloPSA clients, as licences and invoices name them
    held_changes: int = 0  # changes the last sync held that no approve wrote: the licences' totals include them
    reconciliation: Reconciliation | None = None  # Huntress's invoice, unit by unit (core/reconcile.py)


def number(value: Any) -> int | float | None:
    """A vendor's quantity as a number (whole numbers as int); None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    if result != result or result in (float("inf"), float("-inf")):
        return None
    return int(result) if result.is_integer() else result


Usage = dict[int, tuple[str, dict[str, int]]]  # Huntress organization -> (name, product -> units on the list)


def audit(mapping: Mapping, licences: list[Licence], invoices: list[RecurringInvoice],
          usage: Usage | None = None, huntress_invoice: dict[str, Any] | None = None,
          item_names: dict[int, str] | None = None,
          written_for: dict[tuple[int, str], set[int]] | None = None) -> AuditReport:
    """Judge both ends. `usage` is every Huntress organization with its list counts (None: Halo side only).
    `written_for`: the licences the results log shows halosync wrote per (client, product), to find a product's
    licences left on its previous item as the sync finds them."""
    report = AuditReport(huntress_invoice=huntress_invoice)
    _halo_side(report, mapping, licences, invoices, item_names or {}, written_for or {})
    if usage is not None:
        _huntress_side(report, mapping, usage)
    return report


def counted_products(mapping: Mapping) -> list[str]:
    """The list's products this mapping bills (the EDR split counts as EDR)."""
    mapped = set(mapping.products)
    return [p for p in LIST_PRODUCTS if p in mapped or (p == "edr" and mapped & AGENT_PRODUCTS)]


def product_licences(licences: list[Licence], item_id: int, licence_name: str) -> tuple[int, ...]:
    """Every licence of ours for one client and product: on its item, or carrying its name on another item
    (the product was moved to another item). A line billing from any of them bills the product."""
    return tuple(sorted(l.id for l in licences if not l.deleted and (l.item_id == item_id or l.name == licence_name)))


def form_licences(licences: list[Licence], product: str, mapping: Mapping) -> tuple[int, ...]:
    """Live licences carrying the licence name of the other EDR form (split for edr, whole for the split):
    EDR is one product billed whole or split, so a line billing from one of them already bills this one."""
    names = {rendered for kin in edr_kin(product) if (rendered := mapping.rendered_name(kin))}
    return tuple(sorted(l.id for l in licences if not l.deleted and l.name in names))


def billed_twice(licence: Licence, product: str, client_invoices: list[RecurringInvoice], item_id: int,
                 siblings: tuple[int, ...]) -> Finding | None:
    """A licence billed on more than one recurring invoice: lines on two invoices bill from it, or one bills from
    it (or another licence of the product) while another invoice bills the item at a fixed quantity. The customer
    pays twice; only a person can say which line to end, so --fix never touches it."""
    from_licence = [(invoice, line) for invoice in client_invoices for line in invoice.lines
                    if licence.id in line.licence_ids]
    if not from_licence:
        return None
    product_lines = [(invoice, line) for invoice in client_invoices for line in invoice.lines
                     if set(line.licence_ids) & set(siblings)
                     or (not line.licence_ids and line.item_id == item_id and line.quantity != 0)]  # 0 bills nothing
    if len({invoice.id for invoice, _ in product_lines}) < 2:
        return None  # one invoice: its lines on the item are judged together (quantity_mismatch)
    invoice_ids = tuple(sorted({invoice.id for invoice, _ in product_lines}))
    line_ids = tuple(line.id for _, line in product_lines if line.id is not None)

    def describe(invoice: RecurringInvoice, line: InvoiceLine) -> str:
        how = (f"from licence {', '.join(map(str, line.licence_ids))}" if line.licence_ids
               else f"a fixed {line.quantity if line.quantity is not None else 'unknown'}")
        return f"invoice {invoice.id} line {line.id if line.id is not None else '(without an id)'} ({how})"

    listed = "; ".join(describe(invoice, line) for invoice, line in product_lines)
    manual = (f"In HaloPSA: Invoices > Recurring Invoices: keep one of these lines billing {product} for client "
              f"{licence.client_id} (one that bills from licence {licence.id}) and end the others; do not add or "
              "switch a line")
    return Finding(
        "billed_twice", halo_client_id=licence.client_id, product=product, licence_id=licence.id,
        licence_count=licence.count or 0, invoice_ids=invoice_ids, line_ids=line_ids, manual=manual,
        message=(f"licence {licence.id} ({licence.name!r}, count {licence.count or 0}) is billed on "
                 f"{len(invoice_ids)} recurring invoices: {listed}; the customer pays for it twice. {manual}"))


def _across_invoices(report: AuditReport, licence: Licence, product: str, client_invoices: list[RecurringInvoice],
                     item_id: int, counts: dict[int, int]) -> bool:
    """The client's lines on one of our items across all its recurring invoices, summed against the licence.
    More than the licence, with lines on several invoices: `billed_twice` (22 on one invoice and 22 on another
    for a licence of 22 pays 44; never fixed automatically). Exactly the licence, split so each invoice bills
    less than it (11 + 11 for 22): billed right, no finding. True when settled here; False leaves the lines
    to the per-invoice judgement (one invoice, a quantity HaloPSA did not give, or too little in all)."""
    lines = [(invoice, line) for invoice in client_invoices for line in invoice.lines
             if (line.item_id == item_id or licence.id in line.licence_ids) and line.quantity != 0]  # 0 bills nothing
    if len({invoice.id for invoice, _ in lines}) < 2:
        return False
    quantities = [_billed(line, counts) for _, line in lines]
    if any(q is None for q in quantities):
        return False  # a quantity HaloPSA did not give: nothing to add up
    count = licence.count or 0
    total = number(sum(q for q in quantities if q is not None))
    parts: dict[int, float] = defaultdict(float)
    for (invoice, _), q in zip(lines, quantities, strict=True):
        parts[invoice.id] += q or 0
    if total == count and all(part < count for part in parts.values()):
        return True  # an honest split: the invoices together bill the licence
    if total is None or total <= count:
        return False
    invoice_ids = tuple(sorted(parts))
    line_ids = tuple(line.id for _, line in lines if line.id is not None)
    listed = "; ".join(f"invoice {invoice.id} line {line.id if line.id is not None else '(without an id)'} "
                       f"({'from licence ' + ', '.join(map(str, line.licence_ids)) if line.licence_ids else 'a fixed'} "
                       f"{q})" for (invoice, line), q in zip(lines, quantities, strict=True))
    manual = (f"In HaloPSA: Invoices > Recurring Invoices: keep the lines billing {product} for client "
              f"{licence.client_id} that add up to licence {licence.id}'s count ({count}), best one line billing "
              "from the licence, and end or correct the others; do not add or switch a line")
    finding = Finding(
        "billed_twice", halo_client_id=licence.client_id, product=product, licence_id=licence.id,
        licence_count=count, invoice_ids=invoice_ids, line_ids=line_ids, quantity=total, manual=manual,
        message=(f"licence {licence.id} ({licence.name!r}, count {count}) is billed {total} in all on "
                 f"{len(invoice_ids)} recurring invoices: {listed}; the customer pays for more than it has. {manual}"))
    report.findings.append(finding)
    report.manual.append(finding)
    return True


def _billed(line: InvoiceLine, counts: dict[int, int]) -> int | float | None:
    """What a line bills: its licences' counts when it bills from licences we know, else its quantity."""
    if line.licence_ids and all(i in counts for i in line.licence_ids):
        return sum(counts[i] for i in line.licence_ids)
    return line.quantity


def fixed_lines(invoices: list[RecurringInvoice], item_id: int) -> list[tuple[int, int | None, int | float | None]]:
    """The lines of these invoices that bill the item at a fixed quantity (from no licence)."""
    return [(invoice.id, line.id, number(line.quantity)) for invoice in invoices for line in invoice.lines
            if line.item_id == item_id and not line.licence_ids]


# One managed licence no line bills: (product, licence, item id, the product's licences at the client).
_Unbilled = tuple[str, Licence, int, tuple[int, ...]]


@dataclass(frozen=True)
class _HaloIndex:
    """HaloPSA's licences and active recurring invoices, looked up by client and by licence."""

    by_client: dict[int, list[Licence]]
    counts: dict[int, int]  # licence id -> count, deleted licences left out
    billed_by: dict[int, list[str]]  # licence id -> the invoice lines billing from it
    invoices_of: dict[int, list[RecurringInvoice]]  # client id -> its active recurring invoices


def _index(licences: list[Licence], invoices: list[RecurringInvoice]) -> _HaloIndex:
    by_client: dict[int, list[Licence]] = defaultdict(list)
    for licence in licences:
        by_client[licence.client_id].append(licence)
    counts = {l.id: l.count or 0 for l in licences if not l.deleted}
    billed_by: dict[int, list[str]] = defaultdict(list)
    invoices_of: dict[int, list[RecurringInvoice]] = defaultdict(list)
    for invoice in invoices:
        if not invoice.active:
            continue
        invoices_of[invoice.client_id].append(invoice)
        for line in invoice.lines:
            for licence_id in line.licence_ids:
                billed_by[licence_id].append(f"invoice {invoice.id} line {line.id}")
    return _HaloIndex(by_client, counts, billed_by, invoices_of)


def _halo_side(report: AuditReport, mapping: Mapping, licences: list[Licence], invoices: list[RecurringInvoice],
               item_names: dict[int, str], written_for: dict[tuple[int, str], set[int]]) -> None:
    halo = _index(licences, invoices)
    for client_id in sorted(mapping.clients):
        client_invoices = halo.invoices_of.get(client_id, [])
        unbilled: list[_Unbilled] = []
        to_invoice: list[_Unbilled] = []  # what a new invoice would bill: with the licences left on a previous item
        for product, item_id in mapping.products_of(client_id).items():
            moved = _moved(report, mapping, halo, client_id, product, item_id, written_for)
            if moved:
                to_invoice += [(product, l, l.item_id if l.item_id is not None else item_id, ())
                               for l in moved if (l.count or 0) > 0 and not halo.billed_by[l.id]]
                continue
            left = _judge_product(report, mapping, halo, client_id, product, item_id, item_names)
            if left is not None:
                unbilled.append(left)
                to_invoice.append(left)
        if not client_invoices and to_invoice:
            report.findings.append(_no_invoice(client_id, halo.by_client[client_id], to_invoice, item_names))
        elif unbilled:  # never a line added for a moved licence: its own finding says the way out
            _unbilled(report, client_id, client_invoices, unbilled, item_names)


def _moved(report: AuditReport, mapping: Mapping, halo: _HaloIndex, client_id: int, product: str, item_id: int,
           written_for: dict[tuple[int, str], set[int]]) -> list[Licence]:
    """A product with no licence on its item whose licences are still on another item (it was moved in [products]),
    found as the sync finds them: each is managed (in the table and the totals: it still bills) and a
    `moved_licence` finding with the way out. The sync fails the pair until then, so nothing follows Huntress."""
    client_licences = halo.by_client[client_id]
    if ours(client_licences, client_id, item_id, mapping.licence_names[product]):
        return []
    moved = elsewhere(client_licences, client_id, product, mapping, written_for)
    client_invoices = halo.invoices_of.get(client_id, [])
    for licence in moved:
        old = licence.item_id
        count = licence.count or 0
        report.managed.append(Managed(client_id, product, licence.id, licence.name, licence.count,
                                      old if old is not None else item_id, halo.billed_by[licence.id],
                                      fixed_lines(client_invoices, old) if old is not None else []))
        if product in PRODUCTS and PRODUCTS[product].key in ("edr", *AGENT_PRODUCTS):
            report.edr_licences += count
        lines = [(invoice, line) for invoice in client_invoices for line in invoice.lines
                 if licence.id in line.licence_ids]
        on = f"item {old}" if old is not None else "an item HaloPSA does not report"
        billed = ("billed by " + ", ".join(f"invoice {i.id} line {line.id}" for i, line in lines) if lines
                  else "billed by no recurring invoice line")
        back = (f"map {product} back to item {old} in [products]" if old is not None
                else "put back the [sync] licence_name that named that licence")
        manual = (f"Either {back}, or end licence {licence.id} in HaloPSA (delete it, after moving each recurring "
                  f"invoice line that bills from it to bill from the licence the next run creates on item {item_id})")
        finding = Finding(
            "moved_licence", halo_client_id=client_id, product=product, licence_id=licence.id, licence_count=count,
            item_id=old, invoice_ids=tuple(sorted({i.id for i, _ in lines})) or None,
            line_ids=tuple(line.id for _, line in lines if line.id is not None) or None, manual=manual,
            message=(f"licence {licence.id} ({licence.name!r}, count {count}) on {on} still bills {product}, which "
                     f"[products] now maps to item {item_id}; {billed}. The sync neither updates it nor creates a "
                     f"licence on item {item_id} (that would bill twice), so its count no longer follows Huntress. "
                     + manual))
        report.findings.append(finding)
        report.manual.append(finding)
    return moved


def _judge_product(report: AuditReport, mapping: Mapping, halo: _HaloIndex, client_id: int, product: str,
                   item_id: int, item_names: dict[int, str]) -> _Unbilled | None:
    """One mapped product at one client: its licence managed, its invoice lines judged; the licence back when no
    line bills it and it has a count to bill."""
    client_licences = halo.by_client[client_id]
    client_invoices = halo.invoices_of.get(client_id, [])
    matches = ours(client_licences, client_id, item_id, mapping.licence_names[product])
    if len(matches) != 1:
        return None  # none yet, or ambiguous: the sync reports those
    licence = matches[0]
    count = licence.count or 0
    report.managed.append(Managed(client_id, product, licence.id, licence.name, licence.count, item_id,
                                  halo.billed_by[licence.id], fixed_lines(client_invoices, item_id)))
    if product in PRODUCTS and PRODUCTS[product].key in ("edr", *AGENT_PRODUCTS):
        report.edr_licences += count
    siblings = tuple(sorted(set(product_licences(client_licences, item_id, mapping.licence_names[product]))
                            | set(form_licences(client_licences, product, mapping))))
    # A line billing from any licence of this product (this one, or one on the product's old item)
    # already bills it: never a second line, never a second line on that licence.
    billing = [(invoice, line) for invoice in client_invoices for line in invoice.lines
               if set(line.licence_ids) & set(siblings)]
    twice = billed_twice(licence, product, client_invoices, item_id, siblings)
    if twice is not None:
        report.findings.append(twice)
        report.manual.append(twice)
        return None  # judging each invoice's lines on their own would advise a switch that bills twice
    if _across_invoices(report, licence, product, client_invoices, item_id, halo.counts):
        return None  # the item's lines on several invoices, judged together (over: billed_twice; split: fine)
    judged = False
    for invoice in client_invoices:
        group = [line for line in invoice.lines if line.item_id == item_id or licence.id in line.licence_ids]
        if not group:
            continue
        judged = True
        _judge(report, client_invoices, invoice, group, billing, licence, product, item_id,
               item_names.get(item_id, ""), siblings, halo.counts)
    if judged or billing or count <= 0:
        return None  # billed (judged above), or billed from a licence of the product's old item, or nothing to bill
    return (product, licence, item_id, siblings)


def _no_invoice(client_id: int, client_licences: list[Licence], unbilled: list[_Unbilled],
                item_names: dict[int, str]) -> Finding:
    """A client with counts to bill and no recurring invoice: one finding, with the steps to make the invoice."""
    ids = tuple(licence.id for _, licence, _, _ in unbilled)
    listed = ", ".join(f"{licence.id} ({product}, count {licence.count or 0})" for product, licence, _, _ in unbilled)
    name = next((l.client_name for l in client_licences if l.client_name), "")
    client = f"{name} ({client_id})" if name else f"client {client_id}"
    steps = new_invoice_steps(client, [(licence.id, item_id, item_names.get(item_id, ""))
                                       for _, licence, item_id, _ in unbilled])
    return Finding(
        "no_invoice", halo_client_id=client_id, licence_ids=ids, manual=steps,
        message=f"{client} has Huntress licences with counts ({listed}) but no recurring invoice. {steps}")


def _unbilled(report: AuditReport, client_id: int, client_invoices: list[RecurringInvoice],
              unbilled: list[_Unbilled], item_names: dict[int, str]) -> None:
    """Licences no line bills at a client with invoices: --fix adds the line when there is one invoice; with
    several, a person chooses which."""
    for product, licence, item_id, siblings in unbilled:
        count = licence.count or 0
        finding = Finding("unbilled", halo_client_id=client_id, product=product, licence_id=licence.id,
                          licence_count=count,
                          message=(f"licence {licence.id} ({licence.name!r}, count {count}) is billed by no "
                                   "recurring invoice line: revenue left on the table"))
        if len(client_invoices) == 1:
            report.findings.append(finding)
            report.fixes.append(Fix("add_line", client_id, client_invoices[0].id, licence.id, item_id,
                                    item_names.get(item_id, ""), count, product=product, product_licences=siblings))
        else:
            manual = (f"client {client_id} has {len(client_invoices)} recurring invoices "
                      f"({', '.join(str(i.id) for i in client_invoices)}): a person chooses the one to bill it on. "
                      + MANUAL)
            finding = replace(finding, manual=manual)
            report.findings.append(finding)
            report.manual.append(finding)


def _judge(report: AuditReport, client_invoices: list[RecurringInvoice], invoice: RecurringInvoice,
           group: list[InvoiceLine], billing: list[tuple[RecurringInvoice, InvoiceLine]], licence: Licence,
           product: str, item_id: int, item_name: str, siblings: tuple[int, ...], counts: dict[int, int]) -> None:
    """One invoice's lines on one of our items, judged together: their sum is what the customer pays for."""
    quantities = [_billed(line, counts) for line in group]
    if any(q is None for q in quantities):
        return  # a line whose quantity HaloPSA did not give: nothing to compare
    count = licence.count or 0
    total = number(sum(q for q in quantities if q is not None))
    if total == count:
        return
    line_ids = tuple(line.id for line in group if line.id is not None)
    parts = " + ".join(str(q) for q in quantities)
    named = ", ".join(str(line.id) if line.id is not None else "(a line without an id)" for line in group)
    lines_text = f"line {named}" if len(group) == 1 else f"lines {named} ({parts})"
    finding = Finding(
        "quantity_mismatch", halo_client_id=licence.client_id, product=product, licence_id=licence.id,
        licence_count=count, invoice_id=invoice.id, line_id=group[0].id if len(group) == 1 else None,
        line_ids=line_ids, quantity=total,
        message=(f"invoice {invoice.id} bills {total} of item {item_id} on {lines_text}, but licence {licence.id} "
                 f"counts {count}: bill from the licence, so the invoice follows it"))
    line = group[0]
    elsewhere = [(other_invoice, other) for other_invoice, other in billing if other_invoice.id != invoice.id]
    if elsewhere:
        other_invoice, other = elsewhere[0]
        why = (f"invoice {other_invoice.id} line {other.id} already bills from licence "
               f"{', '.join(map(str, other.licence_ids))}: switching this line too would bill twice")
    elif len(client_invoices) > 1:
        why = (f"client {licence.client_id} has {len(client_invoices)} recurring invoices: a person decides which "
               "bills the licence")
    elif len(group) > 1:
        why = (f"invoice {invoice.id} bills item {item_id} on {len(group)} lines: a person decides which one bills "
               f"from licence {licence.id} and ends or corrects the others (switching one would bill twice)")
    elif line.id is None:
        why = "HaloPSA sent the line without an id, so it cannot be changed safely"
    elif line.licence_ids:
        why = f"the line bills from licence(s) {', '.join(map(str, line.licence_ids))}, not from licence {licence.id}"
    elif billing:
        other_invoice, other = billing[0]
        why = (f"invoice {other_invoice.id} line {other.id} already bills from licence "
               f"{', '.join(map(str, other.licence_ids))}: switching this line too would bill twice")
    else:
        report.findings.append(finding)
        report.fixes.append(Fix("bill_from_licence", licence.client_id, invoice.id, licence.id, item_id, item_name,
                                count, line_id=line.id, product=product, product_licences=siblings))
        return
    steps = (f"In HaloPSA: Invoices > Recurring Invoices > invoice {invoice.id}: on the line for item {item_id} that "
             f"is to bill it, set the Quantity to 'Calculate quantity from Licence count', choosing licence {licence.id}")
    finding = replace(finding, manual=f"{why}. {steps}")
    report.findings.append(finding)
    report.manual.append(finding)


@dataclass(frozen=True)
class Recheck:
    """A planned fix against the invoices as they are just before the write."""

    needed: bool
    done: bool = False  # someone made it meanwhile: the product is billed from a licence now
    reason: str = ""


def recheck(fix: Fix, invoices: list[RecurringInvoice]) -> Recheck:
    """Is the fix still needed and still safe, on a fresh read of the client's invoices?"""
    live = [i for i in invoices if i.active and i.client_id == fix.halo_client_id]
    ours_now = set(fix.product_licences) | {fix.licence_id}
    for other in live:
        for line in other.lines:
            if set(line.licence_ids) & ours_now:
                return Recheck(False, True, (f"skipped, already done: invoice {other.id} line {line.id} bills from "
                                             f"licence {', '.join(map(str, line.licence_ids))}"))
    invoice = next((i for i in live if i.id == fix.invoice_id), None)
    if invoice is None:
        return Recheck(False, reason=f"skipped: invoice {fix.invoice_id} is no longer an active recurring invoice")
    if len(live) > 1:
        return Recheck(False, reason=(f"skipped: client {fix.halo_client_id} now has {len(live)} recurring invoices; "
                                      "a person decides. " + MANUAL))
    on_item = [line for line in invoice.lines if line.item_id == fix.item_id]
    if fix.action == "add_line" and on_item:
        return Recheck(False, reason=(f"skipped: invoice {invoice.id} now bills item {fix.item_id} (line "
                                      f"{', '.join(str(l.id) for l in on_item)}); a second line would bill twice"))
    if fix.action == "bill_from_licence" and [line.id for line in on_item] != [fix.line_id]:
        return Recheck(False, reason=(f"skipped: line {fix.line_id} is no longer the only line on item {fix.item_id} "
                                      f"of invoice {invoice.id}; a person decides. " + MANUAL))
    return Recheck(True)


@dataclass(frozen=True)
class Verdict:
    """What a fresh read of the invoice shows after a fix was written."""

    status: Literal["ok", "failed"]
    line_id: int | None
    message: str


def verify(fix: Fix, before: RecurringInvoice | None, after: list[RecurringInvoice]) -> Verdict:
    """A fix counts only when the line on the fix's item now bills from the licence; nothing HaloPSA
    answered to the write is trusted. A line it created without linking is named, to be edited."""
    invoice = next((i for i in after if i.id == fix.invoice_id), None)
    if invoice is None:
        return Verdict("failed", fix.line_id, f"invoice {fix.invoice_id} is no longer listed after the change. {MANUAL}")
    known = {line.id for line in before.lines} if before is not None else set()
    billing = [line for line in invoice.lines if fix.licence_id in line.licence_ids]
    if len(billing) > 1:
        ids = ", ".join(str(line.id) for line in billing)
        return Verdict("failed", billing[-1].id, (f"lines {ids} of invoice {invoice.id} all bill from licence "
                                                  f"{fix.licence_id}: the customer is billed twice; end all but one"))
    right = [line for line in billing if line.item_id == fix.item_id
             and (fix.action == "add_line" or line.id == fix.line_id)]
    if right:
        return Verdict("ok", right[0].id, f"line {right[0].id} now bills from licence {fix.licence_id}")
    if fix.action == "add_line":
        misplaced = [line for line in billing if line.id not in known]
        if misplaced:
            line = misplaced[0]
            return Verdict("failed", line.id, (f"HaloPSA created line {line.id} on invoice {invoice.id} billing from "
                                               f"licence {fix.licence_id}, but on item {line.item_id}, not "
                                               f"{fix.item_id}: in HaloPSA, open that line and set its item. Do not "
                                               "add a second line: that would bill the customer twice"))
        created = [line for line in invoice.lines if line.id is not None and line.id not in known
                   and line.item_id == fix.item_id]
        if created:
            line = created[0]
            return Verdict("failed", line.id, (f"HaloPSA created line {line.id} on invoice {invoice.id} but did not "
                                               f"link it to licence {fix.licence_id}. "
                                               + edit_line_steps(invoice.id, line.id, fix.licence_id)))
        return Verdict("failed", None, (f"after the change, invoice {invoice.id} has no line billing "
                                        f"from licence {fix.licence_id}. {MANUAL}"))
    return Verdict("failed", fix.line_id, (f"after the change, line {fix.line_id} of invoice "
                                           f"{invoice.id} does not bill item {fix.item_id} from licence "
                                           f"{fix.licence_id}. " + edit_line_steps(invoice.id, fix.line_id, fix.licence_id)))


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
