"""Huntress 429s: the account's limit is shared with other tools, so a full window is waited out (90 s in all)."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.errors import UnreachableError
from halosync.huntress.client import RATE_LIMIT
from tests.support.recording_clock import BASE, FakeClock, service

runner = CliRunner()


def test_retry_after_one_while_the_window_stays_full_grows_into_a_backoff_for_90_seconds(mock):
    clock = FakeClock()
    route = mock.get(f"{BASE}/organizations").mock(return_value=httpx.Response(429, headers={"Retry-After": "1"}))
    notices: list[str] = []
    with service(clock, retry=RATE_LIMIT, notice=notices.append) as s, pytest.raises(UnreachableError) as failed:
        s.request("GET", "/organizations")
    assert clock.slept[:4] == [1.0, 2.0, 4.0, 8.0]  # "Retry-After: 1" is taken as "soon": a growing back-off
    assert sum(clock.slept) == 90  # waited out for up to 90 s in all, never more
    assert route.call_count == len(clock.slept) + 1
    assert any(n.startswith("halosync: waiting 8 s") for n in notices)  # waits over 5 s are announced
    assert not any("waiting 4 s" in n for n in notices)
    message = str(failed.value)
    assert failed.value.exit_code == 5 and "shared by every tool" in message and "Try again after" in message


def test_a_long_retry_after_is_obeyed_and_the_run_goes_on(mock):
    clock = FakeClock()
    mock.get(f"{BASE}/organizations").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "30"}), httpx.Response(429, headers={"Retry-After": "40"}),
        httpx.Response(200, json={"organizations": []})])
    with service(clock, retry=RATE_LIMIT, notice=lambda _: None) as s:
        s.request("GET", "/organizations")
    assert clock.slept == [30.0, 40.0]


def test_a_retry_after_beyond_the_budget_fails_at_once_saying_when_to_try_again(mock):
    clock = FakeClock()
    mock.get(f"{BASE}/organizations").mock(return_value=httpx.Response(429, headers={"Retry-After": "600"}))
    with service(clock, retry=RATE_LIMIT) as s, pytest.raises(UnreachableError) as failed:
        s.request("GET", "/organizations")
    assert clock.slept == [] and "Try again after" in str(failed.value)


def test_a_dry_run_against_a_full_huntress_window_exits_5_saying_the_limit_is_shared(sandbox_mock, sandbox_config_file,
                                                                                     sleeps):
    sandbox_mock.faults.huntress_429 = 1000
    result = runner.invoke(app, ["run", "--dry-run", "--config", str(sandbox_config_file)])
    assert result.exit_code == 5
    assert sum(sleeps) == 90 and len(sleeps) > 6  # more than the old eight tries of a second each
    assert "shared by every tool" in result.stderr and "Try again after" in result.stderr
