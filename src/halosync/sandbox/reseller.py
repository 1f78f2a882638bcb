"""The sandbox's reseller side of Huntress: reseller invoices and their usage line items, accounts and their
organizations, Neighborhood Watch. Made from the organizations' current usage, as a real invoice is made from
the last day of its cycle."""

from __future__ import annotations

import calendar
from typing import Any

from halosync.sandbox.state import State


def period(invoice_id: int) -> tuple[str, str]:
    """The month an invoice bills, in arrears: the month before it was issued (8002: October 2026, 8003:
    November), so each new invoice covers the next period."""
    months = 2026 * 12 + 9 + (invoice_id - 8002)  # 8002: October 2026 (month index 9)
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return f"{year}-{month + 1:02d}-01T00:00:00Z", f"{year}-{month + 1:02d}-{last:02d}T23:59:59Z"


LINE_ITEM_PRODUCTS = ("edr", "itdr", "ispm", "sat", "siem")


def usage_units(org: dict[str, Any]) -> dict[str, int]:
    """One organization's billable units per product, as a line item's `actual_usage` gives them."""
    usage = org["usage"]
    return {
        "edr": usage["edr"]["billable_agents_count"],
        "itdr": sum(e["billable_identities_count"] for e in usage["itdr"]),
        "ispm": sum(e["billable_identities_count"] for e in usage["ispm"]),
        "sat": usage["sat"]["learners_count"],
        "siem": usage["siem"]["billable_log_sources_count"],
    }


def reseller_invoices(state: State) -> list[dict[str, Any]]:
    """The reseller's invoices, newest (highest id) first: one a month, invoice 8002 on 2026-11-01."""
    units = sum(usage_units(o)["edr"] for o in state.organizations.values())
    newest = state.reseller_invoice_id
    invoices = []
    for n in range(2):
        months = 2026 * 12 + 10 + (newest - n - 8002)  # 8002: November 2026 (month index 10)
        created = f"{months // 12}-{months % 12 + 1:02d}-01T00:05:00Z"
        invoices.append({"id": newest - n, "amount": units * 250, "created_at": created, "currency_type": "usd",
                         "plan": "Huntress Reseller", "quantity": units, "status": "paid" if n else "open",
                         "has_usage": True, "updated_at": created})
    return invoices


def organization_line_items(state: State, invoice_id: int, missing: bool = False) -> list[dict[str, Any]] | None:
    """The invoice's organization usage line items; None for an invoice that does not exist. Organizations
    with no usage at all have no line item (one reading of the unverified vendor behaviour)."""
    if invoice_id not in {i["id"] for i in reseller_invoices(state)}:
        return None
    if missing:
        return []
    items = []
    for org in sorted(state.organizations.values(), key=lambda o: o["id"], reverse=True):
        units = usage_units(org)
        if not any(units.values()):
            continue
        account = state.accounts.get(org["account_id"], {"id": org["account_id"], "name": "", "subdomain": ""})
        start, end = period(invoice_id)
        items.append({"id": invoice_id * 100_000 + org["id"], "period_start": start, "period_end": end,
                      "account": {k: account[k] for k in ("id", "name", "subdomain")},
                      "organization": {"id": org["id"], "name": org["name"]}, "actual_usage": units})
    return items


def account_line_items(state: State, invoice_id: int) -> list[dict[str, Any]] | None:
    """Per account and product: billable units (at least the subscription minimum) and actual units."""
    if invoice_id not in {i["id"] for i in reseller_invoices(state)}:
        return None
    items = []
    start, end = (f"{t[:10]} {t[11:19]} UTC" for t in period(invoice_id))
    for account in state.accounts.values():
        orgs = [o for o in state.organizations.values() if o["account_id"] == account["id"]]
        for product in LINE_ITEM_PRODUCTS:
            # Neighborhood Watch seats are used but not billed: the reseller's own account's actual units leave them out
            seats = state.neighborhood_watch.get(product, 0) if account["id"] == 1 else 0
            actual = max(0, sum(usage_units(o)[product] for o in orgs) - seats)
            minimum = state.subscription_minimums.get(product, 0) if account["id"] == 1 else 0
            if not actual and not minimum:
                continue
            items.append({"id": invoice_id * 1000 + account["id"] * 10 + LINE_ITEM_PRODUCTS.index(product),
                          "period_start": start, "period_end": end,
                          "account": {k: account[k] for k in ("id", "name", "subdomain")}, "product": product,
                          "subscription": {"start_date": "2026-01-01 00:00:00 UTC", "end_date": "2027-01-01 00:00:00 UTC",
                                           "minimum": minimum},
                          "usage": {"billable": max(actual, minimum), "non_billable": 0, "actual": actual}})
    return items


def account(state: State) -> dict[str, Any]:
    """GET /v1/account: the credentials' own account, with its Neighborhood Watch seats (not billed)."""
    return {**state.accounts[1], "support_type": "partner_supported", "neighborhood_watch": dict(state.neighborhood_watch)}


def accounts(state: State) -> list[dict[str, Any]]:
    return [{**a, "support_type": "partner_supported", "neighborhood_watch": dict(state.neighborhood_watch) if a["id"] == 1
             else dict.fromkeys(LINE_ITEM_PRODUCTS, 0)} for a in sorted(state.accounts.values(), key=lambda a: a["id"], reverse=True)]
