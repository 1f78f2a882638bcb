"""What `audit` shows: both ends of the money, the findings, the invoice fixes, or one JSON document."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from halosync.core.audit import AuditReport, Finding, Managed
from halosync.formats import console
from halosync.formats.json_output import document, error_object
from halosync.formats.text import fits_table, wrap, wrap_lines, wrap_parts

if TYPE_CHECKING:
    from halosync.core.models import InvoiceFix


def show_audit(report: AuditReport, exit_code: int, *, json_output: bool, fix: bool = False, dry_run: bool = False,
               applied: list[InvoiceFix] | None = None, remaining: list[Finding] | None = None,
               stopped: str = "") -> None:
    """`stopped`: why the fixes ended early (an interrupt, a read that failed), said after the report."""
    applied = applied or []
    remaining = report.findings if remaining is None else remaining
    if json_output:
        console.say(document(_audit_document(report, exit_code, fix=fix, dry_run=dry_run, applied=applied,
                                             remaining=remaining, stopped=stopped)))
    else:
        _show_text(report, fix=fix, dry_run=dry_run, applied=applied, remaining=remaining)
    if stopped:
        console.error(stopped)


def _audit_document(report: AuditReport, exit_code: int, *, fix: bool, dry_run: bool, applied: list[InvoiceFix],
                    remaining: list[Finding], stopped: str) -> dict[str, object]:
    """The `--json` document: the whole report, the fixes asked for and made, and the error when the exit is not 0."""
    payload: dict[str, object] = {
        "licences": [dataclasses.asdict(m) for m in report.managed],
        "findings": [f.as_json() for f in remaining],
        "ignored_organizations": report.ignored,
        "totals": report.totals,
        "huntress_invoice": report.huntress_invoice,
        "edr_licences": report.edr_licences,
        "held_changes": report.held_changes,
        "reconciliation": report.reconciliation.as_json() if report.reconciliation else None,
        "fixes": [dataclasses.asdict(f) for f in report.fixes] if fix else [],
        "applied": [a.dump() for a in applied],
        "requests": report.requests,
        "exit_code": exit_code,
    }
    if dry_run:
        payload["dry_run"] = True
    if exit_code:
        payload["error"] = error_object(stopped or (
            f"{len(remaining)} finding(s) to act on"
            + (", a fix failed" if any(a.status == "failed" for a in applied) else "")
            + (", a fix could not be checked" if any(a.status == "unverified" for a in applied) else "")), exit_code)
    return payload


def _say(text: str) -> None:
    out = console.stdout
    out.print(wrap(text, out.width), markup=False, highlight=False, soft_wrap=True)


def _show_text(report: AuditReport, *, fix: bool, dry_run: bool, applied: list[InvoiceFix],
               remaining: list[Finding]) -> None:
    _show_licences(report)
    _show_money(report)
    _show_findings(remaining)
    if fix:
        _show_fixes(report, dry_run=dry_run, applied=applied)
    _say(f"{len(report.managed)} managed licences, {len(remaining)} findings"
         + (": all billed." if not remaining else "."))


def _show_licences(report: AuditReport) -> None:
    """Each managed licence and the invoice lines that bill it: a table when it fits, else one wrapped line each."""
    from rich.table import Table

    from halosync.formats.labels import client_label, product_label

    out = console.stdout
    title = "halosync audit: managed licences and the invoice lines that bill them"
    billed = {id(m): billed_text(m) for m in report.managed}
    if fits_table(out):
        table = Table(title=title, title_justify="left")
        for name in ("Client", "Product", "Licence", "Count", "Billed by"):
            table.add_column(name, justify="right" if name in ("Client", "Licence", "Count") else "left")
        for m in report.managed:
            table.add_row(client_label(m.client_id, report.client_names), product_label(m.product), str(m.licence_id), str(m.count), billed[id(m)])
        out.print(table)
    else:
        out.print(title, markup=False, highlight=False)
        for m in report.managed:
            # The "billed by" part is prose that can be wider than the page: wrap_lines breaks it between words.
            out.print(wrap_lines(wrap_parts([f"client {client_label(m.client_id, report.client_names)}", product_label(m.product),
                                             f"licence {m.licence_id}", f"count {m.count}", f"billed by: {billed[id(m)]}"],
                                            out.width), out.width),
                      markup=False, highlight=False, soft_wrap=True)


def _show_money(report: AuditReport) -> None:
    """Huntress's counts against the licences, Huntress's own invoice, the reconciliation, the ignored organizations."""
    from halosync.formats.reconcile import direct_invoice_line, reconciliation_lines

    out = console.stdout
    if report.totals:
        _say("Huntress against the licences: " + "; ".join(
            f"{p}: Huntress {t['huntress']}, licences {t['licences']}" for p, t in report.totals.items())
            + (f" ({report.held_changes} change(s) held or rejected are not in the licences: halosync history --held)"
               if report.held_changes else ""))
    fixed = [m for m in report.managed if m.fixed_matches()]
    if fixed:
        _say(f"note: {len(fixed)} licence(s) billed at a fixed quantity that matches the count today: the line will not "
            "follow the next change. Set it to bill from the licence in HaloPSA (once the two differ, audit reports "
            "it and --fix can switch it).")
    if report.huntress_invoice:
        _say(direct_invoice_line(report.huntress_invoice, report.edr_licences, report.reconciliation))
    for line in reconciliation_lines(report.reconciliation, out.width):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    for ignored in report.ignored:
        units = ", ".join(f"{n} {p}" for p, n in ignored["units"].items()) or "no units"
        _say(f"(ignored, not billed by choice: organization {ignored['huntress_organization_id']} "
             f"{ignored['organization_name']!r}: {units})")


def _show_findings(remaining: list[Finding]) -> None:
    out = console.stdout
    for finding in remaining:
        _say(f"- {finding.kind.replace('_', ' ')}: {finding.message}")
        if finding.manual and finding.manual not in finding.message:
            out.print(wrap(f"needs a person: {finding.manual}", out.width, indent="    ", first="  "),
                      markup=False, highlight=False, soft_wrap=True)


def _show_fixes(report: AuditReport, *, dry_run: bool, applied: list[InvoiceFix]) -> None:
    """The changes a dry run would make, then each fix made and how it ended."""
    for change in report.fixes:
        if dry_run:
            _say(f"would change {change.describe()}")
    for a in applied:
        label = {"ok": "fixed", "skipped": "skipped", "unverified": "WRITTEN, NOT VERIFIED"}.get(a.status, "FIX FAILED")
        line = f" line {a.line_id}" if a.line_id is not None else ""
        _say(f"{label}: invoice {a.invoice_id}{line} licence {a.licence_id} ({a.action}): {a.message}")


def billed_text(m: Managed) -> str:
    """What bills a managed licence: the lines billing from it, else the fixed-quantity lines on its item."""
    if m.billed_by:
        return ", ".join(m.billed_by)
    if m.fixed_lines:
        fixed = ", ".join(f"invoice {invoice} line {line if line is not None else '(no id)'} at a fixed {quantity}"
                          for invoice, line, quantity in m.fixed_lines)
        return fixed + (" (matches; will not follow the licence)" if m.fixed_matches() else "")
    return "not from the licence" if (m.count or 0) > 0 else "(count 0)"
