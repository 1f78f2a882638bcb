"""The id of a created licence is read by the one vendor-id rule: a value that is no whole number is no id."""

from __future__ import annotations

from halosync.core.models import Row
from halosync.halo.apply import _created_ids


def _create(client_id: int = 12) -> Row:
    return Row(halo_client_id=client_id, huntress_organization_ids=[101], product="edr", halo_item_id=1001,
               licence_id=None, previous_count=None, count=5, action="create", status="ok")


def test_whole_ids_are_read_by_position_and_by_content() -> None:
    assert _created_ids([_create(), _create(13)], [{"id": 7}, {"id": "8"}]) == [7, 8]
    answer = [{"id": 9, "client_id": 13, "item_id": 1001}]
    assert _created_ids([_create(), _create(13)], answer) == [None, 9]


def test_an_id_that_is_no_whole_number_is_none_never_truncated_to_another_licences() -> None:
    assert _created_ids([_create(), _create(13), _create(14)], [{"id": 7.5}, {"id": True}, {}]) == [None, None, None]
