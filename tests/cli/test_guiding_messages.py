"""Messages that point the right way, across commands: dry runs, wrong secrets, unreachable hosts, refused
scopes, help, and how history and audit name clients."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from halosync.sandbox import Sandbox
from tests.support import write_config
from tests.support.held import cli, synced_with_guard


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


@pytest.fixture
def glitch(sandbox_mock: Sandbox, sandbox_config_file: Path) -> tuple[Sandbox, Path]:
    """Synced once with the guard on; then Cedar Law's EDR (client 14) reads 0."""
    synced_with_guard(sandbox_mock, sandbox_config_file, {(104, "edr"): 0})
    return sandbox_mock, sandbox_config_file


def test_a_dry_run_says_what_a_real_run_would_hold_and_that_it_holds_nothing(glitch):
    _, config = glitch
    result = cli("run", "--dry-run", "--force", "--config", str(config))
    shown = flat(result.stdout)
    assert "a real run would hold this for approval: 57 → 0" in shown and "a dry run holds nothing" in shown
    assert "halosync approve" not in shown
    assert "1 a real run would hold for approval" in shown


def test_a_dry_run_in_json_says_the_same(glitch):
    _, config = glitch
    result = cli("run", "--dry-run", "--force", "--json", "--config", str(config))
    document = json.loads(result.stdout)
    [held] = [r for r in document["rows"] if r["status"] == "held"]
    assert held["message"].startswith("a real run would hold this")
    assert result.exit_code == 6
    assert document["error"]["message"] == "a real run would hold 1 change for approval; a dry run holds nothing"


def test_run_json_exiting_6_says_how_many_changes_are_held(glitch):
    _, config = glitch
    result = cli("run", "--force", "--json", "--config", str(config))
    assert result.exit_code == 6
    error = json.loads(result.stdout)["error"]
    assert error == {"message": "1 change held for approval (halosync approve)", "exit_code": 6}


@pytest.mark.parametrize(("variable", "setting"), [("HALOSYNC_HUNTRESS_API_SECRET", "[huntress] api_secret"),
                                                   ("HALOSYNC_HALO_CLIENT_SECRET", "client_secret")])
def test_a_wrong_secret_from_the_environment_is_named_by_its_variable(sandbox_mock, sandbox_config_file, monkeypatch,
                                                                      variable, setting):
    monkeypatch.setenv(variable, "wrong-secret-value")
    result = cli("run", "--force", "--config", str(sandbox_config_file))
    assert result.exit_code == 3, result.output
    assert variable in result.stderr and setting not in result.stderr
    assert "wrong-secret-value" not in result.output
    checks = cli("check-permissions", "--config", str(sandbox_config_file))
    assert variable in " ".join(checks.stdout.split()) and setting not in checks.stdout


def test_a_wrong_secret_from_the_file_is_named_by_its_key(sandbox_mock, sandbox_config_file, monkeypatch):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["halo"]["client_secret"] = "wrong-secret-value"
    write_config(sandbox_config_file, data)
    result = cli("run", "--force", "--config", str(sandbox_config_file))
    assert result.exit_code == 3 and "[halo] client_id and client_secret" in result.stderr


def test_unreachable_names_the_host_tried(config_file):
    import httpx
    import respx

    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(side_effect=httpx.ConnectError("refused"))
        result = cli("run", "--force", "--config", str(config_file))
    assert result.exit_code == 5
    assert "could not be reached at acme.halopsa.com" in result.stderr


def test_check_permissions_with_nothing_mapped_says_what_is_missing(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    del data["products"], data["organizations"]
    write_config(sandbox_config_file, data)
    result = cli("check-permissions", "--config", str(sandbox_config_file))
    shown = flat(result.stdout)
    assert "ready to sync" not in shown and "all 0 exist" not in shown
    assert "nothing will sync until products and organizations are mapped: run halosync map" in shown
    assert "[[organizations]] maps no organization" in shown


def test_check_permissions_counts_in_words(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["organizations"] = [{"huntress_id": 101, "halo_client_id": 12}]
    write_config(sandbox_config_file, data)
    shown = flat(cli("check-permissions", "--config", str(sandbox_config_file)).stdout)
    assert "1 warnings" not in shown and "all 1 exist" not in shown
    assert "the one mapped organization exists in Huntress" in shown


def test_help_names_every_product_and_reads_well():
    from halosync.core.products import PRODUCT_KEYS

    history = " ".join(cli("history", "--help").stdout.split())
    assert all(key in history for key in PRODUCT_KEYS) and "--product KEY" in history and "--client ID" in history
    approve = " ".join(cli("approve", "--help").stdout.split())
    assert "--client ID" in approve and "--product KEY" in approve and "list[" not in approve


def test_audit_dry_run_without_fix_is_refused(config_file):
    result = cli("audit", "--dry-run", "--config", str(config_file))
    assert result.exit_code == 2 and "--dry-run goes with --fix" in result.stderr
    result = cli("audit", "--dry-run", "--json", "--config", str(config_file))
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["exit_code"] == 2


@pytest.mark.parametrize("command", ["demo", "sandbox"])
def test_config_before_demo_or_sandbox_is_refused_not_ignored(tmp_path, command):
    result = cli("--config", str(tmp_path / "x.toml"), command)
    assert result.exit_code == 2 and "takes no --config" in result.stderr


def test_a_refused_scope_and_its_hint_are_two_sentences(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.application_scopes.discard("read:customers")
    result = cli("map", "--show", "--config", str(sandbox_config_file))
    assert result.exit_code == 3, result.output
    message = " ".join(result.stderr.split())
    assert "This command also needs" in message
    before = message.split("This command also needs")[0].rstrip()
    assert before.endswith("."), message


def test_history_filters_decisions_as_it_filters_rows_and_names_organizations(glitch):
    sandbox, config = glitch
    sandbox.state.set_count(108, "sat", 350)
    assert cli("run", "--force", "--config", str(config)).exit_code == 6
    assert cli("approve", "--all", "--config", str(config)).exit_code == 0
    result = cli("history", "--client", "18", "--json", "--config", str(config))
    decisions = json.loads(result.stdout)["decisions"]
    assert {d["halo_client_id"] for d in decisions} == {18}
    result = cli("history", "--product", "edr", "--json", "--config", str(config))
    assert {d["product"] for d in json.loads(result.stdout)["decisions"]} == {"edr"}
    result = cli("history", "--failed", "--rows", "--json", "--config", str(config))
    assert json.loads(result.stdout)["decisions"] == []  # both decisions went through
    shown = flat(cli("history", "--rows", "--last", "1", "--config", str(config)).stdout)
    assert "Cedar Law Group (104)" in shown  # the config's name for the organization, not a bare id


def test_audit_names_the_clients_it_knows(sandbox_mock, sandbox_config_file):
    assert cli("run", "--force", "--config", str(sandbox_config_file)).exit_code == 0
    shown = flat(cli("audit", "--config", str(sandbox_config_file)).stdout)
    assert "Cedar Law Group (14)" in shown
