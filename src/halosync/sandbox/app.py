"""The sandbox's behaviour: one function from request to response, for both simulated services.

Huntress lives under /huntress/v1, HaloPSA under /halo/api and /halo/auth.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from halosync.sandbox.state import (
    HALO_CLIENT_ID,
    HALO_CLIENT_SECRET,
    HUNTRESS_KEY,
    HUNTRESS_SECRET,
    Faults,
    State,
)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    """One request as the sandbox saw it, for contract tests and request counts."""

    service: str  # "huntress" or "halo"
    method: str
    path: str  # below the service's prefix: /v1/organizations, /api/SoftwareLicence, /auth/token
    query: dict[str, list[str]]
    form: dict[str, list[str]] | None
    json: Any
    status: int


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


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})


def _bare_500() -> Response:
    return Response(500, b"Internal Server Error", {"Content-Type": "text/plain"})


class Sandbox:
    def __init__(self, state: State | None = None, faults: Faults | None = None):
        self.state = state or State.seeded()
        self.faults = faults or Faults()
        self.requests: list[Recorded] = []
        self._tokens: dict[str, tuple[float, set[str]]] = {}
        self._token_uses: dict[str, int] = {}
        self._huntress_window: deque[float] = deque()
        self.licence_posts = 0  # licence POSTs received, whatever they answered (faults may start after the first)
        self._lock = threading.RLock()

    # -- bookkeeping -----------------------------------------------------------

    def count(self, service: str, method: str | None = None, path: str | None = None) -> int:
        return sum(
            1 for r in self.requests
            if r.service == service and (method is None or r.method == method) and (path is None or r.path == path)
        )

    def revoke_tokens(self) -> None:
        """Every issued token answers 401 from now on (as after a secret rotation)."""
        with self._lock:
            self._tokens.clear()

    def live_licences(self, client_id: int | None = None) -> list[dict[str, Any]]:
        return [l for l in self.state.licences.values()
                if not l["deleted"] and (client_id is None or l["client_id"] == client_id)]

    # -- dispatch --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if self.faults.latency:
            time.sleep(self.faults.latency)
        with self._lock:
            if request.path.startswith("/huntress/"):
                service, rest = "huntress", request.path[len("/huntress"):]
                response = self._huntress(request, rest)
            elif request.path.startswith("/halo/"):
                service, rest = "halo", request.path[len("/halo"):]
                response = self._halo(request, rest)
            else:
                return _json(404, {"error": "not found"})
            form, body = None, None
            if request.body:
                if "form" in request.headers.get("content-type", ""):
                    form = parse_qs(request.body.decode())
                else:
                    try:
                        body = json.loads(request.body)
                    except ValueError:
                        body = request.body.decode(errors="replace")
            self.requests.append(Recorded(service, request.method, rest, request.query, form, body, response.status))
            return response

    # -- Huntress --------------------------------------------------------------

    def _huntress(self, request: Request, path: str) -> Response:
        faults = self.faults
        if not self._huntress_auth_ok(request):
            return _json(401, {"errors": ["Invalid API credentials"]})
        if faults.huntress_rate_limit:
            now = time.monotonic()
            while self._huntress_window and self._huntress_window[0] <= now - 60:
                self._huntress_window.popleft()
            if len(self._huntress_window) >= faults.huntress_rate_limit:
                return self._too_many()
            self._huntress_window.append(now)
        if faults.huntress_429:
            faults.huntress_429 -= 1
            return self._too_many()
        if faults.huntress_500:
            faults.huntress_500 -= 1
            return _json(500, {"errors": ["Internal server error"]})
        if request.method != "GET":
            return _json(405, {"errors": ["Method not allowed"]})

        if path == "/v1/account":
            return _json(200, {"account": {"id": 1, "name": "Sandbox MSP", "subdomain": "sandbox", "status": "enabled"}})
        if path == "/v1/organizations":
            return self._organization_page(request)
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
        ordered = sorted(self.state.organizations.values(), key=lambda o: o["id"], reverse=True)  # id desc
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
        page = ordered[offset:offset + limit]
        pagination: dict[str, Any] = {"current_page": offset // limit + 1, "limit": limit, "total": len(ordered)}
        if offset + limit < len(ordered):
            next_token = base64.urlsafe_b64encode(f"offset:{offset + limit}".encode()).decode()
            pagination["next_page_token"] = next_token
            pagination["next_page_url"] = f"/v1/{key}?limit={limit}&page_token={next_token}"
        return _json(200, {key: [show(o) for o in page], "pagination": pagination})

    def _too_many(self) -> Response:
        headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after is not None else {}
        return _json(429, {"errors": ["Too many requests"]}, headers)

    # -- HaloPSA ---------------------------------------------------------------

    def _halo(self, request: Request, path: str) -> Response:
        if path == "/auth/token" and request.method == "POST":
            return self._token(request)
        if not path.startswith("/api/"):
            return _json(404, {"error": "not found"})
        scopes = self._bearer(request)
        if scopes is None:
            return Response(401)
        faults = self.faults
        if faults.halo_429:
            faults.halo_429 -= 1
            return self._too_many()
        if request.method == "GET" and faults.halo_read_500:
            faults.halo_read_500 -= 1
            return _bare_500()
        if request.method == "GET" and faults.halo_read_500_after_write and self.licence_posts:
            faults.halo_read_500_after_write -= 1
            return _bare_500()

        route = path[len("/api"):]
        if route == "/SoftwareLicence" and request.method == "GET":
            return self._need(scopes, "read:softwarelicensing") or self._list_licences(request)
        if route == "/SoftwareLicence" and request.method == "POST":
            self.licence_posts += 1
            return self._need(scopes, "edit:softwarelicensing") or self._post_licences(request)
        match = re.fullmatch(r"/Item/(\d+)", route)
        if match and request.method == "GET":
            denied = self._need(scopes, "read:items")
            item = self.state.items.get(int(match.group(1)))
            return denied or (_json(200, item) if item else _json(404, {"message": "Item not found"}))
        if route == "/Item" and request.method == "GET":
            return self._need(scopes, "read:items") or self._paged(request, "items", list(self.state.items.values()))
        if route == "/Client" and request.method == "GET":
            clients = [c for c in self.state.clients.values()
                       if not c["inactive"] or request.param("includeinactive") in ("true", "True", "1")]
            return self._need(scopes, "read:customers") or self._paged(request, "clients", clients)
        if route == "/RecurringInvoice" and request.method == "GET":
            return self._need(scopes, "read:invoices") or self._recurring_invoices(request)
        if route == "/Agent/me" and request.method == "GET":
            return _json(200, {"id": 3, "name": "API - halosync", "email": "halosync@sandbox.invalid", "isdisabled": False})
        return _json(404, {"message": "Not found"})

    def _token(self, request: Request) -> Response:
        tenant = request.param("tenant")
        if self.state.tenant is not None and tenant != self.state.tenant:
            return _bare_500()  # as Halo answers a wrong tenant
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != HALO_CLIENT_ID or form.get("client_secret") != HALO_CLIENT_SECRET:
            return _json(401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
        requested = set(form.get("scope", "").split()) or {"all"}
        allowed = self.state.application_scopes
        if "all" not in allowed and not requested <= allowed:
            return _json(400, {"error": "invalid_scope"})
        token = secrets.token_urlsafe(24)
        self._tokens[token] = (time.monotonic() + self.faults.token_ttl, requested)
        return _json(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.faults.token_ttl,
                           "scope": " ".join(sorted(requested))})

    def _bearer(self, request: Request) -> set[str] | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        entry = self._tokens.get(token) if header.startswith("Bearer ") else None
        if entry is None or entry[0] <= time.monotonic():
            return None
        self._token_uses[token] = uses = self._token_uses.get(token, 0) + 1
        if self.faults.token_max_uses and uses > self.faults.token_max_uses:
            return None
        return entry[1]

    def _need(self, scopes: set[str], scope: str) -> Response | None:
        """403 unless the token has the scope and the agent the permission; Halo often denies with no body."""
        granted = scope in scopes or "all" in scopes
        return None if granted and scope not in self.faults.halo_denied_scopes else Response(403)

    def _paged(self, request: Request, key: str, rows: list[dict[str, Any]]) -> Response:
        if request.param("pageinate") in ("true", "True", "1"):
            try:
                size = max(1, int(request.param("page_size") or 50))
                page_no = max(1, int(request.param("page_no") or 1))
            except ValueError:
                return _json(400, {"message": "page_size and page_no must be numbers"})
            page = rows[(page_no - 1) * size: page_no * size]
        else:
            page = rows[: int(request.param("count") or len(rows))]
        return _json(200, {"record_count": len(rows), key: page})

    def _recurring_invoices(self, request: Request) -> Response:
        invoices = []
        for invoice in self.state.invoices:
            client_id = request.param("client_id")
            if client_id and str(invoice["client_id"]) != client_id:
                continue
            shown = {k: v for k, v in invoice.items() if k != "lines"}
            if request.param("includelines") in ("true", "True", "1"):
                shown["lines"] = [self._invoice_line(invoice["client_id"], line) for line in invoice["lines"]]
            invoices.append(shown)
        return self._paged(request, "invoices", invoices)

    def _invoice_line(self, client_id: int, line: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in line.items() if k != "bill_from_licence"}
        shown["quantity_licences"] = []
        if line["bill_from_licence"]:
            licence = next((l for l in self.live_licences(client_id) if l["item_id"] == line["item_id"]), None)
            if licence is not None:
                shown["quantity_licences"] = [{"licence_id": licence["id"], "licence_name": licence["name"]}]
                shown["qty_order"] = licence["count"]
        return shown

    def _list_licences(self, request: Request) -> Response:
        rows = list(self.state.licences.values())  # ids only grow, so this is id order
        client_id = request.param("client_id")
        if client_id:
            rows = [l for l in rows if str(l["client_id"]) == client_id]
        if request.param("includeinactive") not in ("true", "True", "1"):
            rows = [l for l in rows if l["is_active"]]
        return self._paged(request, "licences", rows)

    def _post_licences(self, request: Request) -> Response:
        try:
            body = json.loads(request.body)
        except ValueError:
            return _json(400, {"message": "Body is not JSON"})
        if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
            return _json(400, {"message": "Expected an array of licences"})
        faults = self.faults
        if any(int(x.get("client_id") or 0) in faults.fail_writes_for_clients for x in body):
            return _bare_500()
        # Validate the whole array first: Halo applies all or nothing here.
        for licence in body:
            if "id" in licence and licence["id"] not in self.state.licences:
                return _json(400, {"message": f"Licence {licence['id']} not found"})
            if "id" not in licence and int(licence.get("client_id") or 0) not in self.state.clients:
                return _json(400, {"message": f"Client {licence.get('client_id')} not found"})
            if "id" not in licence and not licence.get("name"):
                return _json(400, {"message": "Please enter a name"})
        answer = []
        for licence in body:
            if "id" in licence:
                stored = self.state.licences[licence["id"]]
                stored.update({k: v for k, v in licence.items() if k != "id"})
            else:
                new_id = self.state.add_licence(client_id=int(licence["client_id"]), item_id=licence.get("item_id"),
                                                name=licence["name"], count=int(licence.get("count") or 0))
                stored = self.state.licences[new_id]
            answer.append(dict(stored))
        if faults.write_ok_then_500:
            faults.write_ok_then_500 -= 1
            return _bare_500()
        return _json(200, answer[0] if len(answer) == 1 else answer)
