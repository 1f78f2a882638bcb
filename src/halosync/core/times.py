"""Reading the ISO 8601 time stamps of the results log and the vendors: one rule. Pure."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_iso(stamp: object, *, naive_is_utc: bool) -> datetime | None:
    """An aware datetime from `2026-11-01T02:00:00Z` (or any ISO 8601 form), None for anything unreadable.

    A stamp without an offset is UTC for a vendor's value (`naive_is_utc`), this machine's local time for one
    a person typed into the results log."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC) if naive_is_utc else moment.astimezone()
