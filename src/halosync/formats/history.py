"""What `history` shows: runs as a table or as lines, rows as `run` shows them, or one JSON document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from halosync.core.times import parse_iso
from halosync.formats import console
from halosync.formats.json_output import document
from halosync.formats.labels import client_label, product_label
from halosync.formats.text import fits_table, visible, wrap, wrap_parts

if TYPE_CHECKING:
    from rich.table import Table

    from halosync.run.history import History


def show_history(history: History, log_path: Path, *, want_rows: bool, json_output: bool,
                 names: dict[int, str] | None = None, client_names: dict[int, str] | None = None,
                 kind: str = "") -> None:
    """`names` (Huntress organizations) and `client_names` (HaloPSA clients) are those the config knows:
    the config's, and the names the log's rows carry (`client_name`). `kind` names the runs --failed/--held kept, for when none matched."""
    if history.unreadable:
        console.warn(f"warning: skipped {history.unreadable} unreadable line(s) in {log_path}")
    if json_output:
        key = "rows" if want_rows else "runs"
        console.say(document({key: history.rows if want_rows else history.runs, "decisions": history.decisions,
                              "unreadable_lines": history.unreadable}))
        return
    out = console.stdout
    if not history.runs:
        # `kind` ("failed", "held"): a filter that matched nothing is not an empty log.
        console.say(f"No {kind} runs in {log_path}." if kind else f"No runs recorded in {log_path} yet.")
        if not (kind and history.decisions):
            return
    elif want_rows and kind and not history.rows:  # --failed --client 15 with none: the sentence, not an empty table
        console.say(f"No {kind} runs in {log_path}.")
    elif want_rows:
        from halosync.core.models import Row
        from halosync.formats.results import print_rows

        parsed = [Row.load(r) for r in history.rows]
        print_rows(out, parsed, names or {}, dry_run=False, show_time=True, title="halosync history: rows, newest run first",
                   client_names=client_names)
    elif fits_table(out):
        out.print(_runs_table(history.runs))
    else:
        out.print("halosync history: runs, newest first", markup=False, highlight=False)
        for line in _runs_lines(history.runs, out.width):
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    if history.decisions:
        out.print("decisions on held changes, newest first:", markup=False, highlight=False)
        for d in history.decisions:
            client = client_label(d["halo_client_id"], client_names or {})
            out.print(wrap(f"{_local(d.get('time'))} · {d['decision']} ({d['status']}) · client {client} · "
                           f"{product_label(d['product'])} · licence {d['licence_id']} · {d['previous_count']} → {d['count']}"
                           + (f" · {d['message']}" if d.get("message") else ""), out.width, first="  ", indent="    "),
                      markup=False, highlight=False, soft_wrap=True)


COUNTS = ("create", "update", "unchanged", "failed", "held")


def _mode(run: dict[str, Any]) -> str:
    return "dry run" if run.get("dry_run") else ("forced" if run.get("forced") else "scheduled")


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="halosync history: runs, newest first", title_justify="left")
    invoices = any(run.get("huntress_invoice") for run in runs)
    for name in ("Started", "Run", "Mode", *(("Invoice",) if invoices else ()), "Exit", "Created", "Updated",
                 "Unchanged", "Failed", "Held", "Requests", "Error"):
        table.add_column(name, justify="left" if name in ("Started", "Run", "Mode", "Error") else "right",
                         no_wrap=name != "Error", min_width=20 if name == "Error" else None)
    for run in runs:
        counts = run["rows"]
        requests = run["requests"]
        code = run["exit_code"]
        table.add_row(
            _local(run.get("started")), str(run.get("run_id", "")), _mode(run),
            *((_invoice(run),) if invoices else ()),
            Text(str(code), style="green" if code == 0 else "red"),
            *(str(counts.get(k, 0)) for k in COUNTS),
            f"{requests.get('huntress', 0)} + {requests.get('halo', 0)}", visible(str(run.get("error") or "")),
        )
    return table


def _runs_lines(runs: list[dict[str, Any]], width: int) -> Iterator[str]:
    """One run per wrapped line, its error on lines of its own: for cron mail and narrow terminals."""
    for run in runs:
        counts, requests = run["rows"], run["requests"]
        words = ("created", "updated", "unchanged", "failed", "held")
        tally = [f"{counts.get(k, 0)} {word}" for k, word in zip(COUNTS, words, strict=True)]
        invoice = [f"invoice {_invoice(run)}"] if run.get("huntress_invoice") else []
        yield wrap_parts([_local(run.get("started")), f"run {run.get('run_id', '')}", _mode(run), *invoice,
                          f"exit {run['exit_code']}", *tally,
                          f"{requests.get('huntress', 0)} + {requests.get('halo', 0)} requests"], width)
        if run.get("error"):
            yield wrap(f"error: {run['error']}", width, first="  ", indent="    ")


def _invoice(run: dict[str, Any]) -> str:
    """The Huntress invoice a run followed: `7002 (2026-11-01)`."""
    invoice = run.get("huntress_invoice")
    if not isinstance(invoice, dict):
        return ""
    day = str(invoice.get("created_at") or "")[:10]
    return f"{invoice.get('id')}" + (f" ({day})" if day else "")


def _local(stamp: str | None) -> str:
    moment = parse_iso(stamp, naive_is_utc=False)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else str(stamp)
