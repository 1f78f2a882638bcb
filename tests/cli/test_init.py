"""`halosync init`: a starter config, 0600, secrets never echoed, never over an existing config."""

from __future__ import annotations

import stat

from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.load import load_config
from tests.support.terminal import on_a_terminal

runner = CliRunner()
OPTIONS = ["--huntress-key", "hk_init_key", "--huntress-secret", "hs_init_secret", "--halo-url", "https://acme.halopsa.com",
           "--halo-client-id", "init-client", "--halo-client-secret", "init-secret-value", "--tenant", "acme"]


def test_options_write_a_config_that_loads_0600_and_point_at_the_next_steps(tmp_path):
    path = tmp_path / "new" / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), *OPTIONS])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    _, config = load_config(path)
    assert config.secret("halo", "client_secret") == "init-secret-value" and config.halo.tenant == "acme"
    assert config.products.mapped() == {} and config.organizations == []
    assert "check-permissions" in result.stdout and "halosync map" in result.stdout
    for secret in ("hs_init_secret", "init-secret-value", "hk_init_key"):
        assert secret not in result.output


def test_the_default_path_is_the_platforms(isolated):
    result = runner.invoke(app, ["init", *OPTIONS])
    assert result.exit_code == 0, result.output
    assert (isolated / ".config" / "halosync" / "config.toml").exists()


def test_an_existing_config_is_never_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    result = runner.invoke(app, ["init", "--config", str(path), *OPTIONS])
    assert result.exit_code == 2 and "never overwrites" in result.stderr
    assert path.read_text() == "# mine\n"


def test_without_a_terminal_missing_values_are_named_and_nothing_is_written(tmp_path):
    path = tmp_path / "config.toml"
    result = runner.invoke(app, ["init", "--config", str(path), "--halo-url", "https://acme.halopsa.com"])
    assert result.exit_code == 2
    assert "--huntress-key" in result.stderr and "--halo-client-secret" in result.stderr and not path.exists()


def test_a_bad_value_writes_nothing(tmp_path):
    path = tmp_path / "config.toml"
    options = [o if o != "https://acme.halopsa.com" else "acme.halopsa.com" for o in OPTIONS]
    result = runner.invoke(app, ["init", "--config", str(path), *options])
    assert result.exit_code == 2 and "[halo] url" in result.stderr and not path.exists()


def test_on_a_terminal_it_asks_and_never_echoes_a_secret(tmp_path):
    path = tmp_path / "config.toml"
    answers = ["hk_typed_key", "hs_typed_secret", "https://acme.halopsa.com", "typed-client", "typed-secret-value", ""]
    code, text = on_a_terminal(["init", "--config", str(path)], [a.encode() + b"\r" for a in answers])
    assert code == 0, text
    assert "HaloPSA address" in text and "https://acme.halopsa.com" in text  # not a secret: echoed
    for secret in ("hk_typed_key", "hs_typed_secret", "typed-client", "typed-secret-value"):
        assert secret not in text
    _, config = load_config(path)
    assert config.secret("huntress", "api_secret") == "hs_typed_secret"


def test_ctrl_c_at_a_question_writes_nothing_and_exits_130(tmp_path):
    path = tmp_path / "config.toml"
    code, text = on_a_terminal(["init", "--config", str(path)], [b"hk_typed_key\r", b"\x03"])
    assert code == 130 and "interrupted: nothing was written" in text
    assert not path.exists()
