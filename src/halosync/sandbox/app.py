"""The sandbox's behaviour: one function from request to response, for both simulated services.

Huntress lives under /huntress/v1, HaloPSA under /halo/api and /halo/auth.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from halosync.sandbox.control import control
from halosync.sandbox.halo import HaloSide
from halosync.sandbox.huntress import HuntressSide
from halosync.sandbox.state import (
    Faults,
    State,
)
from halosync.sandbox.wire import Recorded, Request, Response, _json

__all__ = ["Recorded", "Request", "Response", "Sandbox"]


class Sandbox(HuntressSide, HaloSide):
    def __init__(self, state: State | None = None, faults: Faults | None = None):
        self.state = state or State.seeded()
        self.faults = faults or Faults()
        self.requests: list[Recorded] = []
        self._tokens: dict[str, tuple[float, set[str]]] = {}
        self._token_uses: dict[str, int] = {}
        self._huntress_window: deque[float] = deque()
        self.licence_posts = 0  # licence POSTs received, whatever they answered (faults may start after the first)
        self.licence_post_arrivals: list[float] = []  # when each arrived (monotonic), before any latency
        self.invoice_reads = 0
        self.invoice_writes = 0
        self.invoice_write_arrivals: list[float] = []  # as licence_post_arrivals, for invoice-line writes
        self._lock = threading.RLock()

    # -- bookkeeping -----------------------------------------------------------

    def count(self, service: str, method: str | None = None, path: str | None = None) -> int:
        return sum(
            1 for r in self.requests
            if r.service == service and (method is None or r.method == method) and (path is None or r.path == path)
        )

    def live_licences(self, client_id: int | None = None) -> list[dict[str, Any]]:
        return self.state.live_licences(client_id)

    # -- dispatch --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/sandbox/"):  # the rehearsal's controls: not a vendor's API, never recorded
            with self._lock:
                return control(self.state, request)
        arrived = time.monotonic()
        licence_write = request.method == "POST" and request.path.endswith("/api/SoftwareLicence")
        invoice_write = request.method == "POST" and "/api/RecurringInvoice/" in request.path
        with self._lock:
            if licence_write:
                self.licence_post_arrivals.append(arrived)  # on arrival, before any simulated latency
            if invoice_write:
                self.invoice_write_arrivals.append(arrived)
            nth_write = len(self.licence_post_arrivals) + len(self.invoice_write_arrivals)
        held = self.faults.hold_writes
        if (licence_write or invoice_write) and held is not None and nth_write > self.faults.hold_writes_after:
            held.wait(60)
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
            self.requests.append(Recorded(service, request.method, rest, request.query, form, body, response.status,
                                         arrived))
            return response

    # -- Huntress --------------------------------------------------------------

