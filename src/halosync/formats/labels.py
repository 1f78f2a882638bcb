"""How a client, an organization, a product and a change are named in everything people read: one rule each.

A client is named by the names the caller gathered with `client_names` (run/wiring.py): the `[[clients]]`
name from the config first, else HaloPSA's name when the run read it, else the name the log's rows carry (as
the run that wrote them named the client), else only its id.
"""

from __future__ import annotations

from halosync.core.products import PRODUCTS
from halosync.formats.text import visible


def client_label(client_id: int, names: dict[int, str]) -> str:
    """`Juniper SD (21)`, or `21` when nothing names it: prose puts `client ` before it."""
    return f"{visible(names[client_id])} ({client_id})" if names.get(client_id) else str(client_id)


def organization_label(organization_id: int, names: dict[int, str]) -> str:
    return (f"{visible(names[organization_id])} ({organization_id})" if names.get(organization_id)
            else str(organization_id))


def product_label(product: str) -> str:
    """The product's display name; a key this version does not know (from an older log) as it is."""
    return PRODUCTS[product].display_name if product in PRODUCTS else product


def count_change(previous: int | None, count: int | None) -> str:
    """`40 → 52`, with `-` for no licence yet and `?` for a count not known."""
    return f"{previous if previous is not None else '-'} → {count if count is not None else '?'}"


def percent_label(previous: int | None, count: int | None) -> str:
    """` (+30%)` for a change from a count above 0, else nothing: the guard's own percent rule."""
    from halosync.core.guard import percent_change  # lazily: the guard loads the models, a not-due run needs neither

    share = percent_change(previous, count) if previous and count is not None else None
    return f" ({share:+.0f}%)" if share is not None else ""
