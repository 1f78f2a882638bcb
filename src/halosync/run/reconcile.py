"""The audit's reconciliation of Huntress's invoice and its `orphaned_licence` findings: read what they need,
judge with core.reconcile. Returns data; prints nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from halosync.config.schema import Config
from halosync.core.audit import AuditReport, Finding
from halosync.core.mapping import Mapping, edr_kin
from halosync.core.models import Licence, Organization
from halosync.core.products import PRODUCTS
from halosync.core.reconcile import OrphanedLicence, Reconciliation, orphaned_licences, reconcile, retired_licences
from halosync.errors import ConfigError, ServiceError, UnreachableError
from halosync.huntress.client import HuntressClient
from halosync.huntress.invoices import LINE_ITEM_PRODUCTS, account_totals, parse_invoice
from halosync.huntress.usage import _as_count, listed_units
from halosync.run import resultslog
from halosync.run.ledger import read_ledger
from halosync.run.wiring import Services


def fetch_reconciliation(config: Config, huntress: HuntressClient, organizations: list[Organization],
                         mapping: Mapping, known: dict[str, Any] | None = None) -> Reconciliation:
    """Huntress's newest invoice beside its organizations' units. Resellers (`counts = "invoiced"`): the
    invoice's organization and account line items; others: the invoice's quantity (EDR agents) beside the
    organization list's counts. Information only: a read that fails is reported in `error`, the audit goes on.
    `known`: Huntress's newest (direct) invoice as the audit already read it, not read again."""
    reseller = config.huntress.counts == "invoiced"
    products = [p for p in LINE_ITEM_PRODUCTS if p in mapping.products] or ["edr"]
    source = "invoice line items" if reseller else "organization list"
    try:
        invoice = (parse_invoice(known) if known is not None and not reseller
                   else huntress.newest_invoice(reseller=reseller))
        if invoice is None:
            return Reconciliation(None, source, error="Huntress has no invoice yet")
        neighborhood_watch = _units(huntress.account().get("neighborhood_watch"))
        if reseller:
            items = huntress.invoice_line_items(invoice.id)
            usage = items.units
            invoiced, minimum = account_totals(huntress.account_line_items(invoice.id))
            account_of = items.account_ids
        else:
            usage = {org.id: {p: listed_units(org.summary, p) for p in products if PRODUCTS[p].summary_field}
                     for org in organizations}
            invoiced = {"edr": invoice.quantity} if invoice.quantity is not None else {}
            minimum = {}
            account_of = {org.id: org.account_id for org in organizations if org.account_id is not None}
    except UnreachableError:
        raise
    except (ServiceError, ValueError) as exc:
        return Reconciliation(None, source, error=str(exc))
    accounts = {a.huntress_account_id for a in config.accounts}
    mapped = set(mapping.organization_ids) | {org for org, account in account_of.items() if account in accounts}
    return Reconciliation(invoice.record(), source, reconcile(invoiced, usage, mapped, set(mapping.ignored),
                                                              neighborhood_watch, minimum, products))


def extend_audit(report: AuditReport, config: Config, services: Services, organizations: list[Organization],
                 mapping: Mapping, scope: OrphanScope, listed: list[Licence]) -> None:
    """The audit's hook: the reconciliation, and an `orphaned_licence` finding per licence nothing maintains.
    `listed`: the audit's one listing of the licences, taken with `scope.keep` among its filters."""
    if config.accounts:  # organizations an [[accounts]] entry bills are mapped, not "unmapped usage"
        billed = {a.huntress_account_id for a in config.accounts}
        by_account = {org.id for org in organizations if org.account_id in billed}
        report.findings[:] = [f for f in report.findings
                              if not (f.kind == "unmapped_usage" and f.huntress_organization_id in by_account)]
    report.reconciliation = fetch_reconciliation(config, services.huntress, organizations, mapping,
                                                 report.huntress_invoice)
    managed = {m.licence_id for m in report.managed}
    for orphan in orphans_among(config, scope, [l for l in listed if scope.keep(l)], managed):
        report.findings.append(Finding(kind="orphaned_licence", message=orphan.message(), halo_client_id=orphan.client_id,
                                       product=orphan.product, licence_id=orphan.licence_id,
                                       licence_count=orphan.count))


def _units(value: Any) -> dict[str, int]:
    found = {}
    for product, units in (value or {}).items() if isinstance(value, dict) else ():
        try:
            found[str(product)] = _as_count(units, f"neighborhood_watch.{product}")
        except ValueError:
            continue
    return found


@dataclass(frozen=True)
class OrphanScope:
    """Which licences could be orphaned: ours with a count, on clients no mapping maintains, or of a product taken
    out of [products] (core.reconcile.retired_licences)."""

    maintained: set[int]
    items: dict[int, str]  # mapped item -> product
    names: dict[str, str]  # rendered licence name -> product
    retired: dict[int, str]  # licence halosync wrote for a product no longer mapped -> product
    retired_names: dict[str, str]
    mapped_items: set[int]

    def keep(self, l: Licence) -> bool:
        if l.deleted or not l.count:
            return False
        if l.client_id not in self.maintained:
            return True
        return l.item_id not in self.mapped_items and (l.id in self.retired or l.name in self.retired_names)


def orphan_scope(config: Config, mapping: Mapping,
                 written_for: dict[tuple[int, str], set[int]] | None = None) -> OrphanScope:
    """`written_for`: the results log's licences per (client, product) when the caller read it (read here when None).
    The audit lists the licences once with `keep` among its filters (extend_audit)."""
    retired, retired_names = _retired(config, mapping, written_for)
    return OrphanScope(maintained=set(mapping.clients) | {a.halo_client_id for a in config.accounts},
                       items={item: product for product, item in mapping.products.items()},
                       names={name: product for product, name in mapping.licence_names.items()},
                       retired=retired, retired_names=retired_names, mapped_items=set(mapping.products.values()))


def orphans_among(config: Config, scope: OrphanScope, candidates: list[Licence],
                  managed: set[int] | None = None) -> list[OrphanedLicence]:
    """The orphans among the licences `scope.keep` kept; the results log tells when halosync last wrote them.
    `managed`: the licences the audit manages."""
    def found(written: dict[int, str]) -> list[OrphanedLicence]:
        unmapped = orphaned_licences(candidates, scope.maintained, scope.items, scope.names, written)
        seen = {o.licence_id for o in unmapped}
        return [*unmapped, *(o for o in retired_licences(candidates, scope.maintained, scope.mapped_items,
                                                           managed or set(), scope.retired, scope.retired_names,
                                                           written) if o.licence_id not in seen)]

    orphans = found({})
    if not orphans:
        return []
    return found(last_written(config, {o.licence_id for o in orphans}))


def _retired(config: Config, mapping: Mapping,
             written_for: dict[tuple[int, str], set[int]] | None) -> tuple[dict[int, str], dict[str, str]]:
    """The licences halosync wrote for products no longer in [products] (licence -> product, from the results log),
    and the rendered licence names of those products (name -> product: a licence halosync made again after the
    log was rotated away, or a colleague's copy). EDR's other form still mapped keeps EDR mapped:
    the sync carries a licence of one form over to the other."""
    gone = {p for p in PRODUCTS if p not in mapping.products and not edr_kin(p) & set(mapping.products)}
    if not gone:
        return {}, {}
    if written_for is None:
        written_for = written_for_of(config)
    written = {licence: product for (_, product), ids in written_for.items() if product in gone for licence in ids}
    # Names only of products halosync billed before: a product never mapped may be another tool's to maintain.
    names = {rendered: p for p in set(written.values()) if (rendered := mapping.rendered_name(p))}
    return written, names


def written_for_of(config: Config) -> dict[tuple[int, str], set[int]]:
    """The licences halosync wrote per (client, product), from the results log; none when the log cannot be read
    (it then says nothing of what was mapped before; the licence names still find a product's licences)."""
    try:
        return read_ledger(config.log_path).written_for
    except ConfigError:
        return {}


def last_written(config: Config, licence_ids: set[int]) -> dict[int, str]:
    """When halosync last created or updated each licence (not a dry run), from the results log."""
    found: dict[int, str] = {}
    for record in resultslog.records_backwards(config.log_path):
        if len(found) == len(licence_ids):
            break
        if record.get("type") != "row" or record.get("dry_run") or record.get("status") != "ok":
            continue
        licence = record.get("licence_id")
        if licence in licence_ids and licence not in found and record.get("action") in ("create", "update"):
            found[licence] = str(record.get("time") or "")
    return found
