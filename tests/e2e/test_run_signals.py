"""A signal during `run`'s last write, its log append or its summary: always exit 130/143, never by the raw signal."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.sandbox import Sandbox, serve
from tests.support import read_log
from tests.support.installed import let_go, start_during_a_licence_write, summary_config

runner = CliRunner()


class Raw(Exception):
    """What the raw signal would have done: stands in for the process dying by SIGTERM."""


@pytest.fixture
def raw_sigterm():
    def die(signum, frame):
        raise Raw

    previous = signal.signal(signal.SIGTERM, die)
    yield
    signal.signal(signal.SIGTERM, previous)


def signal_before(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
    """`module.name` sends this process SIGTERM, then does its work."""
    original = getattr(module, name)

    def signalled(*args: object, **kwargs: object) -> object:
        os.kill(os.getpid(), signal.SIGTERM)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, signalled)


def test_a_signal_while_the_run_record_is_appended_still_exits_143(sandbox_mock, sandbox_config_file, monkeypatch,
                                                                    raw_sigterm):
    from halosync.run import resultslog

    signal_before(monkeypatch, resultslog, "append")
    result = runner.invoke(app, ["run", "--force", "--json", "--config", str(sandbox_config_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 143
    document = json.loads(result.stdout)
    assert document["error"]["exit_code"] == 143
    assert "interrupted by SIGTERM" in json.dumps(document["error"])
    [run] = [r for r in read_log(sandbox_config_file.parent / "results.jsonl") if r["type"] == "run"]
    assert sum(run["rows"].values()) == 40 and run["exit_code"] == 0  # every row on record; the record says completed


def test_a_signal_while_the_summary_is_printed_exits_143_not_by_the_signal(sandbox_mock, sandbox_config_file,
                                                                          monkeypatch, raw_sigterm):
    from halosync.formats import run as run_format

    signal_before(monkeypatch, run_format, "show_run")
    result = runner.invoke(app, ["run", "--force", "--json", "--config", str(sandbox_config_file)])
    assert not isinstance(result.exception, Raw)
    assert result.exit_code == 143


def test_sigterm_during_the_only_write_exits_143_and_the_record_and_json_say_interrupted(tmp_path: Path):
    sandbox = Sandbox()  # 40 rows: one batch, so the signal lands while the last write is in flight
    with serve(sandbox) as url:
        config = summary_config(url, tmp_path)
        process = start_during_a_licence_write(sandbox, "run", "--config", str(config), "--force", "--json")
        process.heard(signal.SIGTERM)
        let_go(sandbox)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    document = json.loads(stdout)
    assert document["run"]["exit_code"] == 143 and "interrupted" in document["run"]["error"]
    run_record = read_log(tmp_path / "results.jsonl")[-1]
    assert run_record["type"] == "run" and run_record["exit_code"] == 143 and "interrupted" in run_record["error"]


def test_sigterm_around_the_end_of_a_run_never_kills_it_by_the_raw_signal(tmp_path: Path):
    """Swept across the end of the run (the last answer, the record, the summary, shutdown): always 143 or, once
    the process is as good as gone, its own exit code; never -15, and a 143 the record or the output explains."""
    for n, delay in enumerate((-0.05, 0.0, 0.05, 0.1, 0.15)):  # seconds after the last write is let go
        sandbox = Sandbox()
        with serve(sandbox) as url:
            config = summary_config(url, tmp_path, suffix=str(n))
            process = start_during_a_licence_write(sandbox, "run", "--config", str(config), "--force", "--json")
            assert sandbox.faults.hold_writes is not None
            if delay < 0:
                process.send_signal(signal.SIGTERM)
                time.sleep(-delay)
            sandbox.faults.hold_writes.set()
            if delay >= 0:
                time.sleep(delay)
                process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=60)
        assert process.returncode in (0, 143), (delay, process.returncode, stderr)
        run_record = read_log(tmp_path / f"results{n}.jsonl")[-1]
        assert run_record["type"] == "run"
        if process.returncode == 143 and run_record["exit_code"] != 143:
            assert "interrupted by SIGTERM after the last write" in stdout + stderr or stdout.strip(), delay
