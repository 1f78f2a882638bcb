"""What `run` shows: the results as a table or as lines, the summary, the warnings and the errors."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console
from rich.table import Table
from rich.text import Text

from halosync.core.models import Row
from halosync.core.outside import note
from halosync.errors import ExitCode
from halosync.formats.labels import client_label, organization_label, percent_label, product_label
from halosync.formats.text import fits_table, visible, wrap, wrap_parts
from halosync.run.result import RunResult

ACTION_STYLE = {"create": "green", "update": "yellow", "unchanged": "dim"}
STATUS_STYLE = {"ok": "green", "failed": "red", "held": "bold yellow"}


def _organizations(row: Row, names: dict[int, str]) -> str:
    return ", ".join(organization_label(o, names) for o in row.huntress_organization_ids)


def _product(row: Row) -> str:
    return product_label(row.product)


def _licence(row: Row) -> str:
    return "new" if row.licence_id is None and row.action == "create" and row.status == "ok" else _opt(row.licence_id)


def _when(row: Row) -> str:
    return row.time.replace("T", " ").removesuffix("Z") + (" dry run" if row.dry_run else "")


def results_table(rows: list[Row], names: dict[int, str], *, dry_run: bool, show_time: bool = False,
                  title: str | None = None, client_names: dict[int, str] | None = None) -> Table:
    title = title or ("halosync results (dry run: nothing written)" if dry_run else "halosync results")
    table = Table(title=title, title_justify="left", show_lines=False)
    if show_time:
        table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Halo client", justify="right")
    table.add_column("Huntress organizations")
    table.add_column("Product", no_wrap=True)
    table.add_column("Licence", justify="right", no_wrap=True)
    table.add_column("Count", justify="right")
    table.add_column("Action", no_wrap=True)
    table.add_column("Status", min_width=24)
    for row in rows:
        table.add_row(
            *([_when(row)] if show_time else []),
            client_label(row.halo_client_id, client_names or {}),
            _organizations(row, names),
            _product(row),
            _licence(row),
            _count(row),
            Text(row.action + (" (planned)" if dry_run and row.is_write else ""), style=ACTION_STYLE[row.action]),
            _status(row),
        )
    return table


def result_lines(rows: list[Row], names: dict[int, str], *, dry_run: bool, width: int, show_time: bool = False,
                 client_names: dict[int, str] | None = None) -> Iterator[str]:
    """The same rows for a narrow page: a wrapped line of facts per row, its organizations and its
    message on lines of their own below it. Nothing is dropped or shortened."""
    for row in rows:
        action = row.action + (" (planned)" if dry_run and row.is_write else "")
        facts = [*([_when(row)] if show_time else []), f"client {client_label(row.halo_client_id, client_names or {})}",
                 _product(row), f"licence {_licence(row)}", f"count {_count(row)}", action,
                 row.status.upper() if row.status != "ok" else "ok"]
        yield wrap_parts(facts, width)
        yield wrap(f"organizations: {_organizations(row, names)}", width, first="  ", indent="    ")
        if row.message:
            yield wrap(f"{'note' if row.status == 'ok' else 'why'}: {row.message}", width, first="  ", indent="    ")
        if row.outside_change is not None and row.status != "held":  # a held row's message says it already
            yield wrap(f"changed outside halosync: {note(row.outside_change)}", width, first="  ", indent="    ")


def print_rows(console: Console, rows: list[Row], names: dict[int, str], *, dry_run: bool, show_time: bool = False,
               title: str | None = None, client_names: dict[int, str] | None = None) -> None:
    """A table when the page is wide enough, else the line format."""
    if fits_table(console):
        console.print(results_table(rows, names, dry_run=dry_run, show_time=show_time, title=title,
                                    client_names=client_names))
        return
    if title:
        console.print(title, markup=False, highlight=False)
    for line in result_lines(rows, names, dry_run=dry_run, width=console.width, show_time=show_time,
                             client_names=client_names):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


ALL_ROWS_UP_TO = 200  # beyond this, the table leaves out unchanged rows
TABLE_LIMIT = 500  # and never shows more than this many: rendering 40,000 rows takes rich a minute


def rows_to_show(rows: list[Row]) -> tuple[list[Row], int]:
    """The rows worth a person's reading, failures first when there are too many; and how many were left out."""
    if len(rows) <= ALL_ROWS_UP_TO:
        return rows, 0
    changed = changed_rows(rows)[:TABLE_LIMIT]
    return changed, len(rows) - len(changed)


def changed_rows(rows: list[Row]) -> list[Row]:
    """Failed, then held, then written (or changed from outside) rows: what a person acts on."""
    return ([r for r in rows if r.status == "failed"] + [r for r in rows if r.status == "held"]
            + [r for r in rows if r.status == "ok" and (r.action != "unchanged" or r.outside_change is not None)])


def print_results(console: Console, result: RunResult, *, only_failed: bool = False, changes_only: bool = False) -> None:
    assert result.record is not None
    rows = [r for r in result.rows if r.status != "ok"] if only_failed else result.rows
    if changes_only:
        shown = changed_rows(rows)[:TABLE_LIMIT]
        unchanged = len(rows) - len(shown)
        left_out = 0
    else:
        shown, left_out = rows_to_show(rows)
        unchanged = 0
    if shown:
        title = "halosync results (dry run: nothing written)" if result.record.dry_run else "halosync results"
        print_rows(console, shown, result.organization_names, dry_run=result.record.dry_run, title=title,
                   client_names=result.client_names)
    if unchanged:
        say_wrapped(console, f"{unchanged} unchanged row(s) not shown.")
    if left_out:
        say_wrapped(console, f"{left_out} more rows not shown (unchanged rows first); `halosync history --rows "
                             "--last 1` or `halosync run --json` lists them all.")
    summary = result.record.summary()
    if result.exit_code == ExitCode.LOG_UNWRITABLE:  # the record says how the sync ended; the process ends 74
        summary += f" · exit {ExitCode.LOG_UNWRITABLE}: the results log could not take these records (see stderr)"
    console.print(wrap_parts(summary.split(" · "), console.width), markup=False, highlight=False, soft_wrap=True)


def say_wrapped(console: Console, text: str) -> None:
    """A line of prose, wrapped at spaces to the page (rich would wrap it too, but cron mail has no rich)."""
    console.print(wrap(text, console.width), markup=False, highlight=False, soft_wrap=True)


def _status(row: Row) -> Text:
    text = (Text("ok", style="green") if row.status == "ok" and not row.message
            else Text(visible(row.message or row.status), style=STATUS_STYLE[row.status]))
    if row.outside_change is not None and row.status != "held":  # a held row's message says it already
        text.append(f"\nchanged outside halosync: {note(row.outside_change)}", style="bold yellow")
    return text


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)


def _count(row: Row) -> str:
    if row.count is None:
        return "?"
    text = str(row.count) if row.previous_count in (None, row.count) else f"{row.previous_count} → {row.count}"
    if row.status == "held":
        text += percent_label(row.previous_count, row.count)
    if row.actual_count is not None:
        text += f" (minimum; actual {row.actual_count})"
    return text
