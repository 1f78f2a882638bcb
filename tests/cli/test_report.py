"""`halosync report` on the command line: the same numbers in every format, 80 columns, --money, bad input."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from halosync.cli import app
from halosync.sandbox.history import history_lines
from tests.support import basic_config, write_config

runner = CliRunner()


def invoke(*args: str, columns: int = 200):
    return runner.invoke(app, ["report", *args], env={"COLUMNS": str(columns)})


def simulated(log: Path, clients: range = range(12, 20), months: int = 14, first: str = "2025-09") -> None:
    current = {(c, p): (item, 5 + (c * 7) % 90) for c in clients for p, item in
               (("edr", 1001), ("itdr", 1002), ("sat", 1003), ("siem", 1004))}
    log.write_text("".join(history_lines(first, months, current)))


def config_with(tmp_path: Path, **overrides) -> Path:
    return write_config(tmp_path / "config.toml", basic_config(log={"path": str(tmp_path / "results.jsonl")}, **overrides))


def csv_rows(path: Path) -> list[dict[str, Any]]:
    def number(text: str):
        if text == "":
            return None
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text

    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v if k in ("month", "client", "product") else number(v)) for k, v in row.items()}
                for row in csv.DictReader(f)]


def test_no_history_yet_says_so_and_exits_0(tmp_path):
    config = config_with(tmp_path)
    result = invoke("--config", str(config))
    assert result.exit_code == 0 and "No completed sync recorded" in result.stdout
    result = invoke("--config", str(config), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["months"] == [] and json.loads(result.stdout)["rows"] == []


def test_csv_json_and_html_carry_the_same_numbers(tmp_path):
    config = config_with(tmp_path, clients=[{"halo_client_id": 13, "name": 'Bob "100%" Bakery, Zürich {x}'}])
    simulated(tmp_path / "results.jsonl")
    out_csv, out_html = tmp_path / "r.csv", tmp_path / "r.html"
    result = invoke("--config", str(config), "--json", "--csv", str(out_csv), "--html", str(out_html))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert len(document["months"]) == 12 and len(document["rows"]) == 8 * 4 * 12
    assert out_csv.read_text().splitlines()[0] == ("month,halo_client_id,client,product,huntress_units,billed_units,"
                                                   "change_units,change_percent,unit_price,unit_cost,revenue,cost,margin")
    assert csv_rows(out_csv) == document["rows"]
    assert {r["client"] for r in document["rows"] if r["halo_client_id"] == 13} == {'Bob "100%" Bakery, Zürich {x}'}
    page = out_html.read_text()
    # the chart's bars are the totals, product by product
    bars = {(m, p): int(u) for m, body in re.findall(r'<g class="bar" data-month="([\d-]+)">(.*?)</g>', page, flags=re.S)
            for p, u in re.findall(r'data-product="(\w+)" data-units="(\d+)"', body)}
    assert bars == {(t["month"], t["product"]): t["billed_units"] for t in document["totals"] if t["billed_units"]}
    # the totals table: one line per month, the products' units then all units
    for month in document["months"]:
        row = re.search(rf'<tr><td class="n">{month}</td>(.*?)</tr>', page)
        assert row is not None, month
        line = row.group(1)
        cells = [int(c.replace(",", "")) for c in re.findall(r"<td>([\d,]+)</td>", line)]
        mine = [t["billed_units"] for t in document["totals"] if t["month"] == month]
        assert cells == [*mine, sum(mine)]
    # the movers
    for mover in document["movers"]["up"] + document["movers"]["down"]:
        assert f'<td>{mover["billed_units"]:,}</td><td class="{"up" if mover["change_units"] > 0 else "down"}"><i>{mover["change_units"]:+,}</i>' in page
    # each client's newest units in its product's cell
    last = document["months"][-1]
    for row in document["rows"]:
        if row["month"] == last and row["halo_client_id"] == 12:
            assert re.search(rf'</svg>{row["billed_units"]:,}( <i>|</td>)', page)


def test_at_80_columns_no_client_is_dropped_and_names_print_as_they_are(tmp_path):
    names = {12: "[bold]Acme[/bold] Dental & Sons, a name far longer than any column could ever hold", 13: "Bob's Bakery"}
    config = config_with(tmp_path, clients=[{"halo_client_id": c, "name": n} for c, n in names.items()])
    simulated(tmp_path / "results.jsonl", clients=range(12, 60), months=40, first="2023-07")
    result = invoke("--config", str(config), "--months", "36", columns=80)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert all(len(line) <= 80 for line in text.splitlines()), [line for line in text.splitlines() if len(line) > 80]
    flat = " ".join(text.split())
    assert names[12] in flat and "Bob's Bakery" in flat
    for product in ("edr", "itdr", "sat", "siem"):
        section = text.split(f"({product})")[1].split("\n\n")[0]
        for client in range(14, 60):
            assert re.search(rf"^  client {client} ", section, flags=re.M), (product, client)
    assert "sparkline: the last" in text  # the months it could not fit, never the clients
    wide = invoke("--config", str(config), "--months", "36", columns=200).stdout
    assert "sparkline: the last" not in wide and "▁" in wide


def test_an_output_file_that_cannot_be_written_is_exit_2_before_any_request(tmp_path, sandbox_mock, sandbox_config_file):
    simulated(sandbox_config_file.parent / "results.jsonl")
    (tmp_path / "a-file").write_text("")
    for target in (tmp_path / "no-such-folder" / "r.csv", tmp_path / "a-file" / "r.html", tmp_path):
        option = "--html" if target.name.endswith("html") else "--csv"
        result = invoke("--config", str(sandbox_config_file), "--money", option, str(target))
        assert result.exit_code == 2 and str(target) in result.stderr and "Traceback" not in result.output
        assert sandbox_mock.requests == []
    result = invoke("--config", str(sandbox_config_file), "--money", "--json", "--csv", str(tmp_path / "x" / "r.csv"))
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["exit_code"] == 2
    assert sandbox_mock.requests == []


def test_money_prices_from_invoice_lines_then_items_then_the_config(tmp_path, sandbox_mock, sandbox_config_file):
    config = tomllib.loads(sandbox_config_file.read_text())
    config["report"] = {"unit_cost": {"sat": 1.1}}
    write_config(sandbox_config_file, config)
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(sandbox_config_file)]).exit_code == 0
    before = len(sandbox_mock.requests)
    out_csv = tmp_path / "money.csv"
    result = invoke("--config", str(sandbox_config_file), "--money", "--json", "--csv", str(out_csv))
    assert result.exit_code == 0, result.output
    assert csv_rows(out_csv) == json.loads(result.stdout)["rows"]  # the money columns too
    sent = sandbox_mock.requests[before:]
    assert [(r.service, r.path) for r in sent] == [("halo", "/auth/token"), ("halo", "/api/RecurringInvoice"),
                                                   ("halo", "/api/Item")]
    assert "read:invoices" in sent[0].form["scope"][0].split()
    document = json.loads(result.stdout)
    assert document["money"]["estimated"] is True and "today's prices" in document["money"]["note"]
    rows = {(r["halo_client_id"], r["product"]): r for r in document["rows"]}
    # Cedar's EDR line is priced apart (7.50, no cost on the line: the item's 3.50)
    assert (rows[14, "edr"]["unit_price"], rows[14, "edr"]["unit_cost"]) == (7.5, 3.5)
    assert rows[14, "edr"]["revenue"] == round(rows[14, "edr"]["billed_units"] * 7.5, 2)
    # Granite's SIEM line has its own price and cost; Delta has no Huntress line: the item's prices
    assert (rows[18, "siem"]["unit_price"], rows[18, "siem"]["unit_cost"]) == (10.0, 6.5)
    assert (rows[15, "edr"]["unit_price"], rows[15, "edr"]["unit_cost"]) == (6.0, 3.5)
    # SAT's item has no cost in HaloPSA: [report] unit_cost
    assert rows[18, "sat"]["unit_cost"] == 1.1
    assert rows[18, "sat"]["margin"] == round(rows[18, "sat"]["revenue"] - rows[18, "sat"]["huntress_units"] * 1.1, 2)
    assert rows[14, "edr"]["client"] == "Cedar Law Group"
    text = invoke("--config", str(sandbox_config_file), "--money").stdout
    assert "estimated with today's prices" in " ".join(text.split()) and "margin" in text


def test_money_refused_is_exit_3_with_the_scope_named(sandbox_mock, sandbox_config_file):
    simulated(sandbox_config_file.parent / "results.jsonl")
    sandbox_mock.faults.halo_denied_scopes = {"read:invoices"}
    result = invoke("--config", str(sandbox_config_file), "--money", "--json")
    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 3 and "read:invoices" in error["message"]


def test_without_money_no_request_is_sent(sandbox_mock, sandbox_config_file):
    simulated(sandbox_config_file.parent / "results.jsonl")
    assert invoke("--config", str(sandbox_config_file)).exit_code == 0
    assert sandbox_mock.requests == []


def test_bad_options_and_a_log_that_is_a_folder_are_exit_2(tmp_path):
    config = config_with(tmp_path)
    result = invoke("--config", str(config), "--product", "xdr", "--json")
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["exit_code"] == 2
    result = invoke("--config", str(config), "--months", "0", "--json")
    assert result.exit_code == 2 and "--months" in json.loads(result.stdout)["error"]["message"]
    same = tmp_path / "out"
    result = invoke("--config", str(config), "--csv", str(same), "--html", str(same))
    assert result.exit_code == 2 and "same file" in result.stderr and not same.exists()
    (tmp_path / "results.jsonl").mkdir()
    result = invoke("--config", str(config))
    assert result.exit_code == 2 and "is a folder" in result.stderr


def test_unreadable_lines_are_skipped_counted_and_said(tmp_path):
    config = config_with(tmp_path)
    log = tmp_path / "results.jsonl"
    simulated(log, months=2)
    with log.open("a") as f:
        f.write('{"type": "row", "run_id"\n')
    result = invoke("--config", str(config), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["unreadable_lines"] == 1
    assert "skipped 1 unreadable line" in result.stderr


def test_client_and_product_filters(tmp_path):
    config = config_with(tmp_path)
    simulated(tmp_path / "results.jsonl")
    rows = json.loads(invoke("--config", str(config), "--json", "--client", "13", "--client", "15",
                             "--product", "sat", "--months", "3").stdout)["rows"]
    assert {(r["halo_client_id"], r["product"]) for r in rows} == {(13, "sat"), (15, "sat")}
    assert len(rows) == 6


def test_the_demo_ends_with_a_report_over_simulated_months():
    result = runner.invoke(app, ["demo"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    tail = result.stdout.split("\n4) ")[1]
    assert "SIMULATED" in tail and "halosync report" in tail and "Biggest movers" in tail
    assert "Juniper School District" in tail and "margin" in tail


def test_report_unit_cost_is_validated(tmp_path):
    for bad, words in (({"edr": -1}, "unit_cost"), ({"xdr": 2.0}, "xdr"), ({"sat": "3.50"}, "unit_cost")):
        config = config_with(tmp_path, report={"unit_cost": bad})
        result = invoke("--config", str(config), "--json")
        assert result.exit_code == 2, bad
        message = json.loads(result.stdout)["error"]["message"]
        assert "[report]" in message and words in message and str(config) in message
    config = config_with(tmp_path, report={"unit_cost": {"edr": 3.5, "sat": 1}})
    assert invoke("--config", str(config)).exit_code == 0


def test_files_are_written_whole_and_private_and_a_filter_that_matches_nothing_says_so(tmp_path):
    config = config_with(tmp_path)
    simulated(tmp_path / "results.jsonl", months=3)
    target = tmp_path / "r.csv"
    target.write_text("an older report\n")
    result = invoke("--config", str(config), "--csv", str(target), "--client", "999")
    assert result.exit_code == 0 and "No units recorded" in result.stdout
    assert target.read_text().splitlines() == [",".join(("month", "halo_client_id", "client", "product", "huntress_units",
                                                         "billed_units", "change_units", "change_percent", "unit_price",
                                                         "unit_cost", "revenue", "cost", "margin"))]
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "home", "r.csv", "results.jsonl"]
