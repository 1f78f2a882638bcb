"""check-permissions: a pair the run would fail is a failed mapping check, never "ready to sync"."""

from __future__ import annotations

from typer.testing import CliRunner

from halosync.cli import app

runner = CliRunner()


def test_two_licences_on_one_item_fail_the_check_and_the_verdict(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.add_licence(client_id=14, item_id=1001, name="EDR (second)", count=3)
    result = runner.invoke(app, ["check-permissions", "--config", str(sandbox_config_file)])
    assert result.exit_code == 1, result.output
    assert "ready to sync" not in result.output
    assert "1 failed" in result.output and "fix the failures above" in result.output


def test_a_pair_without_a_licence_does_not_promise_a_create(sandbox_mock, sandbox_config_file):
    result = runner.invoke(app, ["check-permissions", "--config", str(sandbox_config_file)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "none (created)" not in text
    assert "none (created when the count is above 0)" in text
