"""`map`'s core: what is mapped, unmapped, ignored or stale, and which matches are unambiguous. No printing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from halosync.config.schema import Config
from halosync.core.mapping import excludes, unmapped_organizations
from halosync.core.matching import Candidate, normalise, rank, unambiguous
from halosync.core.products import PRODUCTS
from halosync.run.wiring import Services

MAP_SCOPES = ("read:customers", "read:items")


@dataclass(frozen=True)
class Inventory:
    """Both sides' names, as the services have them now."""

    organizations: dict[int, str]  # Huntress
    clients: dict[int, str]  # active Halo clients
    items: dict[int, dict[str, Any]]  # Halo items, inactive included

    def active_items(self) -> list[tuple[int, str]]:
        return [(i, str(item.get("name") or "")) for i, item in self.items.items() if not item.get("inactive")]


def fetch_inventory(config: Config, **service_options: Any) -> Inventory:
    with Services(config, extra_scopes=MAP_SCOPES, **service_options) as services:
        billed = {a.huntress_account_id for a in config.accounts}  # [[accounts]] bill these whole: not offered
        organizations = {org.id: org.name for org in services.huntress.organizations() if org.account_id not in billed
                         or org.account_id is None}
        return Inventory(organizations=organizations, clients=services.halo.clients(), items=services.halo.items())


@dataclass
class MappingState:
    mapped: list[tuple[int, int]] = field(default_factory=list)  # (organization, client)
    unmapped: list[int] = field(default_factory=list)  # organizations, by name
    ignored: list[int] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # what no longer exists, in words
    products_unmapped: list[str] = field(default_factory=list)
    products_mapped: list[str] = field(default_factory=list)
    shared_clients: dict[int, list[int]] = field(default_factory=dict)  # client -> its several organizations


def mapping_state(config: Config, inventory: Inventory, extra: Sequence[tuple[int, int]] = ()) -> MappingState:
    """The mapping's state; `extra` are (organization, client) pairs about to be added."""
    state = MappingState()
    pairs = [(o.huntress_id, o.halo_client_id) for o in config.organizations] + list(extra)
    state.mapped = pairs
    mapped_ids = {org for org, _ in pairs}
    ignored = set(config.sync.ignore_organizations)
    names = inventory.organizations
    state.unmapped = unmapped_organizations(names, mapped_ids, ignored)
    state.ignored = sorted(ignored)
    for org, client in pairs:
        if org not in names:
            state.stale.append(f"Huntress organization {org} (mapped to client {client}) is not in Huntress")
        if client not in inventory.clients:
            state.stale.append(f"HaloPSA client {client} (mapped from organization {org}) is not an active client")
    for org in ignored - set(names):
        state.stale.append(f"ignored organization {org} is not in Huntress")
    mapped_products = config.products.mapped()
    for product, item in mapped_products.items():
        if item not in inventory.items:
            state.stale.append(f"[products] {product} = {item}: HaloPSA has no such item")
        elif inventory.items[item].get("inactive"):
            state.stale.append(f"[products] {product} = {item}: the item is inactive")
    state.products_mapped = list(mapped_products)
    state.products_unmapped = [p for p in PRODUCTS if p not in mapped_products and not excludes(p, mapped_products)]
    by_client: dict[int, list[int]] = defaultdict(list)
    for org, client in pairs:
        by_client[client].append(org)
    state.shared_clients = {c: orgs for c, orgs in by_client.items() if len(orgs) > 1}
    return state


def client_candidates(inventory: Inventory, organization_id: int, limit: int = 5) -> list[Candidate]:
    return rank(inventory.organizations[organization_id], inventory.clients.items(), limit)


def item_candidates(inventory: Inventory, product: str, limit: int = 5) -> list[Candidate]:
    return rank(f"Huntress {PRODUCTS[product].display_name}", inventory.active_items(), limit)


def names_product(item_name: str, product: str) -> bool:
    """Whether an item's name names this product ('EDR' in 'Huntress Managed EDR'; 'EDR' and 'Servers' for
    edr_servers), so that --auto never maps EDR to ITDR."""
    words = {w.removesuffix("s") for w in normalise(item_name).split()}
    return all(part.removesuffix("s") in words for part in product.split("_"))


@dataclass
class AutoResult:
    organizations: list[tuple[int, Candidate]] = field(default_factory=list)
    products: list[tuple[str, Candidate]] = field(default_factory=list)
    left: list[tuple[str, Candidate | None]] = field(default_factory=list)  # what was not mapped, and its best candidate


def auto_map(config: Config, inventory: Inventory, state: MappingState, min_score: int) -> AutoResult:
    result = AutoResult()
    for org in state.unmapped:
        candidates = client_candidates(inventory, org)
        choice = unambiguous(candidates, min_score)
        if choice is None:
            result.left.append((f"organization {org} {inventory.organizations[org]!r}", candidates[0] if candidates else None))
        else:
            result.organizations.append((org, choice))
    taken = set(config.products.mapped().values())
    chosen = set(config.products.mapped())
    for product in state.products_unmapped:
        if excludes(product, chosen):
            continue
        candidates = [c for c in item_candidates(inventory, product) if c.id not in taken]
        choice = unambiguous(candidates, min_score)
        if choice is None or not names_product(choice.name, product):
            result.left.append((f"product {product} ({PRODUCTS[product].display_name})", candidates[0] if candidates else None))
        else:
            result.products.append((product, choice))
            taken.add(choice.id)
            chosen.add(product)
    return result
