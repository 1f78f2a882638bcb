"""A reseller invoice's line items are paged by the one Huntress pager: a repeated page is refused, never billed."""

from __future__ import annotations

import httpx
import pytest

from halosync.errors import UnreachableError
from tests.support import HUNTRESS
from tests.support.huntress import huntress_client

LINE_ITEMS = f"{HUNTRESS}/v1/reseller/invoices/7/organization_usage_line_items"


def line_item(item_id: int, org_id: int, edr: int) -> dict[str, object]:
    return {"id": item_id, "organization": {"id": org_id, "name": f"Org {org_id}"}, "actual_usage": {"edr": edr}}


def test_a_page_of_line_items_handed_out_again_is_an_incomplete_list(mock):
    tokens = iter(["a", "b"])
    mock.get(LINE_ITEMS).mock(side_effect=lambda request: httpx.Response(200, json={
        "organization_usage_line_items": [line_item(1, 5, 10)], "pagination": {"next_page_token": next(tokens)}}))
    with pytest.raises(UnreachableError, match="page 2 brought no organization_usage_line_items"):
        huntress_client().invoice_line_items(7)


def test_line_items_over_two_pages_are_all_read(mock):
    # Two organizations, one a page: both pages count (an organization on two line items is refused: test_invoice).
    pages = iter([([line_item(1, 5, 10)], "a"), ([line_item(2, 6, 3)], None)])

    def page(request: httpx.Request) -> httpx.Response:
        rows, token = next(pages)
        return httpx.Response(200, json={"organization_usage_line_items": rows, "pagination": {"next_page_token": token}})

    mock.get(LINE_ITEMS).mock(side_effect=page)
    found = huntress_client().invoice_line_items(7)
    assert found.units[5]["edr"] == 10 and found.units[6]["edr"] == 3 and found.items == 2 and not found.bad
