"""Prices and costs on HaloPSA's wire, for `report --money`: recurring invoice lines and items, read into core's values."""

from __future__ import annotations

import math
from typing import Any

from halosync.core.report import Price, PricedLine
from halosync.halo.invoices import licence_ids


def amount(value: Any) -> float | None:
    """A price or cost: a number (or numeric text) above 0. Halo shows a blank as 0, so 0 means 'not set'."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 and math.isfinite(number) else None


def priced_lines(invoices: list[dict[str, Any]]) -> list[PricedLine]:
    """The active lines of the active recurring invoices (with `includelines=true`): `quantity_licences[].licence_id`,
    `unit_price`, `unit_cost`."""
    found = []
    for invoice in invoices:
        if not isinstance(invoice, dict) or invoice.get("disabled"):
            continue
        lines = invoice.get("lines")
        for line in lines if isinstance(lines, list) else []:
            if not isinstance(line, dict) or line.get("isinactive"):
                continue
            found.append(PricedLine(licence_ids(line), amount(line.get("unit_price")), amount(line.get("unit_cost"))))
    return found


def item_prices(items: dict[int, dict[str, Any]]) -> dict[int, Price]:
    """Item id -> its `recurringprice` and `recurringcost`."""
    return {item_id: Price(amount(item.get("recurringprice")), amount(item.get("recurringcost")))
            for item_id, item in items.items()}
