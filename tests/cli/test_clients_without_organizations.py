"""A [[clients]] entry whose client no organization maps to bills nothing: `run` and `check-permissions` say so."""

from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from tests.support import write_config

runner = CliRunner()


def with_orphan(config_file):
    data = tomllib.loads(config_file.read_text())
    data["clients"] = [{"halo_client_id": 99, "name": "Old Customer", "minimum": {"edr": 10}},
                       {"halo_client_id": 14, "minimum": {"edr": 5}}]
    return write_config(config_file, data)


def test_run_warns_naming_the_entry(sandbox_mock, sandbox_config_file):
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(with_orphan(sandbox_config_file))])
    assert result.exit_code == 0, result.output
    assert "[[clients]] #1, HaloPSA client 99 (Old Customer)" in result.stderr
    assert "client 14" not in result.stderr


def test_check_permissions_warns_naming_the_entry(sandbox_mock, sandbox_config_file):
    result = runner.invoke(app, ["check-permissions", "--config", str(with_orphan(sandbox_config_file))])
    assert "HaloPSA client 99 (Old Customer)" in " ".join(result.stdout.split())
    result = runner.invoke(app, ["check-permissions", "--json", "--config", str(sandbox_config_file)])
    assert "[[clients]]" in result.stdout
