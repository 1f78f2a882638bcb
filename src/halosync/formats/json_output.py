"""`--json` documents: one JSON document on stdout per command, also when it fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from halosync.run.result import RunResult


def error_object(message: str, exit_code: int) -> dict[str, Any]:
    """The `error` of every --json document that failed: scripts check this one key, in this one shape."""
    return {"message": message, "exit_code": int(exit_code)}


def error_document(message: str, exit_code: int, **partial: Any) -> str:
    """What a command prints in --json mode when it fails: the error, plus whatever partial result it has."""
    return json.dumps({**partial, "error": error_object(message, exit_code)}, ensure_ascii=False)


def unsaved_records_follow(count: int) -> str:
    """What follows a results log that refused records: they are printed after this, to be kept."""
    return (f"The {count} record(s) it should hold follow as JSON lines: keep them (append them to the log once it "
            "has room)")


def document(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def as_json(result: RunResult) -> Iterator[str]:
    """`run --json`, in pieces: one object whose rows are dumped one at a time (10,000 organizations make 40,000)."""
    run = json.dumps(result.record.dump() if result.record else None, ensure_ascii=False)
    yield f'{{"run": {run}, "rows": ['
    for n, row in enumerate(result.rows):
        yield ("" if n == 0 else ", ") + json.dumps(row.dump(), ensure_ascii=False)
    unmapped = json.dumps([u.dump() for u in result.unmapped], ensure_ascii=False)
    yield f'], "unmapped": {unmapped}'
    if not result.due:
        not_due: dict[str, object] = {"next_due": result.next_due.isoformat() if result.next_due else None}
        if result.huntress_invoice is not None:  # [sync] frequency = "invoice": the invoice already followed
            not_due["huntress_invoice"] = result.huntress_invoice.record()
        yield f', "not_due": {json.dumps(not_due, ensure_ascii=False)}'
    if result.exit_code != 0:  # scripts check one key: "error"
        failed = sum(1 for row in result.rows if row.status == "failed")
        held = sum(1 for row in result.rows if row.status == "held")
        plural = "s" if held != 1 else ""
        dry_run = result.record is not None and result.record.dry_run
        would_hold = (f"a real run would hold {held} change{plural} for approval; a dry run holds nothing" if dry_run
                      else f"{held} change{plural} held for approval (halosync approve)")
        outcome = (would_hold if held and not failed
                   else f"{failed} row{'s' if failed != 1 else ''} failed" + (
                       f", {held} change{plural} held for approval" if held else ""))
        error = result.log_error or (result.record.error if result.record else "") or result.late_signal or outcome
        yield f', "error": {json.dumps(error_object(error, result.exit_code), ensure_ascii=False)}'
    yield "}\n"


