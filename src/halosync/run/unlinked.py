"""The audit's `unlinked_line` findings: the lines --fix created without a link, from the results log."""

from __future__ import annotations

from halosync.config.schema import Config
from halosync.core.audit import AuditReport, RecurringInvoice
from halosync.core.unlinked import CreatedLine, unlinked_lines
from halosync.run import resultslog


def created_lines(config: Config) -> list[CreatedLine]:
    """The `add_line` fixes recorded failed or unverified with a line id (rotated files too), newest first."""
    found = []
    for record in resultslog.records_backwards(config.log_path):
        if (record.get("type") != "invoice_fix" or record.get("action") != "add_line"
                or record.get("status") not in ("failed", "unverified")):
            continue
        ids = [record.get(k) for k in ("halo_client_id", "invoice_id", "line_id", "licence_id")]
        if all(type(i) is int for i in ids):
            client, invoice, line, licence = (int(i) for i in ids)  # type: ignore[arg-type]
            found.append(CreatedLine(client, invoice, line, licence, str(record.get("time") or "")))
    return found


def extend_unlinked(report: AuditReport, config: Config, invoices: list[RecurringInvoice]) -> None:
    """The audit's hook: a finding per line --fix created that still bills from no licence."""
    products = {m.licence_id: m.product for m in report.managed}
    report.findings.extend(unlinked_lines(created_lines(config), invoices, report.findings, products))
