"""What one `halosync run` produced, for the formats to show: data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models load pydantic: not on the not-due path, which only needs this class
    from halosync.core.invoice import HuntressInvoice
    from halosync.core.models import Row, RunRecord, Unmapped


@dataclass
class RunResult:
    exit_code: int
    due: bool = True
    next_due: date | None = None
    record: RunRecord | None = None
    rows: list[Row] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    organization_names: dict[int, str] = field(default_factory=dict)
    client_names: dict[int, str] = field(default_factory=dict)  # HaloPSA clients, as their licences name them
    log_error: str = ""  # why the results log refused the records (exit 74)
    unsaved: list[str] = field(default_factory=list)  # the records it refused, as JSON lines, to print instead
    huntress_invoice: HuntressInvoice | None = None  # [sync] frequency = "invoice": the newest invoice, when not due
    late_signal: str = ""  # a signal that arrived once the run record was written (the record says how the run ended)
