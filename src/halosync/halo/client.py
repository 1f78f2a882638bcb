"""HaloPSA API client: token, Software Licences (paged reads, batched writes), items, agent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from halosync import writes_so_far
from halosync.config.schema import Config
from halosync.core.models import Licence
from halosync.errors import AuthError, ServiceError, UnreachableError
from halosync.halo.menus import APPLICATION_PERMISSIONS, APPLICATIONS
from halosync.transport import http
from halosync.transport.http import Clock, Service
from halosync.transport.pool import POOL_SIZE, concurrently
from halosync.transport.redaction import url_secrets

MAX_PAGES = 100_000


class HaloClient:
    def __init__(
        self,
        service: Service,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str,
        tenant: str | None = None,
        page_size: int = 100,
        clock: Clock | None = None,
        credentials: str = "[halo] client_id and client_secret",
    ):
        self.service = service
        self.credentials = credentials  # where the id and secret were set, for the message when they are refused
        self.token_url = token_url
        self.tenant = tenant
        self.scope = scope
        self.page_size = page_size
        self._credentials = {"client_id": client_id, "client_secret": client_secret}
        self._clock = clock or (lambda: http._monotonic())
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self._expires_at = 0.0
        self.granted_scopes: set[str] = set()
        service.add_secret(client_id)
        service.add_secret(client_secret)

    @classmethod
    def from_config(cls, config: Config, extra_scopes: tuple[str, ...] = (), **service_options: Any) -> HaloClient:
        """`service_options` go to Service (transport, clock, sleep, retry: tests and the sandbox use them)."""
        halo = config.halo
        scope = " ".join(dict.fromkeys([*halo.scope.split(), *extra_scopes]))
        service = Service("HaloPSA", f"{halo.url}/api", per_minute=halo.requests_per_minute, **service_options)
        for secret in url_secrets(halo.token_url):  # a user:password@ in auth_url is a secret too
            service.add_secret(secret)
        return cls(
            service,
            token_url=halo.token_url,
            client_id=config.secret("halo", "client_id"),
            client_secret=config.secret("halo", "client_secret"),
            scope=scope,
            tenant=halo.tenant,
            page_size=halo.page_size,
            clock=service_options.get("clock"),
            credentials=config.secret_names("halo"),
        )

    @property
    def requests(self) -> int:
        return self.service.requests

    def close(self) -> None:
        self.service.close()

    # -- token ---------------------------------------------------------------

    def authenticate(self) -> None:
        """Request a token now (client credentials grant)."""
        with self._token_lock:
            self._authenticate()

    def _authenticate(self) -> None:
        params = {"tenant": self.tenant} if self.tenant else None
        form = {"grant_type": "client_credentials", **self._credentials, "scope": self.scope}
        try:
            response = self.service.request("POST", self.token_url, data=form, params=params)
        except ServiceError as exc:
            raise _token_error(exc, self.tenant, self.credentials) from None
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise AuthError("HaloPSA", "HaloPSA's token endpoint answered without an access_token") from None
        expires_in = _number(body.get("expires_in"), 3600.0)
        self._token = str(token)
        self.service.add_secret(self._token)
        # Refresh a little before it runs out, so no request goes out with a stale token.
        self._expires_at = self._clock() + expires_in - min(60.0, expires_in / 10)
        self.granted_scopes = set(str(body.get("scope") or "").split())

    def _valid_token(self, rejected: str | None = None) -> str:
        """The token to send: fetched when there is none, it is about to expire, or Halo rejected
        `rejected` and no other request has replaced it yet. Requests run side by side, so
        one thread fetches while the others wait and then use the same new token."""
        with self._token_lock:
            stale = self._token is None or self._clock() >= self._expires_at
            if stale or (rejected is not None and rejected == self._token):
                self._authenticate()
            assert self._token is not None
            return self._token

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        token = self._valid_token()
        try:
            return self.service.request(method, path, headers=_bearer(token), **kwargs)
        except AuthError as exc:
            if exc.status != 401:
                raise
        except ServiceError as exc:
            if exc.status == 404 and method == "GET" and "/" not in path.strip("/"):
                # A list (not one record) that is not there: the API is not at this address.
                raise UnreachableError("HaloPSA", f"{exc}: HaloPSA's API is not at this address. Check [halo] url "
                                       "(the address you open in the browser, such as https://acme.halopsa.com)",
                                       404) from None
            raise
        # Tokens can be revoked or expire early: one fresh token, one more try.
        return self.service.request(method, path, headers=_bearer(self._valid_token(rejected=token)), **kwargs)

    # -- reads ---------------------------------------------------------------

    def licences(self, *, client_id: int | None = None, keep: Callable[[Licence], bool] | None = None) -> list[Licence]:
        """Every Software Licence (inactive included), optionally of one client; `keep` filters as pages arrive."""
        params: dict[str, Any] = {"includeinactive": "true"}
        if client_id is not None:
            params["client_id"] = client_id
        found: dict[int, Licence] = {}
        for rows in self._pages("/SoftwareLicence", "licences", params):
            for row in rows:
                licence = _licence(row)
                if licence is not None and (keep is None or keep(licence)):
                    found[licence.id] = licence
        return list(found.values())

    def sample_licences(self) -> None:
        """One small read of Software Licences: proves the scope and the agent's permission."""
        self._request("GET", "/SoftwareLicence", params={"pageinate": "true", "page_size": 1, "page_no": 1})

    def recurring_invoices(self, client_id: int | None = None) -> list[dict[str, Any]]:
        """Recurring invoices with their lines, of one client or all (needs read:invoices)."""
        params: dict[str, Any] = {"includelines": "true"}
        if client_id is not None:
            params["client_id"] = client_id
        return [row for rows in self._pages("/RecurringInvoice", "invoices", params) for row in rows]

    def write_invoice_lines(self, lines: list[dict[str, Any]], *, add: bool) -> None:
        """POST /RecurringInvoice/Lines (add) or /updatelines (change); needs edit:invoices. Never retried blind:
        the caller re-reads the invoice to learn what happened."""
        writes_so_far.halo_write()
        self._request("POST", "/RecurringInvoice/Lines" if add else "/RecurringInvoice/updatelines", json=lines,
                      retry_errors=False)

    def clients(self) -> dict[int, str]:
        """Active clients: id -> name (needs read:customers)."""
        return {int(row["id"]): str(row.get("name") or "") for rows in self._pages("/Client", "clients", {})
                for row in rows if "id" in row and not row.get("inactive")}

    def client_states(self) -> dict[int, tuple[str, bool]]:
        """Every client, inactive included: id -> (name, active) (needs read:customers)."""
        return {int(row["id"]): (str(row.get("name") or ""), not row.get("inactive"))
                for rows in self._pages("/Client", "clients", {"includeinactive": "true"}) for row in rows if "id" in row}

    def items(self) -> dict[int, dict[str, Any]]:
        """Items (inactive included): id -> item."""
        return {int(row["id"]): row for rows in self._pages("/Item", "items", {"includeinactive": "true"})
                for row in rows if "id" in row}

    def item(self, item_id: int) -> dict[str, Any]:
        return self.service.json_object(self._request("GET", f"/Item/{item_id}"))

    def agent_me(self) -> dict[str, Any]:
        return self.service.json_object(self._request("GET", "/Agent/me"))

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list, each row once, complete or an error. Once page 1 has told the total, the
        other pages are read a few at a time.

        With `record_count`, pages are read until the rows read reach it: a page shorter than asked does not
        end the list (Halo may cap page_size), and a page that brings nothing new before then raises
        UnreachableError naming the list (exit 5), since licences created from an incomplete list would be
        duplicates. Without `record_count` nothing says how many there are: a short page ends the list, as does
        a page that brings nothing new (an endpoint that ignores page_no repeats page 1).
        """
        def page(page_no: int) -> tuple[dict[str, Any], list[Any]]:
            query = {**params, "pageinate": "true", "page_size": self.page_size, "page_no": page_no}
            body = self.service.json_object(self._request("GET", path, params=query))
            return body, _list_in(body, key)

        seen_ids: set[Any] = set()

        def fresh(rows: list[Any]) -> tuple[list[dict[str, Any]], bool]:
            """The rows not read before, and whether any of them has an id not seen before (progress)."""
            new: list[dict[str, Any]] = []
            progress = False
            for row in rows:
                if not isinstance(row, dict):
                    continue
                row_id = row.get("id")
                if isinstance(row_id, (int, str)):
                    if row_id in seen_ids:
                        continue
                    seen_ids.add(row_id)
                    progress = True
                new.append(row)  # a row without an id cannot be told apart: kept, but it is not progress
            return new, progress

        body, rows = page(1)
        total = body.get("record_count")
        if not isinstance(total, int) or isinstance(total, bool):
            yield from self._pages_without_total(page, fresh, rows)
            return
        new, progress = fresh(rows)
        read = len(new)
        if read < total and not progress:
            raise _short_list(path, key, 1, read, total)
        yield new
        page_no = 2
        window = 1  # page 2 alone first: an endpoint that ignores page_no repeats page 1 there
        while read < total:
            if page_no > MAX_PAGES:
                raise _short_list(path, key, page_no, read, total)
            wanted = -(-(total - read) // self.page_size)  # pages still needed, were every page full
            numbers = list(range(page_no, page_no + min(window, wanted)))
            for number, (_, rows) in zip(numbers, concurrently(page, numbers), strict=True):
                if read >= total:
                    break  # pages past the end of the list, read in the same window, rightly bring nothing
                new, progress = fresh(rows)
                if not progress:
                    raise _short_list(path, key, number, read, total)
                read += len(new)
                yield new
            page_no += len(numbers)
            window = POOL_SIZE * 4  # a window of pages at a time keeps memory flat

    def _pages_without_total(self, page: Callable[[int], tuple[dict[str, Any], list[Any]]],
                             fresh: Callable[[list[Any]], tuple[list[dict[str, Any]], bool]],
                             rows: list[Any]) -> Iterator[list[dict[str, Any]]]:
        """A list whose answer carries no record_count: page by page until a short page or one with nothing new."""
        yield fresh(rows)[0]
        page_no = 2
        while len(rows) >= self.page_size and page_no <= MAX_PAGES:
            _, rows = page(page_no)
            new, progress = fresh(rows)
            if not progress:
                return
            yield new
            page_no += 1

    # -- writes --------------------------------------------------------------

    def post_licences(self, licences: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """POST /api/SoftwareLicence with an array; returns what Halo answered, as a list.

        Never retried here on a 5xx or a dropped connection: a create may
        have happened, and only the caller can check.
        """
        writes_so_far.halo_write()
        response = self._request("POST", "/SoftwareLicence", json=licences, retry_errors=False)
        if not response.content:
            return []
        try:
            body = response.json()
        except ValueError:
            return []
        if isinstance(body, list):
            return [row for row in body if isinstance(row, dict)]
        if isinstance(body, dict):
            for value in body.values():
                if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                    return value
            return [body]
        return []


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token_error(exc: ServiceError, tenant: str | None,
                 credentials: str = "[halo] client_id and client_secret") -> ServiceError:
    text = str(exc)
    if "invalid_scope" in text:
        return AuthError("HaloPSA", f"{text}. The API application is not allowed one of the scopes requested: "
                         f"add them under {APPLICATION_PERMISSIONS}", exc.status)
    if "invalid_client" in text or exc.status in (400, 401, 403):
        return AuthError("HaloPSA", f"{text}. Check {credentials} against {APPLICATIONS}",
                         exc.status)
    if exc.status == 404:  # nothing answers there: the address is wrong, the same exit from every command
        return UnreachableError("HaloPSA", f"{text}: HaloPSA has no token endpoint at that address. Check [halo] url "
                                "(the address you open in the browser, such as https://acme.halopsa.com) and "
                                "auth_url, if set", 404)
    if exc.status is not None and exc.status >= 500:
        hint = f"is tenant = {tenant!r} right?" if tenant else "hosted instances need [halo] tenant"
        return type(exc)(exc.service, f"{text} ({hint})", exc.status, ambiguous=exc.ambiguous)
    return exc


def _short_list(path: str, key: str, page_no: int, read: int, total: int) -> UnreachableError:
    return UnreachableError("HaloPSA", (
        f"HaloPSA's list of {key} (GET /api{path}) is incomplete: page {page_no} brought nothing new after {read} "
        f"of the {total} its record_count announced; halosync does not go on from an incomplete list (licences "
        "created from it would be duplicates). Try again later; if it persists, lower [halo] page_size"))


def _licence(row: dict[str, Any]) -> Licence | None:
    try:
        licence_id = int(row["id"])
        client_id = int(row.get("client_id") or 0)
    except (KeyError, TypeError, ValueError):
        return None
    item_id = row.get("item_id")
    try:
        item_id = int(item_id) if item_id not in (None, "", 0) else None
    except (TypeError, ValueError):
        item_id = None
    count = row.get("count")
    try:
        count = int(count) if count is not None else None
    except (TypeError, ValueError):
        count = None
    return Licence(
        id=licence_id,
        client_id=client_id,
        name=str(row.get("name") or ""),
        count=count,
        item_id=item_id,
        deleted=bool(row.get("deleted")),
        client_name=str(row.get("client_name") or ""),
    )


def _list_in(body: dict[str, Any], key: str) -> list[Any]:
    """The named list, else the first list-valued key other than `columns` (the wrapper name is unverified)."""
    named = body.get(key)
    if isinstance(named, list):
        return named
    for name, value in body.items():
        if name != "columns" and isinstance(value, list):
            return value
    return []


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
