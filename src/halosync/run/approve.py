"""`approve`'s procedure: the changes the guard held and nobody has decided yet, and deciding them.

Pending changes are the held rows of the latest sync that was neither a dry run nor
ended early (exit 2-5), minus those decided since (an approval whose write failed stays
pending). Approving re-reads the licence under the run lock and writes only if it still
holds the count the run saw; otherwise the change is stale and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from halosync.config.schema import Config
from halosync.core.models import Decision, Row
from halosync.errors import AuthError, ServiceError
from halosync.run import resultslog
from halosync.run.result import now_utc
from halosync.run.runner import run_lock
from halosync.run.wiring import Services

ENDED_EARLY = range(2, 6)


@dataclass(frozen=True)
class Pending:
    held_run_id: str
    row: Row

    @property
    def key(self) -> tuple[int, str]:
        return self.row.halo_client_id, self.row.product


@dataclass
class Outcome:
    decisions: list[Decision] = field(default_factory=list)
    error: str = ""  # why deciding stopped early (auth, unreachable)
    exit_code: int = 0


def pending(config: Config) -> list[Pending]:
    """Held changes of the latest complete sync that no decision has settled, by client then product."""
    decided: set[tuple[str, int, str]] = set()
    run_id: str | None = None
    found: list[Pending] = []
    for record in resultslog.records_backwards(config.log_path):
        kind = record["type"]
        if run_id is None:
            if kind == "decision" and record["status"] in ("ok", "stale"):
                decided.add((record["held_run_id"], record["halo_client_id"], record["product"]))
            elif kind == "run" and not record.get("dry_run") and record["exit_code"] not in ENDED_EARLY:
                run_id = record["run_id"]
            continue
        if kind == "run":
            break  # the run before: its held rows were judged again by the one found
        if kind == "row" and record["run_id"] == run_id and record["status"] == "held":
            if (run_id, record["halo_client_id"], record["product"]) not in decided:
                found.append(Pending(run_id, Row.load(record)))
    return sorted(found, key=lambda p: (p.row.halo_client_id, p.row.product))


def select(changes: Iterable[Pending], clients: list[int], products: list[str]) -> list[Pending]:
    return [p for p in changes if (not clients or p.row.halo_client_id in clients)
            and (not products or p.row.product in products)]


def decide(config: Config, choices: list[tuple[Pending, Literal["approved", "rejected"]]], *,
           dry_run: bool = False, **service_options: Any) -> Outcome:
    """Carry out the decisions under the run lock. Each is appended to the log as soon as it is made (not in
    a dry run), so a kill loses no record of a write that happened; a log that refuses one stops the rest."""
    outcome = Outcome()
    if not choices:
        return outcome

    def record(change: Pending, decision: Literal["approved", "rejected"], status: Literal["ok", "stale", "failed"],
               message: str) -> None:
        made = _decision(change, decision, status, message)
        outcome.decisions.append(made)
        if not dry_run:
            resultslog.append(config.log_path, [made], config.log.rotate_bytes)

    with run_lock(config.log_path, "nothing was decided"), Services(config, **service_options) as services:
        current: dict[int, dict[int, int | None]] = {}  # client -> licence -> count, read once per client
        for change, decision in choices:
            row = change.row
            if decision == "rejected":
                record(change, "rejected", "ok", f"kept {row.previous_count}; the next run judges the count again")
                continue
            try:
                if row.halo_client_id not in current:  # re-read: someone may have edited it in Halo since
                    current[row.halo_client_id] = {l.id: l.count for l in
                                                   services.halo.licences(client_id=row.halo_client_id)}
                now = current[row.halo_client_id].get(row.licence_id or -1, -1)
                if now != row.previous_count:
                    record(change, "approved", "stale", (
                        f"licence {row.licence_id} now holds {now if now != -1 else 'nothing (gone)'}, not the "
                        f"{row.previous_count} the run saw: not written; the next run judges it afresh"))
                    continue
                if not dry_run:
                    services.halo.post_licences([{"id": row.licence_id, "client_id": row.halo_client_id,
                                                  "count": row.count}])
                    current[row.halo_client_id][row.licence_id or -1] = row.count
                record(change, "approved", "ok", f"wrote {row.count}")
            except (AuthError, ServiceError) as exc:
                record(change, "approved", "failed", f"{exc}; still pending")
                if isinstance(exc, AuthError) or exc.exit_code == 5:
                    outcome.error, outcome.exit_code = str(exc), int(exc.exit_code)
                    break  # the service refuses or is gone: the rest would fail the same way
    if not outcome.exit_code and any(d.status != "ok" for d in outcome.decisions):
        outcome.exit_code = 1
    return outcome


def _decision(change: Pending, decision: Literal["approved", "rejected"], status: Literal["ok", "stale", "failed"],
              message: str) -> Decision:
    row = change.row
    return Decision(time=now_utc(), held_run_id=change.held_run_id, halo_client_id=row.halo_client_id,
                    product=row.product, licence_id=row.licence_id or 0, previous_count=row.previous_count or 0,
                    count=row.count or 0, decision=decision, status=status, message=message)
