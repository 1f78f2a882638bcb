"""`halosync approve` against the sandbox: approve, reject, stale, selections, records and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from halosync.sandbox import Sandbox
from tests.support import read_log, write_config
from tests.support.held import GLITCH, cli, decisions, held_run


@pytest.fixture
def held(sandbox_mock: Sandbox, sandbox_config_file: Path) -> tuple[Sandbox, Path]:
    """A first sync, then a glitch: Cedar Law's EDR (client 14) reads 0 and Granite's SAT (18) doubles."""
    return held_run(sandbox_mock, sandbox_config_file, GLITCH)


def licence(sandbox, client_id: int, item_id: int) -> dict[str, Any]:
    [found] = [l for l in sandbox.live_licences(client_id) if l["item_id"] == item_id]
    licence: dict[str, Any] = found  # the live record: tests change it in place
    return licence


def test_the_held_run_shows_and_logs_what_it_held(held):
    sandbox, config = held
    records = read_log(config.parent / "results.jsonl")
    held_rows = [r for r in records if r["type"] == "row" and r["status"] == "held"]
    assert {(r["halo_client_id"], r["product"], r["previous_count"], r["count"]) for r in held_rows} == {
        (14, "edr", 57, 0), (18, "sat", 175, 350)}
    assert records[-1]["rows"]["held"] == 2 and records[-1]["exit_code"] == 6
    assert licence(sandbox, 14, 1001)["count"] == 57  # not written
    assert cli("run", "--config", str(config)).stdout.startswith("Not due")  # 6 counts as done


def test_approve_one_client_writes_and_records_it(held):
    sandbox, config = held
    result = cli("approve", "--client", "18", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert licence(sandbox, 18, 1003)["count"] == 350 and licence(sandbox, 14, 1001)["count"] == 57
    [d] = decisions(config)
    assert (d["halo_client_id"], d["product"], d["decision"], d["status"], d["previous_count"], d["count"]) == (
        18, "sat", "approved", "ok", 175, 350)
    remaining = json.loads(cli("approve", "--all", "--dry-run", "--json", "--config", str(config)).stdout)
    assert [(x["halo_client_id"], x["product"]) for x in remaining["decisions"]] == [(14, "edr")]


def test_reject_writes_nothing_and_leaves_nothing_pending(held):
    sandbox, config = held
    posts = sandbox.count("halo", "POST", "/api/SoftwareLicence")
    result = cli("approve", "--all", "--reject", "--json", "--config", str(config))
    assert result.exit_code == 0
    assert sandbox.count("halo", "POST", "/api/SoftwareLicence") == posts
    assert {d["decision"] for d in json.loads(result.stdout)["decisions"]} == {"rejected"}
    again = cli("approve", "--all", "--config", str(config))
    assert again.exit_code == 0 and "Nothing is waiting" in again.stdout


def test_a_licence_edited_in_halo_since_the_run_is_stale(held):
    sandbox, config = held
    licence(sandbox, 14, 1001)["count"] = 60  # someone changed it by hand
    result = cli("approve", "--product", "edr", "--json", "--config", str(config))
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)["decisions"]
    assert d["status"] == "stale" and "60" in d["message"] and "57" in d["message"]
    assert licence(sandbox, 14, 1001)["count"] == 60  # nothing written
    pending = json.loads(cli("approve", "--all", "--dry-run", "--json", "--config", str(config)).stdout)
    assert [(x["halo_client_id"], x["product"]) for x in pending["decisions"]] == [(18, "sat")]  # stale: decided


def test_a_failed_approval_stays_pending(held):
    sandbox, config = held
    sandbox.faults.fail_writes_for_clients = {18}
    result = cli("approve", "--client", "18", "--config", str(config))
    assert result.exit_code == 1 and "FAILED" in result.stdout
    sandbox.faults.fail_writes_for_clients = set()
    assert cli("approve", "--client", "18", "--config", str(config)).exit_code == 0
    assert licence(sandbox, 18, 1003)["count"] == 350


def test_without_a_terminal_a_selection_is_required(held):
    _, config = held
    result = cli("approve", "--config", str(config))
    assert result.exit_code == 2 and "--all" in result.stderr
    as_json = cli("approve", "--json", "--config", str(config))
    assert as_json.exit_code == 2 and json.loads(as_json.stdout)["error"]["exit_code"] == 2


def test_a_run_holding_the_lock_exits_4(held):
    from filelock import FileLock

    from halosync.run.resultslog import lock_path

    _, config = held
    with FileLock(str(lock_path(config.parent / "results.jsonl"))):
        assert cli("approve", "--all", "--config", str(config)).exit_code == 4


def test_history_shows_held_rows_and_decisions(held):
    _, config = held
    cli("approve", "--client", "14", "--reject", "--config", str(config))
    rows = json.loads(cli("history", "--rows", "--last", "1", "--json", "--config", str(config)).stdout)["rows"]
    assert sum(r["status"] == "held" for r in rows) == 2
    runs = json.loads(cli("history", "--json", "--config", str(config)).stdout)
    assert [(d["halo_client_id"], d["decision"]) for d in runs["decisions"]] == [(14, "rejected")]
    text = cli("history", "--config", str(config)).stdout
    assert "rejected" in text and "held" in text


def test_a_selection_that_matches_nothing_says_so(held):
    _, config = held
    result = cli("approve", "--client", "99", "--config", str(config))
    assert result.exit_code == 0 and "No pending change matches the selection (2 pending)" in result.stdout
    assert decisions(config) == []


def test_every_decision_is_recorded_once(held):
    _, config = held
    cli("approve", "--all", "--config", str(config))
    recorded = decisions(config)
    assert sorted((d["halo_client_id"], d["status"]) for d in recorded) == [(14, "ok"), (18, "ok")]


def test_on_a_terminal_ctrl_c_decides_nothing_and_q_carries_out_what_was_chosen(tmp_path):
    import tomllib as toml

    from halosync.sandbox import Sandbox, serve
    from halosync.sandbox.config import sandbox_config
    from tests.support.held import held_for_a_terminal
    from tests.support.terminal import on_a_terminal

    sandbox = Sandbox()
    with serve(sandbox) as url:
        config = write_config(tmp_path / "config.toml", sandbox_config(url, str(tmp_path / "results.jsonl"), guard=True))
        held_for_a_terminal(sandbox, config)
        code, text = on_a_terminal(["approve", "--config", str(config)], [b"a\r", b"\x03"])
        assert code == 130 and "nothing was decided" in text
        assert decisions(config) == [] and licence(sandbox, 14, 1001)["count"] == 57
        code, text = on_a_terminal(["approve", "--config", str(config)], [b"r\r", b"q\r"])
        assert code == 0, text
    assert [(d["halo_client_id"], d["decision"]) for d in decisions(config)] == [(14, "rejected")]
    assert toml.loads(config.read_text())["guard"]["min_units"] == 5


def test_a_log_that_fails_after_an_approval_wrote_prints_the_decision_and_exits_74(held, monkeypatch):
    sandbox, config = held

    def full_disk(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("halosync.run.resultslog._write_all", full_disk)
    result = cli("approve", "--client", "18", "--config", str(config))
    assert result.exit_code == 74
    assert licence(sandbox, 18, 1003)["count"] == 350  # Halo was written ...
    [line] = [line for line in result.stderr.splitlines() if line.startswith("{")]
    printed = json.loads(line)  # ... and its record is not lost
    assert (printed["type"], printed["halo_client_id"], printed["decision"], printed["status"]) == (
        "decision", 18, "approved", "ok")
