"""[[accounts]]: every organization of a Huntress account billed to one HaloPSA client. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from halosync.core.models import Organization


def account_clients(accounts: dict[int, int], organizations: Iterable[Organization],
                    mapped: dict[int, int]) -> dict[int, list[int]]:
    """HaloPSA client -> the organizations its [[accounts]] entries bring, by id.

    `accounts` is account -> client, `mapped` the [[organizations]] entries (organization -> client).
    An organization mapped by [[organizations]] while its account is in [[accounts]] is a configuration
    error (ValueError naming both): billing it twice, or guessing which entry wins, are both wrong.
    """
    found: dict[int, list[int]] = {client: [] for client in accounts.values()}
    clashes = []
    for org in sorted(organizations, key=lambda o: o.id):
        if org.account_id is None or org.account_id not in accounts:
            continue
        if org.id in mapped:
            clashes.append(f"organization {org.id} ({org.name}) is in [[organizations]] (client {mapped[org.id]}) "
                           f"and its account {org.account_id} in [[accounts]] (client {accounts[org.account_id]})")
            continue
        found[accounts[org.account_id]].append(org.id)
    if clashes:
        raise ValueError("; ".join(clashes) + ": map each organization once (remove it from [[organizations]], "
                         "or its account from [[accounts]])")
    return found
