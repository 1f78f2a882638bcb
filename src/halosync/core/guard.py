"""The guard: which updates move a count too far to be written unattended. Pure.

With p the licence's count and n the count halosync would write, an update is held
when |n - p| >= min_units and either n < p and (p - n) * 100 > max_decrease_percent * p,
or n > p and (n - p) * 100 > max_increase_percent * p. (p = 0: any rise of at least
min_units is held.) Only updates are judged; creates and unchanged rows never are.
"""

from __future__ import annotations

from dataclasses import dataclass

from halosync.core.models import Row


@dataclass(frozen=True)
class GuardRule:
    max_decrease_percent: float | None = None  # None: decreases are never held
    max_increase_percent: float | None = None  # None: increases are never held
    min_units: int = 0


def percent_change(previous: int, new: int) -> float | None:
    """The change from `previous` to `new` in percent of `previous` (signed); None from 0, where it has no percent.
    The guard's limits and every view of a held change use this one rule."""
    return (new - previous) * 100 / previous if previous else None


def judge(rule: GuardRule, previous: int, new: int) -> str | None:
    """Why this change must wait for a person, or None when it may be written."""
    change = new - previous
    if abs(change) < rule.min_units or change == 0:
        return None
    share = percent_change(previous, new)
    percent = f"{abs(share):.0f}%" if share is not None else ""
    if change < 0 and rule.max_decrease_percent is not None and -change * 100 > rule.max_decrease_percent * previous:
        return f"a decrease of {percent}, beyond the {rule.max_decrease_percent:g}% limit"
    if change > 0 and rule.max_increase_percent is not None and change * 100 > rule.max_increase_percent * previous:
        if not previous:
            return f"a rise from 0 (any rise of {rule.min_units} or more from 0 is held)"
        return f"an increase of {percent}, beyond the {rule.max_increase_percent:g}% limit"
    return None


def hold(rows: list[Row], rule: GuardRule) -> int:
    """Replace, in place, every update the rule judges too large with a held row; return how many."""
    held = 0
    for i, row in enumerate(rows):
        if row.action != "update" or row.status != "ok" or row.count is None:
            continue
        previous = row.previous_count or 0
        why = judge(rule, previous, row.count)
        if why is not None:
            if row.dry_run:  # nothing is pending after a dry run: `halosync approve` would find nothing
                message = (f"a real run would hold this for approval: {previous} → {row.count}, {why}; "
                           "a dry run holds nothing")
            else:
                message = (f"held for approval: {previous} → {row.count}, {why}; `halosync approve` writes it, "
                           f"`halosync approve --reject` keeps {previous}")
            rows[i] = row.replace(status="held", message=message)
            held += 1
    return held
