"""End to end: `halosync run` as a subprocess against a sandbox whose lists misbehave. A HaloPSA that serves
fewer rows a page than asked is read to the end (no duplicate licence); a list that cannot be read whole
stops the run with exit 5 before anything is written."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from halosync.sandbox import Sandbox, serve
from halosync.sandbox.config import sandbox_config
from tests.support import read_log, recorded, write_config
from tests.support.contract import assert_conforms
from tests.support.held import synced
from tests.support.installed import halosync


@pytest.fixture
def served(sandbox: Sandbox, tmp_path: Path) -> Iterator[tuple[Sandbox, Path]]:
    with serve(sandbox) as url:
        data = sandbox_config(url, str(tmp_path / "results.jsonl"))
        data["halo"]["page_size"] = 10  # the sandbox holds some 35 licences: several pages
        yield sandbox, write_config(tmp_path / "config.toml", data)
    assert_conforms(recorded(sandbox))


def posts(sandbox: Sandbox) -> int:
    return sandbox.count("halo", "POST", "/api/SoftwareLicence")


def slots(sandbox: Sandbox) -> Counter[tuple[int, int]]:
    return Counter((l["client_id"], l["item_id"]) for l in sandbox.live_licences())


def test_halo_serving_short_pages_is_read_to_record_count_and_no_licence_is_duplicated(served):
    sandbox, config = served
    synced(config)
    created = len(sandbox.live_licences())
    sandbox.faults.halo_page_cap = 4  # 10 asked, 4 served; record_count still the whole list
    before = sandbox.count("halo", "GET", "/api/SoftwareLicence")
    second = halosync("run", "--force", "--json", "--config", str(config))
    assert second.returncode == 0, second.stderr
    assert posts(sandbox) == 1  # steady state: nothing created a second time
    assert len(sandbox.live_licences()) == created and max(slots(sandbox).values()) == 1
    assert {r["action"] for r in json.loads(second.stdout)["rows"]} == {"unchanged"}
    read = sandbox.count("halo", "GET", "/api/SoftwareLicence") - before
    assert read >= -(-len(sandbox.state.licences) // 4)  # every short page was asked for


def test_halo_skipping_rows_between_short_pages_stops_the_run_with_exit_5(served):
    sandbox, config = served
    synced(config)
    sandbox.faults.halo_page_cap = 4
    sandbox.faults.halo_page_skips = True  # page 2 starts at row 10: rows 4-9 are never served
    result = halosync("run", "--force", "--config", str(config))
    assert result.returncode == 5, result.stderr
    assert "list of licences" in result.stderr and "record_count" in result.stderr
    assert posts(sandbox) == 1 and max(slots(sandbox).values()) == 1  # nothing written
    run = [r for r in read_log(config.parent / "results.jsonl") if r["type"] == "run"][-1]
    assert run["exit_code"] == 5 and "list of licences" in run["error"]


def test_halo_ignoring_page_no_stops_the_run_with_exit_5(served):
    sandbox, config = served
    synced(config)
    sandbox.faults.halo_ignores_page_no = True  # every page is page 1: old code read 10 and created the rest again
    result = halosync("run", "--force", "--config", str(config))
    assert result.returncode == 5 and "list of licences" in result.stderr
    assert posts(sandbox) == 1 and max(slots(sandbox).values()) == 1


def test_a_huntress_pager_that_loops_back_stops_the_run_with_exit_5(served):
    sandbox, config = served
    sandbox.faults.huntress_page_cap = 5
    sandbox.faults.huntress_pager_repeats = True
    result = halosync("run", "--json", "--config", str(config))
    assert result.returncode == 5
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 5 and "list of organizations" in error["message"]
    assert posts(sandbox) == 0


def test_huntress_pages_that_overlap_count_each_organization_once(served):
    sandbox, config = served
    sandbox.faults.huntress_page_cap = 5
    sandbox.faults.huntress_page_overlap = 1
    result = halosync("run", "--json", "--config", str(config))
    assert result.returncode == 0, result.stderr
    rows = {(r["halo_client_id"], r["product"]): r["count"] for r in json.loads(result.stdout)["rows"]}
    assert rows[(12, "edr")] == 42 + 6 and rows[(18, "sat")] == 175
