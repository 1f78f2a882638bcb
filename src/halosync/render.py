"""Formats of the same rows: the rich results table, the one-line summary, and `--json`."""

from __future__ import annotations

import json
from collections.abc import Iterator

from rich.console import Console
from rich.table import Table
from rich.text import Text

from halosync.models import Row
from halosync.products import PRODUCTS
from halosync.runner import RunResult

ACTION_STYLE = {"create": "green", "update": "yellow", "unchanged": "dim"}


def results_table(rows: list[Row], names: dict[int, str], *, dry_run: bool, show_time: bool = False,
                  title: str | None = None) -> Table:
    title = title or ("halosync results (dry run: nothing written)" if dry_run else "halosync results")
    table = Table(title=title, title_justify="left", show_lines=False)
    if show_time:
        table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Halo client", justify="right", no_wrap=True)
    table.add_column("Huntress organizations")
    table.add_column("Product", no_wrap=True)
    table.add_column("Licence", justify="right", no_wrap=True)
    table.add_column("Count", justify="right")
    table.add_column("Action", no_wrap=True)
    table.add_column("Status")
    for row in rows:
        orgs = ", ".join(f"{names[o]} ({o})" if names.get(o) else str(o) for o in row.huntress_organization_ids)
        when = [row.time.replace("T", " ").removesuffix("Z") + (" dry run" if row.dry_run else "")] if show_time else []
        table.add_row(
            *when,
            str(row.halo_client_id),
            orgs,
            PRODUCTS[row.product].display_name if row.product in PRODUCTS else row.product,
            "new" if row.licence_id is None and row.action == "create" and row.status == "ok" else _opt(row.licence_id),
            _count(row),
            Text(row.action + (" (planned)" if dry_run and row.is_write else ""), style=ACTION_STYLE[row.action]),
            Text("ok", style="green") if row.status == "ok" and not row.message
            else Text(row.message or row.status, style="green" if row.status == "ok" else "red"),
        )
    return table


def as_json(result: RunResult) -> Iterator[str]:
    """`run --json`, in pieces: one object whose rows are dumped one at a time (10,000 organizations make 40,000)."""
    run = json.dumps(result.record.dump() if result.record else None, ensure_ascii=False)
    yield f'{{"run": {run}, "rows": ['
    for n, row in enumerate(result.rows):
        yield ("" if n == 0 else ", ") + json.dumps(row.dump(), ensure_ascii=False)
    unmapped = json.dumps([u.dump() for u in result.unmapped], ensure_ascii=False)
    yield f'], "unmapped": {unmapped}'
    if not result.due:
        yield f', "not_due": {json.dumps({"next_due": result.next_due.isoformat() if result.next_due else None})}'
    yield "}\n"


ALL_ROWS_UP_TO = 200  # beyond this, the table leaves out unchanged rows
TABLE_LIMIT = 500  # and never shows more than this many: rendering 40,000 rows takes rich a minute


def rows_to_show(rows: list[Row]) -> tuple[list[Row], int]:
    """The rows worth a person's reading, failures first when there are too many; and how many were left out."""
    if len(rows) <= ALL_ROWS_UP_TO:
        return rows, 0
    changed = [r for r in rows if r.status == "failed"] + [r for r in rows if r.status == "ok" and r.action != "unchanged"]
    changed = changed[:TABLE_LIMIT]
    return changed, len(rows) - len(changed)


def print_results(console: Console, result: RunResult, *, only_failed: bool = False) -> None:
    assert result.record is not None
    rows = [r for r in result.rows if r.status == "failed"] if only_failed else result.rows
    shown, left_out = rows_to_show(rows)
    if shown:
        console.print(results_table(shown, result.organization_names, dry_run=result.record.dry_run))
    if left_out:
        console.print(f"{left_out} more rows not shown (unchanged rows first); `halosync history --rows --last 1` "
                      "or `halosync run --json` lists them all.", markup=False)
    console.print(result.record.summary())


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)


def _count(row: Row) -> str:
    if row.count is None:
        return "?"
    text = str(row.count) if row.previous_count in (None, row.count) else f"{row.previous_count} → {row.count}"
    if row.actual_count is not None:
        text += f" (minimum; actual {row.actual_count})"
    return text
