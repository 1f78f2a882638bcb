"""check-permissions, licences: what the first run does with each mapped (client, product)'s licence. Reads only.

One listing of the licences (as `run` reads them) and the results log: which licences are
adopted (another writer left them on the mapped item), which are halosync's already, which
are created, and the pairs a run would fail (two licences on one item, a product moved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from halosync.config.schema import Config
from halosync.core.adoption import Pair, survey
from halosync.core.models import Licence
from halosync.core.plan import moved_message
from halosync.errors import ConfigError, ServiceError
from halosync.halo.client import HaloClient
from halosync.run.ledger import read_ledger
from halosync.run.wiring import mapping_from_config

NAME = "Licences per mapped client"


@dataclass(frozen=True)
class Finding:
    """One line of the checklist (run/checks.py makes it a Check)."""

    name: str
    status: Literal["pass", "warn", "fail"]  # fail: the run would fail that row (exit 1, like other mapping checks)
    detail: str
    fix: str = ""


@dataclass
class Licences:
    checks: list[Finding] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    error: ServiceError | None = None  # the licences could not be read


def licence_checks(config: Config, halo: HaloClient) -> Licences:
    """The licence checks, and every pair (for --json)."""
    found = Licences()
    checks = found.checks
    mapping = mapping_from_config(config)
    if not mapping.clients or not mapping.products:
        return found
    try:
        licences = halo.licences(keep=mapping.is_candidate)
    except ServiceError as exc:
        found.error = exc
        return found
    try:
        written_for = read_ledger(config.log_path).written_for
    except ConfigError as exc:
        written_for = {}
        checks.append(Finding(name="Results log", status="warn", detail=str(exc),
                            fix="Make the results log readable: without it a moved product's old licence is found "
                                "only by its name."))
    pairs = survey(mapping, licences, written_for)
    names = {c.halo_client_id: c.name for c in config.clients if c.name}
    names.update({o.halo_client_id: o.name for o in config.organizations if o.name and o.halo_client_id not in names})
    names.update({l.client_id: l.client_name for l in licences if l.client_name})
    checks.append(_overview(pairs, names))
    for pair in pairs:
        client = _client(pair.halo_client_id, names)
        if pair.state == "several":
            checks.append(Finding(
                name="Two licences on one item", status="fail",
                detail=f"{client} holds {len(pair.licences)} licences on item {pair.item_id} ({pair.product}): "
                       f"{_licences(pair.licences)}; the run fails that row (halosync never guesses)",
                fix="Keep one in HaloPSA: delete the others, or move them to another item."))
        elif pair.state == "moved":
            own = mapping.rendered_name(pair.product), written_for.get((pair.halo_client_id, pair.product), set())
            then = (f"updates licence {pair.own.id}" if pair.own is not None  # the other EDR form still bills
                    else f"creates the one on item {pair.item_id}")
            checks.append(Finding(
                name="Product moved to another item", status="fail",
                detail=f"{client}, {pair.product}: the run fails this row, "
                       + moved_message(pair.product, pair.item_id, pair.licences, own, updating=pair.own),
                fix=f"Finish the move first: in HaloPSA, end the old licence once no recurring invoice line bills from "
                    f"it (then the run {then}); or map {pair.product} as before."))
    found.pairs = pairs
    return found


def pair_json(pair: Pair) -> dict[str, Any]:
    """One pair for `check-permissions --json`: ids and counts as JSON numbers."""
    return {"halo_client_id": pair.halo_client_id, "product": pair.product, "halo_item_id": pair.item_id,
            "state": pair.state, "licences": [{"id": l.id, "name": l.name, "count": l.count, "item_id": l.item_id}
                                              for l in pair.licences]}


def _overview(pairs: list[Pair], names: dict[int, str]) -> Finding:
    counted = {state: sum(p.state == state for p in pairs) for state in ("adopt", "ours", "create", "several", "moved")}
    summary = (f"{counted['adopt']} to adopt (licences another writer left on the mapped item: updated in place, "
               f"never duplicated), {counted['ours']} halosync's own, {counted['create']} without a licence (the "
               "first run creates one where the count is above 0)")
    if counted["several"] or counted["moved"]:
        summary += f", {counted['several'] + counted['moved']} that the run would fail (below)"
    lines = [summary + ":"]
    by_client: dict[int, list[str]] = {}
    for pair in pairs:
        by_client.setdefault(pair.halo_client_id, []).append(_pair(pair))
    lines += [f"{_client(client, names)}: {'; '.join(parts)}" for client, parts in by_client.items()]
    return Finding(name=NAME, status="pass", detail="\n".join(lines))


def _pair(pair: Pair) -> str:
    if pair.state in ("adopt", "ours"):
        [licence] = pair.licences
        verb = "adopt" if pair.state == "adopt" else "halosync's"
        return f"{pair.product} licence {licence.id} ({verb}, count {_count(licence)})"
    if pair.state == "create":
        # check-permissions reads no counts: say when the run creates one, not that it will
        return f"{pair.product} none (created when the count is above 0)"
    if pair.state == "several":
        return f"{pair.product} {len(pair.licences)} licences on item {pair.item_id} (fails)"
    return f"{pair.product} on another item (fails)"


def _licences(licences: list[Licence]) -> str:
    return ", ".join(f"licence {l.id} {l.name!r} (count {_count(l)}, item "
                     f"{l.item_id if l.item_id is not None else 'not reported'})" for l in licences)


def _count(licence: Licence) -> str:
    return "unknown" if licence.count is None else str(licence.count)


def _client(client_id: int, names: dict[int, str]) -> str:
    return f"{names[client_id]} ({client_id})" if names.get(client_id) else f"client {client_id}"
