"""Billing from Huntress's invoice: `[sync] frequency = "invoice"` and `[huntress] counts = "invoiced"`, through
the CLI against the sandbox (in-process via respx), and the line-item reading on its own."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.invoice import LineItems
from halosync.huntress.invoices import add_line_items, parse_invoice
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, read_log, write_config

runner = CliRunner()
LINE_ITEMS = "/v1/reseller/invoices/{}/organization_usage_line_items"


def invoke(config, *args):
    return runner.invoke(app, ["run", "--config", str(config), *args])


def make_config(tmp_path, *, frequency="invoice", counts="billable", **extra):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["sync"] = {"frequency": frequency}
    data["huntress"]["counts"] = counts
    data.update(extra)
    return write_config(tmp_path / "config.toml", data)


def runs(tmp_path):
    return [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "run"]


def huntress_requests(sandbox):
    return [r for r in sandbox.requests if r.service == "huntress"]


# -- [sync] frequency = "invoice" ------------------------------------------------------------------------------


def test_invoice_frequency_syncs_once_per_invoice_and_a_not_due_call_costs_one_request(sandbox_mock, tmp_path):
    config = make_config(tmp_path)
    first = invoke(config)
    assert first.exit_code == 0, first.output
    record = runs(tmp_path)[-1]
    assert record["huntress_invoice"] == {"id": 7002, "created_at": "2026-11-01T00:05:00Z",
                                          "quantity": record["huntress_invoice"]["quantity"],
                                          "plan": "Huntress Managed EDR"}
    assert record["huntress_invoice"]["quantity"] > 0

    before = len(sandbox_mock.requests)
    second = invoke(config)
    assert second.exit_code == 0
    assert "Not due" in second.stdout and "Huntress invoice 7002 of 2026-11-01" in second.stdout
    new = sandbox_mock.requests[before:]
    assert [(r.service, r.path) for r in new] == [("huntress", "/v1/invoices")]  # exactly one request
    assert new[0].query == {"limit": ["1"], "sort_field": ["created_at"], "sort_direction": ["desc"]}
    assert len(runs(tmp_path)) == 1  # a not-due call appends nothing

    as_json = json.loads(invoke(config, "--json").stdout)
    assert as_json["not_due"]["huntress_invoice"]["id"] == 7002


def test_a_newer_invoice_makes_the_sync_due_again(sandbox_mock, tmp_path, monkeypatch):
    config = make_config(tmp_path)
    assert invoke(config).exit_code == 0
    newer = [{**sandbox_mock.state.huntress_invoices()[0], "id": 7003, "created_at": "2026-12-01T00:05:00Z"}]
    monkeypatch.setattr(type(sandbox_mock.state), "huntress_invoices", lambda self: newer)
    assert invoke(config).exit_code == 0
    assert [r["huntress_invoice"]["id"] for r in runs(tmp_path)] == [7002, 7003]


def test_a_failed_run_is_retried_and_a_dry_run_does_not_count(sandbox_mock, tmp_path):
    config = make_config(tmp_path)
    assert invoke(config, "--dry-run").exit_code == 0
    sandbox_mock.faults.fail_writes_for_clients = {14}
    assert invoke(config).exit_code == 1  # some rows failed: not a completed sync
    sandbox_mock.faults.fail_writes_for_clients = set()
    assert invoke(config).exit_code == 0  # so the same invoice is still due
    assert "Not due" in invoke(config).stdout
    assert [r["exit_code"] for r in runs(tmp_path)] == [0, 1, 0]


def test_no_invoice_yet_is_not_due_and_force_syncs(sandbox_mock, tmp_path, monkeypatch):
    monkeypatch.setattr(type(sandbox_mock.state), "huntress_invoices", lambda self: [])
    config = make_config(tmp_path)
    result = invoke(config)
    assert result.exit_code == 0 and "Huntress has no invoice yet" in result.stdout
    assert invoke(config, "--force").exit_code == 0
    assert "huntress_invoice" not in runs(tmp_path)[-1]


def test_history_shows_the_invoice_each_run_followed(sandbox_mock, tmp_path):
    config = make_config(tmp_path)
    invoke(config)
    shown = runner.invoke(app, ["history", "--config", str(config)])
    assert shown.exit_code == 0 and "7002 (2026-11-01)" in shown.stdout


def test_the_invoice_check_failing_is_exit_5_with_nothing_written(sandbox_mock, tmp_path):
    config = make_config(tmp_path)
    sandbox_mock.faults.huntress_500 = 10
    result = invoke(config)
    assert result.exit_code == 5
    assert sandbox_mock.count("halo") == 0


# -- [huntress] counts = "invoiced" ----------------------------------------------------------------------------


def test_invoiced_counts_come_from_the_newest_reseller_invoices_line_items(sandbox_mock, tmp_path):
    config = make_config(tmp_path, frequency="monthly", counts="invoiced")
    result = invoke(config, "--force", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["run"]["huntress_invoice"]["id"] == 8002
    rows = {(r["halo_client_id"], r["product"]): r for r in payload["rows"]}
    assert rows[(12, "edr")]["count"] == 42 + 6  # Acme Dental and its annex, summed
    assert rows[(21, "itdr")]["count"] == 410
    assert all(r["huntress_invoice_id"] == 8002 for r in payload["rows"])
    assert all((r["period_start"], r["period_end"]) == ("2026-10-01T00:00:00Z", "2026-10-31T23:59:59Z")
               for r in payload["rows"])
    paths = [r.path for r in huntress_requests(sandbox_mock)]
    assert paths == ["/v1/reseller/invoices", LINE_ITEMS.format(8002)]  # no organization list, no per-org reads
    assert [u["huntress_organization_id"] for u in payload["unmapped"]] == [103]


def test_invoice_frequency_with_invoiced_counts_costs_one_request_per_500_line_items_plus_one(sandbox_mock, tmp_path):
    config = make_config(tmp_path, counts="invoiced")
    assert invoke(config).exit_code == 0
    record = runs(tmp_path)[-1]
    items = len(sandbox_mock.state.organizations)
    assert record["requests"]["huntress"] == math.ceil(items / 500) + 1
    before = len(sandbox_mock.requests)
    assert "Not due" in invoke(config).stdout
    assert [r.path for r in sandbox_mock.requests[before:]] == ["/v1/reseller/invoices"]


def test_a_mapped_organization_without_a_line_item_bills_zero_and_the_guard_judges_it(sandbox_mock, tmp_path):
    config = make_config(tmp_path, frequency="monthly", counts="invoiced",
                         guard={"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5})
    assert invoke(config, "--force").exit_code == 0
    for product in ("edr", "itdr", "sat", "siem"):
        sandbox_mock.state.set_count(112, product, 0)  # Kestrel uses nothing: no line item on the invoice
    sandbox_mock.state.set_count(111, "edr", 0)  # and Juniper's EDR drops to 0 (its ITDR keeps its line item)
    sandbox_mock.state.reseller_invoice_id += 1
    result = invoke(config, "--force", "--json")
    assert result.exit_code == 6
    rows = {(r["halo_client_id"], r["product"]): r for r in json.loads(result.stdout)["rows"]}
    assert (rows[(22, "edr")]["count"], rows[(22, "edr")]["status"]) == (0, "held")  # 9 → 0: held
    assert (rows[(21, "edr")]["count"], rows[(21, "edr")]["status"]) == (0, "held")  # 340 → 0: held
    assert (rows[(22, "sat")]["count"], rows[(22, "sat")]["status"]) == (0, "held")  # 9 → 0, ≥ 5 units


@pytest.mark.parametrize("fault", ["empty", "missing"])
def test_a_new_invoice_without_line_items_fails_the_run_and_is_retried(sandbox_mock, tmp_path, monkeypatch, fault):
    config = make_config(tmp_path, counts="invoiced")
    assert invoke(config).exit_code == 0
    licences = {l["id"]: l["count"] for l in sandbox_mock.live_licences()}
    sandbox_mock.state.reseller_invoice_id += 1
    if fault == "empty":
        sandbox_mock.faults.line_items_missing = True
    else:
        from halosync.sandbox import reseller
        monkeypatch.setattr(reseller, "organization_line_items", lambda state, invoice_id, missing=False: None)
    result = invoke(config)
    assert result.exit_code == 5
    assert "8003" in result.output and "nothing was written" in result.output
    assert {l["id"]: l["count"] for l in sandbox_mock.live_licences()} == licences  # never a sync to zero
    assert runs(tmp_path)[-1]["exit_code"] == 5 and runs(tmp_path)[-1]["huntress_invoice"]["id"] == 8003
    sandbox_mock.faults.line_items_missing = False
    monkeypatch.undo()
    assert invoke(config).exit_code == 0  # the next hour retries the same invoice
    assert runs(tmp_path)[-1]["huntress_invoice"]["id"] == 8003


def test_the_edr_split_with_invoiced_counts_is_a_config_error(sandbox_mock, tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["huntress"]["counts"] = "invoiced"
    data["products"] = {"edr_servers": 1006, "edr_workstations": 1007}
    config = write_config(tmp_path / "config.toml", data)
    result = invoke(config, "--force")
    assert result.exit_code == 2
    assert "edr_servers" in result.output and "invoiced" in result.output and "Traceback" not in result.output
    assert sandbox_mock.requests == []


def test_line_items_over_several_pages_are_all_read(sandbox_mock, tmp_path):
    from halosync.sandbox.state import State
    state = State.generated(1200)
    sandbox_mock.state = state
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"), state=state)
    data["huntress"]["counts"] = "invoiced"
    data["sync"] = {"frequency": "invoice"}
    config = write_config(tmp_path / "config.toml", data)
    result = invoke(config, "--dry-run", "--json")
    assert result.exit_code == 0, result.output[-2000:]
    pages = [r for r in huntress_requests(sandbox_mock) if r.path.endswith("line_items")]
    assert len(pages) == 3 and all(r.query["limit"] == ["500"] for r in pages)
    assert json.loads(result.stdout)["run"]["requests"]["huntress"] == 4


# -- reading line items ---------------------------------------------------------------------------------------


def item(item_id, org_id, **usage):
    return {"id": item_id, "organization": {"id": org_id, "name": f"Org {org_id}"}, "account": {"id": 1, "name": "A"},
            "period_start": "2026-10-01T00:00:00Z", "period_end": "2026-10-31T23:59:59Z", "actual_usage": usage}


def test_line_items_are_counted_once_by_id_and_an_organization_on_two_is_refused_never_summed():
    found, seen = LineItems(invoice_id=1), set[int]()
    assert add_line_items(found, [item(1, 5, edr=10), item(3, 6, sat=4)], seen) == 2
    assert add_line_items(found, [item(1, 5, edr=10)], seen) == 0  # a repeated page adds nothing
    assert found.units[5]["edr"] == 10 and found.units[6]["sat"] == 4 and found.items == 2 and not found.bad
    # A second line item (another id) for organization 5: adding it up could bill twice, picking one is a guess.
    assert add_line_items(found, [item(2, 5, edr=3, sat=2)], seen) == 1
    assert all((5, product) in found.bad for product in ("edr", "sat")) and "more than one line item" in found.bad[(5, "edr")]
    assert (6, "sat") not in found.bad  # the other organizations are billed


def test_a_missing_or_null_usage_is_no_count_never_0():
    found = LineItems(invoice_id=1)
    missing = item(1, 5)
    del missing["actual_usage"]
    add_line_items(found, [missing, item(2, 6, edr=None, sat=3), item(3, 7)], set())
    assert (5, "edr") in found.bad and "gives no actual_usage" in found.bad[(5, "edr")]
    assert (6, "edr") in found.bad and "Huntress gave no count" in found.bad[(6, "edr")]
    assert found.units[6]["sat"] == 3 and (6, "sat") not in found.bad  # the counts it does give are read
    assert found.units[7]["edr"] == 0 and (7, "edr") not in found.bad  # `{}`: used nothing, a real 0


@pytest.mark.parametrize("value", ["12", 12.5, -1, True, 10**9])
def test_a_bad_unit_value_is_refused_for_that_organization_and_product(value):
    found = LineItems(invoice_id=1)
    add_line_items(found, [item(1, 5, edr=value, sat=4)], set())
    assert (5, "edr") in found.bad and (5, "sat") not in found.bad and found.units[5]["sat"] == 4


def test_a_line_item_without_an_organization_is_an_error():
    with pytest.raises(ValueError, match="no organization id"):
        add_line_items(LineItems(invoice_id=1), [{"id": 9, "actual_usage": {"edr": 3}}], set())


def test_an_invoice_without_an_id_cannot_be_followed():
    with pytest.raises(ValueError):
        parse_invoice({"id": "7002"})
    assert parse_invoice({"id": 7, "quantity": "x"}).quantity is None


# -- the due rule -----------------------------------------------------------------------------------------------


def test_only_a_newer_invoice_is_due():
    from halosync.core.invoice import HuntressInvoice, is_invoice_due

    followed = {"id": 7002, "created_at": "2026-11-01T00:05:00Z"}
    assert is_invoice_due(HuntressInvoice(7003, "2026-12-01T00:05:00Z", 5, "p"), followed)
    assert not is_invoice_due(HuntressInvoice(7002, "2026-11-01T00:05:00Z", 5, "p"), followed)
    assert not is_invoice_due(HuntressInvoice(7001, "2026-10-01T00:05:00Z", 5, "p"), followed)  # 7002 voided: not again
    assert is_invoice_due(HuntressInvoice(7003, "", None, ""), followed)  # no date: the higher id is newer
    assert not is_invoice_due(HuntressInvoice(7000, "", None, ""), followed)
    assert is_invoice_due(HuntressInvoice(1, "", None, ""), None)  # nothing followed yet
    assert not is_invoice_due(None, followed)
