"""The reconciliation in a few lines a billing lead reads in seconds: per product, where the invoiced units went."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from halosync.core.reconcile import ProductUnits, Reconciliation
from halosync.formats.text import wrap


def reconciliation_lines(reconciliation: Reconciliation | None, width: int) -> Iterator[str]:
    if reconciliation is None:
        return
    if reconciliation.error:
        yield wrap(f"Huntress's invoice could not be reconciled: {reconciliation.error}", width)
        return
    invoice = reconciliation.invoice or {}
    which = " (the reseller invoice your customers are billed from)" if _reseller(reconciliation) else ""
    yield wrap(f"Huntress invoice {invoice.get('id')} of {str(invoice.get('created_at') or '')[:10]}{which}, unit "
               f"by unit (usage from the {reconciliation.source}):", width)
    for line in reconciliation.products:
        yield wrap(_line(line), width, first="  ", indent="    ")
    if any(line.unexplained for line in reconciliation.products):
        yield wrap("Unexplained: units of an organization or account halosync cannot see, or line items not "
                   "complete yet; the invoice in the Huntress portal says which.", width)


def direct_invoice_line(invoice: dict[str, Any], edr_licences: int, reconciliation: Reconciliation | None) -> str:
    """Huntress's latest invoice to the MSP beside the EDR licences, named by id. For a reseller (whose customers
    are billed from the reseller invoice below) it says which invoice it is, so two "invoiced" figures never
    stand side by side unexplained."""
    head = f"Huntress's latest invoice {invoice.get('id')}"
    if _reseller(reconciliation):
        reseller = (reconciliation.invoice or {}).get("id") if reconciliation else None
        head = (f"Huntress's latest direct invoice {invoice.get('id')} (to your own account, for its EDR agents; "
                f"not the reseller invoice {reseller} your customers are billed from)")
    return (f"{head}: {str(invoice.get('created_at', ''))[:10]} · {invoice.get('plan', '')} · quantity "
            f"{invoice.get('quantity')}; EDR licences total {edr_licences}")


def _reseller(reconciliation: Reconciliation | None) -> bool:
    return reconciliation is not None and reconciliation.source == "invoice line items"


def _line(p: ProductUnits) -> str:
    parts = [f"mapped {p.mapped}", f"unmapped {p.unmapped}"]
    parts += [f"ignored {p.ignored}"] if p.ignored else []
    parts += [f"− Neighborhood Watch {p.neighborhood_watch}"] if p.neighborhood_watch else []
    parts += [f"+ minimum {p.subscription_minimum}"] if p.subscription_minimum else []
    if p.invoiced is None:
        return f"{p.product}: used {' + '.join(parts).replace('+ −', '−')} (this invoice has no {p.product} units)"
    # The unexplained units are a term of the equation, so the printed sum always holds.
    if not p.unexplained:
        return (f"{p.product}: invoiced {p.invoiced} = {' + '.join(parts).replace('+ −', '−').replace('+ +', '+')}"
                "; unexplained 0")
    parts += [f"unexplained {p.unexplained}" if p.unexplained > 0 else f"− unexplained {-p.unexplained}"]
    return (f"{p.product}: invoiced {p.invoiced} = {' + '.join(parts).replace('+ −', '−').replace('+ +', '+')}"
            " ← check")
