"""`audit`'s procedure: read the managed licences and the recurring invoices, then judge them (core.audit)."""

from __future__ import annotations

from typing import Any

from halosync.config.schema import Config
from halosync.core.audit import AuditReport, audit
from halosync.run.wiring import Services, mapping_from_config

AUDIT_SCOPES = ("read:invoices",)


def fetch_and_audit(config: Config, **service_options: Any) -> AuditReport:
    mapping = mapping_from_config(config)
    with Services(config, extra_scopes=AUDIT_SCOPES, **service_options) as services:
        licences = services.halo.licences(keep=mapping.is_candidate)
        invoices = services.halo.recurring_invoices()
        report = audit(mapping, licences, invoices)
        report.requests = services.requests["halo"]
        return report
