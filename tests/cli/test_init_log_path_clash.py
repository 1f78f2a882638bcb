"""`halosync init --log-path`: never the config file itself, never empty; refused before asking, nothing written."""

from __future__ import annotations

from typer.testing import CliRunner

from halosync.cli import app
from tests.cli.test_init import OPTIONS

runner = CliRunner()


def test_log_path_equal_to_the_config_is_refused_and_nothing_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "--log-path", "x2.toml", "--config", "x2.toml", *OPTIONS])
    assert result.exit_code == 2 and "config file itself" in result.stderr and "--log-path" in result.stderr
    assert not (tmp_path / "x2.toml").exists()


def test_log_path_spelled_differently_but_the_config_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    result = runner.invoke(app, ["init", "--log-path", "sub/../x2.toml", "--config", str(tmp_path / "x2.toml"), *OPTIONS])
    assert result.exit_code == 2 and "config file itself" in result.stderr
    assert not (tmp_path / "x2.toml").exists()


def test_an_empty_log_path_is_called_empty(tmp_path):
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--log-path", "", "--config", str(path), *OPTIONS])
    assert result.exit_code == 2 and "--log-path is empty" in result.stderr and not path.exists()
