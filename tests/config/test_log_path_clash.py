"""[log] path must be a file of its own: naming the config itself or a secret file is a config error (exit 2)."""

from __future__ import annotations

from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.load import load_config
from halosync.errors import ConfigError
from tests.support import basic_config, write_config

runner = CliRunner()


def _refused(path) -> str:
    try:
        load_config(path)
    except ConfigError as exc:
        return str(exc)
    raise AssertionError("loaded")


def test_log_path_naming_the_config_itself_is_refused_naming_the_key(tmp_path):
    data = basic_config()
    data["log"] = {"path": "config.toml"}  # relative: the config's own folder
    path = write_config(tmp_path / "config.toml", data)
    message = _refused(path)
    assert "[log] path" in message and "config file itself" in message
    before = path.read_bytes()
    result = runner.invoke(app, ["history", "--config", str(path)])
    assert result.exit_code == 2 and "[log] path" in result.stderr
    assert path.read_bytes() == before


def test_log_path_naming_the_config_through_a_symlink_is_refused(tmp_path):
    data = basic_config()
    data["log"] = {"path": str(tmp_path / "link.toml")}
    path = write_config(tmp_path / "config.toml", data)
    (tmp_path / "link.toml").symlink_to(path)
    assert "config file itself" in _refused(path)


def test_log_path_naming_a_secret_file_is_refused(tmp_path):
    (tmp_path / "secret.txt").write_text("s3cret-value\n")
    data = basic_config()
    data["halo"].pop("client_secret")
    data["halo"]["client_secret_file"] = "secret.txt"
    data["log"] = {"path": str(tmp_path / "secret.txt")}
    message = _refused(write_config(tmp_path / "config.toml", data))
    assert "[log] path" in message and "[halo] client_secret_file" in message and "s3cret-value" not in message


def test_log_path_naming_a_secret_file_from_the_environment_is_refused(tmp_path, monkeypatch):
    (tmp_path / "key.txt").write_text("k3y\n")
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_KEY_FILE", str(tmp_path / "key.txt"))
    data = basic_config()
    data["log"] = {"path": str(tmp_path / "key.txt")}
    assert "HALOSYNC_HUNTRESS_API_KEY_FILE" in _refused(write_config(tmp_path / "config.toml", data))


def test_a_log_of_its_own_loads(tmp_path):
    data = basic_config()
    data["log"] = {"path": "results.jsonl"}
    _, config = load_config(write_config(tmp_path / "config.toml", data))
    assert config.log_path == tmp_path / "results.jsonl"


def test_a_log_path_that_is_a_device_or_a_pipe_is_refused_in_every_command(tmp_path):
    """/dev/full reads forever (a run grew by a gigabyte a second until the kernel stopped it); a FIFO blocks."""
    import os

    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    for log in ("/dev/full", str(fifo)):
        data = basic_config()
        data["log"] = {"path": log}
        path = write_config(tmp_path / "config.toml", data)
        assert "not a regular file" in _refused(path) and log in _refused(path)
        for command in (["run", "--force"], ["history"], ["report"], ["audit"]):
            result = runner.invoke(app, [*command, "--config", str(path)])
            assert result.exit_code == 2 and "not a regular file" in " ".join(result.output.split()), command
