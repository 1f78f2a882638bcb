"""The sandbox's data: a small, realistic MSP, and the fault switches tests flip."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HUNTRESS_KEY = "hk_sandbox_key"
HUNTRESS_SECRET = "hs_sandbox_secret"
HALO_CLIENT_ID = "sandbox-client"
HALO_CLIENT_SECRET = "sandbox-secret"
HALO_TENANT = "sandbox"
ALL_SCOPES = ("read:softwarelicensing", "edit:softwarelicensing", "read:items", "read:customers", "read:invoices",
              "edit:invoices")

# Huntress organization id, name, EDR agents, ITDR (microsoft, google), SAT learners, SIEM sources, ISPM identities
SEED_ORGANIZATIONS: list[tuple[int, str, int, tuple[int, int], int, int, int]] = [
    (101, "Acme Dental", 42, (18, 0), 20, 3, 0),
    (102, "Acme Dental - Annex", 6, (0, 0), 4, 0, 0),
    (103, "Bob's Bakery", 3, (0, 0), 0, 0, 0),
    (104, "Cedar Law Group LLC", 57, (61, 0), 55, 5, 61),
    (105, "Delta Logistics Inc.", 128, (90, 12), 0, 12, 0),
    (106, "Evergreen Veterinary", 14, (15, 0), 15, 0, 0),
    (107, "Foxglove Architects", 22, (0, 24), 23, 0, 0),
    (108, "Granite Credit Union", 210, (180, 0), 175, 20, 180),
    (109, "Harbor Pediatrics", 31, (30, 0), 0, 2, 0),
    (110, "Ironwood Manufacturing Pty Ltd", 96, (40, 0), 0, 8, 0),
    (111, "Juniper School District", 340, (0, 410), 0, 0, 0),
    (112, "Kestrel Accounting", 9, (9, 0), 9, 0, 0),
]

# Huntress organization -> Halo client, as the sandbox's ready config maps them. 101 and 102 share
# client 12 (their counts are summed); 103 (Bob's Bakery) is left unmapped, so a run shows the warning.
SEED_MAPPING: list[tuple[int, int, str]] = [
    (101, 12, "Acme Dental"), (102, 12, "Acme Dental - Annex"), (104, 14, "Cedar Law Group"),
    (105, 15, "Delta Logistics"), (106, 16, "Evergreen Veterinary"), (107, 17, "Foxglove Architects"),
    (108, 18, "Granite Credit Union"), (109, 19, "Harbor Pediatrics"), (110, 20, "Ironwood Manufacturing"),
    (111, 21, "Juniper School District"), (112, 22, "Kestrel Accounting"),
]

SEED_CLIENTS: list[tuple[int, str]] = [
    (12, "Acme Dental"), (13, "Bob's Bakery"), (14, "Cedar Law Group"), (15, "Delta Logistics"),
    (16, "Evergreen Veterinary Clinic"), (17, "Foxglove Architects"), (18, "Granite Credit Union"),
    (19, "Harbor Pediatrics"), (20, "Ironwood Manufacturing"), (21, "Juniper School District"),
    (22, "Kestrel Accounting"), (30, "Internal - MSP"),
]

SEED_ITEMS: list[tuple[int, str]] = [
    (1001, "Huntress Managed EDR"), (1002, "Huntress Managed ITDR"), (1003, "Huntress Managed SAT"),
    (1004, "Huntress Managed SIEM"), (1005, "Huntress Managed ISPM"), (1006, "Huntress Managed EDR - Servers"),
    (1007, "Huntress Managed EDR - Workstations"), (2001, "Microsoft 365 Business Premium"),
]

# Item -> (recurringprice, recurringcost) per unit and month; SAT's cost is left 0 (unset), as Halo shows a blank.
SEED_PRICES: dict[int, tuple[float, float]] = {1001: (6.0, 3.5), 1002: (4.0, 2.25), 1003: (2.5, 0.0), 1004: (12.0, 7.0)}
# Invoice lines priced apart from their item: (client, item) -> (unit_price, unit_cost)
SEED_LINE_PRICES: dict[tuple[int, int], tuple[float, float]] = {(14, 1001): (7.5, 0.0), (18, 1004): (10.0, 6.5)}


@dataclass
class Faults:
    """Switches for tests and rehearsals. Counters count down as they fire."""

    latency: float = 0.0  # seconds added to every answer
    # Writes held in flight: while this is set and clear, each licence POST and invoice-line write waits for it (at
    # most a minute) before it is carried out and answered, as a HaloPSA slow to answer; whoever holds it lets go.
    hold_writes: threading.Event | None = None
    hold_writes_after: int = 0  # with hold_writes: the sandbox's first N writes (licence and invoice) are not held
    huntress_429: int = 0  # the next N Huntress requests answer 429
    halo_429: int = 0  # the next N HaloPSA API requests answer 429
    retry_after: str | None = "1"  # Retry-After sent with those 429s (None: none sent)
    huntress_500: int = 0  # the next N Huntress requests answer 500
    huntress_page_cap: int = 0  # Huntress lists serve at most N rows a page, whatever the limit
    huntress_page_overlap: int = 0  # each next page starts N rows before the last one ended (rows shown twice)
    huntress_pager_repeats: bool = False  # the token after page 2 leads back to page 1 (the pager loops)
    halo_read_500: int = 0  # the next N HaloPSA GETs answer 500
    # HaloPSA lists serving fewer rows than page_size asks, record_count still the whole list: page k starts
    # at (k-1) x cap (Halo paging by its own size), or with halo_page_skips at (k-1) x page_size (rows skipped).
    halo_page_cap: int = 0
    halo_page_skips: bool = False
    halo_ignores_page_no: bool = False  # every page_no answers page 1
    fail_writes_for_clients: set[int] = field(default_factory=set)  # POSTs touching these clients answer 500, change nothing
    write_ok_then_500: int = 0  # the next N POSTs are carried out, then answer 500
    halo_read_500_after_write: int = 0  # from the first licence POST on, the next N HaloPSA GETs answer 500
    token_ttl: float = 3600  # expires_in of tokens issued (seconds; fractions make tests quick)
    token_max_uses: int = 0  # a token dies (401) after this many API requests, before its expiry; 0: never
    usages_as_string: bool = False  # send actual_usages JSON-encoded, as the vendor spec types it
    huntress_rate_limit: int = 60  # per minute, sliding window; 0 turns it off
    halo_denied_scopes: set[str] = field(default_factory=set)  # scopes the agent lacks: 403 on use
    invoice_links_ignored: bool = False  # invoice-line writes answer 200 but the line does not bill from the licence
    huntress_sync_on: bool = False  # Huntress's own billing sync left on: it writes before each HaloPSA token (sandbox/builtin.py)
    line_items_missing: bool = False  # the newest reseller invoice has no organization usage line items (yet)
    invoice_write_ok_then_500: int = 0  # the next N invoice-line writes are carried out, then answer 500
    invoice_read_500_after_write: int = 0  # from the first invoice-line write on, the next N invoice GETs answer 500
    # Someone else at work in HaloPSA: called once with the state, right after the Nth invoice listing was answered
    # (the change shows from the next read on), as a colleague editing invoices while a command waits.
    invoice_hook: Callable[[State], None] | None = None
    invoice_hook_after_reads: int = 1


SERVER_OS = ("Windows Server 2022 Standard", "Windows Server 2019 Datacenter", "Ubuntu 22.04.4 LTS")
WORKSTATION_OS = ("Windows 11 Pro", "Windows 10 Enterprise", "macOS 14.5")


@dataclass
class State:
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Recurring invoices. A line with "bill_from_licence": true bills from the client's licence
    # of its item (resolved when listed, since the sync creates the licences); others have a fixed qty.
    invoices: list[dict[str, Any]] = field(default_factory=list)
    clients: dict[int, dict[str, Any]] = field(default_factory=dict)
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    licences: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_licence_id: int = 5500
    # The API application's allowed scopes (a token asking for more gets invalid_scope).
    application_scopes: set[str] = field(default_factory=lambda: set(ALL_SCOPES))
    tenant: str | None = HALO_TENANT
    suggested_mapping: list[tuple[int, int, str]] = field(default_factory=list)  # what the ready config maps
    builtin_runs: int = 0  # how often the built-in sync, left on, has written (sandbox/builtin.py)
    # Huntress accounts the credentials see: id -> name, subdomain (a reseller's sub-accounts besides its own)
    accounts: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {1: {"id": 1, "name": "Sandbox MSP", "subdomain": "sandbox", "status": "enabled"}})
    reseller_invoice_id: int = 8002  # the newest reseller invoice: a test bumps it to issue a new one
    subscription_minimums: dict[str, int] = field(default_factory=dict)  # the reseller's own account: product -> minimum
    neighborhood_watch: dict[str, int] = field(default_factory=lambda: {"edr": 4, "itdr": 0, "sat": 0, "siem": 0, "ispm": 0})

    @classmethod
    def seeded(cls) -> State:
        state = cls(suggested_mapping=list(SEED_MAPPING))
        for org_id, name, edr, (itdr_ms, itdr_google), sat, siem, ispm in SEED_ORGANIZATIONS:
            state.add_organization(org_id, name, edr=edr, itdr=[itdr_ms, itdr_google], sat=sat, siem=siem, ispm=[ispm])
        for client_id, name in SEED_CLIENTS:
            state.clients[client_id] = {"id": client_id, "name": name, "inactive": False, "toplevel_id": 1}
        for item_id, name in SEED_ITEMS:
            price, cost = SEED_PRICES.get(item_id, (0.0, 0.0))
            state.items[item_id] = {"id": item_id, "name": name, "inactive": False, "recurringprice": price,
                                    "recurringcost": cost}
        # A licence a person made by hand earlier, with a stale count: the first sync updates it.
        state.add_licence(client_id=14, item_id=1001, name="Huntress EDR (Cedar)", count=50)
        # Another vendor's licence on a mapped client: never touched.
        state.add_licence(client_id=12, item_id=2001, name="Microsoft 365 Business Premium", count=25)
        # A deleted licence on our item: never matched.
        state.add_licence(client_id=15, item_id=1001, name="Huntress Managed EDR", count=100, deleted=True)
        # Recurring invoices, for the audit: most bill from the licences; Acme's SAT line has a fixed
        # quantity, Delta's invoice has no Huntress lines, Evergreen has no recurring invoice at all.
        huntress_items = (1001, 1002, 1003, 1004)
        for invoice_id, client_id in enumerate((12, 14, 15, 17, 18, 19, 20, 21, 22), start=901):
            if client_id == 15:
                lines = [{"item_id": 2001, "qty": 25}]
            elif client_id == 12:
                lines = [{"item_id": 1001}, {"item_id": 1002}, {"item_id": 1003, "qty": 20}, {"item_id": 1004}, {"item_id": 2001, "qty": 25}]
            else:
                lines = [{"item_id": item} for item in huntress_items]
            state.add_invoice(invoice_id, client_id, lines)
        return state

    @classmethod
    def generated(cls, organizations: int) -> State:
        """A large, regular MSP for benchmarks: org i maps to client i."""
        state = cls()
        for i in range(1, organizations + 1):
            state.add_organization(10_000 + i, f"Customer {i:05d}", edr=10 + i % 50, itdr=[i % 30, 0], sat=i % 20, siem=i % 5, ispm=[0])
            state.clients[20_000 + i] = {"id": 20_000 + i, "name": f"Customer {i:05d}", "inactive": False, "toplevel_id": 1}
            state.suggested_mapping.append((10_000 + i, 20_000 + i, f"Customer {i:05d}"))
        for item_id, name in SEED_ITEMS:
            state.items[item_id] = {"id": item_id, "name": name, "inactive": False}
        return state

    def add_invoice(self, invoice_id: int, client_id: int, lines: list[dict[str, Any]]) -> None:
        self.invoices.append({
            "id": invoice_id, "client_id": client_id, "client_name": self.clients.get(client_id, {}).get("name", ""),
            "disabled": False, "is_recurring_invoice": True,
            "lines": [{"id": invoice_id * 10 + n, "item_id": line["item_id"], "item_code": self.items.get(line["item_id"], {}).get("name", ""),
                       "qty_order": line.get("qty", 0), "bill_from_licence": "qty" not in line,
                       "unit_price": self._line_prices(client_id, line["item_id"])[0],
                       "unit_cost": self._line_prices(client_id, line["item_id"])[1]}
                      for n, line in enumerate(lines, start=1)],
        })

    def _line_prices(self, client_id: int, item_id: int) -> tuple[float, float]:
        """A line's own price and cost: its item's price (a line copies it when added), unless priced apart."""
        if (client_id, item_id) in SEED_LINE_PRICES:
            return SEED_LINE_PRICES[(client_id, item_id)]
        return float(self.items.get(item_id, {}).get("recurringprice", 0.0)), 0.0

    def huntress_invoices(self) -> list[dict[str, Any]]:
        """Huntress's invoices to the MSP, newest first: one a month, the latest for every EDR agent now but the
        Neighborhood Watch seats (Huntress does not bill those), so a clean sandbox reconciles with 0 unexplained."""
        agents = sum(self.agent_count(o) for o in self.organizations) - self.neighborhood_watch.get("edr", 0)
        return [{"id": 7002, "amount": agents * 300, "created_at": "2026-11-01T00:05:00Z", "currency_type": "usd",
                 "plan": "Huntress Managed EDR", "quantity": agents, "status": "paid", "has_usage": True,
                 "updated_at": "2026-11-01T00:05:00Z"},
                {"id": 7001, "amount": (agents - 12) * 300, "created_at": "2026-10-01T00:05:00Z", "currency_type": "usd",
                 "plan": "Huntress Managed EDR", "quantity": agents - 12, "status": "paid", "has_usage": True,
                 "updated_at": "2026-10-01T00:05:00Z"}]

    def live_licences(self, client_id: int | None = None) -> list[dict[str, Any]]:
        """Licences not deleted, of one client or all."""
        return [l for l in self.licences.values()
                if not l["deleted"] and (client_id is None or l["client_id"] == client_id)]

    def agent_count(self, org_id: int) -> int:
        return int(self.organizations[org_id]["usage"]["edr"]["billable_agents_count"])

    def agents(self, org_id: int, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """The organization's agents (or a slice of them), made from its EDR count: about one in eight a server."""
        org = self.organizations[org_id]
        edr = self.agent_count(org_id)
        servers = org["usage"]["edr"].get("servers", (edr + 7) // 8)
        agents = []
        for n in range(start, edr if stop is None else min(stop, edr)):
            server = n < servers
            os_name = (SERVER_OS if server else WORKSTATION_OS)[n % 3]
            platform = "linux" if "Ubuntu" in os_name else "darwin" if "macOS" in os_name else "windows"
            agents.append({"id": org_id * 100_000 + n + 1, "organization_id": org_id, "account_id": 1,
                           "hostname": f"{org['key'][:8]}-{'srv' if server else 'ws'}{n + 1:03d}",
                           "os": os_name, "platform": platform, "version": "0.14.2"})
        return agents

    def add_organization(self, org_id: int, name: str, *, edr: int, itdr: list[int], sat: int, siem: int, ispm: list[int]) -> None:
        providers = ["microsoft", "google"]
        self.organizations[org_id] = {
            "id": org_id,
            "name": name,
            "key": name.lower().replace(" ", "")[:20],
            "account_id": 1,
            "created_at": "2024-01-15T10:00:00Z",
            "updated_at": "2026-11-01T10:00:00Z",
            "incident_reports_count": 0,
            "usage": {
                "edr": {"billable_agents_count": edr, "unresponsive_agents_count": 0},
                "itdr": [{"type": providers[i], "billable_identities_count": n, "total_identities_count": n + 2}
                         for i, n in enumerate(itdr) if n],
                "ispm": [{"type": providers[i], "billable_identities_count": n, "total_identities_count": n}
                         for i, n in enumerate(ispm) if n],
                "sat": {"learners_count": sat},
                "siem": {"billable_log_sources_count": siem, "retention": "90/7",
                         "current_billing_cycle": {"online_gb": round(siem * 1.7, 2)}},
            },
        }

    def set_count(self, org_id: int, product: str, count: int) -> None:
        """Change one product's billable count (for ITDR/ISPM: the first provider's)."""
        usage = self.organizations[org_id]["usage"]
        if product == "edr":
            usage["edr"]["billable_agents_count"] = count
        elif product == "sat":
            usage["sat"]["learners_count"] = count
        elif product == "siem":
            usage["siem"]["billable_log_sources_count"] = count
        else:
            entries = usage[product] or [{"type": "microsoft", "billable_identities_count": 0, "total_identities_count": 0}]
            entries[0]["billable_identities_count"] = count
            usage[product] = entries

    def add_licence(self, *, client_id: int, item_id: int | None, name: str, count: int, deleted: bool = False) -> int:
        licence_id = self.next_licence_id
        self.next_licence_id += 1
        self.licences[licence_id] = {
            "id": licence_id, "client_id": client_id, "client_name": self.clients.get(client_id, {}).get("name", ""),
            "site_id": 0, "name": name, "count": count, "type": 0, "item_id": item_id or 0, "status": "Active",
            "is_active": True, "deleted": deleted, "billing_cycle": "Monthly", "price": 0, "notes": "",
        }
        return licence_id

    def summary(self, org: dict[str, Any]) -> dict[str, Any]:
        """An organization as GET /v1/organizations lists it."""
        usage = org["usage"]
        public = {k: v for k, v in org.items() if k != "usage"}
        return {
            **public,
            "agents_count": usage["edr"]["billable_agents_count"],
            "billable_identity_count": sum(e["billable_identities_count"] for e in usage["itdr"]),
            "sat_learner_count": usage["sat"]["learners_count"],
            "logs_sources_count": usage["siem"]["billable_log_sources_count"],
        }
