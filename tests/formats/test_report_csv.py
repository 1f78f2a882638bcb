"""`report --csv` (formats.report_csv): a client name a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io

import pytest

from halosync.core.report import Report, Series
from halosync.formats.report_csv import csv_chunks


def rows(name: str) -> list[dict[str, str]]:
    report = Report(["2026-10", "2026-11"], [Series(12, name, "edr", [10, 12], [10, 12], None)])
    return list(csv.DictReader(io.StringIO("".join(csv_chunks(report)))))


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_name_starting_like_a_formula_is_written_after_a_single_quote(name):
    found = rows(name)
    assert [row["client"] for row in found] == ["'" + name] * 2
    # the numbers stay numbers, negative changes included
    assert [row["billed_units"] for row in found] == ["10", "12"] and found[1]["change_units"] == "2"


def test_an_ordinary_name_and_the_numbers_are_untouched():
    found = rows("Acme Dental")
    assert [(row["client"], row["halo_client_id"], row["month"]) for row in found] == \
        [("Acme Dental", "12", "2026-10"), ("Acme Dental", "12", "2026-11")]


def test_a_negative_change_is_still_a_number():
    report = Report(["2026-10", "2026-11"], [Series(12, "A", "edr", [12, 10], [12, 10], None)])
    [_, row] = list(csv.DictReader(io.StringIO("".join(csv_chunks(report)))))
    assert row["change_units"] == "-2" and row["change_percent"] == "-16.7"
