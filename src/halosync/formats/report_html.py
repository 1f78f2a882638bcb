"""`report --html`: one self-contained page (no script, no external resource; opens offline and prints).

Hand-written inline SVG: a stacked bar chart of billed units per month by product, with a
legend, and a small sparkline per client and product. Every number is the one `--csv` and
`--json` carry (core/report.py computes them once); names are escaped, never markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

from halosync.core.report import Report, Series, levels
from halosync.formats.labels import product_label
from halosync.formats.report_csv import cell

COLOURS = {"edr": "#2f6db5", "itdr": "#e08a1e", "ispm": "#8a5cb8", "sat": "#3a9a4a", "siem": "#c8413b",
           "edr_servers": "#1f9fb0", "edr_workstations": "#8c6245"}
OTHER = "#777777"
# Chart geometry (SVG user units)
LEFT, TOP, PLOT_H, BAR_GAP, SLOT_W, LEGEND_W = 64, 16, 240, 0.25, 40, 190
SPARK_H = 20
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
p.note{color:#555;margin:4px 0}
table{border-collapse:collapse;margin:4px 0}
th,td{padding:3px 8px;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap;vertical-align:middle}
th{background:#f4f4f6;font-weight:600}
td.n,th.n{text-align:left;white-space:normal;min-width:12em}
td i{font-style:normal;color:#666;font-size:12px}
td.up i{color:#1e7a34}td.down i{color:#b3261e}
svg.s{height:20px;width:auto;vertical-align:middle;margin-right:6px;overflow:visible}
svg.s path{fill:none;stroke:#777;stroke-width:1.6;vector-effect:non-scaling-stroke;stroke-linejoin:round}
svg.chart{max-width:100%;height:auto;font-size:12px}
svg.chart text{fill:#333}
.money td{font-variant-numeric:tabular-nums}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def colour(product: str) -> str:
    return COLOURS.get(product, OTHER)


def html_chunks(report: Report, log_path: Path) -> Iterator[str]:
    period = f"{report.months[0]} to {report.months[-1]}" if report.months else "no history yet"
    yield ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width,initial-scale=1">'
           f"<title>halosync report: {escape(period)}</title><style>{STYLE}"
           + "".join(f"td.{p} svg.s path{{stroke:{c}}}" for p, c in COLOURS.items())
           + "</style></head><body>\n")
    yield f"<h1>halosync report</h1><p class=\"note\">Billed units per month, {escape(period)}, from the results log {escape(str(log_path))}.</p>\n"
    if not report.months:
        yield "<p>No completed sync is recorded yet: nothing to report.</p></body></html>\n"
        return
    if report.money:
        from halosync.formats.report import ESTIMATED

        yield f'<p class="note"><strong>Estimated:</strong> {escape(ESTIMATED)}</p>\n'
    if report.unreadable:
        yield f'<p class="note">{report.unreadable} unreadable line(s) of the log were skipped.</p>\n'
    totals = report.totals()
    yield "<h2>Billed units per month by product</h2>\n"
    yield chart(report.months, totals)
    yield from _movers(report)
    yield from _totals(report, totals)
    yield from _customers(report)
    if report.money:
        yield from _money(report)
    yield "</body></html>\n"


def chart(months: list[str], totals: list[dict[str, Any]]) -> str:
    """A stacked bar per month (products bottom to top in the product table's order) and a legend."""
    products = list(dict.fromkeys(t["product"] for t in totals))
    stacks: dict[str, dict[str, int]] = {m: {} for m in months}
    for t in totals:
        stacks[t["month"]][t["product"]] = t["billed_units"]
    top = nice_max(max((sum(s.values()) for s in stacks.values()), default=0))
    scale = PLOT_H / top
    left = max(LEFT, 14 + 7 * len(_units(top)))  # room for the longest value on the axis ("2,000,000")
    width = left + SLOT_W * len(months) + 16 + LEGEND_W
    height = TOP + PLOT_H + 40
    bottom = TOP + PLOT_H
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="Billed units per month by product, stacked">']
    for n in range(5):  # grid lines and their values
        value = top * n / 4
        y = round(bottom - value * scale, 2)
        out.append(f'<line x1="{left}" x2="{left + SLOT_W * len(months)}" y1="{y}" y2="{y}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{_units(value)}</text>')
    bar = SLOT_W * (1 - BAR_GAP)
    for i, month in enumerate(months):
        x = round(left + SLOT_W * i + SLOT_W * BAR_GAP / 2, 2)
        y = float(bottom)
        stack = stacks[month]
        out.append(f'<g class="bar" data-month="{month}"><title>{month}: '
                   + escape(", ".join(f"{p} {stack[p]:,}" for p in products if p in stack))
                   + f" (all {sum(stack.values()):,})</title>")
        for product in products:
            units = stack.get(product, 0)
            if not units:
                continue
            h = units * scale
            y -= h
            out.append(f'<rect x="{x}" y="{round(y, 3)}" width="{bar}" height="{round(h, 3)}" fill="{colour(product)}" '
                       f'data-product="{escape(product)}" data-units="{units}"/>')
        out.append("</g>")
        # "Nov", with the year under the first month and every January: a full 2025-11 per bar would overlap
        centre = round(x + bar / 2, 2)
        out.append(f'<text x="{centre}" y="{bottom + 16}" text-anchor="middle">{MONTHS[int(month[5:7]) - 1]}</text>')
        if i == 0 or month.endswith("-01"):
            out.append(f'<text x="{centre}" y="{bottom + 30}" text-anchor="middle">{month[:4]}</text>')
    out.append(f'<line x1="{left}" x2="{left + SLOT_W * len(months)}" y1="{bottom}" y2="{bottom}" stroke="#888"/>')
    legend_x = left + SLOT_W * len(months) + 16
    out.append(f'<g class="legend" transform="translate({legend_x} {TOP})">')
    for n, product in enumerate(reversed(products)):  # top to bottom as the bars stack
        name = product_label(product)
        out.append(f'<g class="entry" data-product="{escape(product)}"><rect x="0" y="{n * 22}" width="14" height="14" '
                   f'fill="{colour(product)}"/><text x="20" y="{n * 22 + 12}">{escape(name)} ({escape(product)})</text></g>')
    out.append("</g></svg>\n")
    return "".join(out)


def nice_max(value: float) -> float:
    """The chart's top: the value rounded up to a round number (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6 or 8 × a power of
    ten) whose quarters are round too, so that the bars use most of the height (at least 1)."""
    if value <= 1:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        if round(step * power, 6) >= value:
            return round(step * power, 6)
    return 10 * power


def sparkline_svg(values: list[int | None]) -> str:
    """The terminal's sparkline as a line (from 0 to the largest value); a month without units breaks it.
    Integer coordinates keep 40,000 of them small. One month is no line at all: a lone dash before the
    figure would read as a minus sign."""
    if len(values) < 2:
        return ""
    heights = levels(values, SPARK_H + 1)
    span = max(1, len(values) - 1)
    parts = []
    pen_up = True
    for i, level in enumerate(heights):
        if level is None:
            pen_up = True
            continue
        parts.append(f"{'M' if pen_up else 'L'}{i * 4} {SPARK_H - level}")
        pen_up = False
    return f'<svg class="s" viewBox="0 0 {span * 4} {SPARK_H}"><path d="{"".join(parts)}"/></svg>'


def _months(count: int) -> str:
    return "the month" if count == 1 else f"{count} months"


def _units(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _change_cell(s: Series, months: list[str], product: str) -> str:
    last = s.billed[-1]
    units, percent = s.change(len(months) - 1)
    trend = "" if not units else (" up" if units > 0 else " down")
    shown = "–" if last is None else f"{last:,}"
    if units is None:
        change = ""
    elif units == 0:
        change = " <i>±0</i>"
    else:
        change = f" <i>{units:+,}" + (f" ({percent:+.1f}%)" if percent is not None else "") + "</i>"
    kind = product if product in COLOURS else "other"  # a product of a later version: never text inside markup
    return f'<td class="{kind}{trend}">{sparkline_svg(s.billed)}{shown}{change}</td>'


def _customers(report: Report) -> Iterator[str]:
    products = list(dict.fromkeys(s.product for s in report.series))
    clients: dict[int, dict[str, Series]] = {}
    for s in report.series:
        clients.setdefault(s.client, {})[s.product] = s
    order = sorted(clients, key=lambda c: (next(iter(clients[c].values())).name.casefold(), c))
    yield (f"<h2>Customers ({len(order):,})</h2>\n<p class=\"note\">Each line: billed units over {_months(len(report.months))} "
           f"(from 0), {report.months[-1]}'s units and the change against {report.months[-2] if len(report.months) > 1 else 'the month before'}.</p>\n")
    yield "<table><thead><tr><th class=\"n\">Client</th><th>Id</th>" + "".join(
        f"<th>{escape(product_label(p))}</th>" for p in products) + "</tr></thead><tbody>\n"
    buffer = []
    for n, client in enumerate(order, start=1):
        mine = clients[client]
        name = next(iter(mine.values())).name
        cells = "".join(_change_cell(mine[p], report.months, p) if p in mine else "<td></td>" for p in products)
        buffer.append(f'<tr><td class="n">{escape(name)}</td><td>{client}</td>{cells}</tr>\n')
        if n % 1000 == 0:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer) + "</tbody></table>\n"


def _movers(report: Report) -> Iterator[str]:
    up, down = report.movers()
    yield "<h2>Biggest movers</h2>\n"
    if len(report.months) < 2:
        yield "<p>One month only: nothing to compare.</p>\n"
        return
    if not up and not down:
        yield f"<p>No client's billed units changed in {report.months[-1]}.</p>\n"
        return
    yield (f'<p class="note">{report.months[-1]} against {report.months[-2]}.</p>\n<table><thead><tr><th class="n">Client</th>'
           "<th>Id</th><th>Product</th><th>Before</th><th>Now</th><th>Change</th><th>%</th></tr></thead><tbody>\n")
    for r in [*up, *down]:
        trend = "up" if r["change_units"] > 0 else "down"
        yield (f'<tr><td class="n">{escape(r["client"])}</td><td>{r["halo_client_id"]}</td><td>{escape(r["product"])}</td>'
               f'<td>{r["billed_units"] - r["change_units"]:,}</td><td>{r["billed_units"]:,}</td>'
               f'<td class="{trend}"><i>{r["change_units"]:+,}</i></td><td>{cell("change_percent", r["change_percent"])}</td></tr>\n')
    yield "</tbody></table>\n"


def _totals(report: Report, totals: list[dict[str, Any]]) -> Iterator[str]:
    products = list(dict.fromkeys(t["product"] for t in totals))
    by: dict[tuple[str, str], dict[str, Any]] = {(t["month"], t["product"]): t for t in totals}
    money = ("revenue", "cost", "margin") if report.money else ()
    yield ("<h2>Totals per month</h2>\n<table class=\"money\"><thead><tr><th class=\"n\">Month</th>"
           + "".join(f"<th>{escape(p)}</th>" for p in products) + "<th>All units</th>"
           + "".join(f"<th>{m.capitalize()}</th>" for m in money) + "</tr></thead><tbody>\n")
    for month in report.months:
        mine = [by[(month, p)] for p in products if (month, p) in by]
        cells = "".join(f"<td>{by[(month, p)]['billed_units']:,}</td>" if (month, p) in by else "<td></td>" for p in products)
        sums = ""
        for key in money:
            values = [t[key] for t in mine if t[key] is not None]
            sums += f"<td>{cell(key, round(sum(values), 2)) if values else ''}</td>"
        yield f'<tr><td class="n">{month}</td>{cells}<td>{sum(t["billed_units"] for t in mine):,}</td>{sums}</tr>\n'
    yield "</tbody></table>\n"
    if report.money:
        yield ('<p class="note">Revenue adds up the rows with a known price, cost and margin those with a known cost '
               "as well: a product without a cost adds to revenue only.</p>\n")


def _money(report: Report) -> Iterator[str]:
    """Revenue, cost and margin per customer and month (all products of the customer together)."""
    per: dict[int, dict[int, list[float | None]]] = {}
    names: dict[int, str] = {}
    for s in report.series:
        names.setdefault(s.client, s.name)
        mine = per.setdefault(s.client, {})
        for i, billed in enumerate(s.billed):
            if billed is None:
                continue
            slot = mine.get(i)
            if slot is None:
                slot = mine[i] = [None, None, None]
            for n, amount in enumerate(s.amounts(i)):
                if amount is not None:
                    slot[n] = (slot[n] or 0) + amount
    yield ("<h2>Revenue, cost and margin per customer and month (estimated)</h2>\n<p class=\"note\">In each cell: "
           "revenue, cost, margin. An empty line: no price or no cost known.</p>\n<table class=\"money\"><thead><tr>"
           "<th class=\"n\">Client</th><th>Id</th>" + "".join(f"<th>{m}</th>" for m in report.months) + "</tr></thead><tbody>\n")
    buffer = []
    for n, client in enumerate(sorted(per, key=lambda c: (names[c].casefold(), c)), start=1):
        cells = "".join("<td>" + "<br>".join(cell(k, None if v is None else round(v, 2))
                                             for k, v in zip(("revenue", "cost", "margin"), per[client][i], strict=True))
                        + "</td>" if i in per[client] else "<td></td>" for i in range(len(report.months)))
        buffer.append(f'<tr><td class="n">{escape(names[client])}</td><td>{client}</td>{cells}</tr>\n')
        if n % 1000 == 0:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer) + "</tbody></table>\n"
