"""Vendor text with control characters, impossible times in the log, a null Huntress count, and a log cut back
after a failed append."""

from __future__ import annotations

import errno
import json
import os

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.record_shapes import well_formed
from halosync.errors import LogWriteError
from halosync.formats import text
from halosync.huntress.usage import billable_count
from halosync.run import resultslog
from tests.support import read_log

runner = CliRunner()


def test_visible_escapes_c0_c1_and_esc_but_keeps_line_feed_and_tab():
    assert text.visible("a\x1b[31mb\x9b2Jc\td\ne\x7f\x07") == "a\\x1b[31mb\\x9b2Jc\td\ne\\x7f\\x07"


def test_an_escape_sequence_in_an_organization_name_is_shown_not_obeyed(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.organizations[101]["name"] = "Evil \x1b[31mRed\x1b[0m Ltd"
    sandbox_mock.state.organizations[103]["name"] = "Unmapped \x1b]0;title\x07 Co"
    for args in (["run", "--force"], ["history", "--rows"], ["map", "--show"]):
        result = runner.invoke(app, [*args, "--config", str(sandbox_config_file)], env={"COLUMNS": "200"})
        assert "\x1b" not in result.output and "\x07" not in result.output, args
    result = runner.invoke(app, ["run", "--force", "--config", str(sandbox_config_file)], env={"COLUMNS": "80"})
    assert "\x1b" not in result.output
    assert "\\x1b]0;title\\x07" in result.output  # the unmapped warning names it, escaped


def test_a_run_record_with_an_impossible_time_is_skipped_and_counted():
    good = {"type": "run", "run_id": "r", "started": "2026-11-30T02:00:00Z", "exit_code": 0, "rows": {},
            "requests": {}}
    assert well_formed(good)
    assert not well_formed({**good, "started": "2026-13-45T99:00:00Z"})
    assert not well_formed({"type": "decision", "time": "yesterday", "held_run_id": "r", "halo_client_id": 1,
                            "product": "edr", "licence_id": 1, "previous_count": 1, "count": 2,
                            "decision": "approved", "status": "ok"})


def test_history_skips_a_record_with_an_impossible_time(sandbox_mock, sandbox_config_file):
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)]).exit_code == 0
    log = sandbox_config_file.parent / "results.jsonl"
    bad = {"type": "run", "run_id": "bad", "started": "2026-13-45T99:00:00Z", "exit_code": 0, "rows": {},
           "requests": {}}
    with log.open("a") as f:
        f.write(json.dumps(bad) + "\n")
    result = runner.invoke(app, ["history", "--json", "--config", str(sandbox_config_file)])
    assert result.exit_code == 0, result.output
    assert "bad" not in [r["run_id"] for r in json.loads(result.stdout)["runs"]]
    assert "skipped 1" in result.stderr


def test_a_null_huntress_count_is_no_count_but_an_absent_product_counts_0():
    with pytest.raises(ValueError, match="Huntress gave no count"):
        billable_count({"edr": {"billable_agents_count": None}}, "edr")
    with pytest.raises(ValueError, match="Huntress gave no count"):
        billable_count({"sat": {}}, "sat")
    assert billable_count({}, "edr") == 0


def test_a_null_count_fails_that_organizations_row(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.organizations[104]["usage"]["edr"]["billable_agents_count"] = None
    result = runner.invoke(app, ["run", "--force", "--config", str(sandbox_config_file)])
    assert result.exit_code == 1, result.output
    rows = [r for r in read_log(sandbox_config_file.parent / "results.jsonl") if r["type"] == "row"]
    [failed] = [r for r in rows if r["status"] == "failed"]
    assert (failed["halo_client_id"], failed["product"]) == (14, "edr") and "Huntress gave no count" in failed["message"]


class Record:
    def __init__(self, n: int):
        self.n = n

    def dump(self) -> dict[str, object]:
        return {"type": "note", "n": self.n, "pad": "x" * 200}


def test_a_failed_append_leaves_the_log_as_it_was(tmp_path, monkeypatch):
    log = tmp_path / "results.jsonl"
    resultslog.append(log, [Record(0)])
    size = log.stat().st_size
    real_write = os.write
    calls = []

    def short_then_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:100]))  # half a record reaches the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("halosync.run.resultslog.os.write", short_then_full)
    with pytest.raises(LogWriteError) as failed:
        resultslog.append(log, [Record(1), Record(2)])
    monkeypatch.undo()
    assert log.stat().st_size == size  # no half record left at the end
    assert "cut back" in str(failed.value) and len(failed.value.unsaved) == 2
    resultslog.append(log, [Record(3)])
    assert [r["n"] for r in read_log(log)] == [0, 3]
