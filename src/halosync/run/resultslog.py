"""The results log: JSON Lines, appended and never rewritten, read from the end."""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from halosync import writes_so_far
from halosync.core.record_shapes import well_formed
from halosync.errors import ConfigError, LogWriteError

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
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}")
    n = 0
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}")
    os.rename(path, target)
    return target


CHUNK_RECORDS = 1000


def lock_path(log_path: Path) -> Path:
    """The run lock: beside the log it guards, so two configs with two logs never wait for each other."""
    return log_path.with_name(log_path.name + ".lock")


def ensure_writable(path: Path) -> None:
    """Make sure the log (and its lock beside it) can be created and appended to, before anything is
    contacted: a sync whose results cannot be recorded must not start. Raises ConfigError naming the path."""
    for target in (path, lock_path(path)):
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if target.is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a directory")
            os.close(os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        except OSError as exc:
            what = "results log" if target == path else "results log's lock"
            reason = ("a folder in its path is a file" if isinstance(exc, (FileExistsError, NotADirectoryError))
                      else exc.strerror or str(exc))
            raise ConfigError(f"the {what} {target} cannot be created or appended to ({reason}); set [log] path "
                              "in the config to a file in a folder halosync can write") from None


def append(path: Path, records: Sequence[Any], rotate_bytes: int | None = None) -> None:
    """Append records, one per line, a thousand lines per write; the file is created 0600.

    A killed run may have left half a line: it is closed with a newline first
    so that the new records start on a line of their own (readers skip the
    broken one). With `rotate_bytes`, a log that has grown that large is
    renamed aside first. The run lock keeps two runs from writing at once.

    Raises LogWriteError when the disk refuses (full, I/O error, a write that
    stays short). The caller still holds the records and must not lose them.
    """
    before: int | None = None  # the log's size before this append, to cut a short write back to
    cut_back = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if rotate_bytes:
            rotate_if_large(path, rotate_bytes)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            before = os.fstat(fd).st_size
            try:
                if before and not _ends_with_newline(path):
                    _write_all(fd, b"\n")
                for start in range(0, len(records), CHUNK_RECORDS):
                    chunk = records[start:start + CHUNK_RECORDS]
                    _write_all(fd, "".join(json.dumps(r.dump(), ensure_ascii=False) + "\n" for r in chunk).encode("utf-8"))
                os.fsync(fd)
            except OSError:
                cut_back = _cut_back(fd, before)
                raise
        finally:
            os.close(fd)
        writes_so_far.logged(len(records))
    except OSError as exc:
        # Until fsync succeeds nothing is known to be on disk: every record counts as unsaved. Printing
        # a saved one twice costs a reader a duplicate line; losing one costs the billing record.
        unsaved = [json.dumps(r.dump(), ensure_ascii=False) for r in records]
        if cut_back:
            state = "; it was cut back to where it ended before, so the records can be appended to it as printed"
        elif before is not None:
            state = "; it may end in half a record: remove that last partial line before appending the records"
        else:
            state = ""
        raise LogWriteError(f"the results log {path} could not be written ({exc.strerror or exc}){state}",
                            unsaved) from None


def _cut_back(fd: int, size: int) -> bool:
    """After a failed append, the log back to its size before it (no half record left at its end): whether
    that worked. A failed append's records are all printed for the person to add by hand, cleanly."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:
        return False
    return True


def _write_all(fd: int, data: bytes) -> None:
    """os.write may write less than asked (a nearly full disk, a file-size limit): go on until all is
    written or the system says why not. A write that makes no progress is an error, never a silent cut."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, "the disk accepted no more bytes")
        view = view[written:]


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


MAX_LINE = 1024 * 1024  # a record is a few hundred bytes; a longer "line" is damage, skipped without being held


def lines_backwards(path: Path) -> Iterator[bytes]:
    """The file's lines, last first, reading only as far back as the caller goes.

    Linear in the file's size whatever it holds: a line's pieces are kept in a
    list until its start is found (never re-joined block by block), and a line
    longer than MAX_LINE is yielded as b"\0" (unreadable) without keeping its bytes.
    """
    try:
        f = path.open("rb")
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise ConfigError(f"the results log {path} is a folder, not a file; set [log] path in the config to a file "
                          f"(such as {path / 'results.jsonl'})") from None
    except OSError as exc:
        raise ConfigError(f"the results log {path} cannot be read ({exc.strerror or exc}); set [log] path in the "
                          "config to a file halosync can read and append to") from None
    with f:
        position = f.seek(0, os.SEEK_END)
        pieces: list[bytes] = []  # the end of the current line, last piece first
        held = 0
        too_long = False

        def finish(start: bytes) -> bytes:
            if too_long or held + len(start) > MAX_LINE:
                return b"\0"
            return b"".join([start, *reversed(pieces)])

        while position > 0:
            step = min(BLOCK, position)
            position -= step
            f.seek(position)
            chunk = f.read(step)
            lines = chunk.split(b"\n")
            if len(lines) == 1:  # no line starts in this block
                if not too_long:
                    pieces.append(chunk)
                    held += len(chunk)
                    if held > MAX_LINE:
                        too_long, pieces, held = True, [], 0
                continue
            last = finish(lines[-1])
            if last.strip():
                yield last
            pieces, held, too_long = [], 0, False
            for line in reversed(lines[1:-1]):
                if line.strip():
                    yield line
            pieces.append(lines[0])  # may be the end of a line that starts in an earlier block
            held = len(lines[0])
        first = finish(b"")
        if first.strip():
            yield first


def records_backwards(path: Path, unreadable: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Parsed records, last first, through the rotated files too. Lines that are not JSON
    objects, and records of the wrong shape, are skipped (and counted in `unreadable[0]`)."""
    for file in [path, *rotated_files(path)]:
        for line in lines_backwards(file):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict) and well_formed(record):
                yield record
            elif unreadable is not None:
                unreadable[0] += 1
