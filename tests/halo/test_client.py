"""HaloPSA client: token (tenant, auth_url, expiry, 401), paged licence reads, batched writes."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from halosync.config.schema import Config
from halosync.errors import AuthError, UnreachableError
from halosync.halo.client import HaloClient
from tests.support import HALO, basic_config

API = f"{HALO}/api"


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def client(clock=None, **halo) -> HaloClient:
    options = {"clock": clock} if clock else {}
    return HaloClient.from_config(Config.model_validate(basic_config(halo=halo)), **options)


def token(value="tok-1", expires_in=3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": value, "token_type": "Bearer", "expires_in": expires_in,
                                     "scope": "read:softwarelicensing edit:softwarelicensing read:items"})


def licences(rows, total=None) -> httpx.Response:
    return httpx.Response(200, json={"record_count": len(rows) if total is None else total, "licences": rows})


def test_token_request_with_tenant_and_custom_auth_url(mock):
    route = mock.post("https://auth.example.com/auth/token").mock(return_value=token())
    hc = client(tenant="acme", auth_url="https://auth.example.com/auth")
    hc.authenticate()
    request = route.calls.last.request
    assert request.url.params["tenant"] == "acme"
    form = parse_qs(request.content.decode())
    assert form["grant_type"] == ["client_credentials"] and form["client_id"] == ["halo-client"]
    assert form["scope"] == ["read:softwarelicensing edit:softwarelicensing read:items"]
    assert hc.granted_scopes == {"read:softwarelicensing", "edit:softwarelicensing", "read:items"}


def test_token_is_requested_once_and_refreshed_before_expiry(mock):
    tokens = mock.post(f"{HALO}/auth/token").mock(side_effect=[token("t1", 3600), token("t2", 3600)])
    reads = mock.get(f"{API}/Agent/me").mock(return_value=httpx.Response(200, json={"name": "API"}))
    clock = Clock()
    hc = client(clock=clock)
    hc.agent_me()
    clock.now = 3000
    hc.agent_me()
    assert tokens.call_count == 1
    clock.now = 3550  # inside the last minute of the token's life
    hc.agent_me()
    assert tokens.call_count == 2
    assert [c.request.headers["authorization"] for c in reads.calls] == ["Bearer t1", "Bearer t1", "Bearer t2"]


def test_a_401_gets_one_fresh_token_and_one_more_try(mock):
    tokens = mock.post(f"{HALO}/auth/token").mock(side_effect=[token("t1"), token("t2"), token("t3")])
    reads = mock.get(f"{API}/Agent/me").mock(side_effect=[httpx.Response(401), httpx.Response(200, json={}), httpx.Response(401), httpx.Response(401)])
    hc = client()
    hc.agent_me()
    assert tokens.call_count == 2 and reads.calls.last.request.headers["authorization"] == "Bearer t2"
    with pytest.raises(AuthError):
        hc.agent_me()  # a second 401 in a row is final
    assert tokens.call_count == 3


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (httpx.Response(401, json={"error": "invalid_client", "error_description": "bad"}), "client_id and client_secret"),
        (httpx.Response(400, json={"error": "invalid_scope"}), "Applications"),
    ],
)
def test_token_failures_explain_what_to_fix(mock, response, words):
    mock.post(f"{HALO}/auth/token").mock(return_value=response)
    with pytest.raises(AuthError) as caught:
        client().authenticate()
    assert words in str(caught.value) and "halo-secret-value" not in str(caught.value)


def test_wrong_tenant_bare_500_is_unreachable_with_a_hint(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=httpx.Response(500, text="Internal Server Error"))
    with pytest.raises(UnreachableError) as caught:
        client(tenant="acmee").authenticate()
    assert "tenant" in str(caught.value)


def test_licences_are_read_page_by_page_with_inactive_included(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    rows = [{"id": i, "client_id": 12, "name": f"L{i}", "count": i, "item_id": 1001} for i in range(1, 6)]
    route = mock.get(f"{API}/SoftwareLicence").mock(side_effect=[licences(rows[:2], 5), licences(rows[2:4], 5), licences(rows[4:], 5)])
    found = client(page_size=2).licences()
    assert [l.id for l in found] == [1, 2, 3, 4, 5]
    params = [c.request.url.params for c in route.calls]
    assert [p["page_no"] for p in params] == ["1", "2", "3"]
    assert all(p["pageinate"] == "true" and p["page_size"] == "2" and p["includeinactive"] == "true" for p in params)


def test_an_endpoint_repeating_page_one_does_not_loop_and_is_no_complete_list(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    rows = [{"id": 1, "client_id": 12, "name": "a", "count": 1}, {"id": 2, "client_id": 12, "name": "b", "count": 1}]
    route = mock.get(f"{API}/SoftwareLicence").mock(return_value=licences(rows, 100))
    with pytest.raises(UnreachableError, match="list of licences .*page 2 brought nothing new after 2 of the 100"):
        client(page_size=2).licences()
    assert route.call_count == 2


def test_licence_list_under_another_wrapper_name_and_missing_item_id(mock):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    mock.get(f"{API}/SoftwareLicence").mock(return_value=httpx.Response(200, json={
        "columns": [{"id": 1}], "record_count": 1, "softwarelicences": [{"id": 9, "client_id": 12, "name": "x", "count": 3}]}))
    [licence] = client().licences()
    assert (licence.id, licence.item_id, licence.count) == (9, None, 3)


@pytest.mark.parametrize(
    "answer",
    [
        [{"id": 7, "client_id": 12}],
        {"id": 7, "client_id": 12},
        {"licences": [{"id": 7, "client_id": 12}]},
    ],
    ids=["list", "object", "wrapped"],
)
def test_post_answer_as_list_or_single_object(mock, answer):
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    route = mock.post(f"{API}/SoftwareLicence").mock(return_value=httpx.Response(200, json=answer))
    assert client().post_licences([{"client_id": 12, "item_id": 1001, "name": "Huntress Managed EDR", "count": 3}])[0]["id"] == 7
    assert route.calls.last.request.content.startswith(b"[")  # always an array


def test_requests_side_by_side_share_one_token_refresh(mock):
    """Four threads meeting a revoked token must not each fetch a new one (SPEC: once per run, once more on a 401)."""
    from halosync.transport.pool import concurrently

    tokens = mock.post(f"{HALO}/auth/token").mock(side_effect=[token("t1"), token("t2"), token("t3"), token("t4"), token("t5")])

    def answer(request):
        import time as t
        t.sleep(0.05)  # keep the four requests in flight together
        ok = request.headers["authorization"] == "Bearer t2"
        return httpx.Response(200, json={"name": "API"}) if ok else httpx.Response(401)

    mock.get(f"{API}/Agent/me").mock(side_effect=answer)
    hc = client()
    hc.authenticate()
    results = concurrently(lambda _: hc.agent_me(), list(range(8)))
    assert all(r == {"name": "API"} for r in results)
    assert tokens.call_count == 2  # the first token, and one replacement for everyone
