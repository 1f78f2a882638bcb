"""check-permissions: a pair the run would fail is a failed mapping check, never "ready to sync"."""

from __future__ import annotations

from typer.testing import CliRunner

from halosync.cli import app

runner = CliRunner()


def test_two_licences_on_one_item_fail_the_check_and_the_verdict(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.add_licence(client_id=14, item_id=1001, name="EDR (second)", count=3)
    result = runner.invoke(app, ["check-permissions", "--config", str(sandbox_config_file)])
    assert result.exit_code == 1, result.output
    assert "ready to sync" not in result.output
    assert "1 failed" in result.output and "fix the failures above" in result.output


def test_a_pair_without_a_licence_does_not_promise_a_create(sandbox_mock, sandbox_config_file):
    result = runner.invoke(app, ["check-permissions", "--config", str(sandbox_config_file)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "none (created)" not in text
    assert "none (created when the count is above 0)" in text


def test_each_sandbox_session_has_its_own_results_log():
    from datetime import UTC, datetime

    from halosync.sandbox.config import session_log_name

    first = session_log_name(8765, datetime(2026, 11, 30, 5, 0, 0, tzinfo=UTC))
    assert first == "halosync-sandbox-8765-20261130T050000Z.jsonl"
    assert session_log_name(8765, datetime(2026, 11, 30, 5, 0, 1, tzinfo=UTC)) != first  # a later session
    assert session_log_name(8766, datetime(2026, 11, 30, 5, 0, 0, tzinfo=UTC)) != first  # another port


def test_the_builtin_sync_left_on_is_held_with_hold(sandbox_mock, sandbox_config_file):
    import json
    import tomllib

    from tests.support import write_config

    data = tomllib.loads(sandbox_config_file.read_text())
    data.setdefault("sync", {})["outside_changes"] = "hold"
    config = write_config(sandbox_config_file, data)
    assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
    sandbox_mock.faults.huntress_sync_on = True  # it writes its own (lagging) count before halosync's next token
    result = runner.invoke(app, ["run", "--force", "--json", "--config", str(config)])
    assert result.exit_code == 6, result.output
    [held] = [r for r in json.loads(result.stdout)["rows"] if r["status"] == "held"]
    assert held["outside_change"] and held["count"] != held["outside_change"]["now"]


def _holds(line: str) -> bool:
    """The printed equation, evaluated: `invoiced N = a + b − c …` (labels dropped)."""
    import re

    left, right = line.split(" = ", 1)
    right = right.split(";")[0].split(" ←")[0].replace("−", "-")
    invoiced = re.search(r"invoiced (\d+)", left)
    assert invoiced is not None
    total = int(invoiced.group(1))
    terms = re.findall(r"([+-]?)\s*[A-Za-z ]+?(\d+)", right)
    return total == sum(-int(n) if sign == "-" else int(n) for sign, n in terms)


def test_the_printed_reconciliation_adds_up():
    from halosync.core.reconcile import Reconciliation, reconcile
    from halosync.formats.reconcile import reconciliation_lines

    usage = {1: {"edr": 972}, 2: {"edr": 3}}
    for invoiced in (971, 975, 960):  # clean, 4 over, 11 under
        products = reconcile({"edr": invoiced}, usage, {1}, set(), {"edr": 4}, {}, ["edr"])
        text = " ".join(reconciliation_lines(Reconciliation({"id": 7002}, "organization list", products), 200))
        line = text[text.index("edr: invoiced"):]
        assert _holds(line), line


def test_each_reseller_invoice_bills_the_next_period(sandbox_mock):
    from halosync.sandbox import reseller

    state = sandbox_mock.state
    assert state.reseller_invoice_id is not None
    first = {(i["period_start"], i["period_end"]) for i in reseller.organization_line_items(state, 8002) or []}
    assert first == {("2026-10-01T00:00:00Z", "2026-10-31T23:59:59Z")}
    state.reseller_invoice_id += 1  # Huntress issues invoice 8003 a month later
    second = {(i["period_start"], i["period_end"]) for i in reseller.organization_line_items(state, 8003) or []}
    assert second == {("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")}
    accounts = {(i["period_start"], i["period_end"]) for i in reseller.account_line_items(state, 8003) or []}
    assert accounts == {("2026-11-01 00:00:00 UTC", "2026-11-30 23:59:59 UTC")}
    assert reseller.period(8013) == ("2027-09-01T00:00:00Z", "2027-09-30T23:59:59Z")  # across a year


def test_a_resellers_audit_names_both_invoices_and_says_which_bills_customers(sandbox_mock, tmp_path):
    from halosync.sandbox.config import sandbox_config
    from tests.support import SANDBOX_HOST, write_config

    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl"))
    data["huntress"]["counts"] = "invoiced"
    path = write_config(tmp_path / "config.toml", data)
    assert runner.invoke(app, ["run", "--json", "--config", str(path), "--force"]).exit_code == 0
    text = " ".join(runner.invoke(app, ["audit", "--config", str(path)]).stdout.split())
    assert "Huntress's latest direct invoice 7002 (to your own account" in text
    assert "not the reseller invoice 8002 your customers are billed from" in text
    assert "Huntress invoice 8002 of 2026-11-01 (the reseller invoice your customers are billed from)" in text


def test_a_direct_partners_audit_names_its_invoice(sandbox_mock, tmp_path):
    from halosync.sandbox.config import sandbox_config
    from tests.support import SANDBOX_HOST, write_config

    path = write_config(tmp_path / "config.toml", sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl")))
    text = " ".join(runner.invoke(app, ["audit", "--config", str(path)]).stdout.split())
    assert "Huntress's latest invoice 7002: 2026-11-01" in text and "reseller" not in text
    assert "unexplained 0" in text and "← check" not in text  # a clean sandbox: every unit explained


def test_a_client_without_an_invoice_is_told_to_create_one_by_name(sandbox_mock, tmp_path):
    import json

    from halosync.sandbox.config import sandbox_config
    from tests.support import SANDBOX_HOST, write_config

    path = write_config(tmp_path / "config.toml", sandbox_config(SANDBOX_HOST, str(tmp_path / "results.jsonl")))
    assert runner.invoke(app, ["run", "--json", "--config", str(path), "--force"]).exit_code == 0
    payload = json.loads(runner.invoke(app, ["audit", "--json", "--config", str(path)]).stdout)
    [finding] = [f for f in payload["findings"] if f["kind"] == "no_invoice"]
    assert "the client's invoice" not in finding["manual"] and "open" not in finding["manual"]
    assert "Recurring Invoices > New, for Evergreen Veterinary Clinic (16)" in finding["manual"]
    assert finding["message"].startswith("Evergreen Veterinary Clinic (16) has Huntress licences")
    for licence in finding["licence_ids"]:  # a line per licence, billing from it
        assert f"from licence {licence}" in finding["manual"]
