"""Signals the installed command gets from cron or a person, end to end against the sandbox: a second signal
while a write is in flight (the write's record is never lost), and a signal while `audit` only reads."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from halosync.sandbox import Sandbox, State, serve
from halosync.sandbox.config import sandbox_config
from tests.support import read_log, recorded, write_config
from tests.support.contract import assert_conforms
from tests.support.held import synced
from tests.support.installed import (
    Started,
    interrupted_twice,
    let_go,
    start,
    start_during_a_licence_write,
    start_fixing_during_an_invoice_write,
    summary_config,
    wait_for,
)

ACME = 901


@contextmanager
def fixing_during_an_invoice_write(folder: Path) -> Iterator[tuple[Sandbox, Path, Started]]:
    """The seeded sandbox served, synced once, and `audit --fix --yes --json` started on it, its first invoice
    write held unanswered: (sandbox, config, the command)."""
    sandbox = Sandbox(State.seeded())
    with serve(sandbox) as url:
        config = write_config(folder / "config.toml", sandbox_config(url, str(folder / "results.jsonl")))
        yield sandbox, config, start_fixing_during_an_invoice_write(sandbox, config)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_second_signal_during_an_invoice_write_records_it_unverified(tmp_path, signum, code):
    with fixing_during_an_invoice_write(tmp_path) as (sandbox, config, process):
        stdout, stderr = interrupted_twice(process, signum)  # asked twice: stop now
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    fixes = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "invoice_fix"]
    assert len(fixes) == 1 and len(sandbox.invoice_write_arrivals) == 1
    [record] = fixes
    assert record["status"] == "unverified" and record["invoice_id"] == ACME
    assert "interrupted while the write was in flight" in record["message"] and f"invoice {ACME}" in record["message"]
    payload = json.loads(stdout)
    assert payload["error"]["exit_code"] == code and "interrupted" in payload["error"]["message"]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_second_signal_during_the_licence_writes_keeps_every_row_on_record(tmp_path, signum, code):
    sandbox = Sandbox(State.generated(150))  # 600 rows: 12 batches of 50, 4 at a time
    with serve(sandbox) as url:
        config = summary_config(url, tmp_path, sandbox.state)
        # The first 4 batches answered, the next 4 in flight (held unanswered) when the signals come.
        process = start_during_a_licence_write(sandbox, "run", "--config", str(config), "--force", "--json",
                                               after=4, in_flight=4)
        stdout, stderr = interrupted_twice(process, signum)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    records = read_log(tmp_path / "results.jsonl")
    assert records[-1]["type"] == "run" and records[-1]["exit_code"] == code
    logged = [r for r in records if r["type"] == "row"]
    assert len(logged) == 600
    ok_writes = [r for r in logged if r["status"] == "ok" and r["action"] == "create"]
    # Every licence HaloPSA holds is on record: as written, or as a write whose outcome is unknown.
    unknown = [r for r in logged if r["status"] == "failed" and "in flight" in r["message"]]
    assert (len(ok_writes), len(unknown)) == (200, 200)
    assert len(ok_writes) <= len(sandbox.live_licences()) <= len(ok_writes) + len(unknown)
    assert json.loads(stdout)["run"]["exit_code"] == code


@pytest.mark.parametrize("args", [["audit", "--json"], ["audit", "--fix", "--yes", "--json"]])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_the_audit_reads_is_the_error_document_and_nothing_written(tmp_path, args, signum, code):
    sandbox = Sandbox(State.seeded())
    with serve(sandbox) as url:
        config = write_config(tmp_path / "config.toml", sandbox_config(url, str(tmp_path / "results.jsonl")))
        synced(config)
        sandbox.faults.latency = 0.3  # each read: the signal comes while the audit is still reading
        before = len(sandbox.requests)
        process = start(*args, "--config", str(config))
        wait_for(lambda: len(sandbox.requests) > before)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and "nothing was written" in stderr
    payload = json.loads(stdout)
    assert payload["error"]["exit_code"] == code and "nothing was written" in payload["error"]["message"]
    assert sandbox.invoice_writes == 0


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_the_fixes_finishes_and_records_the_write_in_flight(tmp_path, signum, code):
    with fixing_during_an_invoice_write(tmp_path) as (sandbox, config, process):
        signalled = time.monotonic()
        process.heard(signum)
        let_go(sandbox)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    # The write in flight finished; none started after the signal, though the way was open once it was answered.
    assert len(sandbox.invoice_write_arrivals) == 1 and sandbox.invoice_write_arrivals[0] <= signalled
    [record] = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "invoice_fix"]
    assert record["status"] == "ok" and record["invoice_id"] == ACME and record["line_id"] == 9013  # Acme's SAT line
    payload = json.loads(stdout)
    assert payload["error"]["exit_code"] == code and "interrupted by" in payload["error"]["message"]
    assert "1 invoice change(s) were finished and recorded; 3 not started" in payload["error"]["message"]
    assert [a["status"] for a in payload["applied"]] == ["ok"] and "interrupted by" in stderr
    assert_conforms(recorded(sandbox))
