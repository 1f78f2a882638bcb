"""`approve`'s procedure: the changes the guard held and nobody has decided yet, and deciding them.

Pending changes are, per (client, product) the config maps, the held row of the latest completed
sync that judged that pair, minus those decided since (an approval whose write failed stays
pending). Approving re-reads the licence under the run lock and writes only if it is still there
and still holds the count the run saw; otherwise the change is stale and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from halosync.config.schema import Config
from halosync.core.models import Decision, Row
from halosync.core.runs import is_completed
from halosync.errors import AuthError, ConfigError, ExitCode, ServiceError
from halosync.run import resultslog
from halosync.run.clock import now_utc
from halosync.run.runner import run_lock
from halosync.run.wiring import Services, mapping_from_config

if TYPE_CHECKING:
    from halosync.run.interrupt import Interrupt

GONE = object()  # the licence is not in the re-read (deleted in HaloPSA)



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
    exit_code: int = ExitCode.OK


def pending(config: Config) -> list[Pending]:
    """Held changes no newer judgement replaced and no decision settled, by client then product.

    Per (client, product) the config maps, the row of the latest completed sync that judged the pair
    decides: held (pending, unless decided since) or anything else (the proposal was replaced). Rows of
    runs that did not complete, and failed rows that never had a count (the run did not reach the pair),
    are passed over, so an older proposal stays pending. The log is read from the end, rotated files too,
    only as far back as it takes to find a judgement of every mapped pair.
    """
    wanted = _mapped_pairs(config)
    settled: set[tuple[str, int, str]] = set()
    completed: dict[str, bool] = {}  # run id -> completed; a run's record follows its rows, so is met first
    latest: dict[tuple[int, str], Pending | None] = {}  # pair -> its latest judgement, if a proposal
    for record in resultslog.records_backwards(config.log_path):
        kind = record["type"]
        if kind == "decision" and record["status"] in ("ok", "stale"):
            settled.add((record["held_run_id"], record["halo_client_id"], record["product"]))
        elif kind == "run":
            if len(latest) == len(wanted):
                break  # every mapped pair has its judgement: older runs change nothing
            completed[record["run_id"]] = is_completed(record)
        elif kind == "row" and completed.get(record["run_id"]) and judged(record):
            key = (record["halo_client_id"], record["product"])
            if key in wanted and key not in latest:
                latest[key] = Pending(record["run_id"], Row.load(record)) if record["status"] == "held" else None
    found = [p for p in latest.values() if p is not None and (p.held_run_id, *p.key) not in settled]
    return sorted(found, key=lambda p: p.key)


def judged(row: dict[str, Any]) -> bool:
    """Whether a row judged its pair afresh: held, written, found unchanged, or a write of a fresh count that
    failed. A failed row without a count (its organization missing, a bad vendor value) judged nothing."""
    return row["status"] != "failed" or row.get("count") is not None


def _mapped_pairs(config: Config) -> set[tuple[int, str]]:
    """(client, product) pairs the config bills now. A pair no longer mapped is not pending: no run judges it
    again, and approving it would write a licence halosync no longer keeps."""
    mapping = mapping_from_config(config)
    return {(client, product) for client in mapping.clients for product in mapping.products_of(client)}


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

    record = _Recorder(config, outcome, dry_run)
    from halosync.run.interrupt import Interrupt, StopNow
    from halosync.run.interrupt import exit_code as signal_exit_code

    with run_lock(config.log_path, "nothing was decided"), Services(config, **service_options) as services, \
            Interrupt() as interrupt:
        record.interrupt = interrupt
        # Asked again under the lock: a run (or another approve) may have judged a pair while the question was open.
        still = {(p.held_run_id, p.key) for p in pending(config)}
        interrupt.writing = True  # from here a signal lets the write in flight finish and be recorded, then stops
        current: dict[int, dict[int, int | None]] = {}  # client -> licence -> count, read once per client

        def reread(client_id: int) -> dict[int, int | None]:
            return {l.id: l.count for l in services.halo.licences(client_id=client_id)
                    if not l.deleted}  # a deleted licence is gone, whatever it holds

        done = 0
        try:
            for change, decision in choices:
                if interrupt.event.is_set():
                    break  # start no new write; what is left stays pending
                done += 1
                row = change.row
                try:
                    now: object = GONE
                    if decision == "approved" and (change.held_run_id, change.key) in still:
                        if row.halo_client_id not in current:  # re-read: someone may have edited it in Halo since
                            current[row.halo_client_id] = reread(row.halo_client_id)
                        now = current[row.halo_client_id].get(row.licence_id or -1, GONE)
                    verdict = judge(change, decision, still=(change.held_run_id, change.key) in still, now=now,
                                    next_sync=record.next_sync)
                    if verdict is not None:
                        record(change, decision, *verdict)
                        continue
                    if not dry_run:
                        _write(services, row, record, change, reread)
                        current.pop(row.halo_client_id, None)  # read afresh for the client's next change
                        continue
                    record(change, "approved", "ok", f"would write {row.count}")
                except (AuthError, ServiceError) as exc:
                    record(change, "approved", "failed", f"{exc}; still pending")
                    if isinstance(exc, AuthError) or exc.exit_code == ExitCode.UNREACHABLE:
                        outcome.error, outcome.exit_code = str(exc), int(exc.exit_code)
                        break  # the service refuses or is gone: the rest would fail the same way
            interrupt.settle()  # the decisions are down: a signal from here on never cuts their printing short
        except StopNow as stopped:
            # Asked twice: stopped at once; the write in flight is on record (unknown outcome, still pending).
            # The decisions made are printed all the same: a --json document on stdout, whole.
            interrupt.settle()
            outcome.exit_code = stopped.exit_code
            outcome.error = (f"interrupted twice by {interrupt.name}: stopped at once; {len(outcome.decisions)} "
                             f"decision(s) recorded; {len(choices) - done} not started: still pending; "
                             "`halosync approve` shows them")
            return outcome
        if interrupt.signum is not None:
            outcome.exit_code = signal_exit_code(interrupt.signum)
            outcome.error = (f"interrupted by {interrupt.name}: {done} decision(s) carried out and recorded"
                             f"{' (the write in flight finished)' if done else ''}; {len(choices) - done} not "
                             "started: still pending; `halosync approve` shows them")
    if not outcome.exit_code and any(d.status != "ok" for d in outcome.decisions):
        outcome.exit_code = ExitCode.DECISIONS_NOT_OK
    return outcome


@dataclass
class _Recorder:
    """Appends each decision to the outcome and (not in a dry run) to the results log as soon as it is made."""

    config: Config
    outcome: Outcome
    dry_run: bool
    interrupt: Interrupt | None = None  # once installed: a second signal waits until the record is whole
    _next_sync: str | None = None  # worked out once, when a decision first needs it

    def __call__(self, change: Pending, decision: Literal["approved", "rejected"],
                 status: Literal["ok", "stale", "failed"], message: str) -> None:
        made = _decision(change, decision, status, message)
        with self.interrupt.hold() if self.interrupt is not None else nullcontext():
            self.outcome.decisions.append(made)
            if not self.dry_run:
                resultslog.append(self.config.log_path, [made], self.config.log.rotate_bytes)

    def next_sync(self) -> str:
        if self._next_sync is None:
            self._next_sync = next_sync(self.config)
        return self._next_sync


def judge(change: Pending, decision: Literal["approved", "rejected"], *, still: bool, now: object,
          next_sync: Callable[[], str]) -> tuple[Literal["ok", "stale", "failed"], str] | None:
    """What a decision comes to before any write: (status, message) to record, or None when the approved count
    is to be written. `still`: the change is still pending under the lock; `now`: the licence's count in the
    re-read (GONE when it is not there); `next_sync` words when the pair is judged again."""
    row = change.row
    if not still:
        return "stale", (f"no longer pending: a newer run judged client {row.halo_client_id} {row.product} again, or "
                         "it was decided meanwhile; nothing written; `halosync approve` shows what is pending now")
    if decision == "rejected":
        kept = "the licence as it is" if row.previous_count is None else row.previous_count  # no count was read
        return "ok", f"kept {kept}; {next_sync()} judges it again"
    if now is GONE:
        return "stale", (f"licence {row.licence_id} is no longer in HaloPSA (deleted since the run): not written; "
                         f"{next_sync()} judges the pair afresh")
    if now == row.count and now != row.previous_count:
        # Already what was approved: an earlier approve wrote it (its answer lost), or a person did.
        return "ok", f"already holds {row.count}: nothing written"
    if now != row.previous_count:
        return "stale", (f"licence {row.licence_id} now holds {now}, not the {row.previous_count} the run saw: not "
                         f"written; {next_sync()} judges it afresh")
    return None


def _write(services: Services, row: Row, record: Callable[..., None], change: Pending,
           reread: Callable[[int], dict[int, int | None]]) -> None:
    """Write one approved count and record the decision as soon as its answer is known. An answer that leaves the
    outcome unknown (a 5xx, a dropped connection) is settled by re-reading the licence; a second signal while
    the write is in flight records it as unknown (still pending: the next approve re-reads it) before stopping."""
    try:
        services.halo.post_licences([{"id": row.licence_id, "client_id": row.halo_client_id, "count": row.count}])
    except KeyboardInterrupt:
        record(change, "approved", "failed", (
            f"interrupted while the write was in flight: the licence may hold {row.count}; "
            "still pending: the next approve re-reads it"))
        raise
    except ServiceError as exc:
        if isinstance(exc, AuthError) or not exc.ambiguous:
            raise
        try:
            held = reread(row.halo_client_id).get(row.licence_id or -1, GONE)
        except ServiceError:
            raise type(exc)(exc.service, f"{exc}, and re-reading the licence failed too, so it may hold "
                                         f"{row.count}: the next approve re-reads it", exc.status) from None
        if held != row.count:
            raise
        answered = f"HaloPSA answered {exc.status}" if exc.status else "HaloPSA's answer was lost"
        record(change, "approved", "ok", f"written; {answered} but the licence holds {row.count}")
        return
    record(change, "approved", "ok", f"wrote {row.count}")


def next_sync(config: Config, today: date | None = None) -> str:
    """When the pair is judged again, as a person would act on it. The held run counts as its period's sync,
    so the next hourly run is not due: name the date the schedule gives, and the way to judge it now."""
    if config.sync.frequency == "invoice":
        return "the next sync (once Huntress issues its next invoice, or `halosync run --force` now)"
    from halosync.core.schedule import next_due, period_start
    from halosync.run.last_sync import last_success

    today = today or date.today()
    try:
        last = last_success(config.log_path, period_start(config.sync, today))
    except (OSError, ConfigError):  # the log was read moments ago; a date is a courtesy, never worth failing for
        return "the next sync (`halosync run --force` now)"
    return f"the next sync (on {next_due(config.sync, today, last):%Y-%m-%d}, or `halosync run --force` now)"


def _decision(change: Pending, decision: Literal["approved", "rejected"], status: Literal["ok", "stale", "failed"],
              message: str) -> Decision:
    row = change.row
    return Decision(time=now_utc(), held_run_id=change.held_run_id, halo_client_id=row.halo_client_id,
                    product=row.product, licence_id=row.licence_id or 0, previous_count=row.previous_count or 0,
                    count=row.count or 0, decision=decision, status=status, message=message)
