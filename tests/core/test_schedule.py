"""When a sync is due (SPEC 'What a run does', step 2)."""

from __future__ import annotations

from datetime import date

import pytest

from halosync.config.schema import SyncConfig
from halosync.core.schedule import is_due, next_due

DAILY = SyncConfig(frequency="daily")
MONTHLY_1 = SyncConfig(frequency="monthly", day_of_month=1)
MONTHLY_15 = SyncConfig(frequency="monthly", day_of_month=15)
MONTHLY_LAST = SyncConfig(frequency="monthly", day_of_month="last")


@pytest.mark.parametrize(
    ("sync", "today", "last", "due"),
    [
        (DAILY, date(2026, 11, 24), None, True),
        (DAILY, date(2026, 11, 24), date(2026, 11, 24), False),
        (DAILY, date(2026, 11, 24), date(2026, 11, 23), True),
        (MONTHLY_1, date(2026, 11, 1), None, True),
        (MONTHLY_1, date(2026, 11, 3), date(2026, 10, 1), True),  # catch-up after missed days
        (MONTHLY_1, date(2026, 11, 3), date(2026, 11, 1), False),
        (MONTHLY_15, date(2026, 11, 14), date(2026, 10, 15), False),  # not yet
        (MONTHLY_15, date(2026, 11, 15), date(2026, 10, 15), True),
        (MONTHLY_15, date(2026, 11, 20), date(2026, 11, 15), False),
        (MONTHLY_LAST, date(2026, 11, 29), None, False),
        (MONTHLY_LAST, date(2026, 11, 30), None, True),
        (MONTHLY_LAST, date(2028, 2, 29), None, True),  # leap year
        (MONTHLY_LAST, date(2027, 2, 28), None, True),
    ],
)
def test_is_due(sync, today, last, due):
    assert is_due(sync, today, last) is due


@pytest.mark.parametrize(
    ("sync", "today", "last", "expected"),
    [
        (DAILY, date(2026, 11, 24), date(2026, 11, 24), date(2026, 11, 25)),
        (MONTHLY_1, date(2026, 11, 3), date(2026, 11, 1), date(2026, 12, 1)),
        (MONTHLY_1, date(2026, 12, 9), date(2026, 12, 1), date(2027, 1, 1)),
        (MONTHLY_15, date(2026, 11, 2), date(2026, 10, 15), date(2026, 11, 15)),
        (MONTHLY_LAST, date(2027, 1, 31), date(2027, 1, 31), date(2027, 2, 28)),
        (MONTHLY_1, date(2026, 11, 3), None, date(2026, 11, 3)),
    ],
)
def test_next_due(sync, today, last, expected):
    assert next_due(sync, today, last) == expected
