"""A logged row whose optional `client_name` is not a string (a hand-edited log) is kept, its name dropped: every
reader of rows (history --rows, --json, approve's pending, report) goes on, the row still counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from halosync.core.models import Row
from halosync.sandbox import Sandbox
from tests.support.held import GLITCH, cli, held_run

ODD = [12345, True, ["a"], {"a": 1}]


def _spoil(log: Path, value: object) -> int:
    """Give every row record `client_name` = value; the number of rows changed."""
    lines, changed = [], 0
    for line in log.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("type") == "row":
            record["client_name"] = value
            changed += 1
        lines.append(json.dumps(record))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


@pytest.mark.parametrize("value", ODD, ids=["int", "bool", "list", "dict"])
def test_every_reader_of_rows_tolerates_an_odd_client_name(sandbox_mock: Sandbox, sandbox_config_file: Path, value):
    sandbox, config = held_run(sandbox_mock, sandbox_config_file, GLITCH)
    assert _spoil(config.parent / "results.jsonl", value) > 0
    table = cli("history", "--rows", "--config", str(config))
    assert table.exit_code == 0, table.output
    assert "held" in table.stdout
    document = cli("history", "--json", "--rows", "--config", str(config))
    assert document.exit_code == 0, document.output
    rows = json.loads(document.stdout)["rows"]
    assert rows and all("client_name" not in r or isinstance(r["client_name"], str) for r in rows)
    assert {(r["halo_client_id"], r["status"]) for r in rows} >= {(14, "held"), (18, "held")}  # kept, not skipped
    pending = cli("approve", "--all", "--dry-run", "--config", str(config))
    assert pending.exit_code == 0, pending.output
    assert "14" in pending.stdout or "Cedar" in pending.stdout
    report = cli("report", "--config", str(config))
    assert report.exit_code == 0, report.output
    for result in (table, document, pending, report):
        assert "Traceback" not in result.output and "ValidationError" not in result.output


@pytest.mark.parametrize("value", ODD, ids=["int", "bool", "list", "dict"])
def test_row_load_drops_an_odd_client_name(value):
    record = {"type": "row", "run_id": "r", "time": "2026-01-01T00:00:00Z", "halo_client_id": 14,
              "huntress_organization_ids": [104], "product": "edr", "halo_item_id": 1001, "licence_id": 5500,
              "previous_count": 57, "count": 0, "action": "update", "status": "held", "client_name": value}
    row = Row.load(record)
    assert row.client_name is None and row.status == "held" and row.count == 0
    assert record["client_name"] == value  # the caller's record is left as read
    assert Row.load({**record, "client_name": "Cedar Law"}).client_name == "Cedar Law"
