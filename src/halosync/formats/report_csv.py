"""`report --csv`: one row per month × client × product, with the columns the contract names."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from halosync.core.report import Report

COLUMNS = ("month", "halo_client_id", "client", "product", "huntress_units", "billed_units", "change_units",
           "change_percent", "unit_price", "unit_cost", "revenue", "cost", "margin")
MONEY_TOTALS = frozenset({"revenue", "cost", "margin"})


def cell(key: str, value: Any) -> str:
    """Empty for none; revenue, cost and margin with two decimals (they are rounded to cents); the rest as JSON has it."""
    if value is None:
        return ""
    if key in MONEY_TOTALS:
        return f"{value:.2f}"
    return str(value)


def csv_chunks(report: Report, rows: int = 2000) -> Iterator[str]:
    """The file in chunks of rows (480,000 rows for 10,000 clients over a year)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n, r in enumerate(report.rows(), start=1):
        # the csv module writes None as an empty cell and numbers as str() has them (as JSON does)
        revenue, cost, margin = r["revenue"], r["cost"], r["margin"]
        writer.writerow((r["month"], r["halo_client_id"], r["client"], r["product"], r["huntress_units"],
                         r["billed_units"], r["change_units"], r["change_percent"], r["unit_price"], r["unit_cost"],
                         None if revenue is None else f"{revenue:.2f}", None if cost is None else f"{cost:.2f}",
                         None if margin is None else f"{margin:.2f}"))
        if n % rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
