"""`halosync init` for a rehearsal and at the prompt: its own results log, URLs checked as they are typed."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.load import load_config
from halosync.config.paths import default_log_path
from halosync.config.starter import is_loopback
from tests.support.terminal import on_a_terminal

runner = CliRunner()
SECRETS = ["--huntress-key", "k" * 8, "--huntress-secret", "s" * 8, "--halo-client-id", "c" * 8,
           "--halo-client-secret", "x" * 8]


def init(path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["init", "--config", str(path), *SECRETS, *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_rehearsal_against_the_sandbox_keeps_its_own_log_beside_the_config(tmp_path):
    path = tmp_path / "halosync-rehearsal.toml"
    code, out, err = init(path, "--halo-url", "http://127.0.0.1:8765/halo", "--tenant", "sandbox",
                          "--huntress-url", "http://127.0.0.1:8765/huntress")
    assert code == 0, err
    _, config = load_config(path)
    assert config.log_path == tmp_path / "halosync-rehearsal-results.jsonl"
    assert config.log_path != default_log_path()
    text = path.read_text()
    assert "real config" in text and "[log]" in text  # the file says why
    assert str(config.log_path) in out


def test_either_url_on_loopback_is_enough(tmp_path):
    path = tmp_path / "r.toml"
    code, _, err = init(path, "--halo-url", "https://acme.halopsa.com", "--huntress-url", "http://localhost:9/huntress")
    assert code == 0, err
    assert tomllib.loads(path.read_text())["log"]["path"] == str(tmp_path / "r-results.jsonl")


def test_a_real_config_uses_the_default_log(tmp_path):
    path = tmp_path / "config.toml"
    code, out, err = init(path, "--halo-url", "https://acme.halopsa.com")
    assert code == 0, err
    assert "log" not in tomllib.loads(path.read_text())
    assert "Results log" not in out


def test_log_path_option_is_written_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.toml"
    code, _, err = init(path, "--halo-url", "https://acme.halopsa.com", "--log-path", "logs/results.jsonl")
    assert code == 0, err
    _, config = load_config(path)
    assert config.log_path == tmp_path / "logs" / "results.jsonl"


def test_loopback_addresses():
    assert is_loopback("http://127.0.0.1:8765/halo") and is_loopback("http://127.1.2.3/x")
    assert is_loopback("http://[::1]:8765/halo") and is_loopback("http://localhost:8765")
    assert not is_loopback("https://acme.halopsa.com") and not is_loopback("https://10.0.0.5") and not is_loopback(None)


def test_a_bad_halo_url_option_fails_before_asking_anything(tmp_path):
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), "--halo-url", "https://acme.halopsa.com/api"])
    assert result.exit_code == 2 and not path.exists()
    assert "--halo-url" in result.stderr and "https://acme.halopsa.com" in result.stderr


def test_the_address_prompt_asks_again_with_the_reason(tmp_path):
    path = tmp_path / "config.toml"
    code, shown = on_a_terminal(
        ["init", "--config", str(path)],
        [b"hk_key\r", b"hs_secret\r", b"https://acme.halopsa.com/api\r", b"acme.halopsa.com\r",
         b"https://acme.halopsa.com\r", b"client\r", b"secret\r", b"\r"])
    assert code == 0, shown
    assert "without /api" in shown and "starting with https://" in shown
    assert shown.count("HaloPSA address (https") == 3
    _, config = load_config(path)
    assert config.halo.url == "https://acme.halopsa.com"
    assert config.secret("huntress", "api_key") == "hk_key"


def test_the_variables_left_in_the_environment_are_them_or_it(tmp_path, monkeypatch):
    for name, value in (("HALOSYNC_HUNTRESS_API_KEY", "k" * 8), ("HALOSYNC_HUNTRESS_API_SECRET", "s" * 8),
                        ("HALOSYNC_HALO_CLIENT_ID", "c" * 8), ("HALOSYNC_HALO_CLIENT_SECRET", "x" * 8)):
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["init", "--config", str(tmp_path / "a.toml"), "--halo-url", "https://acme.halopsa.com"])
    assert result.exit_code == 0 and "(set them for every run, cron's too)" in " ".join(result.stdout.split())
    result = runner.invoke(app, ["init", "--config", str(tmp_path / "b.toml"), "--halo-url", "https://acme.halopsa.com",
                                 "--huntress-key", "k" * 8, "--huntress-secret", "s" * 8, "--halo-client-id", "c" * 8])
    assert result.exit_code == 0 and "(set it for every run, cron's too)" in " ".join(result.stdout.split())


def test_a_log_path_that_is_a_folder_is_refused_before_anything_is_asked(tmp_path):
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), "--halo-url", "https://acme.halopsa.com",
                                 "--log-path", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.stderr and not path.exists()
