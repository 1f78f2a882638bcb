"""The report's rules: units per (client, product) and calendar month, the change, the movers and the money. Pure.

The results log is read elsewhere (run/report.py) into a `Collector`; this module turns
what was collected into months of rows. The rule for a month's units: the last completed,
non-dry sync of that month whose row for the pair wrote or confirmed the licence; a held
or failed row keeps the month before's units; a month in which no sync completed at all
keeps them too (the licence kept its count). A month whose syncs did not reach the pair
has no units for it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from halosync.core.products import PRODUCT_KEYS

NAN = float("nan")
ABSENT = -1  # no row for the pair that month
KEPT = -2  # a held or failed row: the month before's units stand
SPARK = "▁▂▃▄▅▆▇█"
MOVERS = 10  # how many of each direction


def month_name(number: int) -> str:
    """A month count (year × 12 + month − 1) -> '2026-11'."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


@dataclass
class Pair:
    """One (client, product): its units in each month of the window, newest collected first."""

    huntress: array[int]
    billed: array[int]
    licence_id: int | None = None  # of the newest row that named one: the one invoices bill from
    item_id: int | None = None


@dataclass
class Collector:
    """What the log reader gathers, month slots numbered back from the newest month with a completed sync.

    Slot 0 is the newest month; slot `months` is the month before the window (for the first
    month's change). `synced[k]` says whether any completed sync ran in slot k's month.
    """

    months: int
    newest: int | None = None  # month number of slot 0
    pairs: dict[tuple[int, str], Pair] = field(default_factory=dict)
    synced: list[bool] = field(default_factory=list)
    oldest_seen: int | None = None  # the oldest slot a completed sync was seen in
    # Pairs whose oldest collected state is "kept": a value older than the window is still wanted.
    wanted: set[tuple[int, str]] = field(default_factory=set)
    carried: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)  # value found beyond the window
    # The month of the newest completed sync before the window, when the month just before the window had none:
    # its units are the ones in force at the window's start, so it stands in for that month (slot `months`).
    base: int | None = None
    future: list[tuple[str, str]] = field(default_factory=list)  # runs dated in the future, passed over (id, started)
    names: dict[int, str] = field(default_factory=dict)  # client -> the newest name the log's rows give it

    def __post_init__(self) -> None:
        self.synced = [False] * (self.months + 1)

    def slot(self, month: int) -> int | None:
        """The slot of a month (a completed sync's), setting the window on the first; None beyond the window."""
        if self.newest is None:
            self.newest = month
        k = self.newest - month
        if k < 0:
            k = 0  # a clock that was wrong once: a run dated after a later-written one counts in the newest month
        if k > self.months:
            if self.base is None and not self.synced[self.months]:
                self.base = month  # the months up to the window had no sync: this one's units carry into them
            if month != self.base:
                return None
            k = self.months
        self.synced[k] = True
        self.oldest_seen = k if self.oldest_seen is None else max(self.oldest_seen, k)
        return k

    def ok(self, k: int, client: int, product: str, huntress: int, billed: int,
           licence_id: int | None, item_id: int | None) -> None:
        """A row that wrote or confirmed the licence; the first seen in a month (the newest) wins."""
        pair = self._pair(client, product)
        if pair.billed[k] in (ABSENT, KEPT):
            pair.billed[k] = billed
            pair.huntress[k] = huntress
        if pair.licence_id is None and licence_id is not None:
            pair.licence_id = licence_id
        if pair.item_id is None:
            pair.item_id = item_id

    def kept(self, k: int, client: int, product: str, item_id: int | None) -> None:
        pair = self._pair(client, product)
        if pair.billed[k] == ABSENT:
            pair.billed[k] = KEPT
        if pair.item_id is None:
            pair.item_id = item_id

    def beyond(self, client: int, product: str, huntress: int, billed: int) -> None:
        """An ok row older than the window, for a pair still wanting one."""
        key = (client, product)
        if key in self.wanted:
            self.wanted.discard(key)
            self.carried[key] = (huntress, billed)

    def close_window(self) -> None:
        """Past the window: note the pairs whose oldest month in it holds no value of its own."""
        for key, pair in self.pairs.items():
            for k in range(self.months, -1, -1):  # oldest first, to the first month that settles its units
                billed = pair.billed[k]
                if billed >= 0 or (billed == ABSENT and self.synced[k]):
                    break
                if billed == KEPT:
                    self.wanted.add(key)
                    break

    def _pair(self, client: int, product: str) -> Pair:
        key = (client, product)
        pair = self.pairs.get(key)
        if pair is None:
            size = self.months + 1
            pair = self.pairs[key] = Pair(array("q", [ABSENT]) * size, array("q", [ABSENT]) * size)
        return pair


@dataclass(frozen=True)
class Price:
    unit_price: float | None
    unit_cost: float | None


@dataclass
class Series:
    """One (client, product) over the report's months, oldest first; None where it had no units."""

    client: int
    name: str
    product: str
    huntress: list[int | None]
    billed: list[int | None]
    before: int | None  # billed units the month before the first shown
    price: Price | None = None
    _money: array[float] | None = field(default=None, repr=False, compare=False)  # per month: revenue, cost, margin

    def amounts(self, i: int) -> tuple[float | None, float | None, float | None]:
        """Revenue (billed × price), cost (Huntress's units × cost) and margin of month i, each rounded to cents;
        None where the price or cost is unknown. Worked out once per series: every format asks again."""
        if self.price is None:
            return None, None, None
        if self._money is None:
            self._money = array("d")
            for huntress, billed in zip(self.huntress, self.billed, strict=True):
                price, cost = self.price.unit_price, self.price.unit_cost
                revenue = round(billed * price, 2) if price is not None and billed is not None else NAN
                spent = round(huntress * cost, 2) if cost is not None and huntress is not None else NAN
                self._money.extend((revenue, spent, round(revenue - spent, 2)))
        found = self._money[3 * i: 3 * i + 3]
        return (None if found[0] != found[0] else found[0], None if found[1] != found[1] else found[1],
                None if found[2] != found[2] else found[2])

    def change(self, i: int) -> tuple[int | None, float | None]:
        now = self.billed[i]
        then = self.billed[i - 1] if i > 0 else self.before
        if now is None or then is None:
            return None, None
        return now - then, (round((now - then) * 100 / then, 1) if then else None)


@dataclass
class Report:
    months: list[str]
    series: list[Series]  # by product (the product table's order), then client name, then id
    unreadable: int = 0
    money: bool = False

    def rows(self) -> Iterator[dict[str, Any]]:
        """One row per month × client × product with units, in the order of `series` then month (made as they
        are written: 10,000 clients over two years are a million rows)."""
        for s in self.series:
            for i, month in enumerate(self.months):
                if s.billed[i] is not None:
                    yield row(s, i, month, self.money)

    def totals(self) -> list[dict[str, Any]]:
        """Per month and product: units, and with money revenue, cost and margin (sums of the rows' cents;
        a row whose price or cost is unknown adds nothing to that sum)."""
        sums: dict[tuple[int, str], list[Any]] = {}
        for s in self.series:
            for i, billed in enumerate(s.billed):
                if billed is None:
                    continue
                t = sums.get((i, s.product))
                if t is None:
                    t = sums[(i, s.product)] = [0, 0, None, None, None]
                t[0] += s.huntress[i]
                t[1] += billed
                if self.money:
                    for n, amount in enumerate(s.amounts(i), start=2):
                        if amount is not None:
                            t[n] = (t[n] or 0) + amount
        order = {p: n for n, p in enumerate(PRODUCT_KEYS)}
        return [{"month": self.months[i], "product": product, "huntress_units": t[0], "billed_units": t[1],
                 "revenue": _cents(t[2]), "cost": _cents(t[3]), "margin": _cents(t[4])}
                for (i, product), t in sorted(sums.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99), kv[0][1]))]

    def movers(self, count: int = MOVERS) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The biggest rises and falls of billed units in the newest month against the month before."""
        if not self.months:
            return [], []
        last = len(self.months) - 1
        changed = []
        for s in self.series:
            units, _ = s.change(last)
            if units:
                changed.append(row(s, last, self.months[last], self.money))
        up = sorted((r for r in changed if r["change_units"] > 0),
                    key=lambda r: (-r["change_units"], r["client"], r["halo_client_id"], r["product"]))
        down = sorted((r for r in changed if r["change_units"] < 0),
                      key=lambda r: (r["change_units"], r["client"], r["halo_client_id"], r["product"]))
        return up[:count], down[:count]


COLUMNS = ("month", "halo_client_id", "client", "product", "huntress_units", "billed_units", "change_units",
           "change_percent", "unit_price", "unit_cost", "revenue", "cost", "margin")
Values = tuple[int | None, int | None, int | None, float | None, float | None, float | None, float | None,
               float | None, float | None]


def values(s: Series, i: int, money: bool) -> Values:
    """Month i's numbers in COLUMNS order from huntress_units on: what every format shows, computed here once."""
    units, percent = s.change(i)
    price = s.price if money else None
    revenue, cost, margin = s.amounts(i) if money else (None, None, None)
    return (s.huntress[i], s.billed[i], units, percent, price.unit_price if price else None,
            price.unit_cost if price else None, revenue, cost, margin)


def row(s: Series, i: int, month: str, money: bool) -> dict[str, Any]:
    """One row as a dict keyed by COLUMNS."""
    return dict(zip(COLUMNS, (month, s.client, s.name, s.product, *values(s, i, money)), strict=True))


def _cents(total: float | None) -> float | None:
    return None if total is None else round(total, 2)


def build(collected: Collector, names: dict[int, str], prices: dict[tuple[int, str], Price] | None = None,
          unreadable: int = 0) -> Report:
    """The report from what was collected: months oldest first, values carried where the rule says."""
    if collected.newest is None or collected.oldest_seen is None:
        return Report([], [], unreadable, prices is not None)
    shown = min(collected.oldest_seen, collected.months - 1)  # slots shown: shown .. 0
    months = [month_name(collected.newest - k) for k in range(shown, -1, -1)]
    series = []
    for (client, product), pair in collected.pairs.items():
        value = collected.carried.get((client, product))
        carry: tuple[int, int] | None = value
        resolved: list[tuple[int, int] | None] = []
        for k in range(collected.months, -1, -1):  # oldest slot first
            billed = pair.billed[k]
            if billed >= 0:
                carry = (pair.huntress[k], billed)
            elif billed == ABSENT and collected.synced[k]:
                carry = None
            resolved.append(carry)  # KEPT, or no sync at all that month: the month before's units stand
        window = resolved[collected.months - shown:]
        before = resolved[collected.months - shown - 1]
        if all(v is None for v in window):
            continue
        series.append(Series(client, names.get(client, f"client {client}"), product,
                             [v[0] if v else None for v in window], [v[1] if v else None for v in window],
                             before[1] if before else None,
                             (prices or {}).get((client, product))))
    order = {p: n for n, p in enumerate(PRODUCT_KEYS)}
    series.sort(key=lambda s: (order.get(s.product, 99), s.product, s.name.casefold(), s.client))
    return Report(months, series, unreadable, prices is not None)


def levels(values: list[int | None], steps: int) -> list[int | None]:
    """Each value's height in 0..steps-1, from 0 to the line's largest value (baseline zero): 412 then 410
    reads as nearly flat, not as a collapse; the figures beside the line give the exact change. An all-0 line
    sits at the bottom."""
    high = max((v for v in values if v is not None), default=0)
    if high <= 0:
        return [None if v is None else 0 for v in values]
    return [None if v is None else round(max(v, 0) * (steps - 1) / high) for v in values]


def sparkline(values: list[int | None]) -> str:
    """▁▂▃▄▅▆▇█, a blank for a month without units."""
    return "".join(" " if level is None else SPARK[level] for level in levels(values, len(SPARK)))


@dataclass(frozen=True)
class PricedLine:
    """An active recurring invoice line: the licences it bills from, and its own price and cost (None: not set)."""

    licence_ids: tuple[int, ...]
    unit_price: float | None
    unit_cost: float | None


def prices(pairs: dict[tuple[int, str], tuple[int | None, int | None]], lines: list[PricedLine],
           items: dict[int, Price], unit_costs: dict[str, float]) -> dict[tuple[int, str], Price]:
    """Today's price and cost per (client, product).

    `pairs`: (client, product) -> (licence id, item id); `items`: item id -> its recurring price and
    cost. Price: the line billing from the licence, else the item's. Cost: that line's, else the
    item's, else `[report] unit_cost` for the product.
    """
    by_licence: dict[int, PricedLine] = {}
    for entry in lines:
        for licence in entry.licence_ids:
            by_licence.setdefault(licence, entry)
    found = {}
    for (client, product), (licence_id, item_id) in pairs.items():
        line = by_licence.get(licence_id) if licence_id is not None else None
        item = items.get(item_id) if item_id is not None else None
        price = line.unit_price if line else None
        if price is None and item is not None:
            price = item.unit_price
        cost = line.unit_cost if line else None
        if cost is None and item is not None:
            cost = item.unit_cost
        if cost is None:
            cost = unit_costs.get(product)
        found[(client, product)] = Price(price, cost)
    return found
