"""Past runs and rows from the results log, newest first, reading only as far back as asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from halosync.core.runs import is_done
from halosync.errors import ExitCode
from halosync.run import resultslog
from halosync.run.names import logged_name


@dataclass
class History:
    runs: list[dict[str, Any]] = field(default_factory=list)  # run records, newest first
    rows: list[dict[str, Any]] = field(default_factory=list)  # row records of those runs, newest run first
    decisions: list[dict[str, Any]] = field(default_factory=list)  # approve's decisions since the oldest run shown
    client_names: dict[int, str] = field(default_factory=dict)  # the newest name a row read carries, per client
    unreadable: int = 0  # lines skipped because they could not be parsed


def read_history(path: Path, *, last: int, client: int | None = None, product: str | None = None,
                 failed: bool = False, held: bool = False, want_rows: bool = False) -> History:
    """The last `last` runs (with `failed`: failed runs; with `held`: runs that held changes; both: either) and,
    with `want_rows`, their rows matching the filters.

    A run's rows stand just before its run record, so reading backwards meets the
    run first; the scan stops at the first run record beyond the `last` wanted.
    """
    history = History()
    unreadable = [0]
    kept: set[str] = set()
    for record in resultslog.records_backwards(path, unreadable):
        kind = record.get("type")
        if kind == "run":
            if len(history.runs) >= last:
                break
            if (failed or held) and not want_rows and not (failed and run_failed(record) or held and run_held(record)):
                continue
            history.runs.append(record)
            kept.add(str(record.get("run_id")))
        elif kind == "row" and not want_rows:
            _learn_name(history, record)  # decisions name their client by the rows of the runs read
        elif kind == "decision":
            # The same filters as the rows: --client 14 shows client 14's decisions only.
            if client is not None and record.get("halo_client_id") != client:
                continue
            if product is not None and record.get("product") != product:
                continue
            # --failed: the decisions whose write failed (still pending); --held: every decision answers a
            # held change, so none is left out.
            if failed and not held and record.get("status") != "failed":
                continue
            history.decisions.append(record)
        elif kind == "row" and want_rows and str(record.get("run_id")) in kept:
            _learn_name(history, record)
            if client is not None and record.get("halo_client_id") != client:
                continue
            if product is not None and record.get("product") != product:
                continue
            if (failed or held) and not (failed and record.get("status") == "failed"
                                         or held and record.get("status") == "held"):
                continue
            history.rows.append(_without_odd_name(record))
    history.unreadable = unreadable[0]
    return history


def run_failed(record: dict[str, Any]) -> bool:
    """A run that failed: any exit but 0 (done) and 6 (done, changes held), or with a failed row."""
    return not is_done(record.get("exit_code")) or _rows(record, "failed") > 0


def run_held(record: dict[str, Any]) -> bool:
    """A run that held changes for `halosync approve` (exit 6, or held rows beside failed ones: exit 1)."""
    return record.get("exit_code") == ExitCode.HELD or _rows(record, "held") > 0


def _rows(record: dict[str, Any], status: str) -> int:
    rows = record.get("rows")
    value = rows.get(status) if isinstance(rows, dict) else None
    return value if isinstance(value, int) else 0


def _without_odd_name(record: dict[str, Any]) -> dict[str, Any]:
    """The row as --json shows it: a `client_name` that is not a string (a hand-edited log) is left out, as
    Row.load leaves it out, so a reader of the document meets a string or nothing."""
    if "client_name" in record and not isinstance(record["client_name"], str):
        return {key: value for key, value in record.items() if key != "client_name"}
    return record


def _learn_name(history: History, record: dict[str, Any]) -> None:
    name, client = logged_name(record), record.get("halo_client_id")
    if name is not None and isinstance(client, int):
        history.client_names.setdefault(client, name)  # newest first: the first met is the newest
