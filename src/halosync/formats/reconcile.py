"""The reconciliation in a few lines a billing lead reads in seconds: per product, where the invoiced units went."""

from __future__ import annotations

from collections.abc import Iterator

from halosync.core.reconcile import ProductUnits, Reconciliation
from halosync.formats.text import wrap


def reconciliation_lines(reconciliation: Reconciliation | None, width: int) -> Iterator[str]:
    if reconciliation is None:
        return
    if reconciliation.error:
        yield wrap(f"Huntress's invoice could not be reconciled: {reconciliation.error}", width)
        return
    invoice = reconciliation.invoice or {}
    yield wrap(f"Huntress invoice {invoice.get('id')} of {str(invoice.get('created_at') or '')[:10]}, unit by unit "
               f"(usage from the {reconciliation.source}):", width)
    for line in reconciliation.products:
        yield wrap(_line(line), width, first="  ", indent="    ")
    if any(line.unexplained for line in reconciliation.products):
        yield wrap("Unexplained: units of an organization or account halosync cannot see, or line items not "
                   "complete yet; the invoice in the Huntress portal says which.", width)


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
