"""The guard: which updates are held for approval, at the rule's boundaries, and what a run does with them."""

from __future__ import annotations

from datetime import date

import pytest

from halosync.config.schema import Config
from halosync.core.guard import GuardRule, hold, judge
from halosync.core.models import Licence, Row
from halosync.run import last_sync
from halosync.run.sync import sync
from halosync.run.wiring import mapping_from_config
from tests.support import basic_config, read_log
from tests.support.fakes import FakeSource, FakeStore

RULE = GuardRule(max_decrease_percent=20, max_increase_percent=50, min_units=5)


@pytest.mark.parametrize(("previous", "new", "held"), [
    (100, 80, False),   # exactly 20% down: not beyond the limit
    (100, 79, True),    # 21% down
    (100, 150, False),  # exactly 50% up
    (100, 151, True),
    (10, 6, False),     # 40% down, but 4 units: under min_units
    (10, 5, True),      # exactly min_units (5) and 50% down
    (0, 4, False),      # from 0: fewer than min_units
    (0, 5, True),       # from 0: any rise of min_units or more
    (200, 0, True),     # the outage that reports 0 agents
    (48, 48, False),
])
def test_the_rule_at_its_boundaries(previous, new, held):
    assert (judge(RULE, previous, new) is not None) is held


def test_the_reason_names_the_change_and_the_limit():
    assert judge(RULE, 100, 180) == "an increase of 80%, beyond the 50% limit"
    assert judge(RULE, 0, 9) == "a rise from 0 (any rise of 5 or more from 0 is held)"


def test_a_limit_left_out_never_holds_that_direction():
    rule = GuardRule(max_decrease_percent=10, min_units=1)
    assert judge(rule, 10, 1000) is None and judge(rule, 100, 50) is not None


ACME = {101: ("Acme Dental", {"edr": 42, "sat": 20}), 102: ("Acme Annex", {"edr": 6, "sat": 4}),
        104: ("Cedar Law", {"edr": 0, "sat": 55})}  # Cedar's EDR reads 0: a glitch
LICENCES = [Licence(1, 12, "Huntress Managed EDR", 46, 1001), Licence(2, 12, "Huntress Managed SAT", 24, 1003),
            Licence(3, 14, "Huntress Managed EDR", 57, 1001), Licence(4, 14, "Huntress Managed SAT", 55, 1003)]


def config(tmp_path, **overrides) -> Config:
    return Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")},
                                              guard={"max_decrease_percent": 20, "max_increase_percent": 50,
                                                     "min_units": 5}, **overrides))


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_held_change_is_not_written_is_logged_and_exits_6(tmp_path, dry_run):
    cfg = config(tmp_path)
    store = FakeStore(LICENCES)
    result = sync(cfg, mapping_from_config(cfg), FakeSource(ACME), store, force=True, dry_run=dry_run)
    assert result.exit_code == 6
    held = [r for r in result.rows if r.status == "held"]
    assert [(r.halo_client_id, r.product, r.previous_count, r.count) for r in held] == [(14, "edr", 57, 0)]
    assert "57 → 0, a decrease of 100%, beyond the 20% limit" in held[0].message
    if dry_run:  # nothing is pending after a dry run: it says what a real run would hold
        assert "halosync approve" not in held[0].message and "a dry run holds nothing" in held[0].message
    else:
        assert "halosync approve" in held[0].message
    assert store.licences_by_id[3].count == 57  # nothing written for it
    edr_acme = next(r for r in result.rows if (r.halo_client_id, r.product) == (12, "edr"))
    assert edr_acme.status == "ok" and edr_acme.count == 48  # 46 -> 48: ordinary, written unless a dry run
    assert store.licences_by_id[1].count == (46 if dry_run else 48)
    run_record = read_log(tmp_path / "results.jsonl")[-1]
    assert run_record["rows"]["held"] == 1 and run_record["exit_code"] == 6


def test_a_failed_row_makes_it_1_and_a_held_run_counts_as_done(tmp_path):
    cfg = config(tmp_path)
    store = FakeStore(LICENCES)
    sync(cfg, mapping_from_config(cfg), FakeSource(ACME), store, force=True, dry_run=False)
    assert last_sync.last_success(tmp_path / "results.jsonl", since=date(2000, 1, 1)) is not None
    source = FakeSource({**ACME, 101: ("Acme Dental", {"edr": "x", "sat": 20})})  # type: ignore[dict-item]

    def broken_counts(*args, **kwargs):
        from halosync.core.models import Counts

        counts = FakeSource.counts(source, *args, **kwargs)
        return Counts(counts={o: c for o, c in counts.counts.items() if o != 101}, errors={101: "unreadable"})

    source.counts = broken_counts  # type: ignore[method-assign]
    result = sync(cfg, mapping_from_config(cfg), source, store, force=True, dry_run=False)
    assert result.exit_code == 1 and any(r.status == "held" for r in result.rows)


def test_without_a_guard_nothing_is_held(tmp_path):
    cfg = Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}))
    store = FakeStore(LICENCES)
    result = sync(cfg, mapping_from_config(cfg), FakeSource(ACME), store, force=True, dry_run=False)
    assert result.exit_code == 0 and store.licences_by_id[3].count == 0


def _row(action: str, status: str, previous: int | None, count: int | None) -> Row:
    return Row(halo_client_id=12, huntress_organization_ids=[101], product="edr", halo_item_id=1001,
               licence_id=None if action == "create" else 5531, previous_count=previous, count=count,
               action=action, status=status)  # type: ignore[arg-type]


def test_only_updates_that_would_be_written_are_judged():
    # A create from 0 to 400 and a failed write of a huge drop are far beyond the rule: neither is held.
    rows = [_row("create", "ok", None, 400), _row("update", "failed", 200, 0), _row("unchanged", "ok", 48, 48)]
    assert hold(rows, RULE) == 0
    assert [r.status for r in rows] == ["ok", "failed", "ok"]
    updates = [_row("update", "ok", 200, 0)]
    assert hold(updates, RULE) == 1 and updates[0].status == "held"  # the same change as an update is held
