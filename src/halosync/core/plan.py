"""The planning core: (organizations' counts, existing licences, mapping) -> rows. Pure: no I/O."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from halosync.core.mapping import Mapping, elsewhere, items_shared, ours, unmapped_organizations
from halosync.core.models import Action, Counts, Licence, Row, Unmapped


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


def build_plan(mapping: Mapping, organizations: dict[int, str], read: Counts, licences: list[Licence],
               stamp: Stamp = Stamp(), written_for: dict[tuple[int, str], set[int]] | None = None) -> Plan:
    """One row per (client, product) the mapping bills, and the organizations nobody mapped.

    `organizations` is every organization of the account (id -> name); `read` what the
    count source found for the mapped ones; `written_for` the licences the results log
    shows halosync wrote for each (client, product).
    """
    written_for = written_for or {}
    by_client: dict[int, list[Licence]] = defaultdict(list)
    for licence in licences:
        if licence.client_id in mapping.clients:
            by_client[licence.client_id].append(licence)

    shared_items = _shared_items(mapping)
    rows: list[Row] = []
    for client_id in sorted(mapping.clients):
        org_ids = mapping.clients[client_id]
        client_problem = _client_problem(org_ids, organizations, read)
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
            # The first problem found is the row's: a shared item, then the client's organizations, then a bad count.
            problem = shared_items.get(product) or client_problem or _bad_count(read, org_ids, product)
            if problem:
                rows.append(_failed(base, matches, problem))
            else:
                rows.append(_counted(base, mapping, read, by_client[client_id], matches, written_for,
                                     client_id=client_id, org_ids=org_ids, product=product, item_id=item_id))

    unmapped = [
        Unmapped(run_id=stamp.run_id, time=stamp.time, huntress_organization_id=org_id, name=organizations[org_id])
        for org_id in unmapped_organizations(organizations, mapping.organization_ids, mapping.ignored)
    ]
    return Plan(rows=rows, unmapped=unmapped)


def _shared_items(mapping: Mapping) -> dict[str, str]:
    """product -> why it is not synced, for products mapped to an item another product is mapped to as well."""
    return {product: (f"products {' and '.join(keys)} are all mapped to HaloPSA item {item_id}; "
                      "each product needs its own item in [products]")
            for item_id, keys in items_shared(mapping.products).items() for product in keys}


def _bad_count(read: Counts, org_ids: list[int], product: str) -> str:
    """Why the product's count is not synced when Huntress sent a value that is not a count, else ""."""
    if bad := [read.bad[org, product] for org in org_ids if (org, product) in read.bad]:
        return "; ".join(bad) + "; not syncing a count Huntress sent wrongly"
    return ""


def _counted(base: dict[str, Any], mapping: Mapping, read: Counts, client_licences: list[Licence],
             matches: list[Licence], written_for: dict[tuple[int, str], set[int]], *, client_id: int,
             org_ids: list[int], product: str, item_id: int) -> Row:
    """The row for a (client, product) whose count was read: the update or creation, or why it is held back."""
    count = sum(read.counts[org][product] for org in org_ids)
    minimum = mapping.minimums.get(client_id, {}).get(product)
    if minimum is not None and minimum > count:
        base["actual_count"], count = count, minimum
    own = mapping.rendered_name(product), written_for.get((client_id, product), set())
    if len(matches) > 1:
        ids = ", ".join(str(l.id) for l in matches)
        failed = _failed(base, matches, f"several licences on client {client_id} match item {item_id}: "
                         f"{ids}; halosync does not guess: keep one, delete or re-item the others in "
                         "HaloPSA")
        return failed.replace(count=count)  # the count it would have written, for the reader
    if matches and (other := elsewhere(client_licences, client_id, product, mapping, written_for, other_form=True)):
        message = moved_message(product, item_id, other, own, updating=matches[0])
        return _failed(base, matches, message).replace(count=count)
    if not matches and count > 0 and (moved := elsewhere(client_licences, client_id, product, mapping, written_for)):
        return _not_created(base, count, moved_message(product, item_id, moved, own))
    return _planned(base, matches[0] if matches else None, count)


def moved_message(product: str, item_id: int, moved: list[Licence],
                  own: tuple[str, set[int]] = ("", set()), updating: Licence | None = None) -> str:
    """Why a licence is not created: the product's earlier licence still bills it, on another item.
    `own` (the product's licence name, the licences halosync wrote for it) tells its own licences from
    those of the other EDR form (EDR whole after split, or split after whole). `updating`: the pair's own
    licence, which is not updated while the other EDR form still bills (EDR would be billed twice)."""
    def where(licence: Licence) -> str:
        item = f"item {licence.item_id}" if licence.item_id is not None else "an item HaloPSA does not report"
        return f"licence {licence.id} {licence.name!r} (count {_opt(licence.count)}) on {item}"

    ending = ("end that licence in HaloPSA (delete it, after moving any recurring invoice line that bills from it); "
              "the next run then creates the new one")
    listed = "; ".join(where(l) for l in moved)
    if updating is not None:
        form = "split" if product == "edr" else "whole"
        return (f"not updating licence {updating.id} on item {item_id}: this client's EDR is still billed {form} by "
                f"{listed}, and EDR is billed whole (edr) or split (edr_servers, edr_workstations), never both. "
                "Either bill this client EDR as before (map it back in [products]), or end "
                f"{'that licence' if len(moved) == 1 else 'those licences'} in HaloPSA (delete "
                f"{'it' if len(moved) == 1 else 'them'}, after moving any recurring invoice line that bills from "
                f"{'it' if len(moved) == 1 else 'them'}); the next run then updates licence {updating.id}")
    if own[0] or own[1]:
        if not all(l.name == own[0] or l.id in own[1] for l in moved):
            return (f"not creating a licence on item {item_id}: this client's EDR is still billed "
                    f"{'split' if product == 'edr' else 'whole'} by {listed}, and EDR is billed whole (edr) or split "
                    f"(edr_servers, edr_workstations), never both. Either bill this client EDR as before, or {ending}")
    old_items = sorted({l.item_id for l in moved if l.item_id is not None})
    back = (f"map {product} back to item {' or '.join(map(str, old_items))} in [products]" if old_items else
            "put back the [sync] licence_name that named that licence (this HaloPSA reports no item on it, so the "
            "name decides)")
    return (f"not creating a licence on item {item_id}: this client's {product} is still billed by "
            f"{listed}, which would bill it twice. Either {back}, or {ending}")


def _not_created(base: dict[str, Any], count: int, message: str) -> Row:
    return Row(**base, licence_id=None, previous_count=None, count=count, action="create", status="failed",
               message=message)


def _opt(value: int | None) -> str:
    return "unknown" if value is None else str(value)


def _planned(base: dict[str, Any], licence: Licence | None, count: int) -> Row:
    action: Action
    if licence is None:
        # Nothing billed and nothing to bill: creating an empty licence would only clutter Halo.
        action = "create" if count > 0 else "unchanged"
        return Row(**base, licence_id=None, previous_count=None, count=count, action=action, status="ok")
    action = "unchanged" if licence.count == count else "update"
    return Row(**base, licence_id=licence.id, previous_count=licence.count, count=count, action=action, status="ok")


def _failed(base: dict[str, Any], matches: list[Licence], message: str) -> Row:
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


def _client_problem(org_ids: list[int], organizations: dict[int, str], read: Counts) -> str:
    missing = [org for org in org_ids if org not in organizations]
    if missing:
        listed = ", ".join(map(str, missing))
        return (f"Huntress organization {listed} mapped to this client is not in Huntress (deleted, or another "
                "account's?); not syncing a partial sum")
    broken = [f"{org}: {read.errors[org]}" for org in org_ids if org in read.errors]
    if broken:
        return "counts could not be read from Huntress for organization " + "; ".join(broken)
    return ""
