"""`halosync history`: runs and rows from the results log, newest first, corrupt lines skipped and counted."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from halosync.cli import app

runner = CliRunner()


def history(config, *args):
    return runner.invoke(app, ["history", "--config", str(config), *args])


def three_runs(sandbox, config):
    runner.invoke(app, ["run", "--json", "--force", "--config", str(config)])
    sandbox.state.set_count(106, "edr", 20)
    sandbox.faults.fail_writes_for_clients = {16}
    runner.invoke(app, ["run", "--json", "--force", "--config", str(config)])
    sandbox.faults.fail_writes_for_clients = set()
    runner.invoke(app, ["run", "--json", "--force", "--config", str(config)])


def test_runs_newest_first(sandbox_mock, sandbox_config_file):
    three_runs(sandbox_mock, sandbox_config_file)
    runs = json.loads(history(sandbox_config_file, "--json").stdout)["runs"]
    assert [r["exit_code"] for r in runs] == [0, 1, 0]
    assert [r["rows"]["update"] for r in runs] == [1, 0, 1]
    assert len(json.loads(history(sandbox_config_file, "--json", "--last", "1").stdout)["runs"]) == 1
    table = history(sandbox_config_file)
    assert table.exit_code == 0
    lines = {run["run_id"]: next(line for line in table.stdout.splitlines() if run["run_id"] in line) for run in runs}
    positions = [table.stdout.index(run["run_id"]) for run in runs]
    assert positions == sorted(positions)  # newest first, as in --json
    for run in runs:  # each run's line carries its mode, exit code and tally
        cells = [cell.strip() for cell in lines[run["run_id"]].split("│")[1:-1]]
        assert cells[2:8] == ["forced", str(run["exit_code"]), *(str(run["rows"][k]) for k in ("create", "update",
                                                                                              "unchanged", "failed"))]


def test_failed_runs_and_failed_rows(sandbox_mock, sandbox_config_file):
    three_runs(sandbox_mock, sandbox_config_file)
    failed_runs = json.loads(history(sandbox_config_file, "--failed", "--json").stdout)["runs"]
    assert [r["exit_code"] for r in failed_runs] == [1]
    failed_rows = json.loads(history(sandbox_config_file, "--failed", "--rows", "--json").stdout)["rows"]
    assert {(r["halo_client_id"], r["product"]) for r in failed_rows} == {(16, "edr")}


def test_rows_of_one_client_and_product(sandbox_mock, sandbox_config_file):
    three_runs(sandbox_mock, sandbox_config_file)
    rows = json.loads(history(sandbox_config_file, "--client", "16", "--product", "edr", "--json").stdout)["rows"]
    assert [(r["action"], r["status"], r["count"]) for r in rows] == [("update", "ok", 20), ("update", "failed", 20), ("create", "ok", 14)]
    table = history(sandbox_config_file, "--client", "16", "--last", "1")
    assert "14 → 20" in table.stdout


def test_a_corrupt_line_in_the_middle_is_skipped_and_counted(sandbox_mock, sandbox_config_file):
    runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)])
    log = sandbox_config_file.parent / "results.jsonl"
    with log.open("a") as f:
        f.write('{"type": "row", "broken\n')
    runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)])
    result = history(sandbox_config_file, "--json")
    assert len(json.loads(result.stdout)["runs"]) == 2
    assert json.loads(result.stdout)["unreadable_lines"] == 1
    assert "skipped 1 unreadable line" in result.stderr


def test_empty_log_and_bad_product(sandbox_config_file):
    assert "No runs recorded" in history(sandbox_config_file).stdout
    bad = history(sandbox_config_file, "--product", "av")
    assert bad.exit_code == 2 and "edr" in bad.output


def test_a_record_of_the_wrong_shape_is_skipped_and_counted_by_history(sandbox_mock, sandbox_config_file):
    runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)])
    log = sandbox_config_file.parent / "results.jsonl"
    with log.open("a") as f:
        f.write(json.dumps({"type": "run", "run_id": "bad", "started": "2026-11-02T02:00:00Z", "exit_code": 0,
                            "rows": "abc", "requests": {}}) + "\n")
        f.write(json.dumps({"type": "row", "run_id": "bad", "time": "x", "halo_client_id": 12, "product": "edr",
                            "halo_item_id": 1001, "action": "update", "status": "ok", "huntress_organization_ids": [],
                            "licence_id": 1, "previous_count": "abc", "count": 2}) + "\n")
    for args in ((), ("--rows",), ("--json",)):
        result = history(sandbox_config_file, *args)
        assert result.exit_code == 0, result.output
        assert "skipped 2 unreadable" in result.stderr
    assert [r["exit_code"] for r in json.loads(history(sandbox_config_file, "--json").stdout)["runs"]] == [0]
