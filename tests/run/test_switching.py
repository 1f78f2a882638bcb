"""Switching from another writer: a product moved to another item, a second writer changing counts, the ledger."""

from __future__ import annotations

import json
from pathlib import Path

from halosync.config.schema import Config
from halosync.core.mapping import Mapping
from halosync.core.models import Counts, Licence
from halosync.core.outside import Ledger, Written, mark
from halosync.core.plan import build_plan
from halosync.run.ledger import read_ledger
from halosync.run.sync import sync
from halosync.run.wiring import mapping_from_config
from tests.support import basic_config, read_log
from tests.support.fakes import FakeSource, FakeStore

ACME = {101: ("Acme Dental", {"edr": 42, "sat": 20}), 102: ("Acme Annex", {"edr": 6, "sat": 4}),
        104: ("Cedar Law", {"edr": 57, "sat": 55})}
MAPPING = Mapping(clients={12: [101]}, products={"edr": 1006, "sat": 1003},
                  licence_names={"edr": "Huntress Managed EDR", "sat": "Huntress Managed SAT"})


def config(tmp_path: Path, **overrides: object) -> Config:
    return Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}, **overrides))


def run(cfg: Config, store: FakeStore, source: FakeSource | None = None, dry_run: bool = False):
    return sync(cfg, mapping_from_config(cfg), source or FakeSource(ACME), store, force=True, dry_run=dry_run)


def row(rows, client: int, product: str):
    [found] = [r for r in rows if r.halo_client_id == client and r.product == product]
    return found


def plan(licences, written_for=None):
    return build_plan(MAPPING, {101: "Acme"}, Counts(counts={101: {"edr": 42, "sat": 20}}), licences,
                      written_for=written_for).rows


# -- a product moved to another item -------------------------------------------------------------------------


def test_a_moved_product_fails_naming_the_licence_on_the_old_item_found_by_its_name():
    edr = row(plan([Licence(5531, 12, "Huntress Managed EDR", 40, 1001)]), 12, "edr")
    assert (edr.status, edr.action, edr.licence_id, edr.count) == ("failed", "create", None, 42)
    assert "licence 5531 'Huntress Managed EDR' (count 40) on item 1001" in edr.message
    assert "map edr back to item 1001" in edr.message and "end that licence in HaloPSA" in edr.message


def test_a_moved_product_found_through_the_log_though_renamed_in_halo():
    licences = [Licence(5531, 12, "EDR (Acme)", 40, 1001)]
    assert row(plan(licences), 12, "edr").action == "create"  # nothing links it to edr but the log
    edr = row(plan(licences, written_for={(12, "edr"): {5531}}), 12, "edr")
    assert edr.status == "failed" and "licence 5531" in edr.message and "item 1001" in edr.message


def test_what_is_not_a_moved_product():
    licences = [Licence(1, 12, "Huntress Managed EDR", 40, 1001, deleted=True),  # ended in Halo
                Licence(2, 12, "Huntress Managed EDR", 5, 1003),  # sat's own licence, whatever its name
                Licence(3, 12, "Microsoft 365", 25, 2001),  # another vendor's
                Licence(4, 13, "Huntress Managed EDR", 9, 1001)]  # another client's
    assert row(plan(licences, written_for={(12, "sat"): {2}}), 12, "edr").action == "create"


def test_a_moved_product_with_a_licence_on_the_new_item_is_an_ordinary_update():
    rows = plan([Licence(5531, 12, "Huntress Managed EDR", 40, 1001), Licence(6000, 12, "x", 40, 1006)])
    assert (row(rows, 12, "edr").action, row(rows, 12, "edr").licence_id) == ("update", 6000)


def test_moving_edr_to_another_item_creates_nothing_and_the_row_names_the_old_licence(tmp_path):
    store = FakeStore()
    assert run(config(tmp_path), store).exit_code == 0
    old = next(l for l in store.licences_by_id.values() if (l.client_id, l.item_id) == (12, 1001))
    # A person renames it in Halo: only the results log still ties it to edr.
    store.licences_by_id[old.id] = Licence(old.id, 12, "EDR for Acme", old.count, 1001)
    posts = len(store.posts)

    result = run(config(tmp_path, products={"edr": 1006}), store)
    assert result.exit_code == 1
    assert len(store.posts) == posts  # nothing created
    edr = row(result.rows, 12, "edr")
    assert edr.status == "failed" and f"licence {old.id} 'EDR for Acme'" in edr.message and "item 1001" in edr.message
    assert row(result.rows, 12, "sat").status == "ok"


# -- the ledger ---------------------------------------------------------------------------------------------


def _row(licence_id, count, *, time="2026-11-01T02:00:00Z", status="ok", action="update", dry_run=False,
         client=12, product="edr"):
    return {"type": "row", "run_id": "r", "time": time, "dry_run": dry_run, "halo_client_id": client,
            "huntress_organization_ids": [101], "product": product, "halo_item_id": 1001, "licence_id": licence_id,
            "previous_count": 1, "count": count, "action": action, "status": status, "message": ""}


def _write(path: Path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_the_ledger_keeps_the_newest_written_or_confirmed_count(tmp_path):
    log = tmp_path / "results.jsonl"
    _write(log, [_row(7, 40), _row(7, 41, action="unchanged", time="2026-11-02T02:00:00Z"),
                 _row(7, 99, dry_run=True), _row(7, 98, status="held"), {"type": "run", "junk": 1}])
    with log.open("a") as f:
        f.write('{"type": "row", "licence_id": 7, "count": 5\n')  # a killed run's half line
    ledger = read_ledger(log)
    assert ledger.last[7] == Written(41, "2026-11-02T02:00:00Z", 12, "edr")
    assert ledger.written_for[12, "edr"] == {7}


def test_a_rotated_log_still_supplies_the_last_written_counts(tmp_path):
    log = tmp_path / "results.jsonl"
    _write(tmp_path / "results.jsonl.20261001T020000Z", [_row(7, 30), _row(8, 12, product="sat")])
    _write(tmp_path / "results.jsonl.20261101T020000Z", [_row(7, 40, time="2026-11-01T02:00:00Z")])
    _write(log, [_row(9, 3)])
    ledger = read_ledger(log)
    assert (ledger.last[7].count, ledger.last[8].count, ledger.last[9].count) == (40, 12, 3)


def test_an_approved_decision_is_halosyncs_own_write(tmp_path):
    log = tmp_path / "results.jsonl"
    decision = {"type": "decision", "time": "2026-11-03T09:00:00Z", "held_run_id": "r", "halo_client_id": 12,
                "product": "edr", "licence_id": 7, "previous_count": 40, "count": 10, "decision": "approved",
                "status": "ok", "message": ""}
    rejected = {**decision, "licence_id": 8, "decision": "rejected", "count": 0}
    _write(log, [_row(7, 40), _row(8, 5), decision, rejected])
    ledger = read_ledger(log)
    assert (ledger.last[7].count, ledger.last[7].approved) == (10, True)
    assert ledger.last[8].count == 5  # a rejection writes nothing


def test_a_failed_update_may_have_been_written(tmp_path):
    log = tmp_path / "results.jsonl"
    _write(log, [_row(7, 40), _row(7, 44, status="failed")])
    ledger = read_ledger(log)
    assert ledger.change(7, 44) is None and ledger.change(7, 40) is None
    assert ledger.change(7, 50) is not None


# -- a second writer ----------------------------------------------------------------------------------------


def test_mark_compares_with_the_last_written_count_and_ignores_licences_without_history():
    ledger = Ledger()
    ledger.confirm(5531, Written(40, "2026-11-01T02:00:00Z", 12, "edr"))
    rows = plan([Licence(5531, 12, "x", 48, 1006), Licence(5532, 12, "y", 33, 1003)])
    assert mark(rows, ledger) == 1
    edr, sat = row(rows, 12, "edr"), row(rows, 12, "sat")
    assert edr.outside_change is not None
    assert (edr.outside_change.was, edr.outside_change.now, edr.outside_change.since) == (
        40, 48, "2026-11-01T02:00:00Z")
    assert sat.outside_change is None  # no history: nothing to compare


def _second_writer(tmp_path, **overrides):
    store = FakeStore()
    assert run(config(tmp_path, **overrides), store).exit_code == 0
    edr = next(l for l in store.licences_by_id.values() if (l.client_id, l.item_id) == (12, 1001))
    store.licences_by_id[edr.id] = Licence(edr.id, 12, edr.name, 50, 1001)  # Huntress's own sync writes 50
    return store, edr


def test_an_outside_change_is_warned_on_the_row_and_in_the_log_and_overwritten(tmp_path):
    store, edr = _second_writer(tmp_path)
    result = run(config(tmp_path), store)
    assert result.exit_code == 0
    changed = row(result.rows, 12, "edr")
    assert changed.outside_change is not None and (changed.outside_change.was, changed.outside_change.now) == (48, 50)
    assert (changed.action, changed.status, changed.count) == ("update", "ok", 48)
    assert all(r.outside_change is None for r in result.rows if r is not changed)
    logged = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "row"][-4:]
    assert [r["outside_change"] for r in logged if r["product"] == "edr" and r["halo_client_id"] == 12] == [
        {"was": 48, "now": 50, "since": changed.outside_change.since}]
    # written back: the next run finds nothing changed from outside
    assert all(r.outside_change is None for r in run(config(tmp_path), store).rows)


def test_an_outside_change_is_held_with_hold_whatever_its_size(tmp_path):
    store, edr = _second_writer(tmp_path, sync={"outside_changes": "hold"})
    posts = len(store.posts)
    result = run(config(tmp_path, sync={"outside_changes": "hold"}), store)
    assert result.exit_code == 6
    held = row(result.rows, 12, "edr")
    assert held.status == "held" and "changed outside halosync" in held.message and "halosync approve" in held.message
    assert store.licences_by_id[edr.id].count == 50 and len(store.posts) == posts  # nothing written


def test_an_unchanged_licence_changed_from_outside_is_reported_not_held(tmp_path):
    store, edr = _second_writer(tmp_path, sync={"outside_changes": "hold"})
    source = FakeSource({**ACME, 101: ("Acme Dental", {"edr": 44, "sat": 20})})  # 44 + 6 = 50: what it holds
    result = run(config(tmp_path, sync={"outside_changes": "hold"}), store, source)
    same = row(result.rows, 12, "edr")
    assert (same.action, same.status, result.exit_code) == ("unchanged", "ok", 0)
    assert same.outside_change is not None


def test_an_approved_change_is_not_an_outside_change(tmp_path, monkeypatch):
    from halosync.run.approve import decide, pending

    guard = {"max_decrease_percent": 20, "min_units": 5}
    store = FakeStore()
    cfg = config(tmp_path, guard=guard)
    assert run(cfg, store).exit_code == 0
    source = FakeSource({**ACME, 101: ("Acme Dental", {"edr": 0, "sat": 20})})  # 48 -> 6: held
    assert run(cfg, store, source).exit_code == 6
    [change] = pending(cfg)

    class Halo:  # approve through the same fake store
        def __init__(self, *a, **k):
            self.halo = store

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr("halosync.run.approve.Services", Halo)
    outcome = decide(cfg, [(change, "approved")])
    assert change.row.licence_id is not None
    assert outcome.exit_code == 0 and store.licences_by_id[change.row.licence_id].count == 6
    result = run(cfg, store, source)
    assert all(r.outside_change is None for r in result.rows)
    assert row(result.rows, 12, "edr").action == "unchanged"


def test_edr_split_after_whole_is_not_a_second_edr_licence():
    split = Mapping(clients={12: [101]}, products={"edr_servers": 1006, "edr_workstations": 1007},
                    licence_names={"edr_servers": "Huntress Managed EDR (servers)",
                                   "edr_workstations": "Huntress Managed EDR (workstations)"},
                    licence_name_template="Huntress {product}")
    counts = Counts(counts={101: {"edr_servers": 5, "edr_workstations": 37}})
    whole = Licence(5531, 12, "Huntress Managed EDR", 42, 1001)
    rows = build_plan(split, {101: "Acme"}, counts, [whole]).rows
    assert [(r.product, r.status) for r in rows] == [("edr_servers", "failed"), ("edr_workstations", "failed")]
    assert "EDR is still billed whole by licence 5531" in rows[0].message and "never both" in rows[0].message
    # found through the log too, whatever its name
    renamed = Licence(5531, 12, "EDR", 42, 1001)
    rows = build_plan(split, {101: "Acme"}, counts, [renamed], written_for={(12, "edr"): {5531}}).rows
    assert all(r.status == "failed" and "licence 5531" in r.message for r in rows)


def test_edr_whole_after_split_is_not_a_second_edr_licence():
    licences = [Licence(6001, 12, "Huntress Managed EDR (servers)", 5, 1006),
                Licence(6002, 12, "Huntress Managed EDR (workstations)", 37, 1007)]
    mapping = Mapping(clients={12: [101]}, products={"edr": 1001}, licence_names={"edr": "Huntress Managed EDR"},
                      licence_name_template="Huntress {product}")
    [edr] = build_plan(mapping, {101: "Acme"}, Counts(counts={101: {"edr": 42}}), licences).rows
    assert edr.status == "failed" and "licence 6001" in edr.message and "licence 6002" in edr.message
    assert "billed split" in edr.message


def test_a_changed_licence_name_on_a_halo_without_items_is_caught_by_the_log():
    renamed = Mapping(clients={12: [101]}, products={"edr": 1001}, licence_names={"edr": "EDR by Huntress"})
    old = Licence(5531, 12, "Huntress Managed EDR", 40, None)  # this HaloPSA reports no item: the name decided
    [edr] = build_plan(renamed, {101: "Acme"}, Counts(counts={101: {"edr": 42}}), [old],
                       written_for={(12, "edr"): {5531}}).rows
    assert edr.status == "failed" and "licence 5531" in edr.message and "[sync] licence_name" in edr.message


def test_a_count_written_later_forgets_the_counts_that_were_only_possible_before():
    ledger = Ledger()
    ledger.confirm(7, Written(40, "2026-11-01T02:00:00Z", 12, "edr"))
    ledger.maybe(7, 44)  # a write of 44 whose answer was lost
    assert ledger.change(7, 44) is None
    ledger.confirm(7, Written(46, "2026-11-02T02:00:00Z", 12, "edr"))  # a later run confirmed 46
    change = ledger.change(7, 44)  # 44 now is someone else's doing
    assert change is not None and (change.was, change.now) == (46, 44)
