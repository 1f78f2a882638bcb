"""`history --failed` means what failed; `--held` is what waits for approve."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from halosync.cli import app

runner = CliRunner()


def run(run_id: str, exit_code: int, failed: int = 0, held: int = 0) -> dict[str, object]:
    return {"type": "run", "run_id": run_id, "started": "2026-11-01T00:00:00Z", "finished": "2026-11-01T00:00:01Z",
            "dry_run": False, "forced": True, "exit_code": exit_code,
            "rows": {"create": 0, "update": 1, "unchanged": 0, "failed": failed, "held": held},
            "requests": {"huntress": 1, "halo": 1}, "error": ""}


def row(run_id: str, client: int, status: str) -> dict[str, object]:
    return {"type": "row", "run_id": run_id, "time": "2026-11-01T00:00:00Z", "halo_client_id": client,
            "huntress_organization_ids": [100 + client], "product": "edr", "halo_item_id": 1001, "licence_id": 5000 + client,
            "previous_count": 40, "count": 0, "actual_count": None, "action": "update", "status": status,
            "message": "", "outside_change": None}


def decision(client: int, status: str) -> dict[str, object]:
    return {"type": "decision", "time": "2026-11-02T00:00:00Z", "held_run_id": "held", "halo_client_id": client,
            "product": "edr", "licence_id": 5000 + client, "previous_count": 40, "count": 0, "decision": "approved",
            "status": status, "message": ""}


def write_log(path: Path) -> None:
    records = [
        row("ok", 11, "ok"), run("ok", 0),
        row("held", 12, "held"), run("held", 6, held=1),
        row("rowfail", 13, "failed"), row("rowfail", 14, "held"), run("rowfail", 1, failed=1, held=1),
        run("unreachable", 5),
        decision(12, "ok"), decision(14, "failed"), decision(15, "stale"),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def history(sandbox_config_file: Path, *args: str) -> dict[str, list[dict[str, object]]]:
    write_log(sandbox_config_file.parent / "results.jsonl")
    result = runner.invoke(app, ["history", "--config", str(sandbox_config_file), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_failed_leaves_out_the_runs_that_only_held(sandbox_config_file):
    shown = history(sandbox_config_file, "--failed")
    assert [r["run_id"] for r in shown["runs"]] == ["unreachable", "rowfail"]
    assert [(d["halo_client_id"], d["status"]) for d in shown["decisions"]] == [(14, "failed")]


def test_failed_rows_are_only_failed_rows(sandbox_config_file):
    rows = history(sandbox_config_file, "--failed", "--rows")["rows"]
    assert [(r["halo_client_id"], r["status"]) for r in rows] == [(13, "failed")]


def test_held_shows_the_runs_and_rows_that_wait_for_approve(sandbox_config_file):
    shown = history(sandbox_config_file, "--held")
    assert [r["run_id"] for r in shown["runs"]] == ["rowfail", "held"]
    assert len(shown["decisions"]) == 3  # every decision answers a held change
    rows = history(sandbox_config_file, "--held", "--rows")["rows"]
    assert sorted(int(str(r["halo_client_id"])) for r in rows) == [12, 14]


def test_failed_and_held_together_show_either(sandbox_config_file):
    assert [r["run_id"] for r in history(sandbox_config_file, "--failed", "--held")["runs"]] == [
        "unreachable", "rowfail", "held"]


def test_a_filter_that_matches_no_run_says_so_and_still_shows_decisions(sandbox_config_file):
    log = sandbox_config_file.parent / "results.jsonl"
    log.write_text(json.dumps(run("ok", 0)) + "\n" + json.dumps(decision(14, "failed")) + "\n")
    result = runner.invoke(app, ["history", "--config", str(sandbox_config_file), "--failed"])
    assert result.exit_code == 0
    assert f"No failed runs in {log}." in result.stdout and "yet" not in result.stdout
    assert "approved (failed)" in result.stdout
    result = runner.invoke(app, ["history", "--config", str(sandbox_config_file), "--held"])
    assert "No held runs in" in result.stdout
