"""audit --fix on a full disk: a change HaloPSA made and the log cannot take is printed, exit 74, nothing after it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from halosync.cli import app
from halosync.errors import LogWriteError
from halosync.run import resultslog
from tests.cli.test_audit import invoice_writes, synced  # noqa: F401 (the fixture)
from tests.support import read_log

runner = CliRunner()


def test_a_full_disk_after_an_invoice_write_prints_the_record_and_exits_74(synced, monkeypatch):  # noqa: F811
    sandbox, config = synced
    real = resultslog.append

    def full(path, records, rotate_bytes=None):
        if any(getattr(r, "type", "") == "invoice_fix" for r in records):
            raise LogWriteError(f"the results log {path} could not be written (No space left on device)",
                                [json.dumps(r.dump()) for r in records])
        real(path, records, rotate_bytes)

    monkeypatch.setattr(resultslog, "append", full)
    result = runner.invoke(app, ["audit", "--fix", "--yes", "--config", str(config)])
    assert result.exit_code == 74, result.output
    assert invoice_writes(sandbox) == 1  # the first change was made; none started once its record was lost
    printed = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [(r["type"], r["status"]) for r in printed] == [("invoice_fix", "ok")]
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
    assert not [r for r in read_log(config.parent / "results.jsonl") if r["type"] == "invoice_fix"]
