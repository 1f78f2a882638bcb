"""Configured URLs: a password or token in them is never shown; a query is refused at load; a wrong address is
the same exit (5) from every command."""

from __future__ import annotations

import json
import tomllib

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.transport.redaction import shown_url
from tests.support import write_config

runner = CliRunner()


def edit(config, section: str, key: str, value: str):
    data = tomllib.loads(config.read_text())
    data[section][key] = value
    write_config(config, data)
    return config


def test_shown_url_leaves_out_user_password_query_and_fragment():
    assert shown_url("http://admin:HALOPW@127.0.0.1:8080/halo/auth/token") == "http://127.0.0.1:8080/halo/auth/token"
    assert shown_url("https://h.example/auth/token?token=HQTOK#x") == "https://h.example/auth/token?…"


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_check_permissions_never_prints_a_password_in_the_halo_url(sandbox_mock, sandbox_config_file, json_flag):
    config = edit(sandbox_config_file, "halo", "url", "https://admin:HALOPW@sandbox.test/halo")
    result = runner.invoke(app, ["check-permissions", "--config", str(config), *json_flag])
    assert "HALOPW" not in result.output and "admin:" not in result.output
    assert "sandbox.test/halo/auth/token" in result.output


@pytest.mark.parametrize(("section", "key", "value"), [
    ("halo", "url", "https://sandbox.test/halo?token=HQTOK"),
    ("halo", "auth_url", "https://sandbox.test/halo/auth#HQTOK"),
    ("huntress", "base_url", "https://sandbox.test/huntress?key=HQTOK"),
])
def test_a_query_or_fragment_in_a_base_url_is_refused_at_load_without_echoing_it(sandbox_config_file, section, key,
                                                                                   value):
    config = edit(sandbox_config_file, section, key, value)
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert key in result.output and "query" in result.output
    assert "HQTOK" not in result.output


@pytest.mark.parametrize("command", [["run", "--force"], ["approve", "--all"], ["audit"], ["map", "--auto"]])
def test_a_wrong_halo_address_is_exit_5_from_every_command(sandbox_mock, sandbox_config_file, command):
    config = edit(sandbox_config_file, "halo", "url", "https://sandbox.test/nothing-here")
    if command[0] == "approve":  # something must be pending for approve to contact HaloPSA
        data = tomllib.loads(config.read_text())
        data["halo"]["url"] = "https://sandbox.test/halo"
        data["guard"] = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}
        write_config(config, data)
        assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
        sandbox_mock.state.set_count(104, "edr", 0)
        assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 6
        edit(config, "halo", "url", "https://sandbox.test/nothing-here")
    json_flag = [] if command[0] == "map" else ["--json"]
    result = runner.invoke(app, [*command, "--config", str(config), *json_flag])
    assert result.exit_code == 5, result.output
    assert "[halo] url" in (json.dumps(json.loads(result.stdout)) if json_flag else result.output)


def test_an_api_address_with_a_password_is_refused_without_repeating_the_password(sandbox_config_file):
    config = edit(sandbox_config_file, "halo", "url", "https://admin:HALOPW@sandbox.test/halo/api")
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(config)])
    assert result.exit_code == 2 and "https://sandbox.test/halo" in result.output
    assert "HALOPW" not in result.output
