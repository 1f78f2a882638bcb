"""What people read when a sync held or failed a row: the title and body of the notification, composed here
and handed to the notifier (run/notify.py), which only delivers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from halosync.formats.labels import client_label, count_change, product_label

if TYPE_CHECKING:
    from halosync.core.models import Row, RunRecord

PEOPLE_ROWS = 40  # a message lists at most this many rows, then says how many more


def people_message(record: RunRecord, rows: list[Row], client_names: dict[int, str]) -> tuple[str, str] | None:
    """(title, body) for a sync that held or failed a row, or ended with an error; None for a clean one."""
    from halosync.core.outside import note
    from halosync.core.runs import is_done

    # A licence changed from outside (a second writer) is a problem too, even when halosync wrote it back.
    concerned = [r for r in rows if r.status in ("held", "failed") or r.outside_change is not None]
    held = sum(r.status == "held" for r in concerned)
    failed = sum(r.status == "failed" for r in concerned)
    outside = sum(r.outside_change is not None for r in concerned)
    if not concerned and is_done(record.exit_code):
        return None
    parts = [f"{held} change{'s' if held != 1 else ''} held for approval" if held else "",
             f"{failed} row{'s' if failed != 1 else ''} failed" if failed else "",
             f"{outside} licence{'s' if outside != 1 else ''} changed outside halosync" if outside else "",
             f"ended with exit {record.exit_code}" if not concerned else ""]
    title = "halosync: " + ", ".join(p for p in parts if p)
    lines = []
    for row in concerned[:PEOPLE_ROWS]:
        why = row.message
        if row.outside_change is not None and row.status != "held":  # a held row's message says it already
            why = "; ".join(w for w in (why, f"changed outside halosync: {note(row.outside_change)}") if w)
        lines.append(f"- client {client_label(row.halo_client_id, client_names)} · {product_label(row.product)} · "
                     f"{count_change(row.previous_count, row.count)}: {why}")
    if len(concerned) > PEOPLE_ROWS:
        lines.append(f"... and {len(concerned) - PEOPLE_ROWS} more: halosync history --rows --last 1")
    if record.error:
        lines.append(f"error: {record.error}")
    if held:
        lines.append("To decide: halosync approve (on a terminal), or halosync approve --all / --reject.")
    if outside:
        lines.append("Changed outside halosync: another integration (such as Huntress's own HaloPSA billing sync) or a "
                     "person writes these licences too; keep one writer.")
    lines.append(record.summary())
    return title, "\n".join(lines)
