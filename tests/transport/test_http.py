"""The HTTP layer: sliding-window rate limit, 429, retries, writes not retried, redaction, timeouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from halosync.errors import AuthError, ServiceError, UnreachableError
from halosync.transport.http import RetryPolicy, Service, SlidingWindowLimiter, parse_retry_after
from tests.support.recording_clock import BASE, FakeClock, service


def test_sliding_window_never_exceeds_the_limit():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(3, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(7):
        limiter.acquire()
        sent.append(clock.now)
    assert clock.slept  # it had to wait
    for t in sent:  # no 60-second window holds more than 3
        assert sum(1 for s in sent if t <= s < t + 60) <= 3
    assert sent[3] == pytest.approx(sent[0] + 61)  # a minute plus a second of margin for arrival times


def test_429_waits_for_retry_after_seconds(mock):
    clock = FakeClock()
    route = mock.get(f"{BASE}/account").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"ok": True})])
    with service(clock) as s:
        assert s.request("GET", "/account").json() == {"ok": True}
    assert route.call_count == 2 and clock.slept == [7.0]
    assert s.requests == 2


def test_429_with_http_date_and_without_header(mock):
    clock = FakeClock()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    mock.get(f"{BASE}/account").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": when}), httpx.Response(429), httpx.Response(429), httpx.Response(200, json={})])
    with service(clock, retry=RetryPolicy(base_delay=2, max_delay=5)) as s:
        s.request("GET", "/account")
    assert 25 <= clock.slept[0] <= 31
    assert clock.slept[1:] == [4.0, 5.0]  # 2 s doubling per attempt, capped at max_delay


def test_retry_after_parsing():
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_reads_are_retried_on_5xx_and_connection_errors_at_least_four_attempts(mock):
    clock = FakeClock()
    route = mock.get(f"{BASE}/organizations").mock(side_effect=[
        httpx.ConnectError("refused"), httpx.Response(502), httpx.Response(500), httpx.Response(200, json={"organizations": []})])
    with service(clock) as s:
        s.request("GET", "/organizations")
    assert route.call_count == 4 and len(clock.slept) == 3


def test_reads_that_keep_failing_are_unreachable(mock):
    mock.get(f"{BASE}/organizations").mock(return_value=httpx.Response(503, text="Service Unavailable"))
    with service() as s, pytest.raises(UnreachableError) as caught:
        s.request("GET", "/organizations")
    assert caught.value.exit_code == 5 and "503" in str(caught.value)


def test_writes_are_not_retried_on_5xx(mock):
    route = mock.post("https://acme.halopsa.com/api/SoftwareLicence").mock(return_value=httpx.Response(500, text="Internal Server Error"))
    with Service("HaloPSA", "https://acme.halopsa.com/api", per_minute=100) as s, pytest.raises(ServiceError) as caught:
        s.request("POST", "/SoftwareLicence", json=[], retry_errors=False)
    assert route.call_count == 1
    assert caught.value.ambiguous and caught.value.status == 500
    assert "no further detail" in str(caught.value)


def test_401_and_403_are_auth_errors_with_the_vendors_words(mock):
    mock.get(f"{BASE}/account").mock(return_value=httpx.Response(401, json={"errors": ["Invalid API credentials"]}))
    with service() as s, pytest.raises(AuthError) as caught:
        s.request("GET", "/account")
    assert caught.value.exit_code == 3 and "Invalid API credentials" in str(caught.value)


def test_secrets_are_redacted_from_messages(mock):
    mock.get(f"{BASE}/account").mock(return_value=httpx.Response(400, json={"message": "bad key s3cr3t-key"}))
    with service() as s, pytest.raises(ServiceError) as caught:
        s.request("GET", "/account")
    assert "s3cr3t-key" not in str(caught.value) and "***" in str(caught.value)


def test_every_request_has_a_timeout_and_user_agent(mock):
    route = mock.get(f"{BASE}/account").mock(return_value=httpx.Response(200, json={}))
    with service() as s:
        s.request("GET", "/account")
    request = route.calls.last.request
    assert request.headers["user-agent"].startswith("halosync/")
    assert all(v is not None for v in request.extensions["timeout"].values())


def test_a_wait_over_five_seconds_is_announced_once_with_its_reason(mock):
    clock = FakeClock()
    mock.get(f"{BASE}/organizations").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "300"}), httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, json={})])
    notices: list[str] = []
    with service(clock, notice=notices.append) as s:
        s.request("GET", "/organizations")
    assert clock.slept == [300.0, 2.0]
    assert len(notices) == 1  # the 2-second wait is not worth a line
    assert notices[0].startswith("halosync: waiting 300 s") and "429" in notices[0] and "/v1/organizations" in notices[0]


def test_backoff_after_server_errors_is_announced_when_long(mock):
    clock = FakeClock()
    mock.get(f"{BASE}/organizations").mock(side_effect=[httpx.Response(503)] * 3 + [httpx.Response(200, json={})])
    notices: list[str] = []
    with service(clock, notice=notices.append, retry=RetryPolicy(base_delay=4, max_delay=30)) as s:
        s.request("GET", "/organizations")
    assert clock.slept == [4.0, 8.0, 16.0]
    assert [n.split(":")[1].strip() for n in notices] == ["waiting 8 s before trying again", "waiting 16 s before trying again"]


def test_pacing_by_the_rate_limiter_is_announced_once():
    clock = FakeClock()
    notices: list[str] = []
    s = Service("Huntress", BASE, per_minute=2, clock=clock, sleep=clock.sleep, notice=notices.append,
                transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})))
    for _ in range(7):
        s.request("GET", "/organizations")
    assert len(clock.slept) >= 3 and len(notices) == 1 and "2 per minute" in notices[0]


def test_a_vendors_error_list_reads_as_words(mock):
    mock.get(f"{BASE}/account").mock(return_value=httpx.Response(401, json={"errors": ["Invalid API credentials", "x"]}))
    with service() as s, pytest.raises(AuthError) as raised:
        s.request("GET", "/account")
    assert "Invalid API credentials; x" in str(raised.value) and "[" not in str(raised.value)


def test_every_client_of_a_process_shares_one_tls_context(monkeypatch):
    """Loading the trust roots costs about 20 ms; a run builds three clients and paid it three times."""
    from halosync.transport import http

    built: list[object] = []
    real = httpx.create_ssl_context

    def counting() -> object:
        built.append(real())
        return built[-1]

    http._tls_context.cache_clear()
    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    try:
        services = [Service(name, f"https://{name}.example/api", per_minute=60) for name in ("a", "b", "c")]
        pools = [s._client._transport._pool for s in services]  # type: ignore[attr-defined]
        assert len(built) == 1
        assert all(pool._ssl_context is built[0] for pool in pools)
        for s in services:
            s.close()
    finally:
        http._tls_context.cache_clear()
