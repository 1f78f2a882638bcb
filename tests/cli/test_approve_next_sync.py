"""After a reject or a stale approval, `approve` says when the pair is judged again: the next sync's date."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import pytest

from halosync.config.load import load_config
from halosync.run.approve import next_sync
from halosync.sandbox import Sandbox
from tests.support import write_config
from tests.support.held import cli, held_run


@pytest.fixture
def held(sandbox_mock: Sandbox, sandbox_config_file: Path) -> tuple[Sandbox, Path]:
    """A first sync, then Cedar Law's EDR (client 14) reads 0: held."""
    return held_run(sandbox_mock, sandbox_config_file, {(104, "edr"): 0})


def first_of_next_month(today: date) -> date:
    return date(today.year + 1, 1, 1) if today.month == 12 else date(today.year, today.month + 1, 1)


def test_a_reject_names_the_next_sync_not_the_next_run(held):
    _, config = held
    result = cli("approve", "--all", "--reject", "--json", "--config", str(config))
    [d] = json.loads(result.stdout)["decisions"]
    when = first_of_next_month(date.today())
    assert d["message"] == f"kept 57; the next sync (on {when:%Y-%m-%d}, or `halosync run --force` now) judges it again"
    assert "next run" not in d["message"]


def test_a_stale_approval_names_the_next_sync(held):
    sandbox, config = held
    [lic] = [lic for lic in sandbox.live_licences(14) if lic["item_id"] == 1001]
    lic["count"] = 60  # someone changed it by hand
    [d] = json.loads(cli("approve", "--all", "--json", "--config", str(config)).stdout)["decisions"]
    assert d["status"] == "stale" and "the next sync (on " in d["message"] and "run --force" in d["message"]


def test_next_sync_before_the_day_and_for_invoices(sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["sync"] = {"frequency": "monthly", "day_of_month": 15}
    write_config(sandbox_config_file, data)
    _, config = load_config(sandbox_config_file)
    assert next_sync(config, date(2026, 11, 3)).startswith("the next sync (on 2026-11-15,")
    data["sync"] = {"frequency": "invoice"}
    write_config(sandbox_config_file, data)
    _, config = load_config(sandbox_config_file)
    assert "next invoice" in next_sync(config)


def test_the_terminal_prompt_names_the_counts_and_fits_80_columns(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # the test terminal has no size; a person's has one
    from halosync.sandbox import Sandbox, serve
    from halosync.sandbox.config import sandbox_config
    from tests.support.held import held_for_a_terminal
    from tests.support.terminal import on_a_terminal

    sandbox = Sandbox()
    with serve(sandbox) as url:
        config = write_config(tmp_path / "config.toml", sandbox_config(url, str(tmp_path / "results.jsonl"), guard=True))
        held_for_a_terminal(sandbox, config)
        code, text = on_a_terminal(["approve", "--config", str(config)], [b"x\r", b"s\r", b"s\r"])
    assert code == 0, text
    assert "a: approve (write 0)  r: reject (keep 57)  s: skip  q: quit" in text
    assert "keep 175" in text or "r: reject (keep" in text.split("[2/2]")[1]
    assert "`halosync approve` writes" not in text  # the row's command advice is for cron mail, not this prompt
    assert "Nothing decided: 2 change(s) still pending." in " ".join(text.split())  # both skipped, nothing matched
    assert max(len(line) for line in text.splitlines()) <= 80, text


def test_the_prompt_for_a_licence_reported_without_a_count_offers_to_keep_it_as_it_is():
    from halosync.core.models import Row
    from halosync.formats.approve import describe_for_prompt
    from halosync.run.approve import Pending

    row = Row(run_id="r", time="2026-11-01T02:00:00Z", dry_run=False, halo_client_id=14, huntress_organization_ids=[104],
              product="edr", halo_item_id=1001, licence_id=5500, previous_count=None, count=0, action="update",
              status="held")
    text = " ".join(" ".join(describe_for_prompt(Pending("r", row), 1, 1, 80)).split())
    assert "r: reject (keep -)" in text and "None" not in text
