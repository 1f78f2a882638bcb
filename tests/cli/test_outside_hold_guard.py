"""An outside change held for approval still carries the guard's verdict, and `approve --all` tells the approver."""

from __future__ import annotations

import json
import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from halosync.sandbox.config import RECOMMENDED_GUARD
from tests.support import write_config

runner = CliRunner()


def test_an_outside_change_held_also_says_the_guard_would_hold_it(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["sync"]["outside_changes"] = "hold"
    data["guard"] = dict(RECOMMENDED_GUARD)  # 20% down at most
    config = write_config(sandbox_config_file, data)
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
    licence = next(l for l in sandbox_mock.live_licences(21) if l["item_id"] == 1001)
    licence["count"] = 90  # edited outside halosync
    for org in data["organizations"]:
        if org["halo_client_id"] == 21:
            sandbox_mock.state.set_count(org["huntress_id"], "edr", 0)  # and Huntress reads 0: an outage?

    result = runner.invoke(app, ["run", "--force", "--json", "--config", str(config)])
    assert result.exit_code == 6, result.output
    [held] = [r for r in json.loads(result.stdout)["rows"] if r["status"] == "held"]
    assert held["licence_id"] == licence["id"] and held["count"] == 0 and held["previous_count"] == 90
    assert "changed outside halosync" in held["message"]
    assert "the guard holds it too: a decrease of 100%, beyond the 20% limit" in held["message"]
    assert held["message"].index("guard holds") < held["message"].index("`halosync approve` writes 0")

    approve = runner.invoke(app, ["approve", "--all", "--config", str(config)], env={"COLUMNS": "300"})
    assert approve.exit_code == 0, approve.output
    assert licence["count"] == 0
    said = " ".join(approve.stdout.split())
    assert "wrote 0 (held: licence" in said and "changed outside halosync" in said
    assert "a decrease of 100%, beyond the 20% limit" in said


def test_a_guard_without_hold_is_unchanged_for_outside_warnings(sandbox_mock, sandbox_config_file):
    """With outside changes only warned of, the guard alone holds the drop, with its own wording."""
    data = tomllib.loads(sandbox_config_file.read_text())
    data["guard"] = dict(RECOMMENDED_GUARD)
    config = write_config(sandbox_config_file, data)
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
    licence = next(l for l in sandbox_mock.live_licences(21) if l["item_id"] == 1001)
    licence["count"] = 90
    for org in data["organizations"]:
        if org["halo_client_id"] == 21:
            sandbox_mock.state.set_count(org["huntress_id"], "edr", 0)
    result = runner.invoke(app, ["run", "--force", "--json", "--config", str(config)])
    [held] = [r for r in json.loads(result.stdout)["rows"] if r["status"] == "held"]
    assert held["message"].startswith("held for approval: 90 → 0, a decrease of 100%, beyond the 20% limit")
