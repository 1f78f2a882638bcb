"""Huntress's own HaloPSA billing sync, as the sandbox plays it: the licences it leaves, and a writer left on.

What Huntress documents: its sync puts a Software Licence per mapped product under the mapped
HaloPSA client, on the mapped item, and keeps its count daily or monthly. How it names them is
not documented; the sandbox names them after the item (so a Halo build that reports no
`item_id` shows why `licence_name` must then match them).
"""

from __future__ import annotations

from collections import defaultdict

from halosync.sandbox.state import State

# The products the sandbox's ready config maps, and their items (as the built-in sync was set up).
ITEMS = {"edr": 1001, "itdr": 1002, "sat": 1003, "siem": 1004}


def huntress_count(state: State, org_id: int, product: str) -> int:
    usage = state.organizations[org_id]["usage"]
    if product == "edr":
        return int(usage["edr"]["billable_agents_count"])
    if product == "sat":
        return int(usage["sat"]["learners_count"])
    if product == "siem":
        return int(usage["siem"]["billable_log_sources_count"])
    return sum(int(e["billable_identities_count"]) for e in usage[product])


def sync_once(state: State, *, stale: int = 0, clients: set[int] | None = None) -> list[int]:
    """Write mapped clients' Huntress counts into their licences, as the built-in sync does: the licence on the
    mapped item is updated, or made (named as the item) when there is none. With `stale`, every third client's
    EDR licence is left that many agents behind (its last sync was weeks ago); with `clients`, only those
    clients are written. Returns the licences it changed."""
    mapped: dict[int, list[int]] = defaultdict(list)
    for org_id, client_id, _ in state.suggested_mapping:
        if org_id in state.organizations:
            mapped[client_id].append(org_id)
    changed = []
    for n, (client_id, org_ids) in enumerate(sorted(mapped.items())):
        if clients is not None and client_id not in clients:
            continue
        for product, item_id in ITEMS.items():
            count = sum(huntress_count(state, o, product) for o in org_ids)
            if stale and product == "edr" and n % 3 == 0:
                count = max(0, count - stale)
            licence = next((l for l in state.live_licences(client_id) if l["item_id"] == item_id), None)
            if licence is None:
                if count == 0:
                    continue
                changed.append(state.add_licence(client_id=client_id, item_id=item_id,
                                                 name=state.items[item_id]["name"], count=count))
            elif licence["count"] != count:
                licence["count"] = count
                changed.append(licence["id"])
    return changed


def left_on(state: State) -> list[int]:
    """The built-in sync still running between halosync's runs: an organization gains an agent in Huntress (a
    different one each time), the built-in sync writes that client's counts, then one more agent arrives before
    halosync looks. So the licence holds the built-in sync's lagging count, neither halosync's last one nor the
    one halosync writes now: with `outside_changes = "hold"` that update is held, as a real rehearsal must show."""
    mapped = sorted({(org, client) for org, client, _ in state.suggested_mapping if org in state.organizations})
    if not mapped:
        return []
    state.builtin_runs += 1
    org_id, client_id = mapped[(state.builtin_runs - 1) % len(mapped)]
    state.set_count(org_id, "edr", huntress_count(state, org_id, "edr") + 1)
    changed = sync_once(state, clients={client_id})
    state.set_count(org_id, "edr", huntress_count(state, org_id, "edr") + 1)  # after its run: it lags by one
    return changed
