"""`report`'s rules: which sync's row gives a month's units, what is carried, the change, movers and prices."""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from halosync.core.report import Price, build, levels, prices, sparkline
from halosync.errors import ConfigError
from halosync.run.report import collect

_ids = count(1)


def sync(log: Path, started: str, rows: list[tuple[Any, ...]], *, exit_code: int = 0, dry_run: bool = False,
         run_record: bool = True) -> str:
    """Append one sync: rows are (client, product, count[, status[, actual_count]]); `started` as '2026-03-01'."""
    run_id = f"run{next(_ids)}"
    time = f"{started}T02:00:00Z"
    lines = []
    for client, product, units, *rest in rows:
        status = rest[0] if rest else "ok"
        actual = rest[1] if len(rest) > 1 else None
        lines.append({"type": "row", "run_id": run_id, "time": time, "dry_run": dry_run, "halo_client_id": client,
                      "huntress_organization_ids": [client * 10], "product": product, "halo_item_id": 1001,
                      "licence_id": 5000 + client, "previous_count": 1, "count": units, "actual_count": actual,
                      "action": "update", "status": status, "message": ""})
    if run_record:
        lines.append({"type": "run", "run_id": run_id, "started": time, "finished": time, "dry_run": dry_run,
                      "forced": False, "exit_code": exit_code, "rows": {"create": 0}, "requests": {"halo": 1}})
    with log.open("a") as f:
        f.writelines(json.dumps(line) + "\n" for line in lines)
    return run_id


def report(log: Path, months: int = 12, **filters: Any):
    collected, unreadable = collect(log, months, **filters)
    return build(collected, {12: "Acme Dental"}, None, unreadable)


def units(rep, client: int = 12, product: str = "edr") -> dict[str, tuple[int | None, int | None]]:
    s = next(s for s in rep.series if (s.client, s.product) == (client, product))
    return {m: (h, b) for m, h, b in zip(rep.months, s.huntress, s.billed, strict=True)}


def test_a_months_units_are_the_last_completed_non_dry_syncs(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-03-01", [(12, "edr", 40)])
    sync(log, "2026-03-05", [(12, "edr", 42)])  # the last completed sync of March: this one
    sync(log, "2026-03-06", [(12, "edr", 99)], dry_run=True)
    sync(log, "2026-03-07", [(12, "edr", 98)], exit_code=5)  # ended early
    sync(log, "2026-03-08", [(12, "edr", 97)], exit_code=130)  # interrupted
    sync(log, "2026-03-09", [(12, "edr", 96)], run_record=False)  # killed: rows and no run record
    sync(log, "2026-04-01", [(12, "edr", 43)], exit_code=1)  # some other row failed: this one counts
    sync(log, "2026-05-01", [(12, "edr", 44)], exit_code=6)  # some change held elsewhere
    rep = report(log)
    assert rep.months == ["2026-03", "2026-04", "2026-05"]
    assert units(rep) == {"2026-03": (42, 42), "2026-04": (43, 43), "2026-05": (44, 44)}


def test_a_held_or_failed_row_keeps_the_months_before_units_huntress_and_billed(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-03-01", [(12, "edr", 10, "ok", 7)])  # a 10-seat minimum over 7 agents
    sync(log, "2026-04-01", [(12, "edr", 0, "held")], exit_code=6)
    sync(log, "2026-05-01", [(12, "edr", 30, "failed")], exit_code=1)
    sync(log, "2026-06-01", [(12, "edr", 12, "ok")])
    rep = report(log)
    assert units(rep) == {"2026-03": (7, 10), "2026-04": (7, 10), "2026-05": (7, 10), "2026-06": (12, 12)}
    rows = {r["month"]: r for r in rep.rows()}
    assert rows["2026-03"]["huntress_units"] == 7 and rows["2026-03"]["billed_units"] == 10
    assert (rows["2026-04"]["change_units"], rows["2026-06"]["change_units"], rows["2026-06"]["change_percent"]) == (0, 2, 20.0)


def test_an_earlier_ok_row_of_the_same_month_stands_when_the_last_sync_held_it(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-03-01", [(12, "edr", 40)])
    sync(log, "2026-04-01", [(12, "edr", 41)])
    sync(log, "2026-04-20", [(12, "edr", 0, "held")], exit_code=6)
    assert units(report(log))["2026-04"] == (41, 41)


def test_an_approved_held_change_bills_the_approved_count(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-03-01", [(12, "edr", 40)])
    held = sync(log, "2026-04-01", [(12, "edr", 80, "held"), (12, "sat", 5, "held")], exit_code=6)
    with log.open("a") as f:
        for product, decision in (("edr", "approved"), ("sat", "rejected")):
            f.write(json.dumps({"type": "decision", "time": "2026-04-02T09:00:00Z", "held_run_id": held,
                                "halo_client_id": 12, "product": product, "licence_id": 5012, "previous_count": 40,
                                "count": 80 if product == "edr" else 5, "decision": decision, "status": "ok"}) + "\n")
    rep = report(log)
    assert units(rep)["2026-04"] == (80, 80)
    assert [r["billed_units"] for r in rep.rows() if r["product"] == "sat"] == []  # rejected, never billed before


def test_a_month_without_any_sync_keeps_the_units_but_a_sync_that_did_not_reach_a_client_does_not(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40), (13, "edr", 5)])
    sync(log, "2026-03-01", [(12, "edr", 44)])  # February: no sync at all; March: client 13 is gone
    rep = report(log)
    assert rep.months == ["2026-01", "2026-02", "2026-03"]
    assert units(rep) == {"2026-01": (40, 40), "2026-02": (40, 40), "2026-03": (44, 44)}
    assert units(rep, 13) == {"2026-01": (5, 5), "2026-02": (5, 5), "2026-03": (None, None)}
    assert {r["month"] for r in rep.rows() if r["halo_client_id"] == 13} == {"2026-01", "2026-02"}


def test_the_first_months_change_is_against_the_month_before_the_window(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40), (12, "sat", 0)])
    sync(log, "2026-02-01", [(12, "edr", 50), (12, "sat", 3), (14, "edr", 2)])
    sync(log, "2026-03-01", [(12, "edr", 45), (12, "sat", 3), (14, "edr", 2)])
    rep = report(log, months=2)
    assert rep.months == ["2026-02", "2026-03"]
    rows = {(r["month"], r["halo_client_id"], r["product"]): r for r in rep.rows()}
    assert (rows["2026-02", 12, "edr"]["change_units"], rows["2026-02", 12, "edr"]["change_percent"]) == (10, 25.0)
    assert (rows["2026-02", 12, "sat"]["change_units"], rows["2026-02", 12, "sat"]["change_percent"]) == (3, None)  # from 0
    assert (rows["2026-02", 14, "edr"]["change_units"], rows["2026-02", 14, "edr"]["change_percent"]) == (None, None)
    assert (rows["2026-03", 12, "edr"]["change_units"], rows["2026-03", 12, "edr"]["change_percent"]) == (-5, -10.0)


def test_months_are_calendar_months_in_utc(tmp_path):
    log = tmp_path / "results.jsonl"
    with log.open("a") as f:
        f.write(json.dumps({"type": "row", "run_id": "late", "time": "2026-01-31T23:30:00-05:00", "dry_run": False,
                            "halo_client_id": 12, "huntress_organization_ids": [1], "product": "edr", "halo_item_id": 1001,
                            "licence_id": 1, "previous_count": 1, "count": 7, "action": "update", "status": "ok"}) + "\n")
        f.write(json.dumps({"type": "run", "run_id": "late", "started": "2026-01-31T23:30:00-05:00", "finished": "x",
                            "dry_run": False, "forced": False, "exit_code": 0, "rows": {}, "requests": {}}) + "\n")
    assert report(log).months == ["2026-02"]  # 04:30 UTC on 1 February


def test_rotated_files_are_read_and_unreadable_lines_skipped_and_counted(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40)])
    log.rename(tmp_path / "results.jsonl.20260115T000000Z")
    with log.open("a") as f:
        f.write('{"type": "row", "half a line\n')
        f.write(json.dumps({"type": "row", "run_id": "x", "count": "many"}) + "\n")  # the wrong shape
    sync(log, "2026-02-01", [(12, "edr", 41)])
    rep = report(log)
    assert units(rep) == {"2026-01": (40, 40), "2026-02": (41, 41)}
    assert rep.unreadable == 2


def test_reading_stops_once_the_window_and_the_month_before_are_covered(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2025-01-01", [(12, "edr", 1)])
    with log.open("a") as f:
        f.write("damage that only a reader of old months would meet\n")
    for month in range(2, 13):
        sync(log, f"2025-{month:02d}-01", [(12, "edr", month)])
    rep = report(log, months=3)
    assert rep.months == ["2025-10", "2025-11", "2025-12"] and rep.unreadable == 0
    assert report(log, months=24).unreadable == 1


def test_a_change_held_since_before_the_window_reads_further_back_for_its_units(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2025-01-01", [(12, "edr", 33)])
    for month in range(2, 6):
        sync(log, f"2025-{month:02d}-01", [(12, "edr", 0, "held")], exit_code=6)
    assert units(report(log, months=2)) == {"2025-04": (33, 33), "2025-05": (33, 33)}


def test_filters_by_client_and_product(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40), (12, "sat", 4), (13, "edr", 5)])
    rep = report(log, clients=[12], products=["sat"])
    assert [(s.client, s.product) for s in rep.series] == [(12, "sat")]


def test_no_completed_sync_means_no_months(tmp_path):
    log = tmp_path / "results.jsonl"
    assert report(log).months == []
    sync(log, "2026-01-01", [(12, "edr", 40)], dry_run=True)
    assert report(log).months == [] and list(report(log).rows()) == []


def test_a_log_path_that_is_a_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        collect(tmp_path, 12)


def test_series_are_by_product_then_name_and_movers_are_the_biggest_changes(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40), (13, "edr", 10), (14, "edr", 100), (12, "sat", 5)])
    sync(log, "2026-02-01", [(12, "edr", 41), (13, "edr", 30), (14, "edr", 60), (12, "sat", 5)])
    collected, _ = collect(log, 12)
    rep = build(collected, {12: "b client", 13: "A client", 14: "c client"})
    assert [(s.product, s.name) for s in rep.series] == [("edr", "A client"), ("edr", "b client"), ("edr", "c client"),
                                                         ("sat", "b client")]
    up, down = rep.movers()
    assert [(r["halo_client_id"], r["change_units"]) for r in up] == [(13, 20), (12, 1)]
    assert [(r["halo_client_id"], r["change_units"], r["change_percent"]) for r in down] == [(14, -40, -40.0)]
    totals = {(t["month"], t["product"]): t["billed_units"] for t in rep.totals()}
    assert totals == {("2026-01", "edr"): 150, ("2026-01", "sat"): 5, ("2026-02", "edr"): 131, ("2026-02", "sat"): 5}


def test_sparkline_runs_from_zero_to_the_largest():
    assert sparkline([0, 7, 14]) == "▁▅█"
    assert sparkline([40, 40, None, 40]) == "██ █"
    assert sparkline([0, 0]) == "▁▁"
    assert levels([10, 20, 15], 21) == [10, 20, 15]
    assert sparkline([412, 410]) == "██"  # a 0.5% fall is not drawn as a collapse


def test_prices_come_from_the_line_billing_from_the_licence_else_the_item_else_the_config():
    from halosync.halo.prices import item_prices, priced_lines

    pairs: dict[tuple[int, str], tuple[int | None, int | None]] = {
        (12, "edr"): (5012, 1001), (13, "edr"): (5013, 1001), (14, "sat"): (5014, 1003), (15, "siem"): (None, 1004),
        (16, "edr"): (5016, 1001)}
    invoices = [
        {"id": 1, "client_id": 12, "lines": [
            {"quantity_licences": [{"licence_id": 5012}], "unit_price": 7.5, "unit_cost": 4.0},
            {"quantity_licences": [{"licence_id": 5013}], "unit_price": 0, "unit_cost": None},  # Halo's blanks
            {"quantity_licences": [{"licence_id": "5014"}], "unit_price": "2.25", "unit_cost": 0},
            {"quantity_licences": [{"licence_id": 5016}], "unit_price": 99.0, "isinactive": True},  # an ended line
            {"quantity_licences": "junk", "unit_price": float("inf")}, "not a line"]},
        {"id": 2, "client_id": 16, "disabled": True, "lines": [{"quantity_licences": [{"licence_id": 5016}],
                                                                "unit_price": 98.0}]},
    ]
    items: dict[int, dict[str, Any]] = {1001: {"recurringprice": 6.0, "recurringcost": 3.5}, 1003: {"recurringprice": 2.0, "recurringcost": 0},
             1004: {"recurringprice": "12", "recurringcost": True}}
    found = prices(pairs, priced_lines(invoices), item_prices(items), {"sat": 1.1})
    assert found == {(12, "edr"): Price(7.5, 4.0), (13, "edr"): Price(6.0, 3.5), (14, "sat"): Price(2.25, 1.1),
                     (15, "siem"): Price(12.0, None), (16, "edr"): Price(6.0, 3.5)}


def test_revenue_cost_and_margin_per_row_and_month(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 10, "ok", 7), (12, "siem", 3)])
    collected, _ = collect(log, 12)
    rep = build(collected, {}, {(12, "edr"): Price(6.0, 3.5), (12, "siem"): Price(12.0, None)})
    rows = {r["product"]: r for r in rep.rows()}
    assert (rows["edr"]["revenue"], rows["edr"]["cost"], rows["edr"]["margin"]) == (60.0, 24.5, 35.5)  # cost: Huntress's 7
    assert (rows["siem"]["revenue"], rows["siem"]["cost"], rows["siem"]["margin"]) == (36.0, None, None)
    [edr, siem] = rep.totals()
    assert (edr["revenue"], edr["margin"], siem["revenue"], siem["cost"]) == (60.0, 35.5, 36.0, None)


def test_rows_as_run_writes_them_take_the_fast_way_and_any_other_spelling_gives_the_same_report(tmp_path):
    from halosync.core.models import Row
    from halosync.run.report import _ROW

    written = Row(run_id="r1", time="2026-01-01T02:00:00Z", halo_client_id=12, huntress_organization_ids=[101, 102],
                  product="edr_servers", halo_item_id=1006, licence_id=None, previous_count=None, count=0,
                  actual_count=None, action="unchanged", status="ok", message='Zürich "quoted" \\ {braces}')
    assert _ROW.fullmatch(json.dumps(written.dump(), ensure_ascii=False).encode())
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40, "ok", 30), (13, "sat", 4)])
    sync(log, "2026-02-01", [(12, "edr", 0, "held"), (13, "sat", 6, "failed")], exit_code=1)
    sync(log, "2026-03-01", [(12, "edr", 41), (13, "sat", 5)])
    other = tmp_path / "other.jsonl"  # the same records with their keys in another order and other spacing
    other.write_text("".join(json.dumps(dict(reversed(json.loads(line).items())), separators=(",", ":")) + "\n"
                             for line in log.read_text().splitlines()))
    assert not any(_ROW.fullmatch(line.encode()) for line in other.read_text().splitlines())
    assert list(report(log).rows()) == list(report(other).rows())
    assert len(list(report(log).rows())) == 6
    assert report(log).series[0].huntress == [30, 30, 41]


def test_a_log_file_that_cannot_be_read_is_named(tmp_path):
    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40)])
    (tmp_path / "results.jsonl.20251201T000000Z").mkdir()  # a rotated "file" that is a folder
    with pytest.raises(ConfigError, match=r"results\.jsonl\.20251201T000000Z"):  # named, exit 2
        collect(log, 12)


def test_rows_with_fields_after_the_message_still_take_the_fast_way(tmp_path):
    from halosync.run.report import _ROW

    log = tmp_path / "results.jsonl"
    sync(log, "2026-01-01", [(12, "edr", 40), (13, "sat", 4)])
    lines = log.read_text().splitlines()
    extra = [', "outside_change": null}',
             ', "outside_change": {"was": 48, "now": 50, "since": "2026-01-01T02:00:00Z"}, "huntress_invoice_id": 7002, '
             '"period_start": "2025-12-01", "period_end": null}']
    later = [line[:-1] + tail for line, tail in zip(lines[:2], extra, strict=True)] + lines[2:]
    log.write_text("\n".join(later) + "\n")
    assert all(_ROW.fullmatch(line.encode()) for line in later[:2])
    assert not _ROW.fullmatch(later[1][:-1].encode())  # half a line never passes
    assert not _ROW.fullmatch(later[0].replace("outside_change", "count").encode())  # a repeated key goes the slow way
    rep = report(log)
    assert [(r["halo_client_id"], r["billed_units"]) for r in rep.rows()] == [(12, 40), (13, 4)]
