"""How a sync that planned ends: the pure exit-code decision (core/runs.sync_exit_code)."""

from __future__ import annotations

from halosync.core.models import Row
from halosync.core.runs import sync_exit_code


def row(status: str) -> Row:
    return Row(halo_client_id=1, huntress_organization_ids=[2], product="edr", halo_item_id=3, licence_id=4,
               previous_count=5, count=6, action="update", status=status)  # type: ignore[arg-type]


def test_the_order_of_outcomes():
    ok, failed, held = row("ok"), row("failed"), row("held")
    assert sync_exit_code([ok], refused_before_writing=False, interrupted=None) == 0
    assert sync_exit_code([ok, held], refused_before_writing=False, interrupted=None) == 6
    assert sync_exit_code([held, failed], refused_before_writing=False, interrupted=None) == 1  # failed outranks held
    assert sync_exit_code([failed], refused_before_writing=True, interrupted=None) == 3  # nothing written: auth
    assert sync_exit_code([failed, held], refused_before_writing=True, interrupted=143) == 143  # a signal above all
    assert sync_exit_code([], refused_before_writing=False, interrupted=130) == 130
