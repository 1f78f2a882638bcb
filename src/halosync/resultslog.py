"""The results log: JSON Lines, appended and never rewritten, read from the end."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any


BLOCK = 64 * 1024


ROTATED = re.compile(r"\.\d{8}T\d{6}Z(-\d+)?$")


def rotated_files(path: Path) -> list[Path]:
    """Files rotated away from `path` (results.jsonl.20261124T020003Z), newest first."""
    if not path.parent.is_dir():
        return []
    found = [p for p in path.parent.glob(path.name + ".*") if ROTATED.search(p.name[len(path.name):])]
    return sorted(found, key=lambda p: p.name, reverse=True)


def rotate_if_large(path: Path, max_bytes: int) -> Path | None:
    """Rename the log aside once it reaches `max_bytes`; nothing is deleted, so no record is ever lost."""
    try:
        if path.stat().st_size < max_bytes:
            return None
    except FileNotFoundError:
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}")
    n = 0
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}")
    os.rename(path, target)
    return target


CHUNK_RECORDS = 1000


def append(path: Path, records: Iterable[Any], rotate_bytes: int | None = None) -> None:
    """Append records, one per line, a thousand lines per write; the file is created 0600.

    A killed run may have left half a line: it is closed with a newline first
    so that the new records start on a line of their own (readers skip the
    broken one). With `rotate_bytes`, a log that has grown that large is
    renamed aside first. The run lock keeps two runs from writing at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if rotate_bytes:
        rotate_if_large(path, rotate_bytes)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_size and not _ends_with_newline(path):
            os.write(fd, b"\n")
        for chunk in _batched(records):  # itertools.batched arrives in Python 3.12
            data = "".join(json.dumps(r.dump(), ensure_ascii=False) + "\n" for r in chunk)
            os.write(fd, data.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _batched(records: Iterable[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == CHUNK_RECORDS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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


def records_backwards(path: Path, unreadable: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Parsed records, last first, through the rotated files too; lines that are not JSON objects
    are skipped (and counted in `unreadable[0]` when given)."""
    for file in [path, *rotated_files(path)]:
        for line in lines_backwards(file):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                yield record
            elif unreadable is not None:
                unreadable[0] += 1


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
