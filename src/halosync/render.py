"""Formats of the same rows: the rich results table, the one-line summary, and `--json`."""

from __future__ import annotations

import json
from typing import Any

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
    table.add_column("Count", justify="right", no_wrap=True)
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


def as_json(result: RunResult) -> str:
    payload: dict[str, Any] = {
        "run": result.record.model_dump(mode="json") if result.record else None,
        "rows": [row.model_dump(mode="json") for row in result.rows],
        "unmapped": [u.model_dump(mode="json") for u in result.unmapped],
    }
    if not result.due:
        payload["not_due"] = {"next_due": result.next_due.isoformat() if result.next_due else None}
    return json.dumps(payload, ensure_ascii=False)


def print_results(console: Console, result: RunResult, *, only_failed: bool = False) -> None:
    assert result.record is not None
    rows = [r for r in result.rows if r.status == "failed"] if only_failed else result.rows
    if rows:
        console.print(results_table(rows, result.organization_names, dry_run=result.record.dry_run))
    if result.record.error:
        console.print(Text(f"error: {result.record.error}", style="red"))
    console.print(result.record.summary())


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)


def _count(row: Row) -> str:
    if row.count is None:
        return "?"
    if row.previous_count is None or row.previous_count == row.count:
        return str(row.count)
    return f"{row.previous_count} → {row.count}"
