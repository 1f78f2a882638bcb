"""`report`'s procedure: the results log read once, newest first (rotated files too), and with --money today's prices.

Reading stops once the window (and the month before it) is covered and no pair still waits
for an older value, so `--months 12` over years of history reads about a year of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from halosync.config.schema import Config
from halosync.core.record_shapes import well_formed
from halosync.core.report import Collector, Price, prices
from halosync.core.runs import is_completed
from halosync.core.times import parse_iso
from halosync.errors import ConfigError
from halosync.halo.prices import item_prices, priced_lines
from halosync.run import resultslog
from halosync.run.last_sync import CLOCK_SLACK
from halosync.run.names import logged_name
from halosync.run.wiring import Services

MONEY_SCOPES = ("read:invoices",)  # read:items is in the sync's own scope


# A row exactly as `run` writes it, matched whole: the fast way through a million lines. Any other line (another
# field order, escapes in the run id, half a line) goes through json.loads and the shape check, as every reader does.
_STRING = rb'"(?:[^"\\\x00-\x1f]|\\.)*"'
_INT = rb"-?(?:0|[1-9][0-9]*)"
_SCALAR = rb"(?:null|" + _INT + rb"|" + _STRING + rb")"
# Fields a row may carry after its message (a second writer's outside change; the invoice a count came from):
# none of them matters to the report, but the line must still be exactly JSON to be taken the fast way.
_LATER = (rb'(?:, "(?:outside_change|huntress_invoice_id|period_start|period_end)": (?:' + _SCALAR
          + rb'|\{(?:"[a-z_]+": ' + _SCALAR + rb'(?:, "[a-z_]+": ' + _SCALAR + rb")*)?\}))")
_ROW = re.compile(
    rb'\{"type": "row", "run_id": "([^"\\\x00-\x1f]*)", "time": ' + _STRING + rb', "dry_run": (?:true|false), '
    rb'"halo_client_id": (' + _INT + rb'), "huntress_organization_ids": \[(?:' + _INT + rb'(?:, ' + _INT + rb')*)?\], '
    rb'"product": "([a-z_]+)", "halo_item_id": (' + _INT + rb'), "licence_id": (' + _INT + rb'|null), '
    rb'"previous_count": (?:' + _INT + rb'|null), "count": (' + _INT + rb'|null), "actual_count": (' + _INT
    + rb'|null), "action": "(?:create|update|unchanged)", "status": "(ok|failed|held)", "message": ' + _STRING
    + rb'(?:, "client_name": (' + _STRING + rb'))?' + _LATER + rb"*\}")


def collect(path: Path, months: int, *, clients: Collection[int] = (), products: Collection[str] = (),
            now: datetime | None = None) -> tuple[Collector, int]:
    """Units per (client, product) and month from the log; returns the collector and the unreadable lines' count.
    A run dated more than CLOCK_SLACK after `now` (a clock that was wrong once) is passed over, as the due check
    does, and listed in the collector's `future`: trusting it would hide every month before it."""
    if path.is_dir():
        raise ConfigError(f"the results log {path} is a folder; set [log] path in the config to a file")
    reader = _Reader(Collector(months), set(clients), set(products))
    reader.latest = (now or datetime.now(UTC)) + CLOCK_SLACK
    try:
        return _read(path, reader)
    except OSError as exc:  # unreadable (permissions, an I/O error): named, never a traceback
        where = exc.filename or path
        raise ConfigError(f"the results log {where} cannot be read ({exc.strerror or exc})") from None


def _read(path: Path, reader: _Reader) -> tuple[Collector, int]:
    for file in [path, *resultslog.rotated_files(path)]:
        for line in resultslog.lines_backwards(file):
            fast = _ROW.fullmatch(line)
            if fast is not None:
                run_id, client, product, item, licence, count, actual, status, name = fast.groups()
                if name is not None and int(client) not in reader.names:
                    reader.name(int(client), json.loads(name))
                if run_id == reader.run_bytes:
                    reader.row(int(client), product.decode(), int(item), _int(licence), _int(count), _int(actual),
                               status.decode())
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not isinstance(record, dict) or not well_formed(record):
                reader.unreadable += 1
            elif not reader.record(record):
                return reader.collector, reader.unreadable
    return reader.collector, reader.unreadable


def _int(text: bytes) -> int | None:
    return None if text == b"null" else int(text)


class _Reader:
    """Reading backwards: a run record comes before its rows, a decision before the run it decided on."""

    def __init__(self, collector: Collector, clients: set[int], products: set[str]):
        self.collector = collector
        self.clients = clients
        self.products = products
        self.unreadable = 0
        self.names: dict[int, str] = {}  # client -> the newest name a row gave it (also kept on the collector)
        self.approved: dict[tuple[str, int, str], int] = {}  # (held run, client, product) -> the count approve wrote
        self.run_id: str | None = None
        self.run_bytes: bytes | None = None
        self.slot: int | None = None
        self.closed = False
        self.latest: datetime | None = None  # a run started after this is dated in the future

    def record(self, record: dict[str, Any]) -> bool:
        """Take one parsed record; False once nothing older can matter."""
        kind = record["type"]
        if kind == "run":
            return self._run(record)
        if kind == "row" and record["halo_client_id"] not in self.names and logged_name(record) is not None:
            self.name(record["halo_client_id"], record["client_name"])
        if kind == "row" and self.run_id is not None and record["run_id"] == self.run_id:
            actual = record.get("actual_count")
            self.row(record["halo_client_id"], record["product"], record["halo_item_id"], record["licence_id"],
                     record["count"], actual if isinstance(actual, int) and not isinstance(actual, bool) else None,
                     record["status"])
        elif kind == "decision" and record["decision"] == "approved" and record["status"] == "ok":
            self.approved.setdefault((record["held_run_id"], record["halo_client_id"], record["product"]), record["count"])
        return True

    def name(self, client: int, name: object) -> None:
        """The newest name a row gives the client (reading backwards, the first met), for the config's lack."""
        if isinstance(name, str) and name.strip():
            self.names[client] = self.collector.names[client] = name

    def _run(self, record: dict[str, Any]) -> bool:
        self.run_id = self.run_bytes = None
        if not is_completed(record):
            return True  # its rows are passed over: a dry run's, or one that ended early or broke off
        moment = parse_iso(record["started"], naive_is_utc=False)
        if moment is None:
            return True
        month = _month(moment)
        if self.latest is not None and moment > self.latest:
            self.collector.future.append((str(record["run_id"]), str(record["started"])))
            return True  # its rows are passed over
        collector = self.collector
        self.slot = collector.slot(month)
        if self.slot is None and not self.closed:
            collector.close_window()
            self.closed = True
        if self.closed and not collector.wanted:
            return False
        self.run_id = record["run_id"]
        self.run_bytes = self.run_id.encode() if '"' not in self.run_id and "\\" not in self.run_id else None
        return True

    def row(self, client: int, product: str, item_id: int, licence_id: int | None, count: int | None,
            actual: int | None, status: str) -> None:
        if (self.clients and client not in self.clients) or (self.products and product not in self.products):
            return
        assert self.run_id is not None
        collector, slot = self.collector, self.slot
        huntress = actual if actual is not None else count
        if status == "held":
            approved = self.approved.get((self.run_id, client, product))
            if approved is not None:
                status, count = "ok", approved  # `approve` wrote the held count: the licence bills it from then on
        if status == "ok" and count is not None and huntress is not None:
            if slot is None:
                collector.beyond(client, product, huntress, count)
            else:
                collector.ok(slot, client, product, huntress, count, licence_id, item_id)
        elif slot is not None:
            collector.kept(slot, client, product, item_id)


def _month(moment: datetime) -> int:
    moment = moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def fetch_prices(config: Config, collector: Collector, **service_options: Any) -> dict[tuple[int, str], Price]:
    """Today's price and cost of every pair, from one read of the recurring invoices and one of the items.

    The clients' names come from the log and the config, as without
    --money: the report never names a client differently because it read the invoices.
    """
    mapped = config.products.mapped()
    pairs = {key: (pair.licence_id, pair.item_id or mapped.get(key[1])) for key, pair in collector.pairs.items()}
    with Services(config, extra_scopes=MONEY_SCOPES, **service_options) as services:
        invoices = services.halo.recurring_invoices()
        items = services.halo.items()
    unit_costs: dict[str, float] = {str(key): cost for key, cost in config.report.unit_cost.items()}
    return prices(pairs, priced_lines(invoices), item_prices(items), unit_costs)
