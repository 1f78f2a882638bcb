"""A run that ended early says so in its summary: zeros and "dry run, nothing written" would read as success."""

from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.models import RunRecord
from tests.support import write_config

runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_dry_run_with_a_wrong_tenant_says_it_ended_early(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["halo"]["tenant"] = "not-ours"
    write_config(sandbox_config_file, data)
    result = runner.invoke(app, ["run", "--force", "--dry-run", "--config", str(sandbox_config_file)])
    assert result.exit_code == 5
    out = flat(result.stdout)
    assert "ended early: nothing was planned" in out and "dry run, exit 5" in out
    assert "0 to create" not in out and "nothing written" not in out


def record(exit_code: int, dry_run: bool, **rows: int) -> RunRecord:
    counts = {"create": 0, "update": 0, "unchanged": 0, "failed": 0, "held": 0, **rows}
    return RunRecord(run_id="r", started="2026-11-01T00:00:00Z", finished="2026-11-01T00:00:01Z", dry_run=dry_run,
                     forced=True, exit_code=exit_code, rows=counts, requests={"huntress": 1, "halo": 0})


def test_summaries_of_runs_that_ended_early():
    assert record(5, False).summary() == "ended early: nothing was written · 1 Huntress + 0 HaloPSA requests · exit 5"
    assert record(130, False, create=2).summary().startswith("2 created, 0 updated, 0 unchanged, 0 failed, ended early")
    assert record(0, True, update=1).summary().endswith("· dry run, nothing written")  # a finished dry run as before
    assert record(6, False, held=1).summary().endswith("1 held for approval · 1 Huntress + 0 HaloPSA requests · exit 6")


def test_quiet_prints_held_rows_as_the_docs_say(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["guard"] = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}
    write_config(sandbox_config_file, data)
    assert runner.invoke(app, ["run", "--force", "--quiet", "--config", str(sandbox_config_file)]).stdout == ""
    sandbox_mock.state.set_count(104, "edr", 0)
    result = runner.invoke(app, ["run", "--force", "--quiet", "--config", str(sandbox_config_file)])
    assert result.exit_code == 6
    assert "held" in result.stdout and "1 held for approval" in flat(result.stdout)
