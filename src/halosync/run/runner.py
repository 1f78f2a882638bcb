"""One `halosync run`: the lock, the due check and monitoring around a sync. Returns data; prints nothing.

The sync itself (sync.py) and its HTTP stack are imported only when a sync is due,
so that an hourly cron call that finds nothing to do starts and ends quickly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from halosync.config.schema import Config
from halosync.core.schedule import is_due, next_due, period_start
from halosync.errors import ExitCode, LockedError
from halosync.run import resultslog
from halosync.run.last_sync import last_success
from halosync.run.result import RunResult

if TYPE_CHECKING:
    from halosync.core.invoice import HuntressInvoice
    from halosync.core.mapping import Mapping
    from halosync.core.models import Row, RunRecord
    from halosync.core.ports import CountSource, Progress
    from halosync.run.invoice import InvoicedSource
    from halosync.run.wiring import Services


PeopleMessage = Callable[["RunRecord", list["Row"], dict[int, str]], "tuple[str, str] | None"]


@contextmanager
def run_lock(log: Path, nothing_done: str) -> Iterator[None]:
    """Whatever writes to HaloPSA and the results log holds this: the log is first proven appendable (exit 2
    before anything is contacted or written), then the lock beside it taken (exit 4 if another holds it)."""
    resultslog.ensure_writable(log)
    lock = FileLock(str(resultslog.lock_path(log)), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(f"another halosync run holds the lock {resultslog.lock_path(log)}; {nothing_done}") from None
    try:
        yield
    finally:
        lock.release()


def sync_if_due(
    config: Config,
    *,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    warn: Progress | None = None,
    service_options: dict[str, Any] | None = None,
    today: date | None = None,
    people_message: PeopleMessage | None = None,
) -> RunResult:
    """One run: lock, due check, sync, notifications (config loading is the caller's).

    Monitoring ([notify]) hears of every sync that is not a dry run; `warn` gets its failures.
    `people_message` composes what people read (formats/notify.py): this layer does not word it.
    """
    log = config.log_path
    with run_lock(log, "this run did nothing"), ExitStack() as stack:
        services, invoice, not_due = _due(config, stack, force=force, service_options=service_options,
                                          warn=warn, today=today)
        if not_due is not None:
            return not_due
        notifier = None
        if not dry_run and config.notify.enabled:
            from halosync.run.notify import Notifier

            notifier = Notifier(config.notify, warn or (lambda message: None), **(service_options or {}))
            notifier.start()
        from halosync.run.interrupt import Interrupt
        from halosync.run.sync import sync
        from halosync.run.wiring import Services, clients_without_organizations, mapping_from_config

        if warn is not None:
            for warning in clients_without_organizations(config):
                warn(warning)
        if services is None:
            services = stack.enter_context(Services(config, **(service_options or {})))
        with Interrupt() as interrupt:
            with interrupt.deferred():  # a signal while the clients are built stops the sync at its start, on record
                mapping = mapping_from_config(config)
                source, stamp = _count_source(config, services, invoice, mapping)
                halo = services.halo
            result = sync(config, mapping, source, halo, force=force,
                          dry_run=dry_run, progress=progress, interrupt=interrupt,
                          huntress_invoice=invoice.record() if invoice else None,
                          stamp_rows=stamp.stamp if stamp is not None else None)
            if notifier is not None and result.record is not None:
                message = people_message(result.record, result.rows, result.client_names) if people_message else None
                notifier.finish(result.record, message)
        return result


def _due(config: Config, stack: ExitStack, *, force: bool, service_options: dict[str, Any] | None,
         warn: Progress | None, today: date | None) -> tuple[Services | None, HuntressInvoice | None, RunResult | None]:
    """Is a sync due? The Huntress clients and the invoice this run follows when it had to ask Huntress (invoice
    frequency or counts: one request), and a not-due result when it is not (the calendar asks nobody)."""
    follows_invoice = config.sync.frequency == "invoice" or config.huntress.counts == "invoiced"
    services, invoice = None, None
    if follows_invoice and (force or config.sync.frequency == "invoice"):
        services, invoice = _newest_invoice(config, stack, service_options)
    if not force and config.sync.frequency == "invoice":
        from halosync.core.invoice import is_invoice_due
        from halosync.run.last_sync import followed_invoice

        if not is_invoice_due(invoice, followed_invoice(config.log_path)):
            return services, invoice, RunResult(exit_code=ExitCode.OK, due=False, huntress_invoice=invoice)
    elif not force:
        not_due = _not_due_by_calendar(config, today or date.today(), warn)
        if not_due is not None:
            return services, invoice, not_due
        if follows_invoice:
            services, invoice = _newest_invoice(config, stack, service_options)
    return services, invoice, None


def _not_due_by_calendar(config: Config, today: date, warn: Progress | None) -> RunResult | None:
    """The calendar due check: a not-due result, or None when a sync is due. Run records dated in the
    future are ignored, with a warning: a clock that was wrong once must not stop every later sync."""
    future: list[dict[str, Any]] = []
    last = last_success(config.log_path, period_start(config.sync, today), future=future)
    if future and warn is not None:
        named = ", ".join(f"{r.get('run_id')} started {r.get('started')}" for r in future[:3])
        more = f" and {len(future) - 3} more" if len(future) > 3 else ""
        warn(f"warning: the results log {config.log_path} has run records dated in the future ({named}{more}); "
             "the due check ignores them. Is this machine's clock right?")
    if is_due(config.sync, today, last):
        return None
    return RunResult(exit_code=ExitCode.OK, due=False, next_due=next_due(config.sync, today, last))


def _count_source(config: Config, services: Services, invoice: HuntressInvoice | None,
                  mapping: Mapping) -> tuple[CountSource, InvoicedSource | None]:
    """Where this sync's counts come from: Huntress, or a reseller invoice (which also stamps the rows),
    with [[accounts]] billed whole on top; and the invoice source, if any."""
    source: CountSource = services.huntress
    stamp = None
    if config.huntress.counts == "invoiced":
        from halosync.run.invoice import InvoicedSource

        mapped = {org.huntress_id: org.name or "" for org in config.organizations}
        source = stamp = InvoicedSource(services.huntress, invoice, mapped)
    if config.accounts:
        from halosync.run.accounts import AccountsSource

        client = services.huntress
        # In invoiced mode no organization listing names the accounts: read them when no line item does.
        read_accounts = (lambda: set(client.accounts())) if config.huntress.counts == "invoiced" else None
        source = AccountsSource(source, mapping, config, visible=lambda: client.seen_accounts,
                                read_accounts=read_accounts)
    return source, stamp


def _newest_invoice(config: Config, stack: ExitStack, service_options: dict[str, Any] | None) -> tuple[Services, HuntressInvoice | None]:
    """Huntress's clients for this run, and its newest invoice (one request): a reseller's when the counts
    come from a reseller invoice. A failure here ends the run before anything is written (exit 3 or 5)."""
    from halosync.run.wiring import Services

    services = stack.enter_context(Services(config, **(service_options or {})))
    return services, services.huntress.newest_invoice(reseller=config.huntress.counts == "invoiced")
