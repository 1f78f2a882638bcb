"""Past runs and rows from the results log, newest first, reading only as far back as asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from halosync.errors import ExitCode
from halosync.run import resultslog


@dataclass
class History:
    runs: list[dict[str, Any]] = field(default_factory=list)  # run records, newest first
    rows: list[dict[str, Any]] = field(default_factory=list)  # row records of those runs, newest run first
    decisions: list[dict[str, Any]] = field(default_factory=list)  # approve's decisions since the oldest run shown
    unreadable: int = 0  # lines skipped because they could not be parsed


def read_history(path: Path, *, last: int, client: int | None = None, product: str | None = None,
                 failed: bool = False, want_rows: bool = False) -> History:
    """The last `last` runs (with `failed`: failed runs) and, with `want_rows`, their rows matching the filters.

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
            if failed and not want_rows and record.get("exit_code") == ExitCode.OK:
                continue
            history.runs.append(record)
            kept.add(str(record.get("run_id")))
        elif kind == "decision":
            # The same filters as the rows: --client 14 shows client 14's decisions only.
            if client is not None and record.get("halo_client_id") != client:
                continue
            if product is not None and record.get("product") != product:
                continue
            if failed and record.get("status") == "ok":
                continue
            history.decisions.append(record)
        elif kind == "row" and want_rows and str(record.get("run_id")) in kept:
            if client is not None and record.get("halo_client_id") != client:
                continue
            if product is not None and record.get("product") != product:
                continue
            if failed and record.get("status") != "failed":
                continue
            history.rows.append(record)
    history.unreadable = unreadable[0]
    return history
