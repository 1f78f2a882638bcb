"""What halosync last wrote or confirmed on each licence, read from the results log (rotated files too) in one pass.

The sync compares it with what the licences hold now (a second writer changes counts
behind halosync's back), and refuses to create a licence for a (client, product) whose
earlier licence still lives on another item (a product moved to another item).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from halosync.core.outside import Ledger, Written
from halosync.errors import ConfigError
from halosync.run import resultslog

# Rows and decisions name a licence; run and unmapped records do not: a cheap test skips them unparsed.
_MARK = b'"licence_id"'


def read_ledger(path: Path) -> Ledger:
    """Per licence id: the count halosync last wrote or confirmed, and when; per (client, product): the
    licences it wrote or confirmed. Oldest file first, each read forward once, so a later record replaces an
    earlier one: linear in the log's size. Unreadable lines and records of the wrong shape are skipped."""
    ledger = Ledger()
    for file in [*reversed(resultslog.rotated_files(path)), path]:
        try:
            with file.open("rb") as f:
                for line in f:
                    if _MARK not in line:
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(record, dict):
                        _take(ledger, record)
        except FileNotFoundError:
            continue
        except OSError as exc:
            # Without its history a run could miss a second writer or create a second licence: it does not start.
            raise ConfigError(f"the results log {file} cannot be read ({exc.strerror or exc}); halosync needs it to "
                              "know what it wrote before") from None
    return ledger


def _take(ledger: Ledger, record: dict[str, Any]) -> None:
    # The shape is checked only for the fields used (the full check costs two thirds of a million-line read).
    kind = record.get("type")
    if kind == "row":
        if record.get("dry_run") is not False or not _shaped(record):
            return
        licence_id, count = record["licence_id"], record["count"]
        if type(licence_id) is not int or type(count) is not int:
            return
        if record["status"] == "ok" and record.get("action") in ("create", "update", "unchanged"):
            ledger.confirm(licence_id, Written(count, record["time"], record["halo_client_id"], record["product"]))
        elif record["status"] == "failed" and record.get("action") == "update":
            ledger.maybe(licence_id, count)  # its answer may have been lost after the write happened
    elif kind == "decision" and record.get("decision") == "approved":
        if not _shaped(record) or type(record.get("licence_id")) is not int or type(record.get("count")) is not int:
            return
        if record["status"] == "ok":  # `approve` wrote the held count: halosync's own write
            ledger.confirm(record["licence_id"], Written(record["count"], record["time"], record["halo_client_id"],
                                                         record["product"]), approved=True)
        elif record["status"] == "failed":
            ledger.maybe(record["licence_id"], record["count"])


def _shaped(record: dict[str, Any]) -> bool:
    return (type(record.get("time")) is str and type(record.get("halo_client_id")) is int
            and type(record.get("product")) is str and type(record.get("status")) is str)
