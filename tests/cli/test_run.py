"""`halosync run` through the CLI, against the sandbox answering in-process via respx."""

from __future__ import annotations

import json
import tomllib
from collections import Counter

import pytest
from filelock import FileLock
from typer.testing import CliRunner

from halosync.cli import app
from halosync.run.resultslog import lock_path
from halosync.sandbox.state import HALO_CLIENT_SECRET, HUNTRESS_SECRET
from tests.support import read_log, write_config

runner = CliRunner()


def run(config, *args):
    return runner.invoke(app, ["run", "--config", str(config), *args])


def log_of(config):
    return read_log(config.parent / "results.jsonl")


def table_rows(stdout):
    """The results table's rows as lists of cells; a cell wrapped onto continuation lines is joined again."""
    rows: list[list[str]] = []
    for line in stdout.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if rows and not cells[0]:  # a continuation line: the first column (the client) never wraps here
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def writes(sandbox):
    return sandbox.count("halo", "POST", "/api/SoftwareLicence")


def licences_per_slot(sandbox):
    return Counter((l["client_id"], l["item_id"]) for l in sandbox.live_licences())


def test_first_sync_creates_and_updates_and_logs_every_row(sandbox_mock, sandbox_config_file):
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 0, result.output
    records = log_of(sandbox_config_file)
    rows = [r for r in records if r["type"] == "row"]
    assert len(rows) == 11 * 4 - 4  # 10 Halo clients x 4 products (two organizations share client 12)
    acme_edr = next(r for r in rows if r["halo_client_id"] == 12 and r["product"] == "edr")
    assert (acme_edr["count"], acme_edr["action"], acme_edr["huntress_organization_ids"]) == (48, "create", [101, 102])
    cedar_edr = next(r for r in rows if r["halo_client_id"] == 14 and r["product"] == "edr")
    assert (cedar_edr["previous_count"], cedar_edr["count"], cedar_edr["action"]) == (50, 57, "update")
    assert sandbox_mock.state.licences[cedar_edr["licence_id"]]["name"] == "Huntress EDR (Cedar)"  # name kept
    [unmapped] = [r for r in records if r["type"] == "unmapped"]
    assert unmapped["huntress_organization_id"] == 103
    summary = records[-1]
    assert summary["type"] == "run" and summary["exit_code"] == 0 and summary["rows"]["failed"] == 0
    assert summary["requests"] == {"huntress": sandbox_mock.count("huntress"), "halo": sandbox_mock.count("halo")}
    assert writes(sandbox_mock) == 1  # one batch
    [acme_edr_cells] = [r for r in table_rows(result.stdout) if r[1].startswith("Acme Dental (101)") and r[2] == "Managed EDR"]
    assert acme_edr_cells[4:] == ["48", "create", "ok"] and acme_edr_cells[3] == str(acme_edr["licence_id"])
    assert "103" in result.stderr and "not mapped" in result.stderr
    # The foreign Microsoft licence on client 12 is untouched.
    foreign = next(l for l in sandbox_mock.state.licences.values() if l["item_id"] == 2001)
    assert foreign["count"] == 25 and foreign["name"] == "Microsoft 365 Business Premium"


def test_steady_state_writes_nothing_and_a_change_is_one_update(sandbox_mock, sandbox_config_file):
    run(sandbox_config_file, "--force")
    before = writes(sandbox_mock)
    assert run(sandbox_config_file, "--force").exit_code == 0
    assert writes(sandbox_mock) == before
    sandbox_mock.state.set_count(106, "edr", 15)
    assert run(sandbox_config_file, "--force").exit_code == 0
    assert writes(sandbox_mock) == before + 1
    last_post = [r for r in sandbox_mock.requests if r.method == "POST" and r.path == "/api/SoftwareLicence"][-1]
    [body] = last_post.json
    assert set(body) == {"id", "client_id", "count"} and body["count"] == 15


def test_dry_run_writes_nothing_and_does_not_count_as_a_sync(sandbox_mock, sandbox_config_file):
    result = run(sandbox_config_file, "--dry-run")
    assert result.exit_code == 0 and writes(sandbox_mock) == 0
    records = log_of(sandbox_config_file)
    assert all(r["dry_run"] for r in records if r["type"] in ("row", "run"))
    assert "dry run" in result.stdout
    run(sandbox_config_file)  # still due: a dry run is not a sync
    assert writes(sandbox_mock) == 1


def test_not_due_contacts_nothing(sandbox_mock, sandbox_config_file):
    run(sandbox_config_file, "--force")
    seen = len(sandbox_mock.requests)
    result = run(sandbox_config_file)
    assert result.exit_code == 0 and "Not due: next sync on" in result.stdout
    assert len(sandbox_mock.requests) == seen
    as_json = json.loads(run(sandbox_config_file, "--json").stdout)
    assert as_json["run"] is None and as_json["not_due"]["next_due"]


def test_json_output_is_one_object_and_nothing_else(sandbox_mock, sandbox_config_file):
    result = run(sandbox_config_file, "--force", "--json")
    payload = json.loads(result.stdout)
    assert set(payload) == {"run", "rows", "unmapped"}
    assert payload["run"]["exit_code"] == 0 and len(payload["rows"]) == 40
    assert payload["rows"] == [r for r in log_of(sandbox_config_file) if r["type"] == "row"]


def test_quiet_prints_nothing_on_success_and_the_failures_otherwise(sandbox_mock, sandbox_config_file):
    assert run(sandbox_config_file, "--force", "--quiet").stdout == ""
    sandbox_mock.faults.fail_writes_for_clients = {16}
    sandbox_mock.state.set_count(106, "edr", 99)
    result = run(sandbox_config_file, "--force", "--quiet")
    assert result.exit_code == 1
    shown = table_rows(result.stdout)
    assert shown and all(r[0].endswith("(16)") and "failed" in r[6] for r in shown)  # the failed rows, and only they
    assert [r[2] for r in shown] == ["Managed EDR"]


def test_one_clients_failing_writes_fail_only_its_rows(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.fail_writes_for_clients = {15}
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 1
    rows = [r for r in log_of(sandbox_config_file) if r["type"] == "row"]
    failed = [r for r in rows if r["status"] == "failed"]
    assert {r["halo_client_id"] for r in failed} == {15}
    assert all("HaloPSA client 15" in r["message"] and "500" in r["message"] for r in failed)
    assert "no further detail" in failed[0]["message"]
    applied = [r for r in rows if r["status"] == "ok" and r["action"] == "create"]
    assert len(applied) == 28
    assert all(sandbox_mock.state.licences[r["licence_id"]]["count"] == r["count"] for r in applied)
    assert not sandbox_mock.live_licences(15)
    assert log_of(sandbox_config_file)[-1]["exit_code"] == 1


def test_a_write_that_succeeds_but_answers_500_makes_no_duplicate(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.write_ok_then_500 = 1
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 0, result.output
    assert max(licences_per_slot(sandbox_mock).values()) == 1
    rows = [r for r in log_of(sandbox_config_file) if r["type"] == "row" and r["action"] == "create"]
    assert all(r["licence_id"] for r in rows)


def test_rate_limits_and_read_errors_are_ridden_out(sandbox_mock, sandbox_config_file, sleeps):
    sandbox_mock.faults.huntress_429 = 2
    sandbox_mock.faults.halo_429 = 1
    sandbox_mock.faults.huntress_500 = 2
    sandbox_mock.faults.halo_read_500 = 3
    sandbox_mock.faults.retry_after = None
    assert run(sandbox_config_file, "--force").exit_code == 0
    assert len(sleeps) >= 8


def test_a_token_that_dies_early_is_refreshed(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.token_max_uses = 1
    assert run(sandbox_config_file, "--force").exit_code == 0
    assert sandbox_mock.count("halo", "POST", "/auth/token") == 2


def test_wrong_huntress_secret_exits_3_and_writes_nothing(sandbox_mock, sandbox_config_file, monkeypatch):
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_SECRET", "wrong-secret-value")
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 3 and writes(sandbox_mock) == 0
    assert "401" in result.output and "wrong-secret-value" not in result.output
    summary = log_of(sandbox_config_file)[-1]
    assert summary["exit_code"] == 3 and "401" in summary["error"]


def test_no_edit_permission_exits_3_and_writes_nothing(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.halo_denied_scopes = {"edit:softwarelicensing"}
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 3
    assert len(sandbox_mock.state.licences) == 3  # the seed
    assert "halosync: error: " in result.stderr and "Software Licensing Access Level" in result.stderr
    assert "Software Licensing Access Level" not in result.stdout


def test_a_service_that_keeps_failing_exits_5(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.huntress_500 = 100
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 5 and writes(sandbox_mock) == 0
    assert log_of(sandbox_config_file)[-1]["exit_code"] == 5


def test_another_run_holding_the_lock_exits_4(sandbox_mock, sandbox_config_file):
    with FileLock(str(lock_path(sandbox_config_file.parent / "results.jsonl"))):
        result = run(sandbox_config_file, "--force")
    assert result.exit_code == 4 and "lock" in result.output
    assert sandbox_mock.requests == []


def test_secrets_appear_nowhere(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.fail_writes_for_clients = {15}
    result = run(sandbox_config_file, "--force")
    text = result.output + (sandbox_config_file.parent / "results.jsonl").read_text()
    for secret in (HUNTRESS_SECRET, HALO_CLIENT_SECRET):
        assert secret not in text


@pytest.mark.parametrize("usages_as_string", [False, True])
def test_counts_mode_summary_and_usages_as_string(sandbox_mock, sandbox_config_file, usages_as_string):
    sandbox_mock.faults.usages_as_string = usages_as_string
    text = sandbox_config_file.read_text().replace('[huntress]\n', '[huntress]\ncounts = "summary"\n')
    sandbox_config_file.write_text(text)
    assert run(sandbox_config_file, "--force").exit_code == 0
    assert sandbox_mock.count("huntress") == 1  # the list alone: no ISPM mapped


def test_a_licence_halo_rejects_fails_alone_with_halos_words(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["organizations"].append({"huntress_id": 103, "halo_client_id": 99})  # no such client in Halo
    write_config(sandbox_config_file, data)
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 1
    failed = [r for r in log_of(sandbox_config_file) if r["type"] == "row" and r["status"] == "failed"]
    assert {r["halo_client_id"] for r in failed} == {99}
    assert all("400" in r["message"] and "Client 99 not found" in r["message"] for r in failed)
    assert len(sandbox_mock.live_licences()) == 3 + 31 - 1  # seed (one deleted) + every other create


def test_quiet_still_warns_on_stderr(sandbox_mock, sandbox_config_file):
    result = run(sandbox_config_file, "--force", "--quiet")
    assert result.stdout == "" and "103" in result.stderr


def test_a_large_run_shows_changed_rows_only(sandbox_mock, tmp_path):
    from halosync.sandbox import State
    from halosync.sandbox.config import sandbox_config
    from tests.support import SANDBOX_HOST

    sandbox_mock.state = State.generated(60)  # 240 rows: more than the table lists in full
    sandbox_mock.faults.huntress_rate_limit = 0  # its clock is real; the client's waits are recorded, not slept
    config = write_config(tmp_path / "big.toml",
                          sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"), sandbox_mock.state))
    run(config, "--force")
    org = sorted(sandbox_mock.state.organizations)[7]
    sandbox_mock.state.set_count(org, "edr", 999)
    result = run(config, "--force")
    shown = table_rows(result.stdout)
    assert len(shown) == 1, result.output
    assert shown[0][4].endswith(" → 999") and shown[0][5] == "update"
    assert f"({org})" in shown[0][1]
    assert "239 more rows not shown" in result.stdout

def test_config_before_the_command(sandbox_mock, sandbox_config_file, monkeypatch):
    monkeypatch.delenv("HALOSYNC_CONFIG", raising=False)  # the CLI sets it; teardown removes it again
    result = runner.invoke(app, ["--config", str(sandbox_config_file), "run", "--force", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["run"]["exit_code"] == 0


def test_an_internal_error_is_one_line_without_traceback(sandbox_config_file, monkeypatch, capsys):
    import sys

    from halosync import cli

    def broken(*args, **kwargs):
        raise KeyError("hs_sandbox_secret")

    monkeypatch.setattr("halosync.run.runner.sync_if_due", broken)
    monkeypatch.setattr(sys, "argv", ["halosync", "run", "--force", "--config", str(sandbox_config_file)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    err = capsys.readouterr().err
    assert exited.value.code == 70 and "internal error (a bug): KeyError" in err
    assert "Nothing had been written to HaloPSA" in err
    assert "Traceback" not in err and "hs_sandbox_secret" not in err


def test_an_internal_error_after_writes_says_so_and_is_on_record(sandbox_mock, sandbox_config_file, monkeypatch, capsys):
    import sys

    from halosync import cli
    from halosync.halo.apply import Applier

    real_apply = Applier.apply

    def apply_then_break(self, rows):
        real_apply(self, rows)
        raise ZeroDivisionError("a bug after the writes")

    monkeypatch.setattr(Applier, "apply", apply_then_break)
    monkeypatch.setattr(sys, "argv", ["halosync", "run", "--force", "--config", str(sandbox_config_file)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    err = capsys.readouterr().err
    assert exited.value.code == 70
    assert "1 write request(s) had been sent to HaloPSA" in err and "Nothing had been written" not in err
    records = log_of(sandbox_config_file)
    assert records[-1]["type"] == "run" and records[-1]["exit_code"] == 70 and "ZeroDivisionError" in records[-1]["error"]
    assert f"{len(records)} record(s) were added to the results log" in err


@pytest.mark.parametrize("bad", ["48", -3, 12.9, 10**15])
def test_summary_mode_a_bad_count_fails_that_row_with_the_value(sandbox_mock, sandbox_config_file, bad):
    text = sandbox_config_file.read_text().replace('[huntress]\n', '[huntress]\ncounts = "summary"\n')
    sandbox_config_file.write_text(text)
    sandbox_mock.state.set_count(108, "sat", bad)  # Granite Credit Union, client 18
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 1, result.output
    records = log_of(sandbox_config_file)
    failed = [r for r in records if r["type"] == "row" and r["status"] == "failed"]
    assert [(r["halo_client_id"], r["product"]) for r in failed] == [(18, "sat")]
    assert "sat_learner_count" in failed[0]["message"] and repr(bad) in failed[0]["message"]
    assert failed[0]["count"] is None  # never a truncated or guessed number
    granite_edr = next(r for r in records if r["type"] == "row" and (r["halo_client_id"], r["product"]) == (18, "edr"))
    assert granite_edr["status"] == "ok" and granite_edr["count"] == 210
    assert records[-1]["type"] == "run" and records[-1]["exit_code"] == 1


def test_a_create_whose_outcome_stays_unknown_is_never_sent_again(sandbox_mock, sandbox_config_file):
    # The batch is applied but answered 500, and every read after it fails too: the creates' fate is unknown.
    sandbox_mock.faults.write_ok_then_500 = 1
    sandbox_mock.faults.halo_read_500_after_write = 1000
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 1, result.output
    posts = [r.json for r in sandbox_mock.requests if r.method == "POST" and r.path == "/api/SoftwareLicence"]
    assert all("id" in licence for body in posts[1:] for licence in body)  # only updates (idempotent) are resent
    assert max(licences_per_slot(sandbox_mock).values()) == 1
    records = log_of(sandbox_config_file)
    creates = [r for r in records if r["type"] == "row" and r["action"] == "create" and r["count"]]
    assert creates and all(r["status"] == "failed" and "may have been created" in r["message"] for r in creates)
    assert records[-1]["type"] == "run" and records[-1]["rows"]["failed"] == len(creates)

    sandbox_mock.faults.halo_read_500_after_write = 0
    again = run(sandbox_config_file, "--force", "--json")
    assert again.exit_code == 0, again.output
    tally = json.loads(again.stdout)["run"]["rows"]
    assert tally["create"] == 0 and tally["failed"] == 0  # the next run adopts what the first created
    assert max(licences_per_slot(sandbox_mock).values()) == 1


def test_a_future_dated_run_does_not_make_the_sync_not_due(sandbox_mock, sandbox_config_file):
    from halosync.core.models import RunRecord
    from halosync.run import resultslog

    future = RunRecord(run_id="20991101T020000Z-abcdef", started="2099-11-01T02:00:00Z",
                       finished="2099-11-01T02:00:09Z", dry_run=False, forced=False, exit_code=0,
                       rows={"create": 0, "update": 0, "unchanged": 40, "failed": 0, "held": 0}, requests={})
    resultslog.append(sandbox_config_file.parent / "results.jsonl", [future])
    result = run(sandbox_config_file)  # not forced: the due logic decides
    assert result.exit_code == 0 and writes(sandbox_mock) == 1  # it synced
    assert "20991101T020000Z-abcdef" in result.stderr and "dated in the future" in result.stderr


def test_a_runs_error_goes_to_stderr_with_the_prefix_and_no_python_list(sandbox_mock, sandbox_config_file, monkeypatch):
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_SECRET", "wrong-secret")
    result = run(sandbox_config_file, "--force")
    assert result.exit_code == 3
    [line] = [line for line in result.stderr.splitlines() if "401" in line]
    assert line.startswith("halosync: error: Huntress answered 401") and "Invalid API credentials" in line
    assert "['" not in result.stderr and "error" not in result.stdout


def test_the_entry_points_last_word_wraps_at_80_columns_like_every_message(sandbox_config_file, monkeypatch, capsys):
    import sys

    from halosync import cli

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("halosync.run.runner.sync_if_due", broken)
    monkeypatch.setattr(sys, "argv", ["halosync", "run", "--force", "--config", str(sandbox_config_file)])
    with pytest.raises(SystemExit):
        cli.main()
    err = capsys.readouterr().err
    assert "internal error (a bug): KeyError" in err and "Please report it" in " ".join(err.split())
    assert max(len(line) for line in err.splitlines()) <= 80, err
