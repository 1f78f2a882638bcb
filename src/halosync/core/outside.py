"""A second writer: licences whose count changed since halosync last wrote or confirmed it. Pure.

The results log is halosync's memory of what it wrote (run/ledger.py reads it into a
Ledger). A licence that holds another count at the start of a run was changed by someone
else: another integration (Huntress's own HaloPSA billing sync, most often) or a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from halosync.core.models import OutsideChange, Row

SHOWN = 20  # the warning names this many licences; every row carries its own


@dataclass(frozen=True, slots=True)
class Written:
    """A count halosync wrote or confirmed on a licence, and when."""

    count: int
    time: str
    halo_client_id: int
    product: str
    approved: bool = False  # written by `approve`, not by a run


@dataclass
class Ledger:
    """What the results log says halosync did to each licence (newest record wins)."""

    last: dict[int, Written] = field(default_factory=dict)  # licence id -> last count written or confirmed
    # licence id -> counts halosync tried to write since `last` whose answer was lost: they may be there now
    possible: dict[int, set[int]] = field(default_factory=dict)
    # (client, product) -> every licence halosync ever wrote or confirmed for it
    written_for: dict[tuple[int, str], set[int]] = field(default_factory=lambda: defaultdict(set))

    def confirm(self, licence_id: int, written: Written, *, approved: bool = False) -> None:
        self.last[licence_id] = Written(written.count, written.time, written.halo_client_id, written.product,
                                        approved) if approved else written
        self.possible.pop(licence_id, None)
        self.written_for[written.halo_client_id, written.product].add(licence_id)

    def maybe(self, licence_id: int, count: int) -> None:
        if licence_id in self.last:
            self.possible.setdefault(licence_id, set()).add(count)

    def change(self, licence_id: int, now: int) -> OutsideChange | None:
        """The outside change a licence holding `now` shows, or None (no history, or a count halosync put there)."""
        written = self.last.get(licence_id)
        if written is None or now == written.count or now in self.possible.get(licence_id, ()):
            return None
        return OutsideChange(was=written.count, now=now, since=written.time)


def mark(rows: list[Row], ledger: Ledger) -> int:
    """Give, in place, every update or unchanged row whose licence changed from outside its `outside_change`."""
    marked = 0
    for i, row in enumerate(rows):
        if row.status != "ok" or row.action == "create" or row.licence_id is None or row.previous_count is None:
            continue
        change = ledger.change(row.licence_id, row.previous_count)
        if change is not None:
            rows[i] = row.replace(outside_change=change)
            marked += 1
    return marked


def hold(rows: list[Row], guard: Callable[[int, int], str | None] | None = None) -> int:
    """With `outside_changes = "hold"`: hold, in place, every update of a licence changed from outside.
    `guard` (previous, new) -> the guard's reason or None: a row held here is not judged by the guard again, so
    its verdict goes on this row's message too; the approver must hear of a 100% drop, not only the outside edit."""
    held = 0
    for i, row in enumerate(rows):
        change = row.outside_change
        if change is None or row.action != "update" or row.status != "ok":
            continue
        why = guard(row.previous_count or 0, row.count) if guard is not None and row.count is not None else None
        also = f", and the guard holds it too: {why}" if why else ""
        rows[i] = row.replace(status="held", message=(
            f"held for approval: licence {row.licence_id} was changed outside halosync ({note(change)}); "
            f"{row.previous_count} → {row.count}{also}; `halosync approve` writes {row.count}, "
            f"`halosync approve --reject` keeps {row.previous_count}"))
        held += 1
    return held


def note(change: OutsideChange) -> str:
    """'halosync left it at 48 on 2026-11-01 02:00:00 UTC; it holds 50'"""
    return f"halosync left it at {change.was} on {_when(change.since)}; it holds {change.now}"


def warning(rows: list[Row], label: Callable[[Row], str] | None = None) -> str | None:
    """One warning naming the licences changed from outside and the likely cause; None when there are none.
    `label` names a row's client and product (formats/labels' rule, from the caller); by ids without it."""
    changed = [r for r in rows if r.outside_change is not None]
    if not changed:
        return None
    label = label or (lambda r: f"client {r.halo_client_id}, {r.product}")
    named = "; ".join(f"licence {r.licence_id} ({label(r)}): "
                      f"{r.outside_change.was} → {r.outside_change.now}" for r in changed[:SHOWN]
                      if r.outside_change is not None)
    more = f"; and {len(changed) - SHOWN} more (see the rows)" if len(changed) > SHOWN else ""
    held = sum(r.status == "held" for r in changed)
    held_text = ((" This update is held" if len(changed) == 1 else
                  f" {held} of these updates {'is' if held == 1 else 'are'} held") + " for approval (`halosync approve`)."
                 if held else "")
    return (f"warning: {len(changed)} licence{'s' if len(changed) != 1 else ''} changed outside halosync since it "
            f"last wrote {'them' if len(changed) != 1 else 'it'}: {named}{more}. Another integration is probably "
            "writing the same licences (Huntress's own HaloPSA billing sync, if it is still on), or a person edited "
            "the counts in HaloPSA. Keep one writer: turn the other off (in Huntress: the HaloPSA integration's "
            "Billing tab). If an earlier halosync run ended with exit 74 or was killed, its own last write may not "
            "be on record: append the records it printed to the log, or approve the change." + held_text)


def _when(stamp: str) -> str:
    return stamp.replace("T", " ").removesuffix("Z") + " UTC" if stamp.endswith("Z") else stamp
