"""How many changes the newest completed sync held that no approval wrote since (pending or rejected): the
licences keep their old counts for them, so the audit's totals differ from Huntress by that much. Reads the log."""

from __future__ import annotations

from pathlib import Path

from halosync.core.runs import is_completed
from halosync.run.resultslog import records_backwards


def held_not_approved(log_path: Path) -> int:
    """Held rows of the newest completed sync, less those an `approve` wrote. 0 when the log cannot be read:
    this only explains a difference, it never decides anything."""
    approved: set[tuple[object, object, object]] = set()
    newest: str | None = None
    held: list[tuple[object, object]] = []
    try:
        # Backwards: decisions come after the sync they judge, and a run's record after its rows.
        for record in records_backwards(log_path):
            kind = record.get("type")
            if kind == "decision" and record.get("decision") == "approved" and record.get("status") == "ok":
                approved.add((record.get("held_run_id"), record.get("halo_client_id"), record.get("product")))
            elif kind == "run":
                if newest is not None:
                    break
                if is_completed(record):
                    newest = record.get("run_id")
            elif kind == "row" and newest is not None and record.get("run_id") == newest and record.get("status") == "held":
                held.append((record.get("halo_client_id"), record.get("product")))
    except OSError:
        return 0
    return sum(1 for client, product in held if (newest, client, product) not in approved)
