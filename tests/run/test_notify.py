"""Monitoring: Healthchecks-style pings and a webhook; a notification that fails only warns."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import httpx
from typer.testing import CliRunner

from halosync.cli import app
from tests.support import write_config
from tests.support.notify import Receiver, with_people

runner = CliRunner()
PING = "https://hc-ping.com/6f1e8c2a-1b2c-4d5e-9f00-abcdef123456"
HOOK = "https://hooks.example.com/halosync/T0KEN"


def with_notify(config_file, **notify):
    data = tomllib.loads(config_file.read_text())
    data["notify"] = notify
    return write_config(config_file, data)


def test_start_then_success_ping_and_webhook(sandbox_mock, sandbox_config_file):
    with respx_routes() as (start, success, fail, hook):
        result = runner.invoke(app, ["run", "--force", "--config", str(with_notify(sandbox_config_file, healthcheck_url=PING, webhook_url=HOOK))])
    assert result.exit_code == 0
    assert start.call_count == 1 and success.call_count == 1 and fail.call_count == 0
    assert b"31 created" in success.calls.last.request.content
    record = json.loads(hook.calls.last.request.content)
    assert record["type"] == "run" and record["exit_code"] == 0 and record["rows"]["create"] == 31


def test_failed_sync_pings_fail(sandbox_mock, sandbox_config_file):
    sandbox_mock.faults.fail_writes_for_clients = {15}
    with respx_routes() as (start, success, fail, hook):
        result = runner.invoke(app, ["run", "--force", "--config", str(with_notify(sandbox_config_file, healthcheck_url=PING))])
    assert result.exit_code == 1
    assert start.call_count == 1 and fail.call_count == 1 and success.call_count == 0
    assert b"exit 1" in fail.calls.last.request.content


def test_endpoint_down_is_a_warning_not_a_failed_sync(sandbox_mock, sandbox_config_file):
    with respx_routes(down=True):
        result = runner.invoke(app, ["run", "--force", "--config", str(with_notify(sandbox_config_file, healthcheck_url=PING, webhook_url=HOOK))])
    assert result.exit_code == 0
    assert "health check notification to hc-ping.com failed" in result.stderr
    assert "webhook notification to hooks.example.com failed" in result.stderr
    assert "6f1e8c2a" not in result.output and "T0KEN" not in result.output  # ping URLs are secrets


def test_no_notification_for_dry_runs_or_runs_not_due(sandbox_mock, sandbox_config_file):
    config = with_notify(sandbox_config_file, healthcheck_url=PING)
    with respx_routes() as (start, success, fail, hook):
        runner.invoke(app, ["run", "--json", "--dry-run", "--config", str(config)])
        runner.invoke(app, ["run", "--config", str(config)])  # syncs
        runner.invoke(app, ["run", "--config", str(config)])  # not due
    assert start.call_count == 1 and success.call_count == 1


class respx_routes:
    """Routes for the ping and the webhook, added to the sandbox's respx router."""

    def __init__(self, down: bool = False):
        self.down = down

    def __enter__(self):
        import respx

        self.router = respx.mock(assert_all_mocked=False, assert_all_called=False)
        self.router.__enter__()
        self.router.route(host="sandbox.test").pass_through()
        answer = httpx.ConnectError("refused") if self.down else httpx.Response(200, text="OK")
        kind = "side_effect" if self.down else "return_value"
        outcome: dict[str, Any] = {kind: answer}
        start = self.router.post(f"{PING}/start").mock(**outcome)
        fail = self.router.post(f"{PING}/fail").mock(**outcome)
        success = self.router.post(PING).mock(**outcome)
        hook = self.router.post(HOOK).mock(**outcome)
        return start, success, fail, hook

    def __exit__(self, *exc):
        self.router.__exit__(*exc)


def test_credentials_inside_notification_urls_never_show(sandbox_mock, sandbox_config_file):
    hook = "https://alice:hunter2-pass@hooks.example.com/services/T0KEN-PATH?sig=q-secret-sig&x=1"
    ping = "https://hc-ping.com/ping/p-secret-key?token=q-ping-token"
    config = with_notify(sandbox_config_file, healthcheck_url=ping, webhook_url=hook)
    import respx

    with respx.mock(assert_all_mocked=False, assert_all_called=False) as router:
        router.route(host="sandbox.test").pass_through()
        router.route(host="hooks.example.com").mock(return_value=httpx.Response(500, text=f"bad request to {hook}"))
        router.route(host="hc-ping.com").mock(side_effect=httpx.ConnectError(f"refused {ping}"))
        result = runner.invoke(app, ["run", "--force", "--config", str(config)])
    assert result.exit_code == 0
    assert "webhook notification to hooks.example.com failed" in result.stderr
    assert "health check notification to hc-ping.com failed" in result.stderr
    shown = result.output + (sandbox_config_file.parent / "results.jsonl").read_text()
    for secret in ("alice", "hunter2-pass", "T0KEN-PATH", "q-secret-sig", "p-secret-key", "q-ping-token"):
        assert secret not in shown, secret


def test_a_password_in_a_service_url_is_redacted(mock):
    from halosync.transport.http import Service

    service = Service("HaloPSA", "https://svc:p4ss-word@acme.halopsa.com/api", per_minute=60)
    mock.get("https://acme.halopsa.com/api/Item").mock(return_value=httpx.Response(400, text="no p4ss-word for svc"))
    try:
        service.request("GET", "/Item")
    except Exception as exc:
        assert "p4ss-word" not in str(exc) and "400" in str(exc)
    else:
        raise AssertionError("a 400 should raise")


def test_people_hear_of_held_and_failed_rows_and_not_of_a_clean_sync(sandbox_mock, sandbox_config_file):
    with Receiver() as receiver:
        config = with_people(sandbox_config_file, [receiver.url])
        assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
        assert receiver.received == []  # on = "problems": a clean sync says nothing
        sandbox_mock.state.set_count(104, "edr", 0)
        sandbox_mock.faults.fail_writes_for_clients = {16}
        sandbox_mock.state.set_count(106, "edr", 15)
        result = runner.invoke(app, ["run", "--force", "--config", str(config)])
    assert result.exit_code == 1
    [message] = receiver.received
    assert message["title"] == "halosync: 1 change held for approval, 1 row failed"
    body = message["message"]
    assert "Cedar Law Group (14) · Managed EDR · 57 → 0" in body and "held for approval" in body
    assert "Managed EDR · 14 → 15" in body and "halosync approve" in body


def test_on_always_reports_a_clean_sync_and_a_failing_url_only_warns(sandbox_mock, sandbox_config_file):
    with Receiver() as receiver:
        receiver.down = True
        secret_url = receiver.url.replace("json://", "json://user:hunter2-pw@")
        config = with_people(sandbox_config_file, [secret_url], on="always")
        result = runner.invoke(app, ["run", "--force", "--config", str(config)])
    assert result.exit_code == 0
    assert len(receiver.received) == 1 and receiver.received[0]["title"].startswith("halosync: sync done")
    assert "notification to json (entry 1 of [notify] urls) failed" in result.stderr
    assert "hunter2-pw" not in result.output


def test_an_apprise_url_must_look_like_one(tmp_path, sandbox_config_file):
    config = with_people(sandbox_config_file, ["teams.example.com/hook"])
    result = runner.invoke(app, ["run", "--force", "--config", str(config)])
    assert result.exit_code == 2 and "[notify] urls" in result.stderr


def test_a_run_that_held_changes_pings_fail(sandbox_mock, sandbox_config_file):
    data = tomllib.loads(sandbox_config_file.read_text())
    data["guard"] = {"max_decrease_percent": 20, "min_units": 5}
    config = write_config(sandbox_config_file, data)
    runner.invoke(app, ["run", "--json", "--force", "--config", str(config)])
    sandbox_mock.state.set_count(104, "edr", 0)
    with respx_routes() as (start, success, fail, hook):
        result = runner.invoke(app, ["run", "--force", "--config", str(with_notify(config, healthcheck_url=PING))])
    assert result.exit_code == 6
    assert fail.call_count == 1 and success.call_count == 0  # someone has to act
