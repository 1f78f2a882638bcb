"""Whether a sync is due: pure date arithmetic over the last successful run."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Literal, Protocol


class Schedule(Protocol):
    """What the due logic reads of [sync]."""

    @property
    def frequency(self) -> Literal["daily", "monthly", "invoice"]: ...  # invoice: decided in core/invoice.py

    @property
    def day_of_month(self) -> int | Literal["last"]: ...


def period_start(sync: Schedule, today: date) -> date:
    """First day of the period in which one successful run is enough."""
    return today if sync.frequency == "daily" else today.replace(day=1)


def _target_day(sync: Schedule, year: int, month: int) -> int:
    last = calendar.monthrange(year, month)[1]
    return last if sync.day_of_month == "last" else int(sync.day_of_month)


def is_due(sync: Schedule, today: date, last_success: date | None) -> bool:
    """Daily: due when no success today; monthly when on/after the day and no success this month."""
    done = last_success is not None and last_success >= period_start(sync, today)
    if sync.frequency == "daily":
        return not done
    return today.day >= _target_day(sync, today.year, today.month) and not done


def next_due(sync: Schedule, today: date, last_success: date | None) -> date:
    if is_due(sync, today, last_success):
        return today
    if sync.frequency == "daily":
        return today + timedelta(days=1)
    this_month = today.replace(day=_target_day(sync, today.year, today.month))
    if today < this_month:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, _target_day(sync, year, month))
