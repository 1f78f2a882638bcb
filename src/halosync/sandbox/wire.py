"""The sandbox's requests and answers, as plain data: what both simulated services and the server share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


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
    at: float = 0.0  # when it arrived (monotonic), before any simulated latency


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})


def _bare_500() -> Response:
    return Response(500, b"Internal Server Error", {"Content-Type": "text/plain"})




def too_many(retry_after: str | None) -> Response:
    """A 429, with Retry-After when the faults say to send one."""
    return _json(429, {"errors": ["Too many requests"]}, {"Retry-After": retry_after} if retry_after is not None else {})
