"""`halosync check-permissions`: each failure mode explained, the right exit code, and never a write."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from halosync.cli import app
from tests.support import HALO, HUNTRESS, basic_config, write_config

runner = CliRunner()


def check(config, *args):
    result = runner.invoke(app, ["check-permissions", "--config", str(config), "--json", *args])
    payload = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result, payload


def by_name(payload, name):
    [found] = [c for c in payload["checks"] if c["name"] == name]
    return found


def assert_no_writes(sandbox):
    assert sandbox.count("halo", "POST", "/api/SoftwareLicence") == 0
    assert len(sandbox.state.licences) == 3


def test_everything_passes_against_the_sandbox_and_nothing_is_written(sandbox_mock, sandbox_config_file):
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 0, result.output
    statuses = {c["name"]: c["status"] for c in payload["checks"]}
    assert statuses["Huntress credentials"] == "pass" and "Sandbox MSP" in by_name(payload, "Huntress credentials")["detail"]
    assert statuses["HaloPSA agent"] == "pass" and "API - halosync" in by_name(payload, "HaloPSA agent")["detail"]
    assert statuses["Edit software licences"] == "warn"
    assert "Read and Modify" in by_name(payload, "Edit software licences")["fix"]
    assert statuses["Unmapped organizations"] == "warn" and "Bob's Bakery" in by_name(payload, "Unmapped organizations")["detail"]
    assert [c["status"] for c in payload["checks"] if c["name"].startswith("Item ")] == ["pass"] * 4
    assert payload["exit_code"] == 0
    assert_no_writes(sandbox_mock)


def test_the_table_names_the_fix(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.halo_denied_scopes = {"read:softwarelicensing"}
    result = runner.invoke(app, ["check-permissions", "--config", str(sandbox_config_file)])
    assert result.exit_code == 3
    text = " ".join(result.stdout.split())
    assert "FAIL" in text and "Software Licensing Access Level" in result.stdout and "1 failed" in text


def test_wrong_huntress_key(sandbox_mock, sandbox_config_file, monkeypatch):
    monkeypatch.setenv("HALOSYNC_HUNTRESS_API_SECRET", "nope-wrong")
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 3
    failed = by_name(payload, "Huntress credentials")
    assert failed["status"] == "fail" and "API Credentials" in failed["fix"] and "nope-wrong" not in result.output


def test_huntress_credential_without_permission(mock, config_file):
    mock.get(f"{HUNTRESS}/v1/account").mock(return_value=httpx.Response(403, json={"errors": ["Forbidden"]}))
    mock.post(f"{HALO}/auth/token").mock(return_value=httpx.Response(401, json={"error": "invalid_client"}))
    result, payload = check(config_file)
    assert result.exit_code == 3
    assert "lack permission" in by_name(payload, "Huntress credentials")["fix"]


def test_wrong_halo_client_secret(sandbox_mock, sandbox_config_file, monkeypatch):
    monkeypatch.setenv("HALOSYNC_HALO_CLIENT_SECRET", "wrong-halo-secret")
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 3
    token = by_name(payload, "HaloPSA token")
    assert token["status"] == "fail" and "[halo] client_id and HALOSYNC_HALO_CLIENT_SECRET" in token["fix"]
    assert "wrong-halo-secret" not in result.output
    assert by_name(payload, "Huntress credentials")["status"] == "pass"  # each side checked on its own


def test_wrong_tenant(sandbox_mock, sandbox_config_file):
    text = sandbox_config_file.read_text().replace('tenant = "sandbox"', 'tenant = "sandbx"')
    sandbox_config_file.write_text(text)
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 5
    assert "tenant" in by_name(payload, "HaloPSA token")["fix"]


def test_application_not_allowed_a_scope(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.application_scopes = {"read:softwarelicensing", "read:items"}
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 3
    token = by_name(payload, "HaloPSA token")
    assert "invalid_scope" in token["detail"] and "Applications" in token["fix"]


def test_token_granted_without_a_needed_scope(sandbox_mock, tmp_path):
    from halosync.sandbox.config import sandbox_config

    data = sandbox_config("https://sandbox.test", str(tmp_path / "r.jsonl"))
    data["halo"]["scope"] = "read:softwarelicensing read:items"
    result, payload = check(write_config(tmp_path / "c.toml", data))
    assert result.exit_code == 3
    scopes = by_name(payload, "HaloPSA scopes")
    assert scopes["status"] == "fail" and "edit:softwarelicensing" in scopes["detail"]


@pytest.mark.parametrize(("denied", "name", "level"), [
    ("read:softwarelicensing", "Read software licences", "Software Licensing Access Level"),
    ("read:items", "Item 1001 (Managed EDR)", "Products Access Level"),
])
def test_agent_without_a_permission(sandbox_mock, sandbox_config_file, denied, name, level):
    sandbox_mock.faults.halo_denied_scopes = {denied}
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 3
    found = by_name(payload, name)
    assert found["status"] == "fail" and level in found["fix"]


def test_missing_and_inactive_items_and_missing_organizations(sandbox_mock, tmp_path):
    from halosync.sandbox.config import sandbox_config

    sandbox_mock.state.items[1003]["inactive"] = True
    data = sandbox_config("https://sandbox.test", str(tmp_path / "r.jsonl"))
    data["products"]["siem"] = 1009
    data["organizations"].append({"huntress_id": 999, "halo_client_id": 40})
    result, payload = check(write_config(tmp_path / "c.toml", data))
    assert result.exit_code == 1
    assert "inactive" in by_name(payload, "Item 1003 (Managed SAT)")["detail"]
    assert "no item 1009" in by_name(payload, "Item 1009 (Managed SIEM)")["detail"]
    assert "999" in by_name(payload, "Mapped organizations")["detail"]


def test_two_products_on_one_item_warn(sandbox_mock, tmp_path):
    from halosync.sandbox.config import sandbox_config

    data = sandbox_config("https://sandbox.test", str(tmp_path / "r.jsonl"))
    data["products"]["sat"] = 1001
    result, payload = check(write_config(tmp_path / "c.toml", data))
    assert result.exit_code == 0
    assert by_name(payload, "Products sharing an item")["status"] == "warn"


def test_unreachable_huntress_exits_5(mock, config_file):
    mock.get(f"{HUNTRESS}/v1/account").mock(side_effect=httpx.ConnectError("refused"))
    mock.post(f"{HALO}/auth/token").mock(return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 3600, "scope": "all"}))
    mock.get(f"{HALO}/api/Agent/me").mock(return_value=httpx.Response(200, json={"name": "API"}))
    mock.get(f"{HALO}/api/SoftwareLicence").mock(return_value=httpx.Response(200, json={"record_count": 0, "licences": []}))
    mock.get(url__regex=rf"{HALO}/api/Item/\d+").mock(return_value=httpx.Response(200, json={"id": 1, "name": "x", "inactive": False}))
    mock.get(f"{HALO}/api/Client").mock(return_value=httpx.Response(200, json={"record_count": 2, "clients": [
        {"id": 12, "name": "Acme", "inactive": False}, {"id": 14, "name": "Cedar", "inactive": False}]}))
    result, payload = check(config_file)
    assert result.exit_code == 5
    assert by_name(payload, "Huntress credentials")["cause"] == "unreachable"
    assert not any(c.request.method == "POST" and "SoftwareLicence" in c.request.url.path for c in mock.calls)


def test_config_error_exits_2(tmp_path, mock):
    data = basic_config()
    del data["huntress"]["api_key"]
    result = runner.invoke(app, ["check-permissions", "--config", str(write_config(tmp_path / "c.toml", data))])
    assert result.exit_code == 2 and "HALOSYNC_HUNTRESS_API_KEY" in result.output
    assert mock.calls.call_count == 0


def test_agent_listing_is_checked_only_when_the_edr_split_is_mapped(sandbox_mock, tmp_path, sandbox_config_file):
    from halosync.sandbox.config import sandbox_config

    _, payload = check(sandbox_config_file)
    assert "List Huntress agents" not in {c["name"] for c in payload["checks"]}
    data = sandbox_config("https://sandbox.test", str(tmp_path / "r.jsonl"))
    data["products"] = {"edr_servers": 1006, "edr_workstations": 1007}
    result, payload = check(write_config(tmp_path / "split.toml", data))
    assert result.exit_code == 0 and by_name(payload, "List Huntress agents")["status"] == "pass"


def test_a_mapped_client_missing_or_inactive_in_halo_fails(sandbox_mock, sandbox_config_file):
    import tomllib

    data = tomllib.loads(sandbox_config_file.read_text())
    data["organizations"].append({"huntress_id": 103, "halo_client_id": 99})  # no such client
    write_config(sandbox_config_file, data)
    sandbox_mock.state.clients[21]["inactive"] = True  # Juniper School District
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 1
    assert by_name(payload, "Mapped HaloPSA clients")["detail"] == "not in HaloPSA: 99"
    inactive = by_name(payload, "Mapped HaloPSA clients (active)")
    assert inactive["status"] == "fail" and "21 'Juniper School District'" in inactive["detail"]
    table = runner.invoke(app, ["check-permissions", "--config", str(sandbox_config_file)])
    assert "ready to sync" not in table.stdout
    assert_no_writes(sandbox_mock)


def test_clients_pass_when_all_exist_and_warn_without_read_customers(sandbox_mock, sandbox_config_file):
    result, payload = check(sandbox_config_file)
    assert by_name(payload, "Mapped HaloPSA clients")["status"] == "pass" and result.exit_code == 0
    sandbox_mock.state.application_scopes = {"read:softwarelicensing", "edit:softwarelicensing", "read:items"}
    result, payload = check(sandbox_config_file)
    assert result.exit_code == 0  # the sync itself needs no read:customers
    warned = by_name(payload, "Mapped HaloPSA clients")
    assert warned["status"] == "warn" and "read:customers" in warned["fix"]


def test_audit_fix_needs_edit_invoices_and_says_so(sandbox_mock, sandbox_config_file):
    result, payload = check(sandbox_config_file, "--audit-fix")
    assert result.exit_code == 0 and by_name(payload, "Invoice scopes (audit --fix)")["status"] == "pass"
    sandbox_mock.state.application_scopes = {"read:softwarelicensing", "edit:softwarelicensing", "read:items",
                                             "read:customers", "read:invoices"}
    result, payload = check(sandbox_config_file, "--audit-fix")
    failed = by_name(payload, "Invoice scopes (audit --fix)")
    assert result.exit_code == 3 and failed["status"] == "fail" and "edit:invoices" in failed["fix"]
    assert_no_writes(sandbox_mock)
    plain, payload = check(sandbox_config_file)  # without --audit-fix the sync's own checks still pass
    assert plain.exit_code == 0 and not [c for c in payload["checks"] if c["name"].startswith("Invoice scopes")]
