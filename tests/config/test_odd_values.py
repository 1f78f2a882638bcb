"""Config and command-line edges: numbers that are not finite, the API's address as [halo] url, a log path that is a folder."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from tests.support import basic_config, write_config

runner = CliRunner()


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_rotate_mb_must_be_finite(tmp_path, value):
    config = write_config(tmp_path / "config.toml", basic_config(log={"path": str(tmp_path / "r.jsonl"), "rotate_mb": value}))
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "[log] rotate_mb" in result.stderr


def test_guard_percent_must_be_finite(tmp_path):
    config = write_config(tmp_path / "config.toml", basic_config(guard={"max_decrease_percent": float("nan")}))
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(config)])
    assert result.exit_code == 2 and "[guard] max_decrease_percent" in result.stderr


@pytest.mark.parametrize("url", ["https://acme.halopsa.com/api", "https://acme.halopsa.com/api/", "https://acme.halopsa.com/auth"])
def test_halo_url_of_the_api_says_the_url_is_wrong_and_what_it_should_be(tmp_path, url):
    config = write_config(tmp_path / "config.toml", basic_config(halo={"url": url}))
    result = runner.invoke(app, ["check-permissions", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "[halo] url" in result.stderr and "https://acme.halopsa.com" in result.stderr
    assert "without /api" in result.stderr and "client_secret" not in result.stderr


@pytest.mark.parametrize("args", [["history"], ["history", "--rows"], ["approve", "--all"], ["audit", "--fix", "--yes"],
                                  ["run", "--force"], ["run", "--dry-run"]])
def test_a_log_path_that_is_a_folder_is_exit_2_naming_it(tmp_path, args):
    folder = tmp_path / "logs"
    folder.mkdir()
    config = write_config(tmp_path / "config.toml", basic_config(log={"path": str(folder)}))
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert str(folder) in result.stderr and "internal error" not in result.stderr


def test_a_log_path_that_is_a_folder_in_json_mode(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    config = write_config(tmp_path / "config.toml", basic_config(log={"path": str(folder)}))
    result = runner.invoke(app, ["history", "--json", "--config", str(config)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["exit_code"] == 2


@pytest.mark.parametrize("args", [["history", "--json", "--last", "abc"], ["history", "--json", "--bogus"],
                                  ["run", "--json", "--no-such-option"], ["approve", "--json", "--client", "x"]])
def test_a_usage_error_in_json_mode_is_the_json_error_document(tmp_path, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert document["error"]["exit_code"] == 2 and document["error"]["message"]
    assert "halosync: error:" in result.stderr


def test_a_usage_error_without_json_stays_clicks_text():
    result = runner.invoke(app, ["history", "--last", "abc"])
    assert result.exit_code == 2 and result.stdout == "" and "Invalid value for '--last'" in result.stderr


def test_a_misspelt_key_names_its_line_and_the_key_meant(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[huntress]\napi_key = "k1234"\napi_secret = "s1234"\nbaseurl = "https://x.example"\n'
                    '[halo]\nurl = "https://a.halopsa.com"\nclient_id = "c1234"\nclient_secret = "x1234"\n'
                    '[sync]\nfrequncy = "daily"\n\n[[clients]]\nhalo_client_id = 1\nminimun = { edr = 1 }\n')
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(path)])
    assert result.exit_code == 2
    assert "[huntress] baseurl: unknown key (line 4); did you mean base_url?" in result.stderr
    assert "[sync] frequncy: unknown key (line 10); did you mean frequency?" in result.stderr
    assert "[[clients]] #1 minimun: unknown key (line 14); did you mean minimum?" in result.stderr
    assert "halosync init" not in result.stderr  # init refuses to overwrite: no help here


def test_an_unknown_key_with_no_near_match_lists_the_keys(tmp_path):
    path = write_config(tmp_path / "config.toml", basic_config(log={"zzz": 1}))
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(path)])
    assert result.exit_code == 2 and "[log] zzz: unknown key" in result.stderr and "path, rotate_mb" in result.stderr
