"""check-permissions for billing from the invoice and for [[accounts]]: one read each, writing nothing.
Returns plain outcomes; run/checks.py turns them into its checklist lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from halosync.config.schema import Config
from halosync.errors import ServiceError
from halosync.huntress.client import HuntressClient


@dataclass(frozen=True)
class Outcome:
    area: Literal["huntress", "mapping"]
    name: str
    status: Literal["pass", "fail"]
    detail: str = ""
    fix: str = ""
    error: ServiceError | None = None  # a request that failed (its kind decides the exit code)


def invoice_checks(huntress: HuntressClient, config: Config) -> list[Outcome]:
    """With `frequency = "invoice"` or `counts = "invoiced"`: the invoice halosync would follow can be read.
    With [[accounts]]: every account named is one the credentials see (the organization listing read them)."""
    found: list[Outcome] = []
    reseller = config.huntress.counts == "invoiced"
    if config.sync.frequency == "invoice" or reseller:
        name = "Read Huntress reseller invoices" if reseller else "Read Huntress invoices"
        try:
            invoice = huntress.newest_invoice(reseller=reseller)
            found.append(Outcome("huntress", name, "pass",
                                 invoice.describe() if invoice else "no invoice yet: the first sync waits for one"))
        except ServiceError as exc:
            found.append(Outcome("huntress", name, "fail", str(exc), error=exc, fix=(
                'counts = "invoiced" needs reseller API credentials (GET /v1/reseller/invoices); without them use '
                'counts = "billable".' if reseller else "The credential must be able to read invoices (GET /v1/invoices).")))
    if config.accounts and huntress.seen_accounts is not None:
        unseen = sorted({a.huntress_account_id for a in config.accounts} - huntress.seen_accounts)
        if unseen:
            found.append(Outcome("mapping", "[[accounts]]", "fail",
                                 f"huntress_account_id {', '.join(map(str, unseen))}: not an account these credentials see",
                                 "Use an id GET /v1/accounts lists (the account's page in the Huntress portal)."))
        else:
            found.append(Outcome("mapping", "[[accounts]]", "pass", f"{len(config.accounts)} accounts seen"))
    return found
