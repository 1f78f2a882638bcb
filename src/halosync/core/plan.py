"""The planning core: (organizations' counts, existing licences, mapping) -> rows. Pure: no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from halosync.config.schema import Config
from halosync.core.models import Licence, Row, Unmapped


@dataclass(frozen=True)
class Mapping:
    """What the config says to sync, in the shape the planner needs."""

    clients: dict[int, list[int]]  # Halo client id -> Huntress organization ids summed into it
    products: dict[str, int]  # product key -> Halo item id
    licence_names: dict[str, str]  # product key -> name of licences halosync creates
    ignored: frozenset[int] = frozenset()
    client_products: dict[int, frozenset[str]] = field(default_factory=dict)  # clients that take only some products
    minimums: dict[int, dict[str, int]] = field(default_factory=dict)  # client -> product -> contract minimum

    @classmethod
    def from_config(cls, config: Config) -> Mapping:
        clients: dict[int, list[int]] = defaultdict(list)
        for org in config.organizations:
            clients[org.halo_client_id].append(org.huntress_id)
        products = config.products.mapped()
        return cls(
            clients=dict(clients),
            products=products,
            licence_names={key: config.sync.render_licence_name(key) for key in products},
            ignored=frozenset(config.sync.ignore_organizations),
            client_products={c.halo_client_id: frozenset(c.products) for c in config.clients if c.products is not None},
            minimums={c.halo_client_id: c.minimum.given() for c in config.clients if c.minimum.given()},
        )

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


@dataclass(frozen=True)
class Huntress:
    """What was read from Huntress."""

    organizations: dict[int, str]  # every organization of the account: id -> name
    counts: dict[int, dict[str, int]]  # per mapped organization that exists: product -> count
    errors: dict[int, str] = field(default_factory=dict)  # mapped organizations whose counts could not be read
    bad: dict[tuple[int, str], str] = field(default_factory=dict)  # (organization, product) -> why its value was refused


@dataclass(frozen=True)
class Stamp:
    """Which run the rows belong to: written into each row as it is made (no second copy of every row)."""

    run_id: str = ""
    time: str = ""
    dry_run: bool = False


@dataclass(frozen=True)
class Plan:
    rows: list[Row]
    unmapped: list[Unmapped]


def is_ours(licence: Licence, item_id: int, licence_name: str) -> bool:
    """SPEC 'Which licence is halosync's', for a licence already on the right client."""
    if licence.deleted:
        return False
    if licence.item_id is not None:
        return licence.item_id == item_id
    return licence.name == licence_name


def ours(licences: Iterable[Licence], client_id: int, item_id: int, licence_name: str) -> list[Licence]:
    """halosync's licences for one client and item, by id; more than one means halosync must not guess."""
    return sorted((l for l in licences if l.client_id == client_id and is_ours(l, item_id, licence_name)),
                  key=lambda l: l.id)


def build_plan(mapping: Mapping, huntress: Huntress, licences: list[Licence], stamp: Stamp = Stamp()) -> Plan:
    by_client: dict[int, list[Licence]] = defaultdict(list)
    for licence in licences:
        if licence.client_id in mapping.clients:
            by_client[licence.client_id].append(licence)

    shared_items = _products_sharing_an_item(mapping.products)
    rows: list[Row] = []
    for client_id in sorted(mapping.clients):
        org_ids = mapping.clients[client_id]
        client_problem = _client_problem(org_ids, huntress)
        for product, item_id in mapping.products_of(client_id).items():
            name = mapping.licence_names[product]
            matches = ours(by_client[client_id], client_id, item_id, name)
            base = dict(
                run_id=stamp.run_id,
                time=stamp.time,
                dry_run=stamp.dry_run,
                halo_client_id=client_id,
                huntress_organization_ids=list(org_ids),
                product=product,
                halo_item_id=item_id,
            )
            if product in shared_items:
                rows.append(_failed(base, matches, shared_items[product]))
            elif client_problem:
                rows.append(_failed(base, matches, client_problem))
            elif bad := [huntress.bad[org, product] for org in org_ids if (org, product) in huntress.bad]:
                rows.append(_failed(base, matches, "; ".join(bad) + "; not syncing a count Huntress sent wrongly"))
            elif len(matches) > 1:
                ids = ", ".join(str(l.id) for l in matches)
                rows.append(_failed(base, matches, f"several licences on client {client_id} match item {item_id}: {ids}; "
                                               "halosync does not guess: keep one, delete or re-item the others in HaloPSA"))
            else:
                count = sum(huntress.counts[org][product] for org in org_ids)
                minimum = mapping.minimums.get(client_id, {}).get(product)
                if minimum is not None and minimum > count:
                    base["actual_count"], count = count, minimum
                rows.append(_planned(base, matches[0] if matches else None, count))

    mapped = set(mapping.organization_ids)
    unmapped = [
        Unmapped(run_id=stamp.run_id, time=stamp.time, huntress_organization_id=org_id, name=name)
        for org_id, name in sorted(huntress.organizations.items(), key=lambda kv: (kv[1].casefold(), kv[0]))
        if org_id not in mapped and org_id not in mapping.ignored
    ]
    return Plan(rows=rows, unmapped=unmapped)


def _planned(base: dict, licence: Licence | None, count: int) -> Row:
    if licence is None:
        # Nothing billed and nothing to bill: creating an empty licence would only clutter Halo.
        action = "create" if count > 0 else "unchanged"
        return Row(**base, licence_id=None, previous_count=None, count=count, action=action, status="ok")
    action = "unchanged" if licence.count == count else "update"
    return Row(**base, licence_id=licence.id, previous_count=licence.count, count=count, action=action, status="ok")


def _failed(base: dict, matches: list[Licence], message: str) -> Row:
    licence = matches[0] if len(matches) == 1 else None
    return Row(
        **base,
        licence_id=licence.id if licence else None,
        previous_count=licence.count if licence else None,
        count=None,
        action="update" if matches else "create",
        status="failed",
        message=message,
    )


def _client_problem(org_ids: list[int], huntress: Huntress) -> str:
    missing = [org for org in org_ids if org not in huntress.organizations]
    if missing:
        listed = ", ".join(map(str, missing))
        return (f"Huntress organization {listed} mapped to this client is not in Huntress (deleted, or another "
                "account's?); not syncing a partial sum")
    broken = [f"{org}: {huntress.errors[org]}" for org in org_ids if org in huntress.errors]
    if broken:
        return "counts could not be read from Huntress for organization " + "; ".join(broken)
    return ""


def _products_sharing_an_item(products: dict[str, int]) -> dict[str, str]:
    by_item: dict[int, list[str]] = defaultdict(list)
    for product, item_id in products.items():
        by_item[item_id].append(product)
    problems: dict[str, str] = {}
    for item_id, keys in by_item.items():
        if len(keys) > 1:
            for key in keys:
                problems[key] = (f"products {' and '.join(keys)} are all mapped to HaloPSA item {item_id}; "
                                 "each product needs its own item in [products]")
    return problems
