"""`report` on the terminal: one month reads as one month."""

from __future__ import annotations

from pathlib import Path

from halosync.core.report import Report, Series
from halosync.formats.report import lines


def test_one_month_says_month_not_months():
    text = "\n".join(lines(Report(["2026-03"], [Series(12, "Acme", "edr", [42], [42], None, None)]),
                           Path("/var/log/results.jsonl"), 80))
    assert "(1 month)" in text and "1 months" not in text
    two = "\n".join(lines(Report(["2026-02", "2026-03"], [Series(12, "Acme", "edr", [40, 42], [40, 42], None, None)]),
                          Path("/var/log/results.jsonl"), 80))
    assert "(2 months)" in two
