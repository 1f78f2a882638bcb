"""`history --failed --client N` (or --held) with nothing matching says so, as without --client: no empty table."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from halosync.cli import app
from tests.cli.test_history_filters import row, run

runner = CliRunner()


def test_failed_rows_of_a_client_with_none_say_so(sandbox_config_file):
    log = sandbox_config_file.parent / "results.jsonl"
    records = [row("rowfail", 14, "failed"), row("rowfail", 15, "ok"), run("rowfail", 1, failed=1)]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(app, ["history", "--config", str(sandbox_config_file), "--failed", "--client", "15"])
    assert result.exit_code == 0, result.output
    assert f"No failed runs in {log}." in result.stdout and "┃" not in result.stdout
    held = runner.invoke(app, ["history", "--config", str(sandbox_config_file), "--held", "--client", "15"])
    assert f"No held runs in {log}." in held.stdout
    shown = runner.invoke(app, ["history", "--config", str(sandbox_config_file), "--failed", "--client", "14"])
    assert "No failed runs" not in shown.stdout and "5014" in shown.stdout
