"""Switching from Huntress's built-in sync, end to end against the sandbox: adoption, a second writer, a moved item."""

from __future__ import annotations

import json
import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.models import OutsideChange, Row, RunRecord
from halosync.formats.notify import people_message
from halosync.sandbox.builtin import ITEMS, sync_once
from tests.support import read_log, write_config

runner = CliRunner()


def run(config, *args):
    return runner.invoke(app, ["run", "--force", "--config", str(config), *args])


def ours(sandbox):
    """(client, item) -> licence ids on the items the config maps."""
    found: dict[tuple[int, int], list[int]] = {}
    for licence in sandbox.live_licences():
        if licence["item_id"] in ITEMS.values():
            found.setdefault((licence["client_id"], licence["item_id"]), []).append(licence["id"])
    return found


def billed_from(sandbox):
    """Invoice line id -> the licence ids it bills from, as HaloPSA lists the recurring invoices."""
    lines = {}
    for invoice in sandbox.state.invoices:
        for line in invoice["lines"]:
            shown = sandbox._invoice_line(invoice["client_id"], line)
            lines[line["id"]] = [q["licence_id"] for q in shown["quantity_licences"]]
    return lines


def creates(sandbox):
    return [body for r in sandbox.requests if r.method == "POST" and r.path == "/api/SoftwareLicence"
            for body in r.json if "id" not in body]


def with_sync(config_file, **sync):
    data = tomllib.loads(config_file.read_text())
    data["sync"] = {**data["sync"], **sync}
    return write_config(config_file, data)


def test_adopting_the_builtin_syncs_licences_updates_them_and_creates_none(sandbox_mock, sandbox_config_file):
    sync_once(sandbox_mock.state, stale=2)  # the licences Huntress's built-in sync left behind
    before, lines_before = ours(sandbox_mock), billed_from(sandbox_mock)
    assert all(len(ids) == 1 for ids in before.values()) and any(lines_before.values())

    dry = run(sandbox_config_file, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    rows = json.loads(dry.stdout)["rows"]
    assert {r["action"] for r in rows} == {"update", "unchanged"}  # updates of its licences, not creates
    assert sum(r["action"] == "update" for r in rows) >= 3

    result = run(sandbox_config_file)
    assert result.exit_code == 0, result.output
    assert creates(sandbox_mock) == []
    assert ours(sandbox_mock) == before  # the same licences, no second one
    assert billed_from(sandbox_mock) == lines_before  # the invoice lines bill from the same licence ids
    assert "changed outside halosync" not in result.stderr  # no history yet: nothing to compare


def test_the_builtin_sync_left_on_is_reported_as_an_outside_change(sandbox_mock, sandbox_config_file, tmp_path):
    assert run(sandbox_config_file).exit_code == 0
    sandbox_mock.faults.huntress_sync_on = True  # it writes before halosync's next token
    result = run(sandbox_config_file, "--json")
    assert result.exit_code == 0, result.output
    changed = [r for r in json.loads(result.stdout)["rows"] if r["outside_change"]]
    assert len(changed) == 1
    [row] = changed
    assert row["outside_change"]["now"] == row["outside_change"]["was"] + 1 and row["action"] == "update"
    assert row["count"] == row["outside_change"]["now"] + 1  # the built-in sync lags: halosync writes another count
    stderr = " ".join(result.stderr.split())  # wrapped at the width of stderr
    assert "1 licence changed outside halosync" in stderr and "Huntress's own HaloPSA billing sync" in stderr
    assert f"licence {row['licence_id']}" in stderr

    logged = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "row" and r.get("outside_change")]
    assert [r["licence_id"] for r in logged] == [row["licence_id"]]
    history = runner.invoke(app, ["history", "--rows", "--last", "1", "--config", str(sandbox_config_file)])
    assert "changed outside halosync: halosync left it at" in history.stdout
    as_json = runner.invoke(app, ["history", "--rows", "--last", "1", "--json", "--config", str(sandbox_config_file)])
    assert [r["outside_change"] for r in json.loads(as_json.stdout)["rows"] if r["outside_change"]] == [
        row["outside_change"]]


def test_a_count_edited_in_halo_is_held_with_hold(sandbox_mock, sandbox_config_file):
    config = with_sync(sandbox_config_file, outside_changes="hold")
    assert run(config).exit_code == 0
    licence = next(l for l in sandbox_mock.live_licences(21) if l["item_id"] == 1001)
    licence["count"] += 3  # a person edits the count in HaloPSA: 343, halosync wrote 340
    result = run(config, "--json")
    assert result.exit_code == 6, result.output
    assert licence["count"] == 343  # held, not written
    [held] = [r for r in json.loads(result.stdout)["rows"] if r["status"] == "held"]
    assert held["licence_id"] == licence["id"] and held["outside_change"]["now"] == 343
    assert "changed outside halosync" in held["message"] and "halosync approve" in held["message"]
    assert "held for approval" in " ".join(result.stderr.split())  # stderr wraps at the page width
    approve = runner.invoke(app, ["approve", "--all", "--config", str(config)])
    assert approve.exit_code == 0, approve.output
    assert licence["count"] == 340
    again = run(config)
    assert again.exit_code == 0 and "changed outside" not in again.stderr


def test_a_product_moved_to_another_item_creates_nothing(sandbox_mock, sandbox_config_file):
    assert run(sandbox_config_file).exit_code == 0
    data = tomllib.loads(sandbox_config_file.read_text())
    data["products"]["edr"] = 1006
    config = write_config(sandbox_config_file, data)
    posts = len(creates(sandbox_mock))
    result = run(config)
    assert result.exit_code == 1
    assert len(creates(sandbox_mock)) == posts
    assert "on item 1001" in result.stdout and "end that licence in HaloPSA" in result.stdout


def test_people_hear_of_an_outside_change():
    record = RunRecord(run_id="r", started="s", finished="f", dry_run=False, forced=True, exit_code=0,
                       rows={"create": 0, "update": 0, "unchanged": 1, "failed": 0, "held": 0}, requests={})
    row = Row(halo_client_id=12, huntress_organization_ids=[101], product="edr", halo_item_id=1001, licence_id=7,
              previous_count=50, count=50, action="unchanged", status="ok",
              outside_change=OutsideChange(was=48, now=50, since="2026-11-01T02:00:00Z"))
    message = people_message(record, [row], {12: "Acme Dental"})
    assert message is not None
    title, body = message
    assert title == "halosync: 1 licence changed outside halosync"
    assert "Acme Dental (12) · Managed EDR" in body and "halosync left it at 48 on 2026-11-01 02:00:00 UTC; it holds 50" in body
    assert people_message(record, [row.replace(outside_change=None)], {}) is None


def check(config):
    result = runner.invoke(app, ["check-permissions", "--json", "--config", str(config)])
    return result, json.loads(result.stdout)


def pair(payload, client, product):
    [found] = [p for p in payload["licences"] if (p["halo_client_id"], p["product"]) == (client, product)]
    return found


def test_check_permissions_shows_what_each_pair_adopts_and_writes_nothing(sandbox_mock, sandbox_config_file):
    sync_once(sandbox_mock.state, stale=2)
    before = {l["id"]: dict(l) for l in sandbox_mock.state.licences.values()}
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 0, result.output
    acme = pair(payload, 12, "edr")
    assert acme["state"] == "adopt" and acme["licences"][0]["count"] == 46
    assert pair(payload, 21, "sat")["state"] == "create"  # Juniper has no learners: nothing to adopt
    [overview] = [c for c in payload["checks"] if c["name"] == "Licences per mapped client"]
    assert "Acme Dental (12): edr licence" in overview["detail"] and "to adopt" in overview["detail"]
    assert {l["id"]: l for l in sandbox_mock.state.licences.values()} == before
    assert sandbox_mock.count("halo", "POST", "/api/SoftwareLicence") == 0

    assert run(sandbox_config_file).exit_code == 0
    _, payload = check(sandbox_config_file)
    assert pair(payload, 12, "edr")["state"] == "ours"  # the results log shows halosync wrote it


def test_check_permissions_warns_of_two_licences_on_one_item(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.add_licence(client_id=14, item_id=1001, name="EDR (second)", count=3)
    result, payload = check(sandbox_config_file)
    assert pair(payload, 14, "edr")["state"] == "several"
    [warning] = [c for c in payload["checks"] if c["name"] == "Two licences on one item"]
    assert warning["status"] == "fail" and "Cedar Law Group (14)" in warning["detail"]
    assert result.exit_code == 1 and payload["exit_code"] == 1  # the run would fail that row
    assert "item 1001" in warning["detail"] and "the run fails that row" in warning["detail"]


def test_check_permissions_warns_of_every_moved_product_pair(sandbox_mock, sandbox_config_file):
    assert run(sandbox_config_file).exit_code == 0
    renamed = next(l for l in sandbox_mock.live_licences(18) if l["item_id"] == 1001)
    renamed["name"] = "EDR for Granite"  # only the results log still ties it to edr
    data = tomllib.loads(sandbox_config_file.read_text())
    data["products"]["edr"] = 1006
    config = write_config(sandbox_config_file, data)
    result, payload = check(config)
    moved = [c for c in payload["checks"] if c["name"] == "Product moved to another item"]
    edr_clients = {p["halo_client_id"] for p in payload["licences"] if p["product"] == "edr"}
    assert len(moved) == len(edr_clients) == 10
    assert all(c["status"] == "fail" for c in moved) and result.exit_code == 1
    assert all(pair(payload, c, "edr")["state"] == "moved" for c in edr_clients)
    granite = next(c for c in moved if "(18)" in c["detail"])
    assert f"licence {renamed['id']} 'EDR for Granite'" in granite["detail"] and "item 1001" in granite["detail"]
    assert "map edr back to item 1001" in granite["detail"] and "end the old licence" in granite["fix"]


def test_a_results_log_that_cannot_be_read_stops_the_run_before_anything_is_contacted(sandbox_mock,
                                                                                       sandbox_config_file, tmp_path):
    assert run(sandbox_config_file).exit_code == 0
    sandbox_mock.requests.clear()
    broken = tmp_path / "results.jsonl.20261101T020000Z"
    broken.mkdir()  # a rotated "file" that cannot be read
    result = run(sandbox_config_file)
    assert result.exit_code == 2
    assert str(broken) in result.output and "cannot be read" in result.output
    assert sandbox_mock.requests == []
