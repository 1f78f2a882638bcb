"""The results log: JSON Lines, appended and never rewritten, read from the end."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

BLOCK = 64 * 1024


def append(path: Path, records: Iterable[BaseModel]) -> None:
    """Append records, one per line, in one write; the file is created 0600.

    A killed run may have left half a line: it is closed with a newline first
    so that the new records start on a line of their own.
    """
    data = "".join(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in records)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_size and not _ends_with_newline(path):
            data = "\n" + data
        os.write(fd, data.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def lines_backwards(path: Path) -> Iterator[bytes]:
    """The file's lines, last first, reading only as far back as the caller goes."""
    try:
        f = path.open("rb")
    except FileNotFoundError:
        return
    with f:
        position = f.seek(0, os.SEEK_END)
        tail = b""
        while position > 0:
            step = min(BLOCK, position)
            position -= step
            f.seek(position)
            chunk = f.read(step) + tail
            lines = chunk.split(b"\n")
            tail = lines.pop(0)  # may be the end of a line that starts in an earlier block
            for line in reversed(lines):
                if line.strip():
                    yield line
        if tail.strip():
            yield tail


def records_backwards(path: Path) -> Iterator[dict[str, Any]]:
    """Parsed records, last first; lines that are not JSON objects are skipped."""
    for line in lines_backwards(path):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record


def last_success(path: Path, since: date) -> date | None:
    """Local date of the newest successful non-dry run started on or after `since`, else None.

    Runs are appended in order, so the scan stops at the first run older than `since`.
    """
    for record in records_backwards(path):
        if record.get("type") != "run":
            continue
        started = local_date(record.get("started"))
        if started is None:
            continue
        if started < since:
            return None
        if record.get("exit_code") == 0 and record.get("dry_run") is False:
            return started
    return None


def local_date(stamp: Any) -> date | None:
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone().date()
