"""Huntress API client: the organizations and their per-product counts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

import httpx

from halosync.config.schema import Config
from halosync.core.invoice import HuntressInvoice, LineItems
from halosync.core.models import Counts, Organization
from halosync.core.products import AGENT_PRODUCTS, PRODUCTS, CountMode, needs_detail
from halosync.errors import AuthError, ServiceError, UnreachableError
from halosync.huntress.invoices import add_line_items, parse_invoice
from halosync.huntress.usage import _as_count, billable_count, is_server, parse_usages, summary_count
from halosync.transport.http import RetryPolicy, Service
from halosync.transport.pool import POOL_SIZE, concurrently

PAGE_LIMIT = 500  # the maximum Huntress allows; its default is 10
MAX_PAGES = 10_000  # guards against a server that never stops handing out tokens
SUMMARY_FIELDS = [p.summary_field for p in PRODUCTS.values() if p.summary_field]
# The account's own invoices come in no promised order: "newest" is asked for, wherever one is read.
NEWEST_OWN_INVOICE: dict[str, Any] = {"limit": 1, "sort_field": "created_at", "sort_direction": "desc"}
# Huntress's 60 requests a minute are per account, shared with every other tool using it: a 429 is
# waited out for up to 90 s in all, a "Retry-After: 1" while the window stays full growing into a back-off.
RATE_LIMIT = RetryPolicy(rate_limited_attempts=1000, rate_limited_budget=90.0, min_retry_after=1.0)


class HuntressClient:
    def __init__(self, service: Service, credentials: str = "[huntress] api_key and api_secret"):
        self.service = service
        self.credentials = credentials  # where the key and secret were set, for the message when they are refused
        self.sub_accounts = False  # organizations() covers every account the credentials see (config.reads_sub_accounts)
        self.seen_accounts: set[int] | None = None  # the accounts GET /v1/accounts listed, once read

    @classmethod
    def from_config(cls, config: Config, **service_options: Any) -> HuntressClient:
        """`service_options` go to Service (transport, clock, sleep, retry: tests and the sandbox use them)."""
        huntress = config.huntress
        key, secret = config.secret("huntress", "api_key"), config.secret("huntress", "api_secret")
        service = Service(
            "Huntress",
            f"{huntress.base_url}/v1",
            per_minute=huntress.requests_per_minute,
            auth=httpx.BasicAuth(key, secret),
            secrets=(key, secret),
            **{"retry": RATE_LIMIT, **service_options},
        )
        service.auth_hint = f"Check {config.secret_names('huntress')} (<your subdomain>.huntress.io > API Credentials)"
        client = cls(service, config.secret_names("huntress"))
        client.sub_accounts = config.reads_sub_accounts
        return client

    @property
    def requests(self) -> int:
        return self.service.requests

    def close(self) -> None:
        self.service.close()

    def account(self) -> dict[str, Any]:
        body = self.service.json_object(self.service.request("GET", "/account"))
        account = body.get("account")
        return account if isinstance(account, dict) else body

    def latest_invoice(self) -> dict[str, Any] | None:
        """Huntress's newest invoice to the account (one request): date, plan, quantity."""
        body = self.service.json_object(self.service.request("GET", "/invoices", params=NEWEST_OWN_INVOICE))
        invoices = body.get("invoices")
        return invoices[0] if isinstance(invoices, list) and invoices and isinstance(invoices[0], dict) else None

    def newest_invoice(self, *, reseller: bool) -> HuntressInvoice | None:
        """Huntress's newest invoice, in one request: a reseller's (GET /v1/reseller/invoices, newest first by
        default) or the account's own (GET /v1/invoices sorted by created_at). None when there is none yet."""
        params: dict[str, Any]
        if reseller:
            path, params = "/reseller/invoices", {"limit": 1}
        else:
            path, params = "/invoices", NEWEST_OWN_INVOICE
        body = self.service.json_object(self.service.request("GET", path, params=params))
        invoices = body.get("invoices")
        if not isinstance(invoices, list):
            raise ServiceError("Huntress", f"Huntress answered GET {path} without a list of invoices")
        if not invoices:
            return None
        try:
            return parse_invoice(invoices[0])
        except ValueError as exc:
            raise ServiceError("Huntress", f"Huntress answered GET {path} with {exc}") from None

    def invoice_line_items(self, invoice_id: int) -> LineItems:
        """Every organization usage line item of a reseller invoice (500 a page, all pages), added up per
        organization. A page that brings no new line item (_pages refuses it), or a line item that cannot be
        read, is an error: billing from part of an invoice would bill customers too little."""
        path = f"/reseller/invoices/{invoice_id}/organization_usage_line_items"
        found = LineItems(invoice_id=invoice_id)
        seen: set[int] = set()
        try:
            for rows in self._pages(path, "organization_usage_line_items"):
                try:
                    add_line_items(found, rows, seen)
                except ValueError as exc:
                    raise ServiceError("Huntress", f"Huntress invoice {invoice_id}: {exc}; nothing was written") from None
        except ServiceError as exc:
            if exc.status != 404 or isinstance(exc, AuthError):
                raise
            raise ServiceError("Huntress", f"Huntress has no organization usage line items for invoice {invoice_id} "
                               f"yet ({exc}): nothing was written; the next run tries again", 404) from None
        return found

    def account_line_items(self, invoice_id: int) -> list[dict[str, Any]]:
        """A reseller invoice's account usage line items (per account and product: billable and actual units,
        the subscription minimum), all pages."""
        path = f"/reseller/invoices/{invoice_id}/account_usage_line_items"
        return [row for rows in self._pages(path, "account_usage_line_items") for row in rows if isinstance(row, dict)]

    def sample_agents(self) -> None:
        """One small read of the agent list: proves the credential may list agents."""
        self.service.request("GET", "/agents", params={"limit": 1})

    def organizations(self, progress: Callable[[str], None] | None = None) -> list[Organization]:
        """Every organization of the account, all pages."""
        found: dict[int, Organization] = {}
        for page, rows in enumerate(self._pages("/organizations", "organizations"), start=1):
            for row in rows:
                org = _organization(row)
                found[org.id] = org
            if progress and page > 1:
                progress(f"Huntress: {len(found)} organizations read ({page} pages)")
        if self.sub_accounts:
            self._add_account_organizations(found)
        return list(found.values())

    def accounts(self) -> dict[int, str]:
        """Every account the credentials see (GET /v1/accounts, all pages): id -> name."""
        found: dict[int, str] = {}
        for rows in self._pages("/accounts", "accounts"):
            for row in rows:
                account_id = row.get("id") if isinstance(row, dict) else None
                if isinstance(account_id, int) and not isinstance(account_id, bool):
                    found[account_id] = str(row.get("name") or row.get("subdomain") or account_id)
        self.seen_accounts = set(found)
        return found

    def _add_account_organizations(self, found: dict[int, Organization]) -> None:
        """The organizations of every account (GET /v1/accounts/{id}/organizations), each named with its account
        ("Clinic (Northwind)") so that two accounts' look-alike names can be told apart."""
        accounts = self.accounts()
        for account_id in accounts:
            for rows in self._pages(f"/accounts/{account_id}/organizations", "organizations"):
                for row in rows:
                    org = _organization(row)
                    if org.account_id is None:
                        org.account_id = account_id
                    found.setdefault(org.id, org)
        if len(accounts) > 1:
            for org in found.values():
                if org.account_id in accounts:
                    org.name = f"{org.name} ({accounts[org.account_id]})"

    def usage(self, organization_id: int) -> dict[str, Any]:
        """`actual_usages` of GET /v1/organizations/{id}, parsed (billable_count reads each product from it)."""
        body = self.service.json_object(self.service.request("GET", f"/organizations/{organization_id}"))
        org = body.get("organization", body)
        try:
            return parse_usages(org.get("actual_usages") if isinstance(org, dict) else None)
        except ValueError as exc:
            raise ServiceError("Huntress", f"Huntress organization {organization_id}: {exc}") from None

    def counts(
        self,
        organizations: dict[int, Organization],
        wanted: Iterable[int],
        products: Iterable[str],
        mode: CountMode,
        progress: Callable[[str], None] | None = None,
    ) -> Counts:
        """Counts of the `wanted` organizations that exist, fetching details only where the mode needs them.

        An organization whose usage cannot be read
        (a 404, unreadable JSON) is an error of its own, not the end of the run;
        a count that is not a whole number from 0 up is `bad` for that
        (organization, product) alone, and left out of `counts`.
        """
        products = list(products)
        detail_products = [p for p in products if needs_detail(p, mode)]
        agent_products = [p for p in products if p in AGENT_PRODUCTS]
        list_products = [p for p in products if p not in detail_products and p not in agent_products]
        present = [org_id for org_id in wanted if org_id in organizations]
        tick = _Ticker(progress, len(present)) if detail_products else None

        def one(org_id: int) -> tuple[int, dict[str, int] | None, str | None, dict[str, str]]:
            return (org_id, *self._organization_counts(organizations[org_id], list_products, detail_products, tick))

        counts: dict[int, dict[str, int]] = {}
        errors: dict[int, str] = {}
        bad_counts: dict[tuple[int, str], str] = {}
        workers = POOL_SIZE if detail_products else 1
        for org_id, found, error, bad in concurrently(one, present, workers):
            if error is not None or found is None:
                errors[org_id] = error or "no counts"
            else:
                counts[org_id] = found
                bad_counts.update({(org_id, p): why for p, why in bad.items()})
        if agent_products:
            unreadable: dict[int, str] = {}
            splits = self.agent_counts(organizations, [o for o in present if o in counts], unreadable)
            for org_id, split in splits.items():
                counts[org_id].update({p: split[p] for p in agent_products})
            bad_counts.update({(org_id, p): why for org_id, why in unreadable.items() for p in agent_products})
        return Counts(counts=counts, errors=errors, bad=bad_counts)

    def _organization_counts(self, organization: Organization, list_products: list[str], detail_products: list[str],
                             tick: _Ticker | None) -> tuple[dict[str, int] | None, str | None, dict[str, str]]:
        """One organization's counts: (found, None, bad), or (None, why, {}) when its usage cannot be read."""
        org_id = organization.id
        found: dict[str, int] = {}
        bad: dict[str, str] = {}

        def read(product: str, count: Callable[[], int]) -> None:
            try:
                found[product] = count()
            except ValueError as exc:  # the vendor's bad value fails this row only, with the value in its message
                bad[product] = f"Huntress organization {org_id}: {exc}"

        for p in list_products:
            read(p, partial(summary_count, organization.summary, p))
        if not detail_products:
            return found, None, bad
        try:
            usages = self.usage(org_id)
        except (AuthError, UnreachableError):
            raise
        except ServiceError as exc:
            return None, str(exc), {}
        for p in detail_products:
            read(p, partial(billable_count, usages, p))
        if tick is not None:
            tick()
        return found, None, bad

    def agent_counts(self, organizations: dict[int, Organization], wanted: list[int],
                     unreadable: dict[int, str] | None = None) -> dict[int, dict[str, int]]:
        """EDR agents of each wanted organization, split into servers and workstations.

        One listing of every agent of the account, grouped by organization, or one
        listing per organization: whichever costs fewer requests, judged from the
        organization list's agents_count. An organization whose agents_count, or one of
        whose agents' organization_id, is not a number cannot be counted: it is left out
        of the result and named in `unreadable` with the reason (its rows fail, not the run).
        """
        unreadable = {} if unreadable is None else unreadable
        split = self._agent_split(organizations, wanted, unreadable)
        for org_id in unreadable:
            split.pop(org_id, None)
        return split

    def _agent_split(self, organizations: dict[int, Organization], wanted: list[int],
                     unreadable: dict[int, str]) -> dict[int, dict[str, int]]:
        def pages_for(agents: int) -> int:
            return max(1, -(-agents // PAGE_LIMIT))

        split = {org_id: {"edr_servers": 0, "edr_workstations": 0} for org_id in wanted}
        if not wanted:
            return split
        def agents_of(org: int) -> int:
            try:  # the same reader as every other count: "12", 2.5 or -1 is the vendor's bad value
                return _as_count(organizations[org].summary.get("agents_count"), "agents_count")
            except ValueError as exc:
                if org in split:
                    unreadable[org] = f"Huntress organization {org}: {exc}"
                return 0

        per_organization = sum(pages_for(agents_of(org)) for org in wanted)
        account_wide = pages_for(sum(agents_of(org) for org in organizations))

        def tally(agents: list[dict[str, Any]], listed_for: int | None = None) -> None:
            for agent in agents:
                value = agent.get("organization_id")
                try:
                    org_id = _whole(value or 0)
                except ValueError:
                    # Whose agent it is cannot be told: every organization it could belong to cannot be counted.
                    why = (f"Huntress listed agent {agent.get('id')!r} with an organization_id that is not a number "
                           f"({value!r}), so this organization's agents cannot be counted")
                    for org in [listed_for] if listed_for is not None else list(split):
                        unreadable.setdefault(org, f"Huntress organization {org}: {why}")
                    continue
                counts = split.get(org_id)
                if counts is not None:
                    counts["edr_servers" if is_server(agent) else "edr_workstations"] += 1

        if account_wide < per_organization:
            for rows in self._pages("/agents", "agents"):
                tally(rows)
        else:
            def one(org_id: int) -> list[dict[str, Any]]:
                return [a for rows in self._pages("/agents", "agents", {"organization_id": org_id}) for a in rows]

            for org_id, agents in zip(wanted, concurrently(one, wanted), strict=True):
                tally(agents, org_id)
        return split

    def _pages(self, path: str, key: str, filters: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list, following next_page_token; each row once (by id), so an organization or an
        agent a moving list shows on two pages is counted once.

        Complete or an error: a page that brings no new id while the list goes on (or a page of repeats),
        a page token handed out twice, or more than MAX_PAGES pages raise UnreachableError naming the list
        (exit 5). Stopping there quietly would bill from part of the list.
        """
        token: str | None = None
        seen_tokens: set[str] = set()
        seen_ids: set[Any] = set()
        for number in range(1, MAX_PAGES + 1):
            params: dict[str, Any] = {"limit": PAGE_LIMIT, **(filters or {})}
            if token:
                params["page_token"] = token
            body = self.service.json_object(self.service.request("GET", path, params=params))
            rows = body.get(key)
            if not isinstance(rows, list):
                raise ServiceError("Huntress", f"Huntress answered GET {path} without a list of {key}")
            new: list[dict[str, Any]] = []
            progress = repeats = False
            for row in rows:
                row_id = row.get("id") if isinstance(row, dict) else None
                if isinstance(row_id, (int, str)):
                    if row_id in seen_ids:
                        repeats = True
                        continue
                    seen_ids.add(row_id)
                    progress = True
                new.append(row)  # without an id a row cannot be told apart: kept (its reader judges it)
            pagination = body.get("pagination")
            raw_token = pagination.get("next_page_token") if isinstance(pagination, dict) else None
            next_token = str(raw_token) if raw_token else None
            if not progress and (next_token or repeats):
                raise _incomplete(path, key, filters, f"page {number} brought no {key} not already read")
            if next_token and next_token in seen_tokens:
                raise _incomplete(path, key, filters, f"page {number} handed out a page token it had given before")
            yield new
            if not next_token:
                return
            seen_tokens.add(next_token)
            token = next_token
        raise _incomplete(path, key, filters, f"it went on past {MAX_PAGES} pages")


def _incomplete(path: str, key: str, filters: dict[str, Any] | None, why: str) -> UnreachableError:
    which = "".join(f", {name} {value}" for name, value in (filters or {}).items())
    return UnreachableError("Huntress", (
        f"Huntress's list of {key} (GET /v1{path}{which}) is incomplete: {why}; halosync does not bill from part "
        "of a list. Try again later"))


def _whole(value: Any) -> int:
    """An id from Huntress as a whole number from 0 up (counts go through usage._as_count); anything else (text, 2.5, -1, true) is ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
        raise ValueError(value)
    number = int(value)  # ValueError for "abc", "2.5"
    if number < 0:
        raise ValueError(value)
    return number


def _organization(row: dict[str, Any]) -> Organization:
    try:
        org_id = int(row["id"])
    except (KeyError, TypeError, ValueError):
        raise ServiceError("Huntress", "Huntress listed an organization without an id") from None
    # Keep only the count fields: at 10,000 organizations whole rows add up.
    summary = {field: row.get(field) for field in SUMMARY_FIELDS}
    account_id = row.get("account_id")
    return Organization(id=org_id, name=str(row.get("name") or ""), summary=summary,
                        account_id=account_id if isinstance(account_id, int) and not isinstance(account_id, bool) else None)


class _Ticker:
    """A progress line every hundred organizations whose usage was read, from any of the pool's threads."""

    def __init__(self, progress: Callable[[str], None] | None, total: int):
        self._progress = progress
        self._total = total
        self._done = 0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if self._progress is None:
            return
        with self._lock:
            self._done += 1
            if self._done % 100 == 0:
                self._progress(f"Huntress: usage read for {self._done} of {self._total} organizations")
