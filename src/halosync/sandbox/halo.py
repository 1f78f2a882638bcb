"""The simulated HaloPSA API under /halo: client-credentials tokens, scopes, licences, items, clients, invoices."""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from halosync.sandbox.state import HALO_CLIENT_ID, HALO_CLIENT_SECRET, Faults, State
from halosync.sandbox.wire import Request, Response, _bare_500, _json, too_many


class HaloSide:
    """HaloPSA's half of the sandbox; Sandbox mixes it in."""

    state: State
    faults: Faults
    licence_posts: int
    invoice_reads: int  # GET /RecurringInvoice answered
    invoice_writes: int  # invoice-line POSTs received, whatever they answered
    _tokens: dict[str, tuple[float, set[str]]]
    _token_uses: dict[str, int]

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
            return too_many(self.faults.retry_after)
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
        if route in ("/RecurringInvoice/Lines", "/RecurringInvoice/updatelines") and request.method == "POST":
            self.invoice_writes += 1
            return self._need(scopes, "edit:invoices") or self._write_invoice_lines(request, add=route.endswith("Lines"))
        if route == "/RecurringInvoice" and request.method == "GET":
            if faults.invoice_read_500_after_write and self.invoice_writes:
                faults.invoice_read_500_after_write -= 1
                return _bare_500()
            answer = self._need(scopes, "read:invoices") or self._recurring_invoices(request)
            self.invoice_reads += 1
            if faults.invoice_hook is not None and self.invoice_reads >= faults.invoice_hook_after_reads:
                hook, faults.invoice_hook = faults.invoice_hook, None
                hook(self.state)
            return answer
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
        if self.faults.huntress_sync_on:  # the other writer gets there first, each time halosync starts
            from halosync.sandbox.builtin import left_on

            left_on(self.state)
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
            faults = self.faults
            if faults.halo_ignores_page_no:
                page_no = 1
            served = min(size, faults.halo_page_cap) if faults.halo_page_cap else size
            start = (page_no - 1) * (size if faults.halo_page_skips else served)
            page = rows[start: start + served]
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

    def _write_invoice_lines(self, request: Request, *, add: bool) -> Response:
        """POST /RecurringInvoice/Lines adds lines; /updatelines changes them. A line given quantity_licences
        bills from its client's licence of that item (unless the fault says Halo ignores it)."""
        body = _objects(request, "lines")
        if isinstance(body, Response):
            return body
        invoices = {invoice["id"]: invoice for invoice in self.state.invoices}
        answer = []
        for line in body:
            invoice = invoices.get(line.get("ihid"))
            if invoice is None:
                return _json(400, {"message": f"Recurring invoice {line.get('ihid')} not found"})
            links = bool(line.get("quantity_licences")) and not self.faults.invoice_links_ignored
            linked = [int(x["licence_id"]) for x in line.get("quantity_licences") or [] if "licence_id" in x] if links else []
            if add:
                stored = {"id": max((l["id"] for l in invoice["lines"]), default=invoice["id"] * 10) + 1,
                          "item_id": line.get("_itemid"), "item_code": line.get("item_shortdescription", ""),
                          "qty_order": line.get("qty_order", 0), "bill_from_licence": links, "licence_ids": linked}
                invoice["lines"].append(stored)
            else:
                found = [l for l in invoice["lines"] if l["id"] == line.get("id")]
                if not found:
                    return _json(400, {"message": f"Line {line.get('id')} not found on invoice {invoice['id']}"})
                stored = found[0]
                if links:
                    stored["bill_from_licence"], stored["licence_ids"] = True, linked
            answer.append({k: v for k, v in stored.items() if k not in ("bill_from_licence", "licence_ids")})
        if self.faults.invoice_write_ok_then_500:
            self.faults.invoice_write_ok_then_500 -= 1
            return _bare_500()
        return _json(200, answer)

    def _invoice_line(self, client_id: int, line: dict[str, Any]) -> dict[str, Any]:
        """A line as listed. It bills from the licences it was linked to, else (seeded lines) from the
        client's licence of its item, resolved now since the sync creates the licences."""
        shown = {k: v for k, v in line.items() if k not in ("bill_from_licence", "licence_ids")}
        shown["quantity_licences"] = []
        if line["bill_from_licence"]:
            live = self.state.live_licences(client_id)
            wanted = line.get("licence_ids") or []
            licence = next((l for l in live if (l["id"] in wanted if wanted else l["item_id"] == line["item_id"])), None)
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
        body = _objects(request, "licences")
        if isinstance(body, Response):
            return body
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


def _objects(request: Request, what: str) -> list[dict[str, Any]] | Response:
    """A write's body: an array of objects, as Halo's write endpoints take; else the 400 Halo would give."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return _json(400, {"message": "Body is not JSON"})
    if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
        return _json(400, {"message": f"Expected an array of {what}"})
    return body
