"""Before the first run: which licence halosync will keep for each mapped (client, product). Pure.

Licences another writer left (Huntress's own billing sync, a person) on the mapped item are
adopted: updated in place, never duplicated. `check-permissions` shows this, and the pairs a
run would fail: two licences on one item, or a product whose licence sits on another item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from halosync.core.mapping import Mapping, elsewhere, ours
from halosync.core.models import Licence

State = Literal["adopt", "ours", "create", "several", "moved"]


@dataclass(frozen=True)
class Pair:
    """One mapped (client, product) and the licence a run would use."""

    halo_client_id: int
    product: str
    item_id: int
    state: State  # adopt: a licence halosync never wrote is updated in place; ours: one halosync wrote;
    # create: none yet (made when the count is above 0); several: the run fails (halosync never guesses);
    # moved: the product's licence is on another item, so the run fails rather than bill it twice
    licences: list[Licence] = field(default_factory=list)
    own: Licence | None = None  # moved because the other EDR form still bills: the pair's own licence, not updated


def survey(mapping: Mapping, licences: list[Licence], written_for: dict[tuple[int, str], set[int]]) -> list[Pair]:
    """Every mapped (client, product), by client then product, with what a run would do to its licence."""
    by_client: dict[int, list[Licence]] = {}
    for licence in licences:
        if licence.client_id in mapping.clients:
            by_client.setdefault(licence.client_id, []).append(licence)
    pairs = []
    for client_id in sorted(mapping.clients):
        mine = by_client.get(client_id, [])
        for product, item_id in mapping.products_of(client_id).items():
            written = written_for.get((client_id, product), set())
            matches = ours(mine, client_id, item_id, mapping.licence_names[product])
            state: State
            if len(matches) > 1:
                state = "several"
            elif matches and (other := elsewhere(mine, client_id, product, mapping, written_for, other_form=True)):
                # the other EDR form still bills: the run fails this pair
                pairs.append(Pair(client_id, product, item_id, "moved", other, own=matches[0]))
                continue
            elif matches:
                state = "ours" if matches[0].id in written else "adopt"
            elif moved := elsewhere(mine, client_id, product, mapping, written_for):
                state, matches = "moved", moved
            else:
                state = "create"
            pairs.append(Pair(client_id, product, item_id, state, matches))
    return pairs
