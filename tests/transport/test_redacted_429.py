"""A secret in a URL's path stays out of the message when the receiver keeps answering 429."""

from __future__ import annotations

import httpx
import pytest
import respx

from halosync.errors import UnreachableError
from halosync.transport.http import RetryPolicy, Service
from halosync.transport.redaction import url_secrets

PING = "https://hc.example.com/ping/0f8e1c2d-secret-uuid"


def test_kept_answering_429_does_not_name_a_secret_path():
    with respx.mock(assert_all_called=True) as router:  # not a vendor: no vendor contract to check against
        router.post(PING).mock(return_value=httpx.Response(429))
        caught = _send()
    assert caught.status == 429 and "429" in str(caught)
    assert "secret-uuid" not in str(caught) and "***" in str(caught)


def _send() -> UnreachableError:
    policy = RetryPolicy(attempts=2, rate_limited_attempts=2, base_delay=0.0, max_delay=0.0)
    with Service("health check", PING, per_minute=1000, secrets=(PING, *url_secrets(PING, path=True)),
                 retry=policy, sleep=lambda seconds: None) as s, pytest.raises(UnreachableError) as caught:
        s.request("POST", PING, content=b"")
    return caught.value
