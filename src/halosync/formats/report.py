"""What `report` shows on the terminal (sparklines per client, totals, movers) and as `--json`; and its output files.

Lines are written as plain text, never through a markup parser: client names come from
people and vendors and are printed as they are. Narrow pages (cron mail: 80 columns) get
fewer months in the sparkline and a client's name on a line of its own, never fewer clients.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from halosync.core.report import COLUMNS, Report, Series, row, sparkline, values
from halosync.errors import ConfigError
from halosync.formats.labels import product_label
from halosync.formats.text import visible, wrap, wrap_lines, wrap_parts

ESTIMATED = ("Money is estimated with today's prices: the recurring invoice lines and items as they are now, "
             "and [report] unit_cost; past months may have been billed at other prices.")
NAME_MAX = 28  # columns given to a client's name before it moves to a line of its own
SPARK_MIN = 6


def page_width() -> int:
    """$COLUMNS, else the terminal's width, else 80 (a pipe, cron mail)."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def check_writable(path: Path) -> None:
    """Prove an output file can be written before anything else happens (exit 2 naming it otherwise)."""
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder")
        with tempfile.NamedTemporaryFile(dir=path.parent or Path("."), prefix=f".{path.name}.", delete=True):
            pass
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"the output file {path} cannot be written ({reason})") from None


def write_file(path: Path, chunks: Iterable[str]) -> None:
    """Written beside the target and renamed over it: a reader never sees half a report."""
    temporary = ""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(temporary, path)
    except BaseException as exc:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a folder gone meanwhile: named, never a traceback
            raise ConfigError(f"the output file {path} could not be written ({exc.strerror or exc})") from None
        raise


def write_json(report: Report, out: TextIO) -> None:
    """`{"months", "rows", "totals", "movers", "money", "unreadable_lines"}`, the rows written a thousand at a time."""
    up, down = report.movers()
    out.write('{"months": ' + json.dumps(report.months) + ', "rows": [')
    first = True
    batch: list[str] = []
    for s in report.series:
        # the fixed part of each row is encoded once per series; numbers are written as json.dumps writes them
        fixed = json.dumps({"halo_client_id": s.client, "client": s.name, "product": s.product}, ensure_ascii=False)
        tail = '", ' + fixed[1:-1] + ", "
        for i, month in enumerate(report.months):
            if s.billed[i] is None:
                continue
            batch.append(', {"month": "' + month + tail + ", ".join(f'"{key}": {_json_number(v)}' for key, v in
                                                      zip(COLUMNS[4:], values(s, i, report.money), strict=True)) + "}")
            if len(batch) == 1000:
                text = "".join(batch)
                out.write(text[2:] if first else text)
                batch, first = [], False
    if batch:
        text = "".join(batch)
        out.write(text[2:] if first else text)
    rest = {"totals": report.totals(), "movers": {"up": up, "down": down},
            "money": {"estimated": True, "note": ESTIMATED} if report.money else None,
            "unreadable_lines": report.unreadable}
    out.write("], " + json.dumps(rest, ensure_ascii=False)[1:] + "\n")


def _json_number(value: int | float | None) -> str:
    return "null" if value is None else repr(value)


def show_report(report: Report, log_path: Path, width: int, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    out.writelines(wrap_lines(line, max(width, 40)) + "\n" for line in lines(report, log_path, width))


def lines(report: Report, log_path: Path, width: int) -> Iterator[str]:
    width = max(width, 40)
    if not report.months:
        yield f"No completed sync recorded in {log_path} yet: nothing to report."
        return
    first, last = report.months[0], report.months[-1]
    yield wrap_parts(["halosync report", f"billed units per month, {first} to {last} ({len(report.months)} month{'s' if len(report.months) != 1 else ''})",
                      "from the results log"], width)
    if report.money:
        yield wrap(ESTIMATED, width, first="", indent="")
    if not report.series:
        yield "No units recorded for the clients and products asked for in these months."
        return
    by_product: dict[str, list[Series]] = {}
    for s in report.series:
        by_product.setdefault(s.product, []).append(s)
    for product, series in by_product.items():
        yield ""
        yield from _product_lines(report, product, series, width)
    yield ""
    yield from _totals_lines(report, width)
    yield ""
    yield from _mover_lines(report, width)


def _product_lines(report: Report, product: str, series: list[Series], width: int) -> Iterator[str]:
    shown = product_label(product)
    numbers = [_numbers(report, s) for s in series]
    names = [_flat(s.name) for s in series]
    name_col = min(NAME_MAX, max(len(n) for n in names))
    num_col = max(len(n) for n in numbers)
    spark = max(SPARK_MIN, min(len(report.months), width - 2 - name_col - 2 - 2 - num_col))
    spark = min(spark, len(report.months))
    months = "" if spark == len(report.months) else f", sparkline: the last {spark} months"
    yield wrap_parts([f"{shown} ({product})", f"{len(series)} client(s){months}"], width)
    for s, name, nums in zip(series, names, numbers, strict=True):
        line = sparkline(s.billed)[-spark:]
        data = f"{line}  {nums}"
        if len(name) <= name_col and 2 + name_col + 2 + len(data) <= width:
            yield f"  {name.ljust(name_col)}  {data}"
        else:  # the whole name on its own line, the figures under it: nothing is cut
            yield wrap(name, width, first="  ", indent="  ")
            under = " " * (4 + name_col)  # under the sparklines of the other lines
            yield under + data if len(under) + len(data) <= width else wrap(data, width, first="    ", indent="    ")


def _numbers(report: Report, s: Series) -> str:
    known = [(i, v) for i, v in enumerate(s.billed) if v is not None]
    (_, first), (i1, last) = known[0], known[-1]
    text = f"{first:,} → {last:,}" if i1 == len(s.billed) - 1 else f"{first:,} → {last:,} (until {report.months[i1]})"
    change = last - first
    text += f"  {change:+,}" + (f" ({change * 100 / first:+.1f}%)" if first and change else "")
    if report.money:
        r = row(s, i1, report.months[i1], True)
        if r["margin"] is not None:
            text += f"  margin {_money(r['margin'])}/month"
        elif r["revenue"] is not None:
            text += f"  revenue {_money(r['revenue'])}/month (no cost)"
        else:
            text += "  (no price)"
    return text


def _totals_lines(report: Report, width: int) -> Iterator[str]:
    yield "Totals per month (billed units" + (", revenue, cost, margin)" if report.money else ")")
    by_month: dict[str, list[dict[str, Any]]] = {}
    for t in report.totals():
        by_month.setdefault(t["month"], []).append(t)
    for month in report.months:
        totals = by_month.get(month, [])
        parts = [month, *(f"{t['product']} {t['billed_units']:,}" for t in totals),
                 f"all {sum(t['billed_units'] for t in totals):,}"]
        if report.money:
            for key in ("revenue", "cost", "margin"):
                values = [t[key] for t in totals if t[key] is not None]
                parts.append(f"{key} {_money(round(sum(values), 2))}" if values else f"{key} unknown")
        yield "  " + wrap_parts(parts, width - 2, indent="    ")


def _mover_lines(report: Report, width: int) -> Iterator[str]:
    up, down = report.movers()
    if len(report.months) < 2:
        yield "Biggest movers: one month only, nothing to compare."
        return
    yield f"Biggest movers, {report.months[-1]} against {report.months[-2]}"
    if not up and not down:
        yield "  no client's billed units changed"
    for word, movers in (("up", up), ("down", down)):
        for r in movers:
            before = r["billed_units"] - r["change_units"]
            percent = f" ({r['change_percent']:+.1f}%)" if r["change_percent"] is not None else ""
            who = _flat(r["client"])
            who = who if who == f"client {r['halo_client_id']}" else f"{who} (client {r['halo_client_id']})"
            yield wrap(" · ".join([f"{word}: {who}", r["product"], f"{before:,} → {r['billed_units']:,}",
                                   f"{r['change_units']:+,}{percent}"]), width, first="  ", indent="    ")


def _flat(name: str) -> str:
    """A name on one line: a line break or tab inside it would break the page's columns."""
    return " ".join(visible(name).split()) or "(no name)"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def future_warning(log: Path, future: list[tuple[str, str]]) -> str:
    """The warning for run records dated in the future, naming the first three (as `run` does)."""
    named = ", ".join(f"{run_id} started {started}" for run_id, started in future[:3])
    more = f" and {len(future) - 3} more" if len(future) > 3 else ""
    return (f"warning: the results log {log} has run records dated in the future ({named}{more}); the report "
            "passes over them. Is this machine's clock right?")
