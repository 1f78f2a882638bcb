"""check-permissions for billing from the invoice and for [[accounts]]: one read each, writing nothing."""

from __future__ import annotations

from halosync.config.schema import Config
from halosync.errors import ServiceError
from halosync.huntress.client import HuntressClient
from halosync.run.checks import Check, _failed


def invoice_checks(huntress: HuntressClient, config: Config, checks: list[Check]) -> None:
    """With `frequency = "invoice"` or `counts = "invoiced"`: the invoice halosync would follow can be read.
    With [[accounts]]: every account named is one the credentials see (the organization listing read them)."""
    reseller = config.huntress.counts == "invoiced"
    if config.sync.frequency == "invoice" or reseller:
        name = "Read Huntress reseller invoices" if reseller else "Read Huntress invoices"
        try:
            invoice = huntress.newest_invoice(reseller=reseller)
        except ServiceError as exc:
            checks.append(_failed("huntress", name, exc,
                                  'counts = "invoiced" needs reseller API credentials (GET /v1/reseller/invoices); '
                                  'without them use counts = "billable".' if reseller else
                                  "The credential must be able to read invoices (GET /v1/invoices)."))
            return
        checks.append(Check(area="huntress", name=name, status="pass",
                            detail=invoice.describe() if invoice else "no invoice yet: the first sync waits for one"))
    if config.accounts and huntress.seen_accounts is not None:
        unseen = sorted({a.huntress_account_id for a in config.accounts} - huntress.seen_accounts)
        checks.append(Check(area="mapping", name="[[accounts]]", status="fail" if unseen else "pass",
                            detail=(f"huntress_account_id {', '.join(map(str, unseen))}: not an account these "
                                    "credentials see" if unseen else f"{len(config.accounts)} accounts seen"),
                            fix="Use an id GET /v1/accounts lists (the account's page in the Huntress portal)."
                            if unseen else "", cause="other" if unseen else None))
