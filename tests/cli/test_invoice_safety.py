"""Invoiced counts never bill from line items that carry no usage: such an invoice is a failed run (exit 5), is
not followed, and is retried the next hour; in-process against the sandbox, and the rule on plain values."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.core.invoice import HuntressInvoice, LineItems, unusable_reason
from halosync.huntress.invoices import add_line_items
from halosync.sandbox import reseller
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, add_northwind, read_log, write_config

runner = CliRunner()

NO_USAGE = {
    "empty object": lambda item: {**item, "actual_usage": {}},
    "null": lambda item: {**item, "actual_usage": None},
    "empty JSON string": lambda item: {**item, "actual_usage": "{}"},
    "all zeros": lambda item: {**item, "actual_usage": dict.fromkeys(item["actual_usage"], 0)},
    "all zeros as a JSON string": lambda item: {**item, "actual_usage": '{"edr": 0, "sat": 0}'},
}


def make_config(tmp_path, **extra):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["sync"] = {"frequency": "invoice"}
    data["huntress"]["counts"] = "invoiced"
    data.update(extra)
    return write_config(tmp_path / "config.toml", data)


@pytest.mark.parametrize("guard", [False, True])
@pytest.mark.parametrize("variant", sorted(NO_USAGE))
def test_line_items_without_usage_fail_the_run_write_nothing_and_are_retried(sandbox_mock, tmp_path, monkeypatch,
                                                                               variant, guard):
    extra = {"guard": {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}} if guard else {}
    config = make_config(tmp_path, **extra)
    assert runner.invoke(app, ["run", "--json", "--config", str(config)]).exit_code == 0
    licences = {lic["id"]: lic["count"] for lic in sandbox_mock.live_licences()}
    sandbox_mock.state.reseller_invoice_id += 1
    original = reseller.organization_line_items

    def no_usage(state, invoice_id, missing=False):
        items = original(state, invoice_id, missing)
        return None if items is None else [NO_USAGE[variant](i) for i in items]

    monkeypatch.setattr(reseller, "organization_line_items", no_usage)
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 5, result.output
    assert "8003" in result.output and "carry no usage" in result.output and "nothing was written" in result.output
    assert {lic["id"]: lic["count"] for lic in sandbox_mock.live_licences()} == licences  # never a sync to zero
    runs = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "run"]
    assert runs[-1]["exit_code"] == 5
    monkeypatch.undo()
    assert runner.invoke(app, ["run", "--json", "--config", str(config)]).exit_code == 0  # not followed: retried next hour
    runs = [r for r in read_log(tmp_path / "results.jsonl") if r["type"] == "run"]
    assert runs[-1]["exit_code"] == 0 and runs[-1]["huntress_invoice"]["id"] == 8003


def item(item_id, org_id, usage):
    return {"id": item_id, "organization": {"id": org_id, "name": f"Org {org_id}"}, "actual_usage": usage}


INVOICE = HuntressInvoice(id=7, created_at="2026-12-01T00:05:00Z", quantity=120, plan="Huntress Reseller")


def test_the_rule_on_plain_values():
    empty = unusable_reason(INVOICE, LineItems(invoice_id=7))
    assert empty is not None and "no organization usage line items" in empty
    found = LineItems(invoice_id=7)
    add_line_items(found, [item(1, 5, {}), item(2, 6, None), item(3, 7, "{}"), item(4, 8, {"edr": 0})], set())
    reason = unusable_reason(INVOICE, found)
    assert reason is not None
    assert "carry no usage" in reason and "4 organization usage line items" in reason and "120 units" in reason
    add_line_items(found, [item(5, 9, '{"sat": 3}')], set())  # a JSON-encoded string is read like an object
    assert found.units[9]["sat"] == 3 and unusable_reason(INVOICE, found) is None


def test_a_bad_unit_value_does_not_count_as_usage():
    found = LineItems(invoice_id=7)
    add_line_items(found, [item(1, 5, {"edr": "lots"}), item(2, 6, {"edr": 0})], set())
    assert unusable_reason(INVOICE, found) is not None


def test_actual_usage_that_is_not_json_is_refused_for_that_organization():
    found = LineItems(invoice_id=7)
    add_line_items(found, [item(1, 5, "{not json"), item(2, 6, {"edr": 4})], set())
    assert (5, "edr") in found.bad and (5, "sat") in found.bad and found.units[6]["edr"] == 4


# -- [[accounts]] with invoiced counts -------------------------------------------------------------------------


@pytest.fixture
def northwind(sandbox_mock):
    return add_northwind(sandbox_mock)


def test_an_account_the_credentials_do_not_see_is_a_configuration_error_with_invoiced_counts(northwind, tmp_path):
    config = make_config(tmp_path, accounts=[{"huntress_account_id": 9, "halo_client_id": 40}])
    result = runner.invoke(app, ["run", "--config", str(config), "--force"])
    assert result.exit_code == 2, result.output
    assert "huntress_account_id 9" in result.output and "nothing was written" in result.output
    assert northwind.count("halo", "POST", "/api/SoftwareLicence") == 0
    assert not [lic for lic in northwind.live_licences() if lic["client_id"] == 40]  # never billed 0


def test_an_account_on_the_line_items_costs_no_extra_request(northwind, tmp_path):
    config = make_config(tmp_path, accounts=[{"huntress_account_id": 2, "halo_client_id": 40}])
    result = runner.invoke(app, ["run", "--config", str(config), "--force"])
    assert result.exit_code == 0, result.output
    assert not any(r.path.startswith("/v1/accounts") for r in northwind.requests)
    assert {lic["count"] for lic in northwind.live_licences() if lic["client_id"] == 40 and lic["item_id"] == 1001} \
        == {12}


def test_a_visible_account_without_usage_on_the_invoice_bills_zero(northwind, tmp_path):
    for org_id in (201, 202):
        for product in ("edr", "sat"):
            northwind.state.set_count(org_id, product, 0)
    config = make_config(tmp_path, accounts=[{"huntress_account_id": 2, "halo_client_id": 40}])
    result = runner.invoke(app, ["run", "--config", str(config), "--force"])
    assert result.exit_code == 0, result.output
    assert any(r.path == "/v1/accounts" for r in northwind.requests)  # asked once, since no line item names it


# -- line items far below the invoice's header --------------------------------------------------------------------


def keep_only_the_smallest(monkeypatch):
    """The organization line items as if only the two smallest EDR users were listed yet."""
    original = reseller.organization_line_items

    def short(state, invoice_id, missing=False):
        items = original(state, invoice_id, missing)
        return None if items is None else sorted(items, key=lambda i: i["actual_usage"]["edr"])[:2]

    monkeypatch.setattr(reseller, "organization_line_items", short)


def test_line_items_far_below_the_header_and_the_account_line_items_fail_the_run(sandbox_mock, tmp_path, monkeypatch):
    config = make_config(tmp_path)
    assert runner.invoke(app, ["run", "--json", "--config", str(config)]).exit_code == 0
    licences = {lic["id"]: lic["count"] for lic in sandbox_mock.live_licences()}
    sandbox_mock.state.reseller_invoice_id += 1
    keep_only_the_smallest(monkeypatch)
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 5, result.output
    assert "under half" in result.output and "looks incomplete" in result.output
    assert {lic["id"]: lic["count"] for lic in sandbox_mock.live_licences()} == licences
    monkeypatch.undo()
    assert runner.invoke(app, ["run", "--json", "--config", str(config)]).exit_code == 0  # retried, then billed


def test_a_subscription_minimum_that_explains_the_gap_is_billed(sandbox_mock, tmp_path, monkeypatch):
    config = make_config(tmp_path)
    original = reseller.reseller_invoices
    # The invoice bills a minimum of 5,000 agents: far above what the organizations use, all of it listed.
    monkeypatch.setattr(reseller, "reseller_invoices",
                        lambda state: [{**i, "quantity": 5000} for i in original(state)])
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    asked = [r.path for r in sandbox_mock.requests if r.path.endswith("account_usage_line_items")]
    assert len(asked) == 1  # the one more request that tells a minimum from a short list


def test_line_items_near_the_header_cost_no_extra_request(sandbox_mock, tmp_path):
    assert runner.invoke(app, ["run", "--json", "--config", str(make_config(tmp_path))]).exit_code == 0
    assert not [r for r in sandbox_mock.requests if r.path.endswith("account_usage_line_items")]
