"""`report`'s window (core.report.Collector, run.report.collect): always the N months up to the newest month with
a completed sync, whatever months had no sync; and runs dated in the future passed over, never trusted."""

from __future__ import annotations

from datetime import UTC, datetime

from halosync.core.report import build
from halosync.run.report import collect
from tests.core.test_report import report, sync, units

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_months_without_a_sync_at_the_windows_start_carry_the_units_in_force_then(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-06-01", [(12, "edr", 10), (13, "edr", 4)])
    sync(log, "2026-11-01", [(12, "edr", 12)])
    rep = report(log, months=3)
    assert rep.months == ["2026-09", "2026-10", "2026-11"]
    assert units(rep) == {"2026-09": (10, 10), "2026-10": (10, 10), "2026-11": (12, 12)}
    assert units(rep, 13) == {"2026-09": (4, 4), "2026-10": (4, 4), "2026-11": (None, None)}  # November: gone
    change = {(r["month"], r["halo_client_id"]): r["change_units"] for r in rep.rows()}
    assert change["2026-09", 12] == 0 and change["2026-11", 12] == 2


def test_a_months_change_does_not_depend_on_the_window(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-06-01", [(12, "edr", 10)])
    sync(log, "2026-11-01", [(12, "edr", 12)])
    rows = {n: {r["month"]: (r["billed_units"], r["change_units"]) for r in report(log, months=n).rows()}
            for n in (1, 2, 3, 6, 12)}
    assert rows[1] == {"2026-11": (12, 2)}
    for n in (2, 3, 6, 12):
        assert rows[n]["2026-11"] == (12, 2) and rows[n]["2026-10"] == (10, 0)
    assert list(report(log, months=12).months) == [f"2026-{m:02d}" for m in range(6, 12)]  # the log starts in June


def test_a_pair_held_before_a_gap_reads_further_back(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-03-01", [(12, "edr", 33)])
    sync(log, "2026-06-01", [(12, "edr", 0, "held")], exit_code=6)
    sync(log, "2026-11-01", [(12, "edr", 35)])
    assert units(report(log, months=3)) == {"2026-09": (33, 33), "2026-10": (33, 33), "2026-11": (35, 35)}


def test_a_run_dated_in_the_future_is_passed_over_and_listed(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-09-01", [(12, "edr", 10)])
    future = sync(log, "2031-10-01", [(12, "edr", 99)])
    sync(log, "2026-10-01", [(12, "edr", 11)])
    sync(log, "2026-11-01", [(12, "edr", 12)])
    collected, _ = collect(log, 12, now=NOW)
    rep = build(collected, {})
    assert rep.months == ["2026-09", "2026-10", "2026-11"]
    assert units(rep) == {"2026-09": (10, 10), "2026-10": (11, 11), "2026-11": (12, 12)}
    assert collected.future == [(future, "2031-10-01T02:00:00Z")]


def test_a_future_run_in_the_middle_is_not_folded_into_the_newest_month(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-10-01", [(12, "edr", 11)])
    sync(log, "2026-12-15", [(12, "edr", 99)])  # a clock weeks ahead, once
    sync(log, "2026-11-01", [(12, "edr", 12)])
    collected, _ = collect(log, 12, now=NOW)
    assert units(build(collected, {})) == {"2026-10": (11, 11), "2026-11": (12, 12)}
    assert len(collected.future) == 1
    # within five minutes of now is not the future (a clock a few seconds ahead)
    assert collect(log, 12, now=datetime(2026, 12, 15, 1, 56, tzinfo=UTC))[0].future == []
