"""Which logged run was this period's sync: the newest done run by the calendar, and the invoice last followed.

The results log's storage is resultslog.py; which exit codes count as done is core/runs.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from halosync.core.runs import counts_as_sync
from halosync.core.times import parse_iso
from halosync.run.resultslog import records_backwards

CLOCK_SLACK = timedelta(minutes=5)  # NTP steps of a few seconds are not "the future"


def last_success(path: Path, since: date, *, now: datetime | None = None,
                 future: list[dict[str, Any]] | None = None) -> date | None:
    """Local date of the newest successful non-dry run started on or after `since`, else None.

    Runs are appended in order, so the scan stops at the first run older than `since`.
    A run record dated after `now` (a clock that was wrong once) is ignored, and
    collected in `future`: trusting it would make every later run "not due".
    """
    now = now or datetime.now(UTC)
    for record in records_backwards(path):
        if record.get("type") != "run":
            continue
        moment = parse_iso(record.get("started"), naive_is_utc=False)
        if moment is None:
            continue
        if moment > now + CLOCK_SLACK:
            if future is not None:
                future.append(record)
            continue
        started = moment.astimezone().date()
        if started < since:
            return None
        if counts_as_sync(record):
            return started
    return None


def followed_invoice(log: Path, *, now: datetime | None = None) -> dict[str, Any] | None:
    """`huntress_invoice` of the newest done (exit 0 or 6), non-dry-run sync that followed one, else None.

    A failed or interrupted run does not count: its invoice is still due, so the next hourly call retries it.
    A record dated in the future (a clock that was wrong once) is passed over, as the calendar due check does.
    """
    now = now or datetime.now(UTC)
    for record in records_backwards(log):
        if record.get("type") != "run" or not counts_as_sync(record):
            continue
        moment = parse_iso(record.get("started"), naive_is_utc=False)
        if moment is not None and moment > now + CLOCK_SLACK:
            continue
        invoice = record.get("huntress_invoice")
        if isinstance(invoice, dict) and isinstance(invoice.get("id"), int):
            return invoice
    return None
