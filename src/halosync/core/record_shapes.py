"""What each kind of results-log record must hold for a reader to use it. Pure, and light: no pydantic.

These restate the fields of core/models.py's records that readers rely on, in plain types, so the hourly
not-due check reads the log without loading pydantic; tests/core/test_record_shapes.py holds the two to each
other (every key and type here is the model's, every word list is the model's Literal), so they cannot drift.
"""

from __future__ import annotations

from typing import Any

from halosync.core.times import parse_iso

# A record of the wrong shape is skipped and counted by the reader. Keys not listed (optional fields such as a
# row's `client_name`) are not required; readers check their type where they use them (run/names.logged_name).
SHAPES: dict[str, dict[str, tuple[type, ...]]] = {
    "run": {"run_id": (str,), "started": (str,), "exit_code": (int,), "rows": (dict,), "requests": (dict,)},
    "row": {"run_id": (str,), "time": (str,), "halo_client_id": (int,), "product": (str,), "halo_item_id": (int,),
            "action": (str,), "status": (str,), "huntress_organization_ids": (list,), "licence_id": (int, type(None)),
            "previous_count": (int, type(None)), "count": (int, type(None))},
    "unmapped": {"run_id": (str,), "huntress_organization_id": (int,), "name": (str,)},
    "invoice_fix": {"time": (str,), "invoice_id": (int,), "licence_id": (int,), "action": (str,), "status": (str,)},
    "decision": {"time": (str,), "held_run_id": (str,), "halo_client_id": (int,), "product": (str,),
                 "licence_id": (int,), "previous_count": (int,), "count": (int,), "decision": (str,), "status": (str,)},
}
COUNTS = {"run": ("rows", "requests")}
# Times a reader sorts, compares or dates by: "2026-13-45T99:00:00Z" is no time, and the record is skipped.
TIMES = {"run": ("started",), "row": ("time",), "invoice_fix": ("time",), "decision": ("time",)}
WORDS = {"row": {"action": {"create", "update", "unchanged"}, "status": {"ok", "failed", "held"}},  # as models.Row has them
          "decision": {"decision": {"approved", "rejected"}, "status": {"ok", "stale", "failed"}}}


def well_formed(record: dict[str, Any]) -> bool:
    """Whether a record has the shape its type promises (kinds this version does not know pass)."""
    shape = SHAPES.get(record.get("type"))  # type: ignore[arg-type]
    if shape is None:
        return isinstance(record.get("type"), str)
    for key, types in shape.items():
        value = record.get(key)
        if not isinstance(value, types) or isinstance(value, bool):
            return False
    for key, words in WORDS.get(record["type"], {}).items():
        if record[key] not in words:
            return False
    for key in TIMES.get(record["type"], ()):
        if parse_iso(record[key], naive_is_utc=False) is None:
            return False
    for key in COUNTS.get(record["type"], ()):
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in record[key].values()):
            return False
    return True
