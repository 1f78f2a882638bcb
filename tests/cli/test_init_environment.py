"""`halosync init` for a newcomer: secrets in HALOSYNC_* variables stay there, the Huntress URL, the recommended guard."""

from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.load import load_config

runner = CliRunner()
URL = ["--halo-url", "https://acme.halopsa.com"]


def test_secrets_in_the_environment_stay_there(tmp_path, monkeypatch):
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_KEY", "hk_env_key")
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_SECRET", "hs_env_secret")
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_ID", "env-client")
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET", "env-secret-value")
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), *URL])
    assert result.exit_code == 0, result.output
    text = path.read_text()
    for secret in ("hk_env_key", "hs_env_secret", "env-client", "env-secret-value"):
        assert secret not in text and secret not in result.output
    assert "HALOSYNC_HALO_CLIENT_SECRET" in result.stdout  # says where they stay
    _, config = load_config(path)  # and the file loads, with the secrets from the environment
    assert config.secret("halo", "client_secret") == "env-secret-value"


def test_a_secret_file_variable_counts_too_and_an_option_still_goes_in_the_file(tmp_path, monkeypatch):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET_FILE", str(secret_file))
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), *URL, "--huntress-key", "hk_opt", "--huntress-secret",
                                 "hs_opt", "--halo-client-id", "opt-client"])
    assert result.exit_code == 0, result.output
    data = tomllib.loads(path.read_text())
    assert data["huntress"]["api_key"] == "hk_opt" and "client_secret" not in data["halo"]
    assert "HALOSYNC_HALO_CLIENT_SECRET_FILE" in result.stdout


def test_huntress_url_and_the_recommended_guard_are_written(tmp_path):
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), *URL, "--huntress-url", "http://127.0.0.1:8765/huntress/",
                                 "--huntress-key", "k" * 8, "--huntress-secret", "s" * 8, "--halo-client-id", "c" * 8,
                                 "--halo-client-secret", "x" * 8])
    assert result.exit_code == 0, result.output
    _, config = load_config(path)
    assert config.huntress.base_url == "http://127.0.0.1:8765/huntress"
    assert config.guard is not None
    assert (config.guard.max_decrease_percent, config.guard.max_increase_percent, config.guard.min_units) == (20, 50, 5)
    assert "halosync approve" in path.read_text()  # the guard is explained where it is written


def test_a_bad_huntress_url_writes_nothing(tmp_path):
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), *URL, "--huntress-url", "api.huntress.io",
                                 "--huntress-key", "k" * 8, "--huntress-secret", "s" * 8, "--halo-client-id", "c" * 8,
                                 "--halo-client-secret", "x" * 8])
    assert result.exit_code == 2 and "[huntress] base_url" in result.stderr and not path.exists()
