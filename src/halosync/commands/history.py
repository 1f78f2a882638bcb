"""`halosync history`: what past runs did, from the results log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional

import typer

from halosync import console
from halosync.commands.options import ConfigOption, exit_on_error


def command(
    config: ConfigOption = None,
    last: Annotated[int, typer.Option("--last", "-n", min=1, help="How many runs to show (newest first).")] = 10,
    client: Annotated[Optional[int], typer.Option("--client", help="Only rows of this HaloPSA client id (shows rows).")] = None,
    product: Annotated[Optional[str], typer.Option("--product", help="Only rows of this product: edr, itdr, ispm, sat, siem (shows rows).")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed runs, or with rows only failed rows.")] = False,
    rows: Annotated[bool, typer.Option("--rows", help="Show the rows of each run instead of run summaries.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="The records as JSON on stdout.")] = False,
) -> None:
    """Show past runs from the results log (the results at the bottom of the Billing tab)."""
    from halosync.config import load_config
    from halosync.history import read_history
    from halosync.products import PRODUCTS

    if product is not None and product not in PRODUCTS:
        console.error(f"--product must be one of {', '.join(PRODUCTS)}")
        raise typer.Exit(2)
    with exit_on_error():
        _, cfg = load_config(config)

    want_rows = rows or client is not None or product is not None
    history = read_history(cfg.log_path, last=last, client=client, product=product, failed=failed, want_rows=want_rows)
    if history.unreadable:
        console.warn(f"warning: skipped {history.unreadable} unreadable line(s) in {cfg.log_path}")
    if json_output:
        key = "rows" if want_rows else "runs"
        payload = {key: history.rows if want_rows else history.runs, "unreadable_lines": history.unreadable}
        console.say(json.dumps(payload))
        raise typer.Exit(0)
    if not history.runs:
        console.say(f"No runs recorded in {cfg.log_path} yet.")
        raise typer.Exit(0)
    if want_rows:
        from halosync.models import Row
        from halosync.render import results_table

        parsed = [Row.load(r) for r in history.rows]
        console.stdout.print(results_table(parsed, {}, dry_run=False, show_time=True, title="halosync history: rows"))
    else:
        console.stdout.print(_runs_table(history.runs))
    raise typer.Exit(0)


def _runs_table(runs: list[dict]):
    from rich.table import Table
    from rich.text import Text

    table = Table(title="halosync history: runs, newest first", title_justify="left")
    for name, justify in (("Started", "left"), ("Run", "left"), ("Mode", "left"), ("Exit", "right"), ("Created", "right"),
                          ("Updated", "right"), ("Unchanged", "right"), ("Failed", "right"), ("Requests", "right"), ("Error", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "Error")
    for run in runs:
        counts = run.get("rows") or {}
        requests = run.get("requests") or {}
        mode = "dry run" if run.get("dry_run") else ("forced" if run.get("forced") else "scheduled")
        code = run.get("exit_code")
        table.add_row(
            _local(run.get("started")), str(run.get("run_id", "")), mode,
            Text(str(code), style="green" if code == 0 else "red"),
            *(str(counts.get(k, 0)) for k in ("create", "update", "unchanged", "failed")),
            f"{requests.get('huntress', 0)} + {requests.get('halo', 0)}", run.get("error") or "",
        )
    return table


def _local(stamp: str | None) -> str:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(stamp)
