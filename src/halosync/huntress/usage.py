"""Reading Huntress's counts: the organization list's fields, `actual_usages`, and which agents are servers.

A count must be a whole number from 0 up: a vendor's bad value is refused with the value in
the message, never truncated or guessed.
"""

from __future__ import annotations

import json
from typing import Any

from halosync.core.products import PRODUCTS


def is_server(agent: dict[str, Any]) -> bool:
    """An agent is a server when its `os` names a server edition ("Windows Server 2022 Standard"),
    or when it runs Linux (Huntress's Linux agent is for servers); otherwise a workstation."""
    return "server" in str(agent.get("os") or "").lower() or str(agent.get("platform") or "").lower() == "linux"


def summary_count(organization: dict[str, Any], product: str) -> int:
    field = PRODUCTS[product].summary_field
    assert field is not None, f"{product} has no count on the organization list"
    return _as_count(organization.get(field), field)


def listed_units(organization: dict[str, Any], product: str) -> int:
    """The list's count for the audit, which only informs: a bad value is the sync's to report (it fails that
    row), so here it counts 0 and the audit does not guess."""
    try:
        return summary_count(organization, product)
    except ValueError:
        return 0


def parse_usages(actual_usages: Any) -> dict[str, Any]:
    """`actual_usages` as an object, whether it came as one or as a JSON string."""
    if actual_usages is None or actual_usages == "":
        return {}
    if isinstance(actual_usages, str):
        try:
            actual_usages = json.loads(actual_usages)
        except ValueError as exc:
            raise ValueError(f"actual_usages is not valid JSON: {exc}") from None
    if not isinstance(actual_usages, dict):
        raise ValueError(f"actual_usages should be an object, got {type(actual_usages).__name__}")
    return actual_usages


def billable_count(usages: dict[str, Any], product: str) -> int:
    """One product's count from parsed `actual_usages`; ValueError names the field and the bad value."""
    entry = usages.get(product)
    if entry is None:
        return 0
    if product == "edr":
        return _given_count(_get(entry, "billable_agents_count"), "actual_usages edr.billable_agents_count")
    if product in ("itdr", "ispm"):
        # One entry per identity provider (microsoft, google): summed.
        entries = entry if isinstance(entry, list) else [entry]
        return sum(_given_count(_get(e, "billable_identities_count"), f"actual_usages {product}[].billable_identities_count")
                   for e in entries)
    if product == "sat":
        return _given_count(_get(entry, "learners_count"), "actual_usages sat.learners_count")
    if product == "siem":
        return _given_count(_get(entry, "billable_log_sources_count"), "actual_usages siem.billable_log_sources_count")
    raise KeyError(product)


def _given_count(value: Any, field: str) -> int:
    """A count inside a product's entry of `actual_usages`. The entry is there, so the product is in use: a
    null (or missing) count is Huntress not saying, never 0 units (that would bill the customer nothing).
    A product absent from `actual_usages` altogether is another matter: it counts 0 (billable_count)."""
    if value is None:
        raise ValueError(f"Huntress gave no count ({field} is null)")
    return _as_count(value, field)


def _get(entry: Any, key: str) -> Any:
    return entry.get(key) if isinstance(entry, dict) else None


MAX_COUNT = 1_000_000  # units of one product in one organization; more is a vendor's bad value, not a customer


def _as_count(value: Any, field: str) -> int:
    """A count as Huntress should send it: a whole number from 0 to MAX_COUNT (12.0 is 12).

    Anything else is the vendor's bad value, refused with the value in the message:
    a string, a fraction (12.9 is never billed as 12), a negative or an absurd number.
    """
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} should be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{field} should not be negative, got {value}")
    if value > MAX_COUNT:
        raise ValueError(f"{field} {value} is beyond any real organization's count (more than {MAX_COUNT:,})")
    return value
