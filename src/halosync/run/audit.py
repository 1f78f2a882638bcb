"""`audit`'s procedure: read both ends, judge them (core.audit), and with --fix link licences to invoices.

A fix counts only when a fresh read of the invoice shows the line billing from the
licence: HaloPSA's behaviour here is not verified, so nothing it answers is trusted.
"""

from __future__ import annotations

from typing import Any

from halosync.config.schema import Config
from halosync.core.audit import MANUAL, AuditReport, Fix, as_id, audit, counted_products, line_item, linked_licences
from halosync.core.models import InvoiceFix
from halosync.errors import AuthError, ServiceError
from halosync.huntress.usage import summary_count
from halosync.run import resultslog
from halosync.run.clock import now_utc
from halosync.run.runner import run_lock
from halosync.run.wiring import Services, mapping_from_config

AUDIT_SCOPES = ("read:invoices",)
FIX_SCOPES = ("read:invoices", "edit:invoices")


def fetch_and_audit(config: Config, *, fix: bool = False, **service_options: Any) -> tuple[AuditReport, Services]:
    """Read both ends and judge them. The Services stay open for `apply_fixes`; the caller closes them."""
    mapping = mapping_from_config(config)
    services = Services(config, extra_scopes=FIX_SCOPES if fix else AUDIT_SCOPES, **service_options)
    try:
        services.halo.authenticate()  # first: a token refused for edit:invoices ends --fix before anything else
        organizations = services.huntress.organizations()
        counted = counted_products(mapping)
        usage = {org.id: (org.name, {p: _units(org.summary, p) for p in counted}) for org in organizations}
        latest = services.huntress.latest_invoice()
        licences = services.halo.licences(keep=mapping.is_candidate)
        invoices = services.halo.recurring_invoices()
        report = audit(mapping, licences, invoices, usage, latest)
        report.client_names = {**{c.halo_client_id: c.name for c in config.clients if c.name},
                                **{l.client_id: l.client_name for l in licences if l.client_name}}
        from halosync.run.reconcile import extend_audit  # the reconciliation and orphaned licences

        extend_audit(report, config, services, organizations, mapping)
        if fix and report.fixes:
            names = {f.item_id: str(services.halo.item(f.item_id).get("name") or "") for f in report.fixes
                     if f.action == "add_line"}
            report.fixes = [Fix(f.action, f.halo_client_id, f.invoice_id, f.licence_id, f.item_id,
                                names.get(f.item_id, f.item_name), f.licence_count, f.line_id) for f in report.fixes]
        report.requests = services.requests
        return report, services
    except BaseException:
        services.close()
        raise


def _units(summary: dict[str, Any], product: str) -> int:
    try:
        return summary_count(summary, product)
    except ValueError:
        return 0  # a bad value is the sync's to report (it fails that row); the audit does not guess


def apply_fixes(config: Config, services: Services, fixes: list[Fix]) -> list[InvoiceFix]:
    """Make each change, then re-read each client's invoices and keep only what Halo now shows; under the run
    lock, after proving the results log can take the records (nothing is changed otherwise)."""
    with run_lock(config.log_path, "no invoice was changed"):
        return _apply(config, services, fixes)


def _apply(config: Config, services: Services, fixes: list[Fix]) -> list[InvoiceFix]:
    done: list[InvoiceFix] = []
    tried: list[Fix] = []
    stop: AuthError | None = None
    for fix in fixes:
        line: dict[str, Any] = {"ihid": fix.invoice_id, "quantity_licences": [{"licence_id": fix.licence_id}]}
        if fix.action == "add_line":
            line |= {"_itemid": fix.item_id, "item_shortdescription": fix.item_name, "qty_order": fix.licence_count}
        else:
            line |= {"id": fix.line_id}
        try:
            services.halo.write_invoice_lines([line], add=fix.action == "add_line")
            tried.append(fix)
        except AuthError as exc:
            done.append(_record(fix, None, "failed", f"HaloPSA refused the change: {exc}. {MANUAL}"))
            stop = exc
            break
        except ServiceError as exc:
            tried.append(fix)  # it may have happened anyway: the re-read decides
            done.append(_record(fix, None, "failed", f"HaloPSA answered {exc}; checking the invoice"))
    fresh: dict[int, list[dict[str, Any]]] = {}
    for fix in tried:
        if fix.halo_client_id not in fresh:
            fresh[fix.halo_client_id] = services.halo.recurring_invoices(client_id=fix.halo_client_id)
        invoice = next((i for i in fresh[fix.halo_client_id] if as_id(i.get("id")) == fix.invoice_id), None)
        lines = (invoice or {}).get("lines") or []
        billing = [l for l in lines if fix.licence_id in linked_licences(l) and line_item(l) in (fix.item_id, None)]
        done = [d for d in done if not (d.licence_id == fix.licence_id and d.invoice_id == fix.invoice_id)]
        if billing:
            done.append(_record(fix, as_id(billing[0].get("id")), "ok", f"the line now bills from licence {fix.licence_id}"))
        else:
            done.append(_record(fix, fix.line_id, "failed", (
                f"HaloPSA accepted the change, but invoice {fix.invoice_id} has no line billing from licence "
                f"{fix.licence_id}. {MANUAL}")))
    if done:
        resultslog.append(config.log_path, done, config.log.rotate_bytes)
    if stop is not None:
        raise stop
    return done


def _record(fix: Fix, line_id: int | None, status: str, message: str) -> InvoiceFix:
    return InvoiceFix(time=now_utc(), halo_client_id=fix.halo_client_id, invoice_id=fix.invoice_id, line_id=line_id,
                      licence_id=fix.licence_id, action=fix.action, status=status, message=message)  # type: ignore[arg-type]
