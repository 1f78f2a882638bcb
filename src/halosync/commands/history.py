"""`halosync history`: what past runs did, from the results log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from halosync.commands.options import ConfigOption, exit_on_error
from halosync.formats import console

if TYPE_CHECKING:
    from rich.table import Table


def command(
    config: ConfigOption = None,
    last: Annotated[int, typer.Option("--last", "-n", min=1, help="How many runs to show (newest first).")] = 10,
    client: Annotated[int | None, typer.Option("--client", help="Only rows of this HaloPSA client id (shows rows).")] = None,
    product: Annotated[str | None, typer.Option("--product", help="Only rows of this product: edr, itdr, ispm, sat, siem (shows rows).")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed runs, or with rows only failed rows.")] = False,
    rows: Annotated[bool, typer.Option("--rows", help="Show the rows of each run instead of run summaries.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="The records as JSON on stdout.")] = False,
) -> None:
    """Show past runs from the results log (the results at the bottom of the Billing tab)."""
    from halosync.config.schema import load_config
    from halosync.core.products import PRODUCTS
    from halosync.run.history import read_history

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
    from halosync.formats.table import fits_table, print_rows

    out = console.stdout
    if want_rows:
        from halosync.core.models import Row

        parsed = [Row.load(r) for r in history.rows]
        print_rows(out, parsed, {}, dry_run=False, show_time=True, title="halosync history: rows, newest run first")
    elif fits_table(out):
        out.print(_runs_table(history.runs))
    else:
        out.print("halosync history: runs, newest first", markup=False, highlight=False)
        for line in _runs_lines(history.runs, out.width):
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0)


COUNTS = ("create", "update", "unchanged", "failed")


def _mode(run: dict[str, Any]) -> str:
    return "dry run" if run.get("dry_run") else ("forced" if run.get("forced") else "scheduled")


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="halosync history: runs, newest first", title_justify="left")
    for name in ("Started", "Run", "Mode", "Exit", "Created", "Updated", "Unchanged", "Failed", "Requests", "Error"):
        table.add_column(name, justify="left" if name in ("Started", "Run", "Mode", "Error") else "right",
                         no_wrap=name != "Error", min_width=20 if name == "Error" else None)
    for run in runs:
        counts = run["rows"]
        requests = run["requests"]
        code = run["exit_code"]
        table.add_row(
            _local(run.get("started")), str(run.get("run_id", "")), _mode(run),
            Text(str(code), style="green" if code == 0 else "red"),
            *(str(counts.get(k, 0)) for k in COUNTS),
            f"{requests.get('huntress', 0)} + {requests.get('halo', 0)}", str(run.get("error") or ""),
        )
    return table


def _runs_lines(runs: list[dict[str, Any]], width: int) -> Iterator[str]:
    """One run per wrapped line, its error on lines of its own: for cron mail and narrow terminals."""
    from halosync.formats.table import wrap, wrap_parts

    for run in runs:
        counts, requests = run["rows"], run["requests"]
        tally = [f"{counts.get(k, 0)} {word}" for k, word in zip(COUNTS, ("created", "updated", "unchanged", "failed"),
                                                                  strict=True)]
        yield wrap_parts([_local(run.get("started")), f"run {run.get('run_id', '')}", _mode(run),
                          f"exit {run['exit_code']}", *tally,
                          f"{requests.get('huntress', 0)} + {requests.get('halo', 0)} requests"], width)
        if run.get("error"):
            yield wrap(f"error: {run['error']}", width, first="  ", indent="    ")


def _local(stamp: str | None) -> str:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(stamp)
