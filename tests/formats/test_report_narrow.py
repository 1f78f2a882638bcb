"""`halosync report` on a narrow terminal (formats.report): no line wider than the page, headers included."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from halosync.core.report import Price, Report, Series
from halosync.formats.report import show_report
from halosync.formats.text import wrap_lines

MONTHS = [f"2026-{m:02d}" for m in range(1, 10)]


def sample(money: bool) -> Report:
    series = [Series(12, "Acme Dental", "edr", list(range(11, 20)), list(range(11, 20)), 10,
                     Price(4.5, 3.0) if money else None),
              Series(13, "Brightwater Clinic", "sat", list(range(31, 40)), list(range(31, 40)), 30,
                     Price(2.0, 1.0) if money else None)]
    return Report(MONTHS, series, money=money)


@pytest.mark.parametrize("money", [False, True])
@pytest.mark.parametrize("width", range(40, 57))
def test_no_line_is_wider_than_the_page(width, money):
    out = io.StringIO()
    show_report(sample(money), Path("/var/log/halosync/results.jsonl"), width, out)
    lines = out.getvalue().splitlines()
    assert [line for line in lines if len(line) > width] == []
    assert any("billed units per month" in line for line in lines)  # the header is wrapped, not dropped


@pytest.mark.parametrize("width", [40, 48])
def test_the_empty_reports_sentences_fit_too(width):
    out = io.StringIO()
    show_report(Report(MONTHS, []), Path("/var/log/halosync/results.jsonl"), width, out)
    show_report(Report([], []), Path("/var/log/halosync/results.jsonl"), width, out)
    assert all(len(line) <= width for line in out.getvalue().splitlines())


def test_a_word_longer_than_the_line_stays_whole():
    assert wrap_lines("  see /a/very/long/path/that/does/not/fit/anywhere/at/all.jsonl now", 30) == \
        "  see\n    /a/very/long/path/that/does/not/fit/anywhere/at/all.jsonl\n    now"
