"""Reading Huntress's invoices: the newest invoice, and a reseller invoice's organization usage line items."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from halosync.core.invoice import HuntressInvoice, LineItems
from halosync.core.products import PRODUCTS
from halosync.huntress.usage import _as_count, parse_usages

# actual_usage keys that bill one of our products (siem_extended_retention is a SIEM add-on, not a product of ours)
LINE_ITEM_PRODUCTS = tuple(key for key, p in PRODUCTS.items() if p.source == "usage")


def parse_invoice(row: Any) -> HuntressInvoice:
    """One entry of `invoices`; ValueError when it has no usable id (it cannot be followed)."""
    if not isinstance(row, dict):
        raise ValueError(f"an invoice should be an object, got {type(row).__name__}")
    invoice_id = row.get("id")
    if isinstance(invoice_id, bool) or not isinstance(invoice_id, int):
        raise ValueError(f"an invoice without a usable id ({invoice_id!r})")
    quantity = row.get("quantity")
    return HuntressInvoice(
        id=invoice_id,
        created_at=str(row.get("created_at") or ""),
        quantity=quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else None,
        plan=str(row.get("plan") or ""),
    )


def add_line_items(found: LineItems, rows: Iterable[Any], seen: set[int]) -> int:
    """Add one page of `organization_usage_line_items` to `found`; return how many line items were new.

    A line item repeated (by id) on a later page is counted once. An organization on two line
    items (different ids) is refused, never summed. A missing or null `actual_usage`, a product
    named with a null count, or a value that is not a whole number from 0 up is refused for
    that (organization, product): its row fails, never billed as 0, truncated or guessed.
    """
    new = 0
    for row in rows:
        if not isinstance(row, dict):
            raise ValueError(f"a line item should be an object, got {type(row).__name__}")
        item_id = row.get("id")
        if isinstance(item_id, int) and not isinstance(item_id, bool):
            if item_id in seen:
                continue
            seen.add(item_id)
        organization = _object(row.get("organization"))
        org_id = organization.get("id")
        if isinstance(org_id, bool) or not isinstance(org_id, int):
            # Its units cannot be given to anyone: billing the others from a partial invoice is not safe.
            raise ValueError(f"line item {item_id!r} names no organization id")
        new += 1
        found.items += 1
        found.names[org_id] = str(organization.get("name") or found.names.get(org_id, ""))
        account = _object(row.get("account"))
        if account.get("name"):
            found.accounts[org_id] = str(account["name"])
        if isinstance(account.get("id"), int) and not isinstance(account.get("id"), bool):
            found.account_ids[org_id] = account["id"]
        if org_id in found.periods:
            # Two line items for one organization on one invoice: adding them up could bill it twice, picking one
            # is a guess. Its rows fail (the others are billed); the invoice itself is for a person to look at.
            for product in LINE_ITEM_PRODUCTS:
                found.bad[(org_id, product)] = (f"Huntress organization {org_id} is on more than one line item of "
                                                f"this invoice (line item {item_id} among them): not billed; check "
                                                "the invoice in Huntress")
            continue
        found.periods[org_id] = (str(row.get("period_start") or ""), str(row.get("period_end") or ""))
        units = found.units.setdefault(org_id, dict.fromkeys(LINE_ITEM_PRODUCTS, 0))
        raw = row.get("actual_usage")
        if raw is None:  # no usage given at all: unknown, never 0 (a line item of `{}` is one that used nothing)
            for product in LINE_ITEM_PRODUCTS:
                found.bad[(org_id, product)] = (f"Huntress organization {org_id}: line item {item_id} gives no "
                                                "actual_usage (no count, which is not 0)")
            continue
        try:  # like `actual_usages`, it may come as a JSON-encoded string
            usage = parse_usages(raw)
        except ValueError as exc:
            for product in LINE_ITEM_PRODUCTS:
                found.bad[(org_id, product)] = f"Huntress organization {org_id}: line item {item_id} {exc}"
            continue
        for product in LINE_ITEM_PRODUCTS:
            if product in usage and usage[product] is None:  # named with no count: Huntress gave no count
                found.bad[(org_id, product)] = (f"Huntress organization {org_id}: line item {item_id} "
                                                f"actual_usage.{product} is null: Huntress gave no count")
                continue
            try:  # a product the line item does not name counts 0, as in `actual_usages`
                units[product] += _as_count(usage.get(product), f"line item {item_id} actual_usage.{product}")
            except ValueError as exc:
                found.bad[(org_id, product)] = f"Huntress organization {org_id}: {exc}"
    return new


def account_actual_units(rows: Iterable[Any]) -> dict[str, int] | None:
    """Per product, the units the account usage line items say the organizations used (`usage.actual`); None
    when a row cannot be read (the invoice then cannot vouch for the organization line items)."""
    found: dict[str, int] = {}
    for product, usage in _account_usages(rows):
        try:
            found[product] = found.get(product, 0) + _as_count(usage.get("actual"), "usage.actual")
        except ValueError:
            return None
    return found


def account_totals(rows: Iterable[Any]) -> tuple[dict[str, int], dict[str, int]]:
    """Per product: units billed (`usage.billable`), and units billed over those used (the subscription minimum).
    A row that cannot be read is left out: it shows up as unexplained units, never as a guess."""
    billed: dict[str, int] = {}
    minimum: dict[str, int] = {}
    for product, usage in _account_usages(rows):
        try:
            billable = _as_count(usage.get("billable"), "usage.billable")
            actual = _as_count(usage.get("actual"), "usage.actual")
        except ValueError:
            continue
        billed[product] = billed.get(product, 0) + billable
        minimum[product] = minimum.get(product, 0) + max(0, billable - actual)
    return billed, minimum


def _account_usages(rows: Iterable[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(product, usage) of each account usage line item that bills one of our products."""
    for row in rows:
        product = _object(row).get("product")
        if product in LINE_ITEM_PRODUCTS:
            yield product, _object(_object(row).get("usage"))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
