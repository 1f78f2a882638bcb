"""Clients named alike everywhere, also where only the results log is read: rows keep the client's name as the
run knew it (`client_name`, optional: older logs lack it), and history, approve and report name clients by the one
rule (the config's [[clients]] name, else that logged name, else the id), with or without --money. An
[[organizations]] name is the Huntress organization's, never the client's."""

from __future__ import annotations

import csv
import json
import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.models import Row
from halosync.core.record_shapes import well_formed
from halosync.run.report import _ROW, collect
from tests.support import read_log, write_config

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def row(client_name: str | None = None, run_id: str = "r1", client: int = 12) -> Row:
    return Row(run_id=run_id, time="2026-01-01T02:00:00Z", halo_client_id=client, huntress_organization_ids=[101],
               product="edr", halo_item_id=1001, licence_id=5501, previous_count=1, count=40, action="update",
               status="ok", client_name=client_name)


def test_a_row_keeps_its_clients_name_only_when_known_and_every_reader_accepts_it():
    named, bare = row("Zürich \"Dental\""), row()
    assert named.dump()["client_name"] == "Zürich \"Dental\"" and "client_name" not in bare.dump()
    assert well_formed(named.dump()) and well_formed(bare.dump())
    assert Row.load(named.dump()) == named and Row.load(bare.dump()).client_name is None
    line = json.dumps(named.dump(), ensure_ascii=False).encode()
    assert _ROW.fullmatch(line)  # still the report's fast way
    later = line[:-1] + b', "outside_change": null, "huntress_invoice_id": 7}'
    assert _ROW.fullmatch(later)


def test_the_report_reader_takes_the_newest_name_either_way(tmp_path):
    log = tmp_path / "results.jsonl"
    lines = []
    for run_id, started, name in (("r1", "2026-01-01", "Old Name"), ("r2", "2026-02-01", "New \"Name\"")):
        lines.append(json.dumps(row(name, run_id).dump()))
        lines.append(json.dumps(row(None, run_id, client=13).dump()))
        lines.append(json.dumps({"type": "run", "run_id": run_id, "started": f"{started}T02:00:00Z",
                                 "finished": f"{started}T02:00:01Z", "dry_run": False, "forced": False,
                                 "exit_code": 0, "rows": {"update": 2}, "requests": {"halo": 1}}))
    log.write_text("\n".join(lines) + "\n")
    collected, unreadable = collect(log, 12)
    assert unreadable == 0 and collected.names == {12: 'New "Name"'}  # 13: an older log's row, no name
    other = tmp_path / "other.jsonl"  # another key order: the slow way gives the same names
    other.write_text("".join(json.dumps(dict(reversed(json.loads(l).items()))) + "\n" for l in lines))
    assert collect(other, 12)[0].names == {12: 'New "Name"'}


def test_report_history_and_approve_name_a_client_as_the_run_did(sandbox_mock, sandbox_config_file, tmp_path):
    config = str(sandbox_config_file)
    data = tomllib.loads(sandbox_config_file.read_text())
    for org in data["organizations"]:
        if org["huntress_id"] == 104:
            org["name"] = "Cedar Law Group LLC"  # the Huntress organization's name, not the HaloPSA client's
    data["guard"] = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}
    write_config(sandbox_config_file, data)
    assert cli("run", "--force", "--config", config).exit_code == 0
    rows = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "row"]
    assert {r["client_name"] for r in rows if r["halo_client_id"] == 14} == {"Cedar Law Group"}  # HaloPSA's, by the rule
    sandbox_mock.state.set_count(104, "edr", 0)
    assert cli("run", "--force", "--config", config).exit_code == 6
    approve = cli("approve", "--all", "--reject", "--config", config)
    assert "rejected: client Cedar Law Group (14) Managed EDR" in " ".join(approve.stdout.split())
    history = cli("history", "--held", "--config", config)  # the decision, named by the rows the log keeps
    assert "Cedar Law Group (14)" in history.stdout and "client 14 " not in history.stdout
    plain, money = cli("report", "--config", config), cli("report", "--money", "--config", config)
    assert plain.exit_code == money.exit_code == 0, plain.output + money.output
    for output in (plain.stdout, money.stdout):
        assert "Cedar Law Group" in output and "Cedar Law Group LLC" not in output
    target = tmp_path / "r.csv"
    assert cli("report", "--csv", str(target), "--config", config).exit_code == 0
    with target.open(newline="") as f:
        names = {r["client"] for r in csv.DictReader(f) if r["halo_client_id"] == "14"}
    assert names == {"Cedar Law Group"}
    # The config's [[clients]] name still comes first, in the report too.
    data["clients"] = [{"halo_client_id": 14, "name": "Cedar LG"}]
    write_config(sandbox_config_file, data)
    for args in (("report",), ("report", "--money")):
        output = cli(*args, "--config", config).stdout
        assert "Cedar LG" in output and "Cedar Law Group" not in output
