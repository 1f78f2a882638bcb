"""The clock every record halosync writes is stamped with: UTC, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
