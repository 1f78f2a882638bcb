"""The Huntress products halosync bills, and where each one's count comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

CountMode = Literal["billable", "summary", "invoiced"]  # invoiced: the reseller invoice's line items
# Every product halosync knows, defined once: the config's tables are keyed by these.
ProductKey = Literal["edr", "itdr", "ispm", "sat", "siem", "edr_servers", "edr_workstations"]


@dataclass(frozen=True)
class Product:
    key: ProductKey
    display_name: str
    # Field of an organization in the GET /v1/organizations list, or None when
    # the list does not carry this product's count.
    summary_field: str | None
    # "usage": counted from actual_usages (or the list); "agents": counted from /v1/agents.
    source: Literal["usage", "agents"] = "usage"


PRODUCTS: dict[str, Product] = {  # in the order of ProductKey (a test holds them together)
    p.key: p
    for p in (
        Product("edr", "Managed EDR", "agents_count"),
        Product("itdr", "Managed ITDR", "billable_identity_count"),
        Product("ispm", "Managed ISPM", None),
        Product("sat", "Managed SAT", "sat_learner_count"),
        Product("siem", "Managed SIEM", "logs_sources_count"),
        Product("edr_servers", "Managed EDR (servers)", None, "agents"),
        Product("edr_workstations", "Managed EDR (workstations)", None, "agents"),
    )
}
AGENT_PRODUCTS = frozenset(key for key, p in PRODUCTS.items() if p.source == "agents")
PRODUCT_KEYS: tuple[str, ...] = get_args(ProductKey)


def needs_detail(product: str, mode: CountMode) -> bool:
    """Whether this product's count needs GET /v1/organizations/{id} in this mode."""
    p = PRODUCTS[product]
    return mode != "invoiced" and p.source == "usage" and (mode == "billable" or p.summary_field is None)
