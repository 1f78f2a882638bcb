"""`report --csv`: one row per month × client × product, with the columns the contract names."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from halosync.core.report import COLUMNS, Report, values


def cell(key: str, value: Any) -> str:
    """A cell as the CSV has it: empty for none; revenue, cost and margin with two decimals (they are rounded to
    cents); the rest as str() (and JSON) has it."""
    if value is None:
        return ""
    if key in MONEY_TOTALS:
        return f"{value:.2f}"
    return str(value)


MONEY_TOTALS = frozenset({"revenue", "cost", "margin"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guarded(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (a client named "=HYPERLINK(...)") with a single quote
    before it, so Excel and LibreOffice show it as text; numbers and other text stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(report: Report, rows: int = 2000) -> Iterator[str]:
    """The file in chunks of rows (480,000 rows for 10,000 clients over a year)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for s in report.series:
        for i, month in enumerate(report.months):
            if s.billed[i] is None:
                continue
            # the csv module writes None as an empty cell and numbers as str() has them (as JSON does)
            *units, revenue, cost, margin = values(s, i, report.money)
            writer.writerow((guarded(month), guarded(s.client), guarded(s.name), guarded(s.product), *units, None if revenue is None else f"{revenue:.2f}",
                             None if cost is None else f"{cost:.2f}", None if margin is None else f"{margin:.2f}"))
            n += 1
            if n % rows == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
