"""The mapping's rules, each in one place: what is billed, which licence is ours, what is unmapped, what clashes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from halosync.core.models import Licence
from halosync.core.products import AGENT_PRODUCTS, PRODUCTS


@dataclass(frozen=True)
class Mapping:
    """What the config says to sync, in the shape the planner needs."""

    clients: dict[int, list[int]]  # Halo client id -> Huntress organization ids summed into it
    products: dict[str, int]  # product key -> Halo item id
    licence_names: dict[str, str]  # product key -> name of licences halosync creates
    ignored: frozenset[int] = frozenset()
    client_products: dict[int, frozenset[str]] = field(default_factory=dict)  # clients that take only some products
    minimums: dict[int, dict[str, int]] = field(default_factory=dict)  # client -> product -> contract minimum
    licence_name_template: str = ""  # [sync] licence_name, to name products no longer mapped

    def rendered_name(self, product: str) -> str:
        """The licence name halosync gives `product`'s licences, mapped or not ('' when it cannot say)."""
        if product in self.licence_names:
            return self.licence_names[product]
        if self.licence_name_template and product in PRODUCTS:
            return self.licence_name_template.format(product=PRODUCTS[product].display_name)
        return ""

    def products_of(self, client_id: int) -> dict[str, int]:
        """The products this client is billed for: product -> item."""
        allowed = self.client_products.get(client_id)
        return {p: item for p, item in self.products.items() if allowed is None or p in allowed}

    @property
    def wanted_products(self) -> list[str]:
        """Products some mapped client is billed for (no request is spent on the others)."""
        return [p for p in self.products if any(p in self.products_of(c) for c in self.clients)]

    @property
    def organization_ids(self) -> list[int]:
        return [org for orgs in self.clients.values() for org in orgs]

    def is_candidate(self, licence: Licence) -> bool:
        """Could this licence be one of halosync's? (Used to keep memory small while paging.)"""
        return licence.client_id in self.clients and not licence.deleted


def is_ours(licence: Licence, item_id: int, licence_name: str) -> bool:
    """Which licence is halosync's (docs/decisions.md), for a licence already on the right client."""
    if licence.deleted:
        return False
    if licence.item_id is not None:
        return licence.item_id == item_id
    return licence.name == licence_name


def ours(licences: Iterable[Licence], client_id: int, item_id: int, licence_name: str) -> list[Licence]:
    """halosync's licences for one client and item, by id; more than one means halosync must not guess."""
    return sorted((l for l in licences if l.client_id == client_id and is_ours(l, item_id, licence_name)),
                  key=lambda l: l.id)


def elsewhere(licences: Iterable[Licence], client_id: int, product: str, mapping: Mapping,
              written_for: dict[tuple[int, str], set[int]] | None = None, *, other_form: bool = False) -> list[Licence]:
    """Live licences of this client that still bill `product` on another item: the product was moved to a new
    item, or EDR changed between whole and split. Creating a licence on the new item would bill it twice.

    A licence counts when it carries the rendered licence name of the product (or of the other EDR form), or
    when the results log shows halosync wrote it for this client and that product (`written_for`), unless it
    is the own licence of another product this client is billed for.

    `other_form`: only the other EDR form's licences (for a pair that has its own licence already: updating
    it while the other form still bills would bill EDR twice, once whole and once split).
    """
    item_id, name = mapping.products[product], mapping.licence_names[product]
    kin = sorted(edr_kin(product)) if other_form else [product, *sorted(edr_kin(product))]
    if not kin:
        return []
    names = {rendered for p in kin if (rendered := mapping.rendered_name(p))}
    written = {i for p in kin for i in (written_for or {}).get((client_id, p), ())}
    others = {p: i for p, i in mapping.products_of(client_id).items() if p != product}
    found = []
    for licence in licences:
        if licence.client_id != client_id or licence.deleted or is_ours(licence, item_id, name):
            continue
        if any(is_ours(licence, i, mapping.licence_names[p]) for p, i in others.items()):
            continue
        if licence.name in names or licence.id in written:
            found.append(licence)
    return sorted(found, key=lambda l: l.id)


def edr_kin(product: str) -> frozenset[str]:
    """The other form of EDR: edr for edr_servers and edr_workstations, and those two for edr."""
    if product == "edr":
        return AGENT_PRODUCTS
    return frozenset({"edr"}) if product in AGENT_PRODUCTS else frozenset()


def unmapped_organizations(organizations: dict[int, str], mapped: Iterable[int], ignored: Iterable[int]) -> list[int]:
    """Organizations neither mapped nor ignored, by name (case-blind), then id: the one order everywhere."""
    skip = set(mapped) | set(ignored)
    return sorted((o for o in organizations if o not in skip), key=lambda o: (organizations[o].casefold(), o))


def items_shared(products: dict[str, int]) -> dict[int, list[str]]:
    """Items that more than one product is mapped to (both would claim one licence): item -> products."""
    by_item: dict[int, list[str]] = defaultdict(list)
    for product, item_id in products.items():
        by_item[item_id].append(product)
    return {item: keys for item, keys in by_item.items() if len(keys) > 1}


def excludes(product: str, mapped: Iterable[str]) -> bool:
    """EDR is billed whole (edr) or split (edr_servers, edr_workstations), never both: billing both bills EDR twice."""
    chosen = set(mapped)
    return (product in AGENT_PRODUCTS and "edr" in chosen) or (product == "edr" and bool(chosen & AGENT_PRODUCTS))
