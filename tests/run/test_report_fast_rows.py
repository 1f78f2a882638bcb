"""The report's fast row pattern is held to core.models.Row: a field added to Row must be placed in it knowingly."""

from __future__ import annotations

import dataclasses
import json
import re

from halosync.core.models import OutsideChange, Row
from halosync.run.report import _ROW


def test_the_fast_pattern_names_every_field_of_row_and_takes_a_row_with_all_of_them_set():
    named = set(re.findall(rb'"([a-z_]+)": ', _ROW.pattern))
    named |= {name for group in re.findall(rb'"\(\?:([a-z_|]+)\)": ', _ROW.pattern) for name in group.split(b"|")}
    assert {name.decode() for name in named} >= {f.name for f in dataclasses.fields(Row)}, "a Row field the report's fast way does not know"
    full = Row(run_id="r1", time="2026-01-01T02:00:00Z", halo_client_id=12, huntress_organization_ids=[101],
               product="edr", halo_item_id=1006, licence_id=5, previous_count=3, count=4, actual_count=2,
               action="update", status="ok", message="m", client_name="Acme",
               outside_change=OutsideChange(was=1, now=3, since="2026-01-01T02:00:00Z"),
               huntress_invoice_id=7002, period_start="2025-12-01", period_end="2025-12-31")
    match = _ROW.fullmatch(json.dumps(full.dump(), ensure_ascii=False).encode())
    assert match is not None
    assert match.groups() == (b"r1", b"12", b"edr", b"1006", b"5", b"4", b"2", b"ok", b'"Acme"')
