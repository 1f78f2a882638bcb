"""A signal during `run`'s log append or its summary, in process: always exit 143, never by the raw signal."""

from __future__ import annotations

import json
import os
import signal

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from tests.support import read_log

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


def test_a_second_signal_never_hides_exit_74_whose_unsaved_records_must_be_noticed(monkeypatch, capsys):
    """Asked twice, then the results log refused the records (full disk): the command exits 74, as a late signal
    leaves it (docs/commands.md: 74 outranks a signal); the entry point must not turn it into 143."""
    import sys

    from halosync import cli
    from halosync.errors import ExitCode
    from halosync.run import interrupt

    def full_disk_after_a_second_signal() -> None:
        interrupt.asked_twice = signal.SIGTERM
        raise SystemExit(ExitCode.LOG_UNWRITABLE)

    monkeypatch.setattr(cli, "app", full_disk_after_a_second_signal)
    monkeypatch.setattr(sys, "argv", ["halosync", "run"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == ExitCode.LOG_UNWRITABLE
    assert "interrupted twice" in capsys.readouterr().err  # the second signal is still said
