"""Notifications at the edges: a trickling receiver, a secret repeated in a body, a query in the ping URL, a 3xx."""

from __future__ import annotations

import time

import httpx
import respx

from halosync.config.schema import NotifyConfig
from halosync.run.notify import Notifier, ping_url
from tests.support.notify import EdgeReceiver
from tests.support.notify import run_record as record


def test_a_trickling_receiver_cannot_hold_the_run_past_the_timeout():
    warnings: list[str] = []
    with EdgeReceiver() as host:
        url = f"http://{host}/trickle/ping/s3cret-key"
        # A byte every 0.1 s: each read is well within the timeout, so only a deadline on the wall clock stops it.
        notifier = Notifier(NotifyConfig(healthcheck_url=url, webhook_url=url, timeout=0.4), warnings.append)
        started = time.monotonic()
        notifier.start()
        notifier.finish(record())
        elapsed = time.monotonic() - started
    assert elapsed < 3  # three notifications of 0.4 s each, not 100 s of trickle
    assert len(warnings) == 3 and all("no complete answer within 0.4 s" in w for w in warnings), warnings
    assert all("127.0.0.1" in w and "s3cret-key" not in w for w in warnings)


def routes(answer: httpx.Response):
    router = respx.mock(assert_all_mocked=True, assert_all_called=False)
    router.route(host="hc.example.com").mock(return_value=answer)
    router.route(host="hooks.example.com").mock(return_value=answer)
    return router


def test_a_warning_names_host_and_status_never_the_body():
    ping, hook = "https://hc.example.com/ping/K3Y-part/slug?create=1", "https://hooks.example.com/in/HOOKTOKEN"
    warnings: list[str] = []
    body = "no such check: /ping/K3Y-part/slug and K3Y-part, HOOKTOKEN; contact admin@example.com"
    with routes(httpx.Response(404, text=body)):
        Notifier(NotifyConfig(healthcheck_url=ping, webhook_url=hook), warnings.append).finish(record())
    assert len(warnings) == 2
    assert "hc.example.com" in warnings[0] and "404" in warnings[0]
    assert "hooks.example.com" in warnings[1] and "404" in warnings[1]
    for w in warnings:
        assert "K3Y" not in w and "HOOKTOKEN" not in w and "admin@" not in w and "no such check" not in w


def test_start_and_fail_go_into_the_path_keeping_the_query():
    assert ping_url("https://hc.example.com/ping/KEY/slug?create=1", "/fail") == \
        "https://hc.example.com/ping/KEY/slug/fail?create=1"
    sent: list[str] = []
    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="hc.example.com").mock(
            side_effect=lambda request: sent.append(str(request.url)) or httpx.Response(200))  # type: ignore[func-returns-value]
        notifier = Notifier(NotifyConfig(healthcheck_url="https://hc.example.com/ping/KEY/slug?create=1"),
                            lambda _: None)
        notifier.start()
        notifier.finish(record(exit_code=6))
    assert sent == ["https://hc.example.com/ping/KEY/slug/start?create=1",
                    "https://hc.example.com/ping/KEY/slug/fail?create=1"]


def test_a_redirect_is_not_a_delivery():
    warnings: list[str] = []
    with routes(httpx.Response(301, headers={"Location": "https://elsewhere.example.com/x"})):
        Notifier(NotifyConfig(healthcheck_url="https://hc.example.com/ping/KEY",
                              webhook_url="https://hooks.example.com/in/T"), warnings.append).finish(record())
    assert len(warnings) == 2 and all("301" in w and "redirect" in w for w in warnings), warnings
