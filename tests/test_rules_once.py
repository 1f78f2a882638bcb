"""Rules written once: which runs count, ISO stamps, the --product check, the --json error object, exit code names."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.runs import counts_as_sync, is_completed, is_done
from halosync.core.times import parse_iso
from halosync.errors import ExitCode
from halosync.formats.json_output import error_document, error_object

runner = CliRunner()


@pytest.mark.parametrize(("code", "done", "completed"), [
    (0, True, True), (1, False, True), (6, True, True), (2, False, False), (3, False, False), (5, False, False),
    (70, False, False), (130, False, False), (143, False, False)])
def test_which_runs_count(code, done, completed):
    assert is_done(code) is done
    assert counts_as_sync({"exit_code": code, "dry_run": False}) is done
    assert is_completed({"exit_code": code, "dry_run": False}) is completed
    assert not counts_as_sync({"exit_code": code, "dry_run": True}) and not is_completed({"exit_code": code, "dry_run": True})
    assert not counts_as_sync({"exit_code": code})  # a record without dry_run is not trusted as a sync


def test_iso_stamps():
    assert parse_iso("2026-11-01T02:00:00Z", naive_is_utc=False) == datetime(2026, 11, 1, 2, tzinfo=UTC)
    assert parse_iso("2026-11-01T02:00:00", naive_is_utc=True) == datetime(2026, 11, 1, 2, tzinfo=UTC)
    local = parse_iso("2026-11-01T02:00:00", naive_is_utc=False)
    assert local is not None and local.tzinfo is not None
    assert parse_iso("yesterday", naive_is_utc=True) is None and parse_iso(None, naive_is_utc=True) is None


def test_exit_code_meanings_have_names():
    assert {int(ExitCode.CHECKS_FAILED), int(ExitCode.FINDINGS), int(ExitCode.DECISIONS_NOT_OK), int(ExitCode.NOT_SAVED)} == {1}
    assert {int(ExitCode.USAGE), int(ExitCode.CONFIG)} == {2}


def test_one_json_error_object():
    assert error_object("nope", ExitCode.USAGE) == {"message": "nope", "exit_code": 2}
    assert json.loads(error_document("nope", 2, rows=[])) == {"rows": [], "error": {"message": "nope", "exit_code": 2}}


@pytest.mark.parametrize("command", [["history"], ["approve"]])
def test_the_product_check_is_one(command, config_file):
    result = runner.invoke(app, [*command, "--product", "nope", "--json", "--config", str(config_file)])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 2 and error["message"].startswith("--product must be one of edr, ")
