"""`approve` writes only the latest proposal: newer judgements replace a hold, runs that ended early or did
not reach the pair do not hide it, a deleted licence is stale, and `--dry-run` never says "wrote"."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from halosync.config.load import load_config
from halosync.core.models import RunRecord
from halosync.run import resultslog
from halosync.run.approve import decide, pending
from halosync.sandbox import Sandbox
from tests.support import read_log, write_config
from tests.support.held import GLITCH, cli, held_run


@pytest.fixture
def held(sandbox_mock: Sandbox, sandbox_config_file: Path) -> tuple[Sandbox, Path]:
    """A first sync, then a glitch held: Cedar Law's EDR (client 14) 57 -> 0, Granite's SAT (18) 175 -> 350."""
    return held_run(sandbox_mock, sandbox_config_file, GLITCH)


def licence(sandbox, client_id: int, item_id: int) -> dict[str, Any]:
    [found] = [l for l in sandbox.state.licences.values() if l["client_id"] == client_id and l["item_id"] == item_id]
    licence: dict[str, Any] = found  # the live record: tests change it in place
    return licence


def pending_pairs(config) -> list[tuple[int, str, int]]:
    """(client, product, count) of what approve would decide, from its dry run."""
    result = cli("approve", "--all", "--dry-run", "--json", "--config", str(config))
    return [(d["halo_client_id"], d["product"], d["count"]) for d in json.loads(result.stdout)["decisions"]]


def log_of(config):
    return config.parent / "results.jsonl"


def test_a_run_while_the_question_was_open_replaces_the_proposal_and_nothing_old_is_written(held):
    sandbox, config = held
    _, cfg = load_config(config)
    shown = pending(cfg)  # what a person is being asked about, on a terminal ...
    sandbox.state.set_count(104, "edr", 57)  # ... while the glitch passes and cron's run finds EDR unchanged
    assert cli("run", "--force", "--config", str(config)).exit_code == 6  # SAT is still held (a new proposal)
    outcome = decide(cfg, [(change, "approved") for change in shown])
    assert licence(sandbox, 14, 1001)["count"] == 57  # the old proposal (0) was not written
    assert licence(sandbox, 18, 1003)["count"] == 175  # nor the old SAT one: a newer run proposed it again
    assert {(d.halo_client_id, d.status) for d in outcome.decisions} == {(14, "stale"), (18, "stale")}
    assert outcome.exit_code == 1 and all("no longer pending" in d.message for d in outcome.decisions)
    assert pending_pairs(config) == [(18, "sat", 350)]  # the newer run's proposal is what is pending now


def test_a_newer_run_that_held_another_count_replaces_the_proposal(held):
    sandbox, config = held
    sandbox.state.set_count(108, "sat", 400)
    assert cli("run", "--force", "--config", str(config)).exit_code == 6
    assert pending_pairs(config) == [(14, "edr", 0), (18, "sat", 400)]
    assert cli("approve", "--product", "sat", "--config", str(config)).exit_code == 0
    assert licence(sandbox, 18, 1003)["count"] == 400


def test_a_newer_run_whose_write_of_a_fresh_count_failed_replaces_the_proposal(held):
    sandbox, config = held
    sandbox.state.set_count(108, "sat", 180)  # within the guard: written, not held
    sandbox.faults.fail_writes_for_clients = {18}
    assert cli("run", "--force", "--config", str(config)).exit_code == 1
    assert pending_pairs(config) == [(14, "edr", 0)]  # 350 is no longer anyone's proposal


def test_a_newer_run_that_did_not_reach_the_pair_does_not_hide_it(held):
    sandbox, config = held
    cedar = sandbox.state.organizations.pop(104)  # Huntress does not list it: client 14's rows fail, count unknown
    assert cli("run", "--force", "--config", str(config)).exit_code == 1
    assert pending_pairs(config) == [(14, "edr", 0), (18, "sat", 350)]
    sandbox.state.organizations[104] = cedar
    result = cli("approve", "--client", "14", "--json", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert licence(sandbox, 14, 1001)["count"] == 0


@pytest.mark.parametrize("exit_code", [5, 70, 130, 143])
def test_a_newer_run_that_ended_early_does_not_hide_the_proposal(held, exit_code):
    _, config = held
    # What an interrupted or failed sync leaves when it stops before planning: a run record and no rows.
    resultslog.append(log_of(config), [RunRecord(
        run_id=f"later-{exit_code}", started="2026-11-30T03:00:00Z", finished="2026-11-30T03:00:05Z", dry_run=False,
        forced=True, exit_code=exit_code, rows={"create": 0, "update": 0, "unchanged": 0, "failed": 0, "held": 0},
        requests={"huntress": 1, "halo": 1}, error="stopped")])
    assert pending_pairs(config) == [(14, "edr", 0), (18, "sat", 350)]


def test_rows_of_an_interrupted_run_neither_propose_nor_hide(held):
    sandbox, config = held
    records = read_log(log_of(config))
    last_run = records[-1]["run_id"]
    # Replay the held run's rows as an interrupted run's, with other counts: they must not become proposals.
    replay = [{**r, "run_id": "interrupted", "count": 999} for r in records if r.get("run_id") == last_run]
    replay[-1].update(exit_code=130)
    with log_of(config).open("a") as f:
        f.writelines(json.dumps(r) + "\n" for r in replay)
    assert pending_pairs(config) == [(14, "edr", 0), (18, "sat", 350)]


def test_a_proposal_in_a_rotated_file_is_still_found(held):
    sandbox, config = held
    log_of(config).rename(log_of(config).with_name("results.jsonl.20261124T020003Z"))
    sandbox.state.organizations.pop(108)  # the next run does not reach Granite's SAT
    assert cli("run", "--force", "--config", str(config)).exit_code == 1
    assert (18, "sat", 350) in pending_pairs(config)


def test_a_licence_deleted_in_halo_since_the_hold_is_stale_and_nothing_is_written(held):
    sandbox, config = held
    licence(sandbox, 14, 1001)["deleted"] = True  # still listed, still 57: deleted in HaloPSA
    posts = sandbox.count("halo", "POST", "/api/SoftwareLicence")
    result = cli("approve", "--client", "14", "--json", "--config", str(config))
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)["decisions"]
    assert d["status"] == "stale" and "deleted" in d["message"]
    assert sandbox.count("halo", "POST", "/api/SoftwareLicence") == posts
    assert licence(sandbox, 14, 1001)["count"] == 57


def test_a_licence_gone_from_the_listing_is_stale(held):
    sandbox, config = held
    del sandbox.state.licences[licence(sandbox, 14, 1001)["id"]]
    result = cli("approve", "--client", "14", "--json", "--config", str(config))
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)["decisions"]
    assert d["status"] == "stale" and "no longer in HaloPSA" in d["message"]


def test_dry_run_says_would_write_never_wrote_and_records_nothing(held):
    sandbox, config = held
    before = log_of(config).read_text()
    text = cli("approve", "--all", "--dry-run", "--config", str(config))
    assert text.exit_code == 0
    assert "would write 0" in text.stdout and "would write 350" in text.stdout
    assert "wrote" not in text.stdout.replace("would write", "")
    as_json = cli("approve", "--all", "--dry-run", "--json", "--config", str(config))
    document = json.loads(as_json.stdout)
    assert document["dry_run"] is True
    assert [d["message"] for d in document["decisions"]] == ["would write 0", "would write 350"]
    assert log_of(config).read_text() == before  # no decision recorded
    assert licence(sandbox, 14, 1001)["count"] == 57 and licence(sandbox, 18, 1003)["count"] == 175
    real = cli("approve", "--all", "--json", "--config", str(config))
    assert [d["message"] for d in json.loads(real.stdout)["decisions"]] == ["wrote 0", "wrote 350"]


def test_an_outage_stops_approving_at_the_first_failure(held):
    sandbox, config = held
    sandbox.faults.halo_read_500 = 1000
    posts = sandbox.count("halo", "POST", "/api/SoftwareLicence")
    result = cli("approve", "--all", "--json", "--config", str(config))
    assert result.exit_code == 5
    document = json.loads(result.stdout)
    assert [(d["halo_client_id"], d["status"]) for d in document["decisions"]] == [(14, "failed")]  # 18 never tried
    assert sandbox.count("halo", "POST", "/api/SoftwareLicence") == posts
    sandbox.faults.halo_read_500 = 0
    assert pending_pairs(config) == [(14, "edr", 0), (18, "sat", 350)]  # a failed approval stays pending


def test_a_pair_the_config_no_longer_maps_is_not_pending(held):
    _, config = held
    data = tomllib.loads(config.read_text())
    data["organizations"] = [o for o in data["organizations"] if o["halo_client_id"] != 14]
    write_config(config, data)
    assert pending_pairs(config) == [(18, "sat", 350)]


def test_judge_decides_each_case_before_any_write() -> None:
    from halosync.core.models import Row
    from halosync.run.approve import GONE, Pending, judge

    row = Row(run_id="r", time="2026-11-01T02:00:00Z", dry_run=False, halo_client_id=14, huntress_organization_ids=[104],
              product="edr", halo_item_id=1001, licence_id=5500, previous_count=57, count=0, action="update",
              status="held")
    change = Pending("r", row)
    when = lambda: "the next sync"  # noqa: E731
    assert judge(change, "approved", still=True, now=57, next_sync=when) is None  # as the run saw it: write
    assert judge(change, "approved", still=False, now=57, next_sync=when) == ("stale", judge(
        change, "rejected", still=False, now=GONE, next_sync=when)[1])  # type: ignore[index]
    assert judge(change, "rejected", still=True, now=GONE, next_sync=when) == (
        "ok", "kept 57; the next sync judges it again")
    gone = judge(change, "approved", still=True, now=GONE, next_sync=when)
    assert gone is not None and gone[0] == "stale" and "no longer in HaloPSA" in gone[1]
    assert judge(change, "approved", still=True, now=0, next_sync=when) == ("ok", "already holds 0: nothing written")
    edited = judge(change, "approved", still=True, now=60, next_sync=when)
    assert edited is not None and edited[0] == "stale" and "now holds 60, not the 57" in edited[1]
    no_count = Pending("r", row.replace(previous_count=None))  # HaloPSA reported the licence without a count
    assert judge(no_count, "rejected", still=True, now=GONE, next_sync=when) == (
        "ok", "kept the licence as it is; the next sync judges it again")


def test_a_held_change_from_a_licence_without_a_count_reads_as_dash_not_none():
    from halosync.core.models import Row
    from halosync.formats.approve import describe_change
    from halosync.run.approve import Pending

    row = Row(halo_client_id=12, huntress_organization_ids=[101], product="edr", halo_item_id=1001, licence_id=5,
              previous_count=None, count=52, action="update", status="held", message="held for approval")
    text = describe_change(Pending("r1", row), {12: "Acme"})
    assert "licence 5: - → 52 " in text and "None" not in text
