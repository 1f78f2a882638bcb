"""Config validation (SPEC 'Config file'): every error names the file and key, exits 2, contacts nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.load import load_config
from halosync.errors import ConfigError
from tests.support import basic_config, write_config

runner = CliRunner()


def broken(tmp_path: Path, data: dict[str, Any]) -> Path:
    return write_config(tmp_path / "config.toml", data)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (lambda c: c["halo"].update(pagesize=10), "[halo] pagesize", "unknown key"),
        (lambda c: c.update(extra={"a": 1}), "extra", "unknown key"),
        (lambda c: c["sync"].update(day_of_month="1"), "[sync] day_of_month", "should be"),
        (lambda c: c["sync"].update(day_of_month=31), "[sync] day_of_month", "1-28"),
        (lambda c: c["sync"].update(frequency="weekly"), "[sync] frequency", "'daily', 'monthly' or 'invoice'"),
        (lambda c: c["huntress"].update(requests_per_minute=True), "[huntress] requests_per_minute", "integer"),
        (lambda c: c["huntress"].update(counts="exact"), "[huntress] counts", "billable"),
        (lambda c: c["products"].update(edr_server=1), "[products] edr_server", "unknown product"),
        (lambda c: c["products"].update(edr="1001"), "[products] edr", "integer"),
        (lambda c: c["organizations"].append({"huntress_id": 101, "halo_client_id": 3}), "organizations", "101"),
        (lambda c: c["organizations"][1].update(halo_client=3), "[[organizations]] #2 halo_client", "unknown key"),
        (lambda c: c["sync"].update(licence_name="Huntress {product} {client}"), "[sync] licence_name", "{client}"),
        (lambda c: c["sync"].update(licence_name="Huntress {product:d}"), "[sync] licence_name", "not a valid template"),
        (lambda c: c["sync"].update(licence_name="Huntress {product!z}"), "[sync] licence_name", "not a valid template"),
        (lambda c: c["halo"].update(url="acme.halopsa.com"), "[halo] url", "https://"),
        (lambda c: c["halo"].pop("url"), "[halo] url", "required"),
    ],
)
def test_each_error_names_file_and_key(tmp_path, change, key, words):
    data = basic_config()
    change(data)
    path = broken(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and key in message and words in message


def test_missing_secret_names_the_environment_variable(tmp_path):
    data = basic_config()
    del data["halo"]["client_secret"]
    with pytest.raises(ConfigError, match=r"\[halo\] client_secret is missing.*HALOSYNC_HALO_CLIENT_SECRET"):
        load_config(broken(tmp_path, data))


def test_environment_supplies_and_overrides_secrets(tmp_path, monkeypatch):
    data = basic_config()
    del data["halo"]["client_secret"]
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET", "from-env")
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_KEY", "key-from-env")
    _, config = load_config(broken(tmp_path, data))
    assert config.secret("halo", "client_secret") == "from-env"
    assert config.secret("huntress", "api_key") == "key-from-env"  # overrides the file


def test_config_path_from_environment(tmp_path, monkeypatch, config_file):
    monkeypatch.setenv("HALOSYNC_CONFIG", str(config_file))
    path, _ = load_config(None)
    assert path == config_file


def test_world_readable_config_with_secrets_warns(tmp_path):
    path = write_config(tmp_path / "config.toml", basic_config(), mode=0o644)
    warnings: list[str] = []
    load_config(path, warn=warnings.append)
    assert len(warnings) == 1 and "chmod 600" in warnings[0]
    path.chmod(0o600)
    warnings.clear()
    load_config(path, warn=warnings.append)
    assert warnings == []


def test_secrets_never_appear_in_the_config_repr(tmp_path, config_file):
    _, config = load_config(config_file)
    assert "halo-secret-value" not in repr(config) and "hs_test_secret" not in str(config)


def test_invalid_toml(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[huntress\napi_key = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


@pytest.mark.parametrize("case", ["missing", "invalid", "unknown-key"])
def test_cli_config_errors_exit_2_without_traceback_or_contact(tmp_path, mock, case):
    path = tmp_path / "config.toml"
    if case == "invalid":
        path.write_text("this is = = not toml")
    elif case == "unknown-key":
        write_config(path, basic_config(sync={"frequncy": "daily"}))
    result = runner.invoke(app, ["run", "--force", "--config", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and str(path) in result.output
    assert mock.calls.call_count == 0  # nothing contacted


def test_secrets_from_files_with_precedence(tmp_path, monkeypatch):
    (tmp_path / "halo_secret").write_text("from-file\n")
    (tmp_path / "env_secret").write_text("from-env-file\n")
    data = basic_config()
    del data["halo"]["client_secret"]
    data["halo"]["client_secret_file"] = str(tmp_path / "halo_secret")
    path = broken(tmp_path, data)
    assert load_config(path)[1].secret("halo", "client_secret") == "from-file"  # trailing newline dropped
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET_FILE", str(tmp_path / "env_secret"))
    assert load_config(path)[1].secret("halo", "client_secret") == "from-env-file"
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET", "from-env")
    assert load_config(path)[1].secret("halo", "client_secret") == "from-env"


def test_secret_file_path_expands_variables(tmp_path, monkeypatch):
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "huntress_key").write_text("hk_systemd")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    data = basic_config()
    del data["huntress"]["api_key"]
    data["huntress"]["api_key_file"] = "${CREDENTIALS_DIRECTORY}/huntress_key"
    assert load_config(broken(tmp_path, data))[1].secret("huntress", "api_key") == "hk_systemd"


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda d, t: d["halo"].update(client_secret_file=str(t / "nope")), "does not exist"),
        (lambda d, t: (t.joinpath("empty").write_text("\n"), d["halo"].update(client_secret_file=str(t / "empty"))), "is empty"),
        (lambda d, t: d["halo"].update(client_secret_file=3), "should be a path"),
    ],
)
def test_secret_file_errors(tmp_path, setup, words):
    data = basic_config()
    del data["halo"]["client_secret"]
    setup(data, tmp_path)
    with pytest.raises(ConfigError, match=words) as caught:
        load_config(broken(tmp_path, data))
    assert "client_secret_file" in str(caught.value)


def test_secret_and_secret_file_together_is_an_error(tmp_path):
    data = basic_config()
    data["halo"]["client_secret_file"] = "/run/secrets/halo"
    with pytest.raises(ConfigError, match="both client_secret and client_secret_file"):
        load_config(broken(tmp_path, data))


def test_secret_only_from_a_file_gives_no_permission_warning(tmp_path):
    (tmp_path / "s").write_text("x-secret")
    data = basic_config()
    for section, key in (("huntress", "api_key"), ("huntress", "api_secret"), ("halo", "client_id"), ("halo", "client_secret")):
        del data[section][key]
        data[section][f"{key}_file"] = str(tmp_path / "s")
    path = write_config(tmp_path / "config.toml", data, mode=0o644)
    warnings: list[str] = []
    load_config(path, warn=warnings.append)
    assert warnings == []


@pytest.mark.parametrize("where", ["environment", "file", "secret file"])
def test_blanks_around_a_secret_are_stripped_with_a_warning_that_shows_no_secret(tmp_path, monkeypatch, where):
    data = basic_config()
    del data["halo"]["client_secret"]
    padded = "  halo-secret-value \n"
    if where == "environment":
        monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET", padded)
    elif where == "file":
        data["halo"]["client_secret"] = padded
    else:
        (tmp_path / "s").write_text(padded)
        data["halo"]["client_secret_file"] = "s"  # relative: the config file's folder
    warnings: list[str] = []
    monkeypatch.chdir("/")
    _, config = load_config(broken(tmp_path, data), warn=warnings.append)
    assert config.secret("halo", "client_secret") == "halo-secret-value"
    assert len(warnings) == 1 and "removed" in warnings[0] and "halo-secret-value" not in warnings[0]


def test_a_blank_secret_is_missing(tmp_path, monkeypatch):
    data = basic_config()
    del data["halo"]["client_secret"]
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET", " \n")
    with pytest.raises(ConfigError, match="client_secret is missing"):
        load_config(broken(tmp_path, data))


def test_relative_paths_are_the_config_folders_not_the_current_ones(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "huntress_key").write_text("hk_from_beside_the_config")
    data = basic_config(log={"path": "state/results.jsonl"})
    del data["huntress"]["api_key"]
    data["huntress"]["api_key_file"] = "huntress_key"
    path = write_config(folder / "config.toml", data)
    for cwd in (tmp_path, folder, Path("/")):
        monkeypatch.chdir(cwd)
        _, config = load_config(Path("..") / path.relative_to(tmp_path) if cwd == folder else path)
        assert config.log_path == folder / "state" / "results.jsonl"
        assert config.secret("huntress", "api_key") == "hk_from_beside_the_config"
