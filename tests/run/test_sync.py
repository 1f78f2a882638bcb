"""The sync and the applier on in-memory fakes of the ports: the rules without HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from halosync.config.schema import Config
from halosync.core.mapping import Mapping
from halosync.core.models import Licence, Row
from halosync.errors import AuthError, ServiceError
from halosync.formats.results import TABLE_LIMIT, rows_to_show
from halosync.halo.apply import Applier
from halosync.run.sync import sync
from halosync.run.wiring import mapping_from_config
from tests.support import basic_config, read_log
from tests.support.fakes import FakeSource, FakeStore

ACME = {101: ("Acme Dental", {"edr": 42, "sat": 20}), 102: ("Acme Annex", {"edr": 6, "sat": 4}),
        104: ("Cedar Law", {"edr": 57, "sat": 55})}


def config(tmp_path: Path, **overrides: object) -> Config:
    return Config.model_validate(basic_config(log={"path": str(tmp_path / "results.jsonl")}, **overrides))


def run(cfg: Config, store: FakeStore, source: FakeSource | None = None, dry_run: bool = False):
    return sync(cfg, mapping_from_config(cfg), source or FakeSource(ACME), store, force=True, dry_run=dry_run)


def test_a_first_sync_creates_every_licence_and_logs_every_row(tmp_path):
    store = FakeStore()
    result = run(config(tmp_path), store)
    assert result.exit_code == 0
    assert sorted((l.client_id, l.item_id, l.count) for l in store.licences_by_id.values()) == [
        (12, 1001, 48), (12, 1003, 24), (14, 1001, 57), (14, 1003, 55)]
    logged = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "row"]
    assert len(logged) == 4 and all(r["licence_id"] for r in logged)


def test_the_minimum_boundary_at_the_minimum_no_actual_count(tmp_path):
    clients = [{"halo_client_id": 12, "minimum": {"edr": 48, "sat": 25}}]  # edr exactly at it, sat below it
    result = run(config(tmp_path, clients=clients), FakeStore())
    edr, sat = (next(r for r in result.rows if (r.halo_client_id, r.product) == (12, p)) for p in ("edr", "sat"))
    assert (edr.count, edr.actual_count) == (48, None)
    assert (sat.count, sat.actual_count) == (25, 24)


@pytest.mark.parametrize(("denied_from", "exit_code", "written"), [(2, 1, 2), (1, 3, 0)])
def test_a_denial_after_some_writes_exits_1_and_before_any_3(tmp_path, denied_from, exit_code, written):
    store = FakeStore()

    def deny(n: int, batch: list[Any]) -> None:
        if n >= denied_from:
            raise AuthError("HaloPSA", "HaloPSA answered 403 Forbidden", 403)

    store.on_post = deny
    cfg = config(tmp_path)
    result = sync(cfg, mapping_from_config(cfg), FakeSource(ACME), store, force=True, dry_run=False, batch_size=2)
    assert result.exit_code == exit_code
    assert len(store.licences_by_id) == written
    assert result.record is not None and "Software Licensing Access Level" in result.record.error


def test_batches_after_a_denial_are_not_sent(tmp_path):
    cfg = config(tmp_path)
    mapping = mapping_from_config(cfg)
    rows = run(cfg, FakeStore(), dry_run=True).rows
    store = FakeStore()

    def deny_first(n: int, batch: list[Any]) -> None:
        raise AuthError("HaloPSA", "HaloPSA answered 403 Forbidden", 403)

    store.on_post = deny_first
    applied = Applier(store, mapping, batch_size=1, workers=1).apply(rows)
    assert len(store.posts) == 1  # the three batches after the denial never went out
    assert applied.written == 0 and all(r.status == "failed" and "refused" in r.message for r in rows)


def test_a_create_confirmed_by_rereading_must_match_the_count(tmp_path):
    mapping = Mapping(clients={12: [101]}, products={"edr": 1001}, licence_names={"edr": "Huntress Managed EDR"})
    row = Row(halo_client_id=12, huntress_organization_ids=[101], product="edr", halo_item_id=1001, licence_id=None,
              previous_count=None, count=5, action="create", status="ok")
    for stored_count, status in ((5, "ok"), (4, "failed")):
        store = FakeStore()
        store.apply_first = True

        def lost_answer(n: int, batch: list[Any], count: int = stored_count, store: FakeStore = store) -> None:
            for licence in list(store.licences_by_id.values()):  # what Halo holds differs from what was sent
                store.licences_by_id[licence.id] = Licence(licence.id, licence.client_id, licence.name, count, licence.item_id)
            raise ServiceError("HaloPSA", "HaloPSA answered 500", 500, ambiguous=True)

        store.on_post = lost_answer
        rows = [row]
        Applier(store, mapping, workers=1).apply(rows)
        assert rows[0].status == status and len(store.posts) == 1 and len(store.licences_by_id) == 1
        assert rows[0].licence_id == 9001


def test_created_ids_are_matched_by_content_when_halo_answers_in_another_order():
    mapping = Mapping(clients={12: [101], 14: [104]}, products={"edr": 1001},
                      licence_names={"edr": "Huntress Managed EDR"})
    rows = [Row(halo_client_id=c, huntress_organization_ids=[o], product="edr", halo_item_id=1001, licence_id=None,
                previous_count=None, count=n, action="create", status="ok") for c, o, n in ((12, 101, 3), (14, 104, 7))]

    class Reversed(FakeStore):
        def post_licences(self, licences: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return list(reversed(super().post_licences(licences)))[:1]  # one object, of the second licence

    store = Reversed()
    Applier(store, mapping, workers=1).apply(rows)
    by_client = {l.client_id: l.id for l in store.licences_by_id.values()}
    assert rows[1].licence_id == by_client[14] and rows[0].licence_id is None


def test_the_large_run_table_is_capped():
    many = [Row(halo_client_id=i, huntress_organization_ids=[i], product="edr", halo_item_id=1, licence_id=i,
                previous_count=1, count=2, action="update", status="ok") for i in range(TABLE_LIMIT + 37)]
    shown, left_out = rows_to_show(many)
    assert len(shown) == TABLE_LIMIT and left_out == 37


@pytest.mark.parametrize("failing", [True, False])
def test_failures_are_shown_first_when_the_table_is_cut(failing):
    rows = [Row(halo_client_id=i, huntress_organization_ids=[i], product="edr", halo_item_id=1, licence_id=i,
                previous_count=1, count=1, action="unchanged", status="ok") for i in range(300)]
    if failing:
        rows.append(rows[0].replace(status="failed", message="boom", halo_client_id=999))
    shown, left_out = rows_to_show(rows)
    assert [r.halo_client_id for r in shown] == ([999] if failing else [])
    assert left_out == len(rows) - len(shown)
