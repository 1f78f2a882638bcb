"""Text from the vendors (organization, client and item names) is printed as it is, never read as rich markup."""

from __future__ import annotations

import json
import tomllib

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from tests.support import read_log, write_config

runner = CliRunner()
ORG = "Cedar [/] Law [bold]Group"
CLIENT = "[bold]Cedar[/bold] Law :smile: [red]"
UNMAPPED = "Bob's [/] Bakery [italic]"


def cli(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def marked(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.organizations[104]["name"] = ORG
    sandbox_mock.state.organizations[103]["name"] = UNMAPPED
    sandbox_mock.state.clients[14]["name"] = CLIENT
    for record in [*sandbox_mock.state.licences.values(), *sandbox_mock.state.invoices]:
        if record["client_id"] == 14:
            record["client_name"] = CLIENT
    data = tomllib.loads(sandbox_config_file.read_text())
    for org in data["organizations"]:  # the names `map` wrote into the config, from HaloPSA
        if org["halo_client_id"] == 14:
            org["name"] = CLIENT
    data["guard"] = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}
    write_config(sandbox_config_file, data)
    return sandbox_mock, sandbox_config_file


def test_results_table_prints_names_as_they_are(marked):
    _, config = marked
    result = cli("run", "--force", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert ORG in result.stdout, result.stdout
    assert CLIENT in result.stdout, result.stdout
    assert UNMAPPED in result.stderr, result.stderr


def test_history_check_permissions_map_and_audit_print_names_as_they_are(marked):
    _, config = marked
    assert cli("run", "--force", "--config", str(config)).exit_code == 0
    log = config.parent / "results.jsonl"
    records = read_log(log)
    said = "HaloPSA said: [bold]no[/] such [/] item"  # a vendor's own words, kept in a row's message
    records[0]["message"] = said
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    history = cli("history", "--rows", "--config", str(config))
    assert history.exit_code == 0, history.output
    assert said in history.stdout
    checks = cli("check-permissions", "--config", str(config))
    assert UNMAPPED in checks.stdout, checks.output
    mapping = cli("map", "--show", "--config", str(config))
    assert mapping.exit_code == 0, mapping.output
    assert UNMAPPED in mapping.stdout
    audit = cli("audit", "--config", str(config))
    assert audit.exit_code in (0, 1), audit.output
    assert "Traceback" not in audit.output and "internal error" not in audit.output


def test_approve_and_people_messages_print_names_as_they_are(marked):
    sandbox, config = marked
    assert cli("run", "--force", "--config", str(config)).exit_code == 0
    sandbox.state.set_count(104, "edr", 0)
    held = cli("run", "--force", "--config", str(config))
    assert held.exit_code == 6, held.output
    assert CLIENT in held.stdout
    approve = cli("approve", "--all", "--dry-run", "--config", str(config))
    assert approve.exit_code == 0, approve.output
    assert "Traceback" not in approve.output and "internal error" not in approve.output


def test_every_console_prints_markup_as_text(capsys):
    from halosync.formats import console

    console.stdout.print(ORG)
    console.stderr.print(CLIENT)
    out, err = capsys.readouterr()
    assert ORG in out and CLIENT in err


def test_people_message_keeps_names():
    from halosync.core.models import Row, RunRecord
    from halosync.formats.notify import people_message

    row = Row(run_id="r", time="t", dry_run=False, halo_client_id=14, huntress_organization_ids=[104], product="edr",
              halo_item_id=1001, licence_id=1, previous_count=57, count=0, action="update", status="held",
              message="held")
    record = RunRecord(run_id="r", started="s", finished="f", dry_run=False, forced=False, exit_code=6,
                       rows={"create": 0, "update": 0, "unchanged": 0, "failed": 0, "held": 1}, requests={})
    message = people_message(record, [row], {14: CLIENT})
    assert message is not None and CLIENT in message[1]


def test_check_permissions_on_a_narrow_page_shows_control_characters_in_names_never_obeys_them(
        sandbox_mock, sandbox_config_file, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # the line format cron mail gets, not the table
    name = "Cedar \x1b[31mLaw"
    sandbox_mock.state.clients[14]["name"] = name
    for record in sandbox_mock.state.licences.values():
        if record["client_id"] == 14:
            record["client_name"] = name
    data = tomllib.loads(sandbox_config_file.read_text())
    for org in data["organizations"]:
        if org["halo_client_id"] == 14:
            org["name"] = name  # the licence survey names each client
    write_config(sandbox_config_file, data)
    assert cli("run", "--force", "--json", "--config", str(sandbox_config_file)).exit_code == 0
    result = cli("check-permissions", "--config", str(sandbox_config_file))
    assert "\x1b" not in result.stdout and "Cedar \\x1b[31mLaw" in result.stdout, result.stdout
