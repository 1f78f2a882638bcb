"""One sync: read both services, plan, apply, append to the results log. Returns data; prints nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from halosync.config.schema import Config
from halosync.core import outside
from halosync.core.guard import GuardRule, hold
from halosync.core.mapping import Mapping
from halosync.core.models import Row, RunRecord, Unmapped, tally
from halosync.core.plan import Stamp, build_plan
from halosync.core.ports import CountSource, LicenceStore
from halosync.errors import AuthError, ExitCode, HalosyncError, LogWriteError, ServiceError, UnreachableError
from halosync.halo.apply import BATCH_SIZE, IN_FLIGHT, NOT_STARTED, Applier
from halosync.run import resultslog
from halosync.run.interrupt import Interrupt, Interrupted, StopNow
from halosync.run.interrupt import exit_code as interrupt_exit_code
from halosync.run.ledger import read_ledger
from halosync.run.result import Progress, RunResult, now_utc


def sync(config: Config, mapping: Mapping, huntress: CountSource, halo: LicenceStore, *, force: bool, dry_run: bool,
         progress: Progress | None = None, interrupt: Interrupt | None = None, batch_size: int = BATCH_SIZE,
         huntress_invoice: dict[str, Any] | None = None,
         stamp_rows: Callable[[list[Row]], list[Row]] | None = None) -> RunResult:
    """Read the source, plan, write to the store, log. The caller owns (and closes) source and store;
    `config` is read for the results log, the count mode and client names only. `huntress_invoice` is the
    invoice this run follows (kept in its run record); `stamp_rows` marks the planned rows with it."""
    started = now_utc()
    run_id = f"{started.replace(':', '').replace('-', '')}-{uuid.uuid4().hex[:6]}"
    names: dict[int, str] = {}  # Huntress organizations
    client_names = {c.halo_client_id: c.name for c in config.clients if c.name}  # HaloPSA clients

    def finish(exit_code: int, rows: list[Row], unmapped: list[Unmapped], error: str = "") -> RunResult:
        """Append the rows and the run record; a log that refuses them ends the run with 74, records in hand."""
        if interrupt is not None:
            interrupt.writing = True  # a signal now must not cut the record short
        summary = RunRecord(
            run_id=run_id, started=started, finished=now_utc(), dry_run=dry_run, forced=force, exit_code=exit_code,
            rows=tally(rows), requests={"huntress": huntress.requests, "halo": halo.requests},
            error=error, huntress_invoice=huntress_invoice,
        )
        result = RunResult(exit_code=exit_code, record=summary, rows=rows, unmapped=unmapped, organization_names=names,
                           client_names=client_names)
        records: list[Row | Unmapped | RunRecord] = [*rows, *unmapped, summary]
        try:
            with interrupt.hold() if interrupt is not None else nullcontext():
                resultslog.append(config.log_path, records, config.log.rotate_bytes)
        except StopNow:
            pass  # asked twice while the records were appended: they are whole; what is left is printing them
        except LogWriteError as exc:
            result.exit_code = ExitCode.LOG_UNWRITABLE
            result.log_error = str(exc)
            result.unsaved = exc.unsaved
        return result

    try:
        ledger = read_ledger(config.log_path)  # what halosync wrote before; local, so before anything is contacted
        # Halo first: a wrong Halo secret should not cost a minute of the Huntress rate limit.
        halo.authenticate()
        organizations = {org.id: org for org in huntress.organizations(progress)}
        read = huntress.counts(
            organizations, mapping.organization_ids, mapping.wanted_products, config.huntress.counts, progress
        )
        licences = halo.licences(keep=mapping.is_candidate)
        client_names.update({l.client_id: l.client_name for l in licences if l.client_name})
        names.update({org_id: org.name for org_id, org in organizations.items()})
        stamp = Stamp(run_id=run_id, time=now_utc(), dry_run=dry_run)
        plan = build_plan(mapping, names, read, licences, stamp, written_for=ledger.written_for)
        if stamp_rows is not None:
            plan.rows[:] = stamp_rows(plan.rows)
        outside.mark(plan.rows, ledger)
        del licences, read, ledger  # the plan holds what it needs; at 10,000 organizations memory matters
        if interrupt is not None:
            interrupt.writing = True  # from here a signal lets the writes in flight finish, then stops
    except ServiceError as exc:
        code = exc.exit_code if isinstance(exc, (AuthError, UnreachableError)) else ExitCode.UNREACHABLE
        return finish(code, [], [], error=str(exc))
    except Interrupted as stopped:
        return finish(stopped.exit_code, [], [], error=f"{stopped}: nothing was written")

    rows = plan.rows
    if config.sync.outside_changes == "hold":  # before the guard: the row says why it is held
        outside.hold(rows)
    if config.guard is not None:  # judged before any write, in a dry run too: it shows what would be held
        g = config.guard
        hold(rows, GuardRule(g.max_decrease_percent, g.max_increase_percent, g.min_units))
    exit_code, error = ExitCode.OK, ""
    try:
        if not dry_run:
            stop = interrupt.event if interrupt is not None else None
            applied = Applier(halo, mapping, batch_size=batch_size, progress=progress, stop=stop).apply(rows)  # replaces rows in place
            if applied.denied is not None:
                error = applied.denial_message
                if applied.written == 0:
                    exit_code = ExitCode.AUTH
    except Exception as exc:
        if isinstance(exc, HalosyncError):
            raise
        # A bug mid-write: put on record what is known before the CLI reports it (exit 70).
        finish(ExitCode.INTERNAL, rows, plan.unmapped, error=f"internal error (a bug): {type(exc).__name__}")
        raise
    if interrupt is not None and interrupt.signum is not None:
        exit_code = interrupt_exit_code(interrupt.signum)
        if dry_run:
            error = f"interrupted by {interrupt.name} after planning; a dry run writes nothing"
        else:
            written = sum(1 for row in rows if row.is_write)
            left = sum(1 for row in rows if row.message == NOT_STARTED)
            unknown = sum(1 for row in rows if row.message.startswith(IN_FLIGHT))
            error = (f"interrupted by {interrupt.name}: the writes in flight were finished ({written} licences "
                     f"written); {left} not started; the next run writes them")
            if unknown:  # a second signal stopped a write halfway: its row says what to check
                error = (f"interrupted twice by {interrupt.name}: stopped at once ({written} licences written); "
                         f"{unknown} write(s) in flight with an unknown outcome (check them in HaloPSA; the next "
                         f"run checks them too); {left} not started")
    elif exit_code == ExitCode.OK and any(row.status == "failed" for row in rows):
        exit_code = ExitCode.ROWS_FAILED
    elif exit_code == ExitCode.OK and any(row.status == "held" for row in rows):
        exit_code = ExitCode.HELD
    return finish(exit_code, rows, plan.unmapped, error)
