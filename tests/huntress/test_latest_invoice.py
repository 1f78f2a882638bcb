"""The audit's "latest invoice" is Huntress's newest, asked for as the invoice frequency asks for it."""

from __future__ import annotations

import httpx

from tests.support import HUNTRESS
from tests.support.huntress import huntress_client


def test_the_audits_latest_invoice_asks_for_the_newest_by_created_at(mock):
    route = mock.get(f"{HUNTRESS}/v1/invoices").mock(return_value=httpx.Response(200, json={
        "invoices": [{"id": 9, "created_at": "2026-11-01T00:00:00Z", "plan": "EDR", "quantity": 40}]}))
    client = huntress_client()
    assert client.latest_invoice() == {"id": 9, "created_at": "2026-11-01T00:00:00Z", "plan": "EDR", "quantity": 40}
    assert client.newest_invoice(reseller=False) is not None
    audit_params, due_params = (dict(call.request.url.params) for call in route.calls)
    assert audit_params == due_params == {"limit": "1", "sort_field": "created_at", "sort_direction": "desc"}
