"""The simulated Huntress API under /huntress/v1: Basic auth, a sliding-window rate limit, token paging."""

from __future__ import annotations

import base64
import json
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from halosync.sandbox import reseller
from halosync.sandbox.state import HUNTRESS_KEY, HUNTRESS_SECRET, Faults, State
from halosync.sandbox.wire import Request, Response, _json, too_many


class _AgentList:
    """Every agent of some organizations in id-desc order, made only for the slice a page asks for
    (a 10,000-organization account has some 350,000)."""

    def __init__(self, state: State, org_ids: list[int]):
        self.state = state
        self.org_ids = org_ids
        self.counts = [state.agent_count(o) for o in org_ids]

    def __len__(self) -> int:
        return sum(self.counts)

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        start, stop = window.start or 0, window.stop
        found: list[dict[str, Any]] = []
        offset = 0
        for org_id, count in zip(self.org_ids, self.counts, strict=True):
            if offset + count > start and offset < stop:
                # this organization's agents, newest (highest id) first
                first, last = max(start - offset, 0), min(stop - offset, count)
                found += reversed(self.state.agents(org_id, count - last, count - first))
            offset += count
            if offset >= stop:
                break
        return found



class HuntressSide:
    """Huntress's half of the sandbox; Sandbox mixes it in."""

    state: State
    faults: Faults
    _huntress_window: deque[float]

    def _huntress(self, request: Request, path: str) -> Response:
        faults = self.faults
        if not self._huntress_auth_ok(request):
            return _json(401, {"errors": ["Invalid API credentials"]})
        if faults.huntress_rate_limit:
            now = time.monotonic()
            while self._huntress_window and self._huntress_window[0] <= now - 60:
                self._huntress_window.popleft()
            if len(self._huntress_window) >= faults.huntress_rate_limit:
                return too_many(self.faults.retry_after)
            self._huntress_window.append(now)
        if faults.huntress_429:
            faults.huntress_429 -= 1
            return too_many(self.faults.retry_after)
        if faults.huntress_500:
            faults.huntress_500 -= 1
            return _json(500, {"errors": ["Internal server error"]})
        if request.method != "GET":
            return _json(405, {"errors": ["Method not allowed"]})

        if path == "/v1/account":
            return _json(200, {"account": reseller.account(self.state)})
        if path.startswith(("/v1/reseller/", "/v1/accounts")):
            return self._reseller(request, path)
        if path == "/v1/organizations":
            return self._organization_page(request)
        if path == "/v1/invoices":
            return self._huntress_page(request, "invoices", self.state.huntress_invoices(), lambda i: i)
        if path == "/v1/agents":
            return self._agent_page(request)
        match = re.fullmatch(r"/v1/organizations/(\d+)", path)
        if match:
            org = self.state.organizations.get(int(match.group(1)))
            if org is None:
                return _json(404, {"errors": ["Organization not found"]})
            detail = dict(self.state.summary(org))
            detail["actual_usages"] = json.dumps(org["usage"]) if faults.usages_as_string else org["usage"]
            return _json(200, {"organization": detail})
        return _json(404, {"errors": ["Not found"]})

    def _reseller(self, request: Request, path: str) -> Response:
        """Reseller invoices and their line items, accounts and their organizations (sandbox/reseller.py)."""
        state = self.state
        if path == "/v1/reseller/invoices":
            return self._huntress_page(request, "invoices", reseller.reseller_invoices(state), lambda i: i)
        if path == "/v1/accounts":
            return self._huntress_page(request, "accounts", reseller.accounts(state), lambda a: a)
        match = re.fullmatch(r"/v1/reseller/invoices/(\d+)/(organization|account)_usage_line_items", path)
        if match:
            invoice_id, kind = int(match.group(1)), match.group(2)
            items = (reseller.organization_line_items(state, invoice_id, self.faults.line_items_missing)
                     if kind == "organization" else reseller.account_line_items(state, invoice_id))
            if items is None:
                return _json(404, {"errors": ["Invoice not found"]})
            return self._huntress_page(request, f"{kind}_usage_line_items", items, lambda i: i)
        match = re.fullmatch(r"/v1/accounts/(\d+)/organizations", path)
        if match and int(match.group(1)) in state.accounts:
            account_id = int(match.group(1))
            ordered = sorted((o for o in state.organizations.values() if o["account_id"] == account_id),
                             key=lambda o: o["id"], reverse=True)
            return self._huntress_page(request, "organizations", ordered, state.summary)
        return _json(404, {"errors": ["Not found"]})

    def _huntress_auth_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return key == HUNTRESS_KEY and secret == HUNTRESS_SECRET

    def _organization_page(self, request: Request) -> Response:
        # id desc; the credentials' own account only: a sub-account's organizations are under /v1/accounts/{id}
        ordered = sorted((o for o in self.state.organizations.values() if o["account_id"] == 1),
                         key=lambda o: o["id"], reverse=True)
        return self._huntress_page(request, "organizations", ordered, self.state.summary)

    def _agent_page(self, request: Request) -> Response:
        org_filter = request.param("organization_id")
        platform = request.param("platform")
        org_ids = sorted(self.state.organizations, reverse=True)
        if org_filter is not None:
            org_ids = [o for o in org_ids if str(o) == org_filter]
        if platform:  # rare: filter the full list
            agents = [a for o in org_ids for a in reversed(self.state.agents(o)) if a["platform"] == platform]
            return self._huntress_page(request, "agents", agents, lambda a: a)
        return self._huntress_page(request, "agents", _AgentList(self.state, org_ids), lambda a: a)

    def _huntress_page(self, request: Request, key: str, ordered: Any, show: Callable[[Any], Any]) -> Response:
        """`limit` (1-500, default 10) and an opaque `page_token`, as every Huntress list."""
        try:
            limit = int(request.param("limit") or 10)
        except ValueError:
            return _json(400, {"errors": ["limit must be an integer"]})
        if not 1 <= limit <= 500:
            return _json(400, {"errors": ["limit must be between 1 and 500"]})
        token = request.param("page_token")
        offset = 0
        if token:
            try:
                offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
            except ValueError:
                return _json(400, {"errors": ["invalid page_token"]})
        faults = self.faults
        served = min(limit, faults.huntress_page_cap) if faults.huntress_page_cap else limit
        page = ordered[offset:offset + served]
        pagination: dict[str, Any] = {"current_page": offset // served + 1, "limit": limit, "total": len(ordered)}
        if offset + served < len(ordered):
            following = max(offset + 1, offset + served - faults.huntress_page_overlap)
            if faults.huntress_pager_repeats and offset >= served:
                following = 0  # from page 2 on, the next token leads back to page 1
            next_token = base64.urlsafe_b64encode(f"offset:{following}".encode()).decode()
            pagination["next_page_token"] = next_token
            pagination["next_page_url"] = f"/v1/{key}?limit={limit}&page_token={next_token}"
        return _json(200, {key: [show(o) for o in page], "pagination": pagination})


