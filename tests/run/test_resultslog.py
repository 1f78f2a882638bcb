"""The results log: appended 0600, read from the end, tolerant of a half-written line."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC
from typing import Any

from halosync.core.models import RunRecord, Unmapped
from halosync.run import last_sync, resultslog


def run_record(started: str, exit_code: int = 0, dry_run: bool = False) -> RunRecord:
    return RunRecord(run_id=started, started=started, finished=started, dry_run=dry_run, forced=False,
                     exit_code=exit_code, rows={}, requests={})


def test_created_0600_and_appended(tmp_path):
    path = tmp_path / "state" / "results.jsonl"
    resultslog.append(path, [run_record("2026-11-01T02:00:00Z")])
    resultslog.append(path, [Unmapped(huntress_organization_id=1, name="x"), run_record("2026-11-02T02:00:00Z")])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["run", "unmapped", "run"]


def test_half_written_last_line_is_skipped_and_next_append_starts_clean(tmp_path):
    path = tmp_path / "results.jsonl"
    resultslog.append(path, [run_record("2026-11-01T02:00:00Z")])
    with path.open("a") as f:
        f.write('{"type": "row", "run_id": "killed", "cou')  # a run killed mid-write
    resultslog.append(path, [run_record("2026-11-02T02:00:00Z")])
    records = list(resultslog.records_backwards(path))
    assert [r["started"] for r in records] == ["2026-11-02T02:00:00Z", "2026-11-01T02:00:00Z"]


def test_lines_backwards_across_block_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(resultslog, "BLOCK", 7)
    path = tmp_path / "log"
    path.write_bytes(b"first line\nsecond\n\nthird line here\n")
    assert list(resultslog.lines_backwards(path)) == [b"third line here", b"second", b"first line"]


def test_last_success_ignores_failed_and_dry_runs_and_stops_at_the_period(tmp_path):
    from datetime import date

    path = tmp_path / "results.jsonl"
    resultslog.append(path, [
        run_record("2026-10-01T12:00:00Z"),
        run_record("2026-11-01T12:00:00Z", exit_code=1),
        run_record("2026-11-02T12:00:00Z", dry_run=True),
    ])
    assert last_sync.last_success(path, since=date(2026, 11, 1)) is None
    assert last_sync.last_success(path, since=date(2026, 9, 1)) == date(2026, 10, 1)
    resultslog.append(path, [run_record("2026-11-03T12:00:00Z")])
    assert last_sync.last_success(path, since=date(2026, 11, 1)) == date(2026, 11, 3)


def test_missing_log_means_no_success(tmp_path):
    from datetime import date

    assert last_sync.last_success(tmp_path / "nope.jsonl", since=date(2026, 1, 1)) is None


def test_rotation_never_loses_a_record_and_readers_follow(tmp_path):
    from datetime import date

    path = tmp_path / "results.jsonl"
    for day in range(1, 8):
        resultslog.append(path, [run_record(f"2026-11-0{day}T12:00:00Z")], rotate_bytes=300)
    rotated = resultslog.rotated_files(path)
    assert rotated, "the log should have rotated"
    assert (tmp_path / "results.jsonl.lock") not in rotated
    every = [r["started"] for r in resultslog.records_backwards(path)]
    assert every == [f"2026-11-0{day}T12:00:00Z" for day in range(7, 0, -1)]
    total_lines = sum(len(p.read_text().splitlines()) for p in [path, *rotated])
    assert total_lines == 7
    # The last success is found even when it sits in a rotated file.
    resultslog.append(path, [run_record("2026-11-08T12:00:00Z", exit_code=5)], rotate_bytes=10)
    assert last_sync.last_success(path, since=date(2026, 11, 1)) == date(2026, 11, 7)


def test_unreadable_lines_are_counted(tmp_path):
    path = tmp_path / "results.jsonl"
    resultslog.append(path, [run_record("2026-11-01T12:00:00Z")])
    with path.open("a") as f:
        f.write("garbage\n[1, 2]\n")
    resultslog.append(path, [run_record("2026-11-02T12:00:00Z")])
    unreadable = [0]
    assert len(list(resultslog.records_backwards(path, unreadable))) == 2
    assert unreadable == [2]


def test_wrong_shaped_records_are_skipped_and_counted(tmp_path):
    path = tmp_path / "results.jsonl"
    resultslog.append(path, [run_record("2026-11-01T02:00:00Z")])
    with path.open("a") as f:
        f.write(json.dumps({"type": "run", "run_id": "x", "started": "2026-11-02T02:00:00Z", "exit_code": 0,
                            "rows": "abc", "requests": {}}) + "\n")
        f.write(json.dumps({"type": "run", "run_id": "y", "started": "2026-11-03T02:00:00Z", "exit_code": "0",
                            "rows": {}, "requests": {}}) + "\n")
        f.write(json.dumps({"type": "row", "run_id": "x", "halo_client_id": "12"}) + "\n")
        f.write(json.dumps({"type": "row", "run_id": "x", "time": "t", "halo_client_id": 12, "product": "edr",
                            "halo_item_id": 1, "action": "explode", "status": "ok", "huntress_organization_ids": [],
                            "licence_id": None, "previous_count": None, "count": 1}) + "\n")
        f.write(json.dumps(["not", "an", "object"]) + "\n")
    unreadable = [0]
    assert [r["run_id"] for r in resultslog.records_backwards(path, unreadable)] == ["2026-11-01T02:00:00Z"]
    assert unreadable == [5]


def test_reading_backwards_stays_linear_on_megabytes_without_a_newline(tmp_path):
    path = tmp_path / "results.jsonl"
    resultslog.append(path, [run_record("2026-11-01T02:00:00Z")])
    with path.open("ab") as f:
        f.write(b"\0" * (8 * 1024 * 1024))
    reads: list[int] = []
    real_open = type(path).open

    def counting_open(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        read = handle.read
        def counted(n: int = -1) -> Any:
            reads.append(n)
            return read(n)

        handle.read = counted
        return handle

    import pytest as _pytest
    with _pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(path), "open", counting_open)
        lines = list(resultslog.lines_backwards(path))
    assert len(lines) == 2 and lines[0] == b"\0" and json.loads(lines[1])["type"] == "run"
    assert sum(reads) == path.stat().st_size  # every byte read once
    unreadable = [0]
    assert len(list(resultslog.records_backwards(path, unreadable))) == 1 and unreadable == [1]


def test_a_long_line_across_many_blocks_is_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(resultslog, "BLOCK", 5)
    path = tmp_path / "log"
    path.write_bytes(b"a" * 23 + b"\n" + b"b" * 12 + b"\nc")
    assert list(resultslog.lines_backwards(path)) == [b"c", b"b" * 12, b"a" * 23]


def test_short_writes_are_carried_on_until_every_byte_is_written(tmp_path, monkeypatch):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    path = tmp_path / "results.jsonl"
    resultslog.append(path, [run_record("2026-11-01T02:00:00Z"), run_record("2026-11-02T02:00:00Z")])
    assert [json.loads(line)["started"] for line in path.read_text().splitlines()] == [
        "2026-11-01T02:00:00Z", "2026-11-02T02:00:00Z"]


def test_a_disk_that_takes_nothing_is_an_error_not_a_silent_cut(tmp_path, monkeypatch):
    import pytest

    from halosync.errors import LogWriteError

    monkeypatch.setattr(os, "write", lambda fd, data: 0)
    with pytest.raises(LogWriteError, match="could not be written"):
        resultslog.append(tmp_path / "results.jsonl", [run_record("2026-11-01T02:00:00Z")])


def test_an_unwritable_log_is_a_config_error_naming_the_path(tmp_path, monkeypatch):
    import pytest

    from halosync.errors import ConfigError

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(ConfigError, match=r"results\.jsonl cannot be created or appended to \(Permission denied\)"):
        resultslog.ensure_writable(tmp_path / "results.jsonl")


def test_a_run_dated_in_the_future_is_ignored_by_the_due_logic_and_named(tmp_path):
    from datetime import date, datetime

    path = tmp_path / "results.jsonl"
    resultslog.append(path, [run_record("2026-11-02T02:00:00Z"), run_record("2027-03-01T02:00:00Z")])
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    future: list[Any] = []
    assert last_sync.last_success(path, since=date(2026, 11, 1), now=now, future=future) == date(2026, 11, 2)
    assert [r["started"] for r in future] == ["2027-03-01T02:00:00Z"]
    # a few seconds ahead (an NTP step) is not the future
    assert last_sync.last_success(path, since=date(2027, 3, 1), now=datetime(2027, 3, 1, 1, 59, 30, tzinfo=UTC)) \
        == date(2027, 3, 1)
