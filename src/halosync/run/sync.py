"""One sync: read both services, plan, apply, append to the results log. Returns data; prints nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import nullcontext
from functools import partial
from typing import Any

from halosync.config.schema import Config
from halosync.core import outside
from halosync.core.guard import GuardRule, hold, judge
from halosync.core.mapping import Mapping
from halosync.core.models import Row, RunRecord, Unmapped, tally
from halosync.core.plan import Plan, Stamp, build_plan
from halosync.core.ports import CountSource, LicenceStore, Progress
from halosync.core.runs import sync_exit_code
from halosync.errors import AuthError, ExitCode, HalosyncError, LogWriteError, ServiceError, UnreachableError
from halosync.halo.apply import BATCH_SIZE, IN_FLIGHT, NOT_STARTED, Applier
from halosync.run import resultslog
from halosync.run.clock import now_utc
from halosync.run.interrupt import Interrupt, Interrupted, StopNow, late_message, with_signal
from halosync.run.interrupt import exit_code as interrupt_exit_code
from halosync.run.ledger import read_ledger
from halosync.run.names import client_names_for, named_rows
from halosync.run.result import RunResult


def sync(config: Config, mapping: Mapping, huntress: CountSource, halo: LicenceStore, *, force: bool, dry_run: bool,
         progress: Progress | None = None, interrupt: Interrupt | None = None, batch_size: int = BATCH_SIZE,
         huntress_invoice: dict[str, Any] | None = None,
         stamp_rows: Callable[[list[Row]], list[Row]] | None = None) -> RunResult:
    """Read the source, plan, write to the store, log. The caller owns (and closes) source and store;
    `config` is read for the results log, the count mode and client names only. `huntress_invoice` is the
    invoice this run follows (kept in its run record); `stamp_rows` marks the planned rows with it."""
    log = _Log(config, huntress, halo, force=force, dry_run=dry_run, interrupt=interrupt, huntress_invoice=huntress_invoice)
    try:
        if interrupt is not None:
            interrupt.check()  # a signal that came while the clients were being built
        plan = _read_and_plan(config, mapping, huntress, halo, log, progress=progress, stamp_rows=stamp_rows)
        _hold(config, plan.rows)
        applier = None if dry_run else Applier(halo, mapping, batch_size=batch_size, progress=progress,
                                                stop=interrupt.event if interrupt is not None else None)
        if interrupt is not None:
            interrupt.writing = True  # from here a signal lets the writes in flight finish, then stops
    except ServiceError as exc:
        if interrupt is not None:
            interrupt.writing = True  # no CALL before this: a signal from here on is noted, in the record
        code = exc.exit_code if isinstance(exc, (AuthError, UnreachableError)) else ExitCode.UNREACHABLE
        return log.finish(code, [], [], error=str(exc))
    except (Interrupted, StopNow) as stopped:  # StopNow: twice, in the instant the writes were to begin
        name = interrupt.name if interrupt is not None else "a signal"
        return log.finish(stopped.exit_code, [], [], error=f"interrupted by {name} before any write: nothing was written")

    rows = plan.rows
    try:
        error, refused = _apply(applier, rows)
    except StopNow:
        # Asked twice outside the applier's own handling (one during the writes records what was in flight
        # itself): just before the writes began, or just after they ended. A write the applier never finished
        # was not written; the rows go on record like any run's, the error and exit code the signal's (`ending`).
        if applier is not None:
            applier.mark_unfinished(rows)
        error, refused = "", False
    except Exception as exc:
        if isinstance(exc, HalosyncError):
            raise
        # A bug mid-write: put on record what is known before the CLI reports it (exit 70).
        log.finish(ExitCode.INTERNAL, rows, plan.unmapped, error=f"internal error (a bug): {type(exc).__name__}")
        raise
    def ending() -> tuple[int, str]:
        # Asked by finish() once no signal can cut the record short: a signal that arrived after the last
        # write and before the record was put together is in the record, not lost.
        signum = interrupt.signum if interrupt is not None else None
        stopped = error
        if interrupt is not None and signum is not None:
            stopped = _interrupted(interrupt.name, rows, dry_run=dry_run)
        return sync_exit_code(rows, refused_before_writing=refused,
                              interrupted=interrupt_exit_code(signum) if signum is not None else None), stopped

    while True:
        try:
            return log.finish(0, rows, plan.unmapped, ending=ending)
        except StopNow:  # at finish's entry, before its own try: nothing is down yet
            continue


class _Log:
    """One sync's identity, the names it learns, and its end: the rows and the run record appended to the log."""

    def __init__(self, config: Config, huntress: CountSource, halo: LicenceStore, *, force: bool, dry_run: bool,
                 interrupt: Interrupt | None, huntress_invoice: dict[str, Any] | None):
        self.config, self.huntress, self.halo, self.interrupt = config, huntress, halo, interrupt
        self.force, self.dry_run, self.huntress_invoice = force, dry_run, huntress_invoice
        self.started = now_utc()
        self.run_id = f"{self.started.replace(':', '').replace('-', '')}-{uuid.uuid4().hex[:6]}"
        self.names: dict[int, str] = {}  # Huntress organizations
        self.client_names = client_names_for(config)  # HaloPSA clients

    def finish(self, exit_code: int, rows: list[Row], unmapped: list[Unmapped], error: str = "",
               ending: Callable[[], tuple[int, str]] | None = None) -> RunResult:
        """Append the rows and the run record; a log that refuses them ends the run with 74, records in hand.
        `ending` gives the exit code and error when they depend on a signal that may still arrive."""
        while True:
            try:
                return self._finish(exit_code, rows, unmapped, error, ending)
            except StopNow:
                # Asked twice before the records were being appended (once the append starts, a second signal
                # waits for it and is then only noted): nothing of them is down yet, and stopping at once must
                # never lose them; put them down whole (the signal is in `ending` and in `late` below).
                continue

    def _finish(self, exit_code: int, rows: list[Row], unmapped: list[Unmapped], error: str,
                ending: Callable[[], tuple[int, str]] | None) -> RunResult:
        if self.interrupt is not None:
            self.interrupt.writing = True  # a signal now must not cut the record short
        if ending is not None:
            exit_code, error = ending()
        rows = named_rows(rows, self.client_names)  # the log (and --json) keep each client's name as this run knew it
        summary = RunRecord(
            run_id=self.run_id, started=self.started, finished=now_utc(), dry_run=self.dry_run, forced=self.force,
            exit_code=exit_code, rows=tally(rows),
            requests={"huntress": self.huntress.requests, "halo": self.halo.requests},
            error=error, huntress_invoice=self.huntress_invoice,
        )
        result = RunResult(exit_code=exit_code, record=summary, rows=rows, unmapped=unmapped,
                           organization_names=self.names, client_names=self.client_names)
        records: list[Row | Unmapped | RunRecord] = [*rows, *unmapped, summary]
        try:
            # last: once the records are down, a signal is noted, never raised: the summary (a --json document)
            # is printed whole, and the process still exits 130/143
            with self.interrupt.hold(last=True) if self.interrupt is not None else nullcontext():
                resultslog.append(self.config.log_path, records, self.config.log.rotate_bytes)
        except LogWriteError as exc:
            result.exit_code = ExitCode.LOG_UNWRITABLE
            result.log_error = str(exc)
            result.unsaved = exc.unsaved
        late = self.interrupt.signum if self.interrupt is not None else None
        if late is not None and with_signal(result.exit_code, late) != result.exit_code:
            # The signal came while the record was being appended: the record says how the run ended, the
            # process still exits by the signal (a late signal is never lost).
            result.exit_code = interrupt_exit_code(late)
            result.late_signal = late_message(late)
        return result


def _read_and_plan(config: Config, mapping: Mapping, huntress: CountSource, halo: LicenceStore, log: _Log, *,
                   progress: Progress | None, stamp_rows: Callable[[list[Row]], list[Row]] | None) -> Plan:
    """Read what halosync wrote before, both services, and plan the rows; nothing is written yet."""
    ledger = read_ledger(config.log_path)  # what halosync wrote before; local, so before anything is contacted
    # Halo first: a wrong Halo secret should not cost a minute of the Huntress rate limit.
    halo.authenticate()
    organizations = {org.id: org for org in huntress.organizations(progress)}
    read = huntress.counts(organizations, mapping.organization_ids, mapping.wanted_products, config.huntress.counts,
                           progress)
    licences = halo.licences(keep=mapping.is_candidate)
    log.client_names.update(client_names_for(config, licences))
    log.names.update({org_id: org.name for org_id, org in organizations.items()})
    stamp = Stamp(run_id=log.run_id, time=now_utc(), dry_run=log.dry_run)
    plan = build_plan(mapping, log.names, read, licences, stamp, written_for=ledger.written_for)
    if stamp_rows is not None:
        plan.rows[:] = stamp_rows(plan.rows)
    outside.mark(plan.rows, ledger)
    return plan  # the plan holds what it needs of the licences and counts: at 10,000 organizations memory matters


def _hold(config: Config, rows: list[Row]) -> None:
    """Hold, in place, what must wait for a person: changes from outside (first: the row says why), then the guard."""
    rule = None
    if config.guard is not None:
        g = config.guard
        rule = GuardRule(g.max_decrease_percent, g.max_increase_percent, g.min_units)
    if config.sync.outside_changes == "hold":  # the guard's verdict goes on these rows' messages too
        outside.hold(rows, partial(judge, rule) if rule is not None else None)
    if rule is not None:  # judged before any write, in a dry run too: it shows what would be held
        hold(rows, rule)


def _apply(applier: Applier | None, rows: list[Row]) -> tuple[str, bool]:
    """Write the rows (replaced in place by their outcomes; no applier: a dry run). Returns the run's error, if
    HaloPSA refused the writes, and whether it refused them before any was written."""
    if applier is None:
        return "", False
    applied = applier.apply(rows)
    if applied.denied is None:
        return "", False
    return applied.denial_message, applied.written == 0


def _interrupted(signal_name: str, rows: list[Row], *, dry_run: bool) -> str:
    if dry_run:
        return f"interrupted by {signal_name} after planning; a dry run writes nothing"
    written = sum(1 for row in rows if row.is_write)
    left = sum(1 for row in rows if row.message == NOT_STARTED)
    unknown = sum(1 for row in rows if row.message.startswith(IN_FLIGHT))
    if unknown:  # a second signal stopped a write halfway: its row says what to check
        return (f"interrupted twice by {signal_name}: stopped at once ({written} licences written); "
                f"{unknown} write(s) in flight with an unknown outcome (check them in HaloPSA; the next "
                f"run checks them too); {left} not started")
    return (f"interrupted by {signal_name}: the writes in flight were finished ({written} licences "
            f"written); {left} not started{'; the next run writes them' if left else ''}")
