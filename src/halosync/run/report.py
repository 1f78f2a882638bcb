"""`report`'s procedure: the results log read once, newest first (rotated files too), and with --money today's prices.

Reading stops once the window (and the month before it) is covered and no pair still waits
for an older value, so `--months 12` over years of history reads about a year of it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from halosync.config.schema import Config
from halosync.core.audit import linked_licences
from halosync.core.report import Collector, Price, prices
from halosync.errors import ConfigError
from halosync.run import resultslog
from halosync.run.wiring import Services

COMPLETED = (0, 1, 6)  # a sync that finished its rows (1: some failed; 6: some held); 2-5 ended early, 70+ broke off
MONEY_SCOPES = ("read:invoices",)  # read:items is in the sync's own scope


def collect(path: Path, months: int, *, clients: Collection[int] = (), products: Collection[str] = ()
            ) -> tuple[Collector, int]:
    """Units per (client, product) and month from the log; returns the collector and the unreadable lines' count."""
    if path.is_dir():
        raise ConfigError(f"the results log {path} is a folder; set [log] path in the config to a file")
    collector = Collector(months)
    unreadable = [0]
    approved: dict[tuple[str, int, str], int] = {}  # (held run, client, product) -> the count an approval wrote
    run_id: str | None = None
    slot: int | None = None
    closed = False
    for record in resultslog.records_backwards(path, unreadable):
        kind = record["type"]
        if kind == "run":
            run_id = None
            if record.get("dry_run") or record["exit_code"] not in COMPLETED:
                continue
            month = _month(record["started"])
            if month is None:
                continue
            slot = collector.slot(month)
            if slot is None and not closed:
                collector.close_window()
                closed = True
            if closed and not collector.wanted:
                break
            run_id = record["run_id"]
        elif kind == "row":
            if run_id is None or record["run_id"] != run_id:
                continue  # a dry run's, an unfinished run's, or a killed run's (no run record)
            client, product = record["halo_client_id"], record["product"]
            if (clients and client not in clients) or (products and product not in products):
                continue
            _row(collector, slot, record, approved.get((run_id, client, product)))
        elif kind == "decision" and record["decision"] == "approved" and record["status"] == "ok":
            approved.setdefault((record["held_run_id"], record["halo_client_id"], record["product"]), record["count"])
    return collector, unreadable[0]


def _row(collector: Collector, slot: int | None, record: dict[str, Any], approved: int | None) -> None:
    client, product, count, status = record["halo_client_id"], record["product"], record["count"], record["status"]
    actual = record.get("actual_count")
    huntress = actual if isinstance(actual, int) and not isinstance(actual, bool) else count
    if status == "held" and approved is not None:
        status, count = "ok", approved  # `approve` wrote the held count: the licence bills it from then on
    if status == "ok" and count is not None and huntress is not None:
        if slot is None:
            collector.beyond(client, product, huntress, count)
        else:
            collector.ok(slot, client, product, huntress, count, record["licence_id"], record["halo_item_id"])
    elif slot is not None:
        collector.kept(slot, client, product, record["halo_item_id"])


def _month(stamp: str) -> int | None:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    moment = moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def client_names(config: Config) -> dict[int, str]:
    """Names for people from the config: [[clients]] name, else the first [[organizations]] name of the client."""
    names: dict[int, str] = {}
    for org in config.organizations:
        if org.name:
            names.setdefault(org.halo_client_id, org.name)
    for client in config.clients:
        if client.name:
            names[client.halo_client_id] = client.name
    return names


def fetch_prices(config: Config, collector: Collector, **service_options: Any
                 ) -> tuple[dict[tuple[int, str], Price], dict[int, str], dict[str, int]]:
    """Today's price and cost of every pair, from one read of the recurring invoices and one of the items.

    Returns the prices, HaloPSA's client names (from the invoices) and the requests sent.
    """
    mapped = config.products.mapped()
    pairs = {key: (pair.licence_id, pair.item_id or mapped.get(key[1])) for key, pair in collector.pairs.items()}
    with Services(config, extra_scopes=MONEY_SCOPES, **service_options) as services:
        invoices = services.halo.recurring_invoices()
        items = services.halo.items()
        requests = services.requests
    lines: list[dict[str, Any]] = []
    names: dict[int, str] = {}
    for invoice in invoices:
        client = invoice.get("client_id")
        if isinstance(client, int) and not isinstance(client, bool) and isinstance(invoice.get("client_name"), str) \
                and invoice["client_name"].strip():
            names.setdefault(client, invoice["client_name"].strip())
        if invoice.get("disabled"):
            continue
        for line in invoice.get("lines") or []:
            if isinstance(line, dict) and not line.get("isinactive"):
                lines.append({**line, "licence_ids": linked_licences(line)})
    unit_costs: dict[str, float] = {str(key): cost for key, cost in config.report.unit_cost.items()}
    return prices(pairs, lines, items, unit_costs), names, requests
