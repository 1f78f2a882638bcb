"""`audit`'s procedure: read both ends, judge them (core.audit), and with --fix link licences to invoices.

--fix works under the run lock and on fresh reads: each invoice is read again just before it is
changed (a fix someone made meanwhile is skipped), and again after (HaloPSA's behaviour here is
not verified, so nothing it answers is trusted). Each write is on record as soon as its answer is known.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from halosync.config.schema import Config
from halosync.core.audit import MANUAL, AuditReport, Finding, Fix, audit, counted_products, recheck, verify
from halosync.core.models import InvoiceFix
from halosync.errors import AuthError, ExitCode, HalosyncError, ServiceError
from halosync.halo.invoices import read_invoices, write_fix
from halosync.huntress.usage import listed_units
from halosync.run import resultslog
from halosync.run.clock import now_utc
from halosync.run.held_changes import held_not_approved
from halosync.run.names import client_names_for
from halosync.run.runner import run_lock
from halosync.run.wiring import Services, mapping_from_config

if TYPE_CHECKING:
    from halosync.run.interrupt import Interrupt

AUDIT_SCOPES = ("read:invoices",)
FIX_SCOPES = ("read:invoices", "edit:invoices")
SENT = ("ok", "failed", "unverified")  # statuses of a fix whose write was sent (skipped ones were not)


def fetch_and_audit(config: Config, *, fix: bool = False, **service_options: Any) -> tuple[AuditReport, Services]:
    """Read both ends and judge them. The Services stay open for `apply_fixes`; the caller closes them."""
    mapping = mapping_from_config(config)
    services = Services(config, extra_scopes=FIX_SCOPES if fix else AUDIT_SCOPES, **service_options)
    try:
        services.halo.authenticate()  # first: a token refused for edit:invoices ends --fix before anything else
        organizations = services.huntress.organizations()
        counted = counted_products(mapping)
        usage = {org.id: (org.name, {p: listed_units(org.summary, p) for p in counted}) for org in organizations}
        latest = services.huntress.latest_invoice()
        from halosync.run.reconcile import extend_audit, orphan_scope, written_for_of  # reconciliation, orphans

        written_for = written_for_of(config)  # read once: the orphaned licences need it too
        scope = orphan_scope(config, mapping, written_for)
        # One listing for both: the mapped clients' licences, and those that could be orphaned.
        listed = services.halo.licences(keep=lambda l: mapping.is_candidate(l) or scope.keep(l))
        licences = [l for l in listed if mapping.is_candidate(l)]
        invoices = read_invoices(services.halo)
        report = audit(mapping, licences, invoices, usage, latest, written_for=written_for)
        report.client_names = client_names_for(config, licences)
        report.held_changes = held_not_approved(config.log_path)
        extend_audit(report, config, services, organizations, mapping, scope, listed)
        from halosync.run.unlinked import extend_unlinked  # the lines --fix created that HaloPSA did not link

        extend_unlinked(report, config, invoices)
        if fix and report.fixes:
            names = {f.item_id: str(services.halo.item(f.item_id).get("name") or "") for f in report.fixes
                     if f.action == "add_line"}
            report.fixes = [dataclasses.replace(f, item_name=names.get(f.item_id, f.item_name)) for f in report.fixes]
        report.requests = services.requests
        return report, services
    except BaseException:
        services.close()
        raise


@dataclass
class FixOutcome:
    """What --fix did: a record per fix tried (on the results log already), and why it stopped early, if it did."""

    records: list[InvoiceFix] = field(default_factory=list)
    not_tried: list[Fix] = field(default_factory=list)
    done_meanwhile: set[int] = field(default_factory=set)  # licences someone else linked before our write
    error: str = ""
    exit_code: int | None = None  # set when it stopped early with a code of its own (130 / 143)

    @property
    def written(self) -> int:
        return sum(1 for r in self.records if r.status in SENT)


def apply_fixes(config: Config, services: Services, fixes: list[Fix]) -> FixOutcome:
    """Make the changes under the run lock, after proving the results log can take the records. SIGINT or
    SIGTERM: the change in flight is finished, read back and recorded; none starts after it."""
    from halosync.run.interrupt import Interrupt, StopNow
    from halosync.run.interrupt import exit_code as signal_exit_code

    with run_lock(config.log_path, "no invoice was changed"), Interrupt() as interrupt:
        interrupt.writing = True  # from here a signal stops the loop, never a write or its record
        outcome = FixOutcome()
        try:
            _apply(config, services, fixes, outcome, interrupt.event, interrupt)
            interrupt.settle()  # the records are down: a signal from here on never cuts their printing short
        except StopNow as stopped:  # asked twice: the write in flight is on record (unverified); stop now
            interrupt.settle()
            outcome.exit_code = stopped.exit_code
            unverified = sum(1 for r in outcome.records if r.status == "unverified")
            outcome.error = (f"interrupted twice by {interrupt.name}: stopped at once; {outcome.written} invoice "
                             f"change(s) recorded ({unverified} unverified: check them in HaloPSA before running "
                             f"audit --fix again); {len(outcome.not_tried)} not started")
            return outcome
        if interrupt.signum is not None:
            outcome.exit_code = signal_exit_code(interrupt.signum)
            outcome.error = (f"interrupted by {interrupt.name}: {outcome.written} invoice change(s) were finished and "
                             f"recorded; {len(outcome.not_tried)} not started")
        return outcome


def _apply(config: Config, services: Services, fixes: list[Fix], outcome: FixOutcome, stop: threading.Event,
           interrupt: Interrupt | None = None) -> None:
    """The fixes in turn. A second signal (StopNow) stops at once: the write in flight, if any, is recorded
    `unverified` first, then StopNow goes on to the caller."""
    in_flight: list[tuple[int, Fix]] = []  # the fix whose write was sent and whose record is not written yet
    at = [0]  # the fix being worked on

    def record(fix: Fix, line_id: int | None, status: str, message: str) -> None:
        entry = InvoiceFix(time=now_utc(), halo_client_id=fix.halo_client_id, invoice_id=fix.invoice_id,
                           line_id=line_id, licence_id=fix.licence_id, action=fix.action,
                           status=status, message=message)  # type: ignore[arg-type]
        with interrupt.hold() if interrupt is not None else nullcontext():  # a second signal: after the record
            outcome.records.append(entry)
            resultslog.append(config.log_path, [entry], config.log.rotate_bytes)  # at once: a kill loses no record
            in_flight.clear()

    try:
        _fix_each(fixes, services, outcome, stop, record, in_flight, at)
    except KeyboardInterrupt:
        if in_flight:
            index, fix = in_flight[0]
            outcome.not_tried = fixes[index + 1:]
            record(fix, fix.line_id, "unverified", (
                f"interrupted while the write was in flight: check invoice {fix.invoice_id} in HaloPSA (whether a "
                f"line on item {fix.item_id} bills from licence {fix.licence_id}) before running audit --fix again"))
        else:
            outcome.not_tried = outcome.not_tried or fixes[at[0]:]
        raise


def _fix_each(fixes: list[Fix], services: Services, outcome: FixOutcome, stop: threading.Event,
              record: Callable[[Fix, int | None, str, str], None], in_flight: list[tuple[int, Fix]],
              at: list[int]) -> None:
    for index, fix in enumerate(fixes):
        at[0] = index
        if stop.is_set():
            outcome.not_tried = fixes[index:]
            return
        try:
            fresh = read_invoices(services.halo, fix.halo_client_id)
        except HalosyncError as exc:
            if not outcome.written:
                raise  # nothing changed yet: the error's own code (3, 5) tells the truth
            outcome.not_tried = fixes[index:]
            outcome.error = (f"invoice {fix.invoice_id} could not be read before changing it ({exc}); "
                             f"{outcome.written} change(s) were made and recorded, {len(fixes) - index} not tried")
            return
        check = recheck(fix, fresh)
        if not check.needed:
            if check.done:
                outcome.done_meanwhile.add(fix.licence_id)
            record(fix, fix.line_id, "skipped", check.reason)
            continue
        if stop.is_set():
            outcome.not_tried = fixes[index:]
            return
        before = next((i for i in fresh if i.id == fix.invoice_id), None)
        answer = ""  # what HaloPSA answered a write that failed: it may have happened anyway
        in_flight.append((index, fix))
        try:
            write_fix(services.halo, fix)
        except AuthError as exc:
            record(fix, fix.line_id, "failed", f"HaloPSA refused the change: {exc}. {MANUAL}")
            if outcome.written == 1:
                raise  # the first write was refused: nothing changed, exit 3 with the permission's hint
            outcome.not_tried = fixes[index + 1:]
            outcome.error = f"HaloPSA refused a change ({exc}); the changes after it were not tried"
            return
        except ServiceError as exc:
            answer = f"HaloPSA answered {exc}"
        try:
            after = read_invoices(services.halo, fix.halo_client_id)
        except HalosyncError as exc:
            record(fix, fix.line_id, "unverified", (
                f"the change was sent{f' ({answer})' if answer else ''}, but invoice {fix.invoice_id} could not be read back ({exc}): check "
                f"in HaloPSA whether a line on item {fix.item_id} bills from licence {fix.licence_id} before "
                "running audit --fix again"))
            continue
        verdict = verify(fix, before, after)
        prefix = f"{answer}; read back, " if answer and verdict.status == "failed" else ""
        record(fix, verdict.line_id, verdict.status, prefix + verdict.message)


def remaining_findings(report: AuditReport, outcome: FixOutcome | None) -> list[Finding]:
    """The findings still to act on after the fixes: a licence a fix (ours or a colleague's) now bills is settled."""
    if outcome is None:
        return report.findings
    settled = {r.licence_id for r in outcome.records if r.status == "ok"} | outcome.done_meanwhile
    return [f for f in report.findings if f.kind in ("unmapped_usage", "no_invoice") or f.licence_id not in settled]


def exit_code(remaining: list[Finding], outcome: FixOutcome | None) -> int:
    """0: nothing left to report; 1: findings remain, or a fix failed, went unverified or was not tried;
    130/143: interrupted during the fixes."""
    if outcome is not None and outcome.exit_code is not None:
        return outcome.exit_code
    if outcome is not None and (outcome.error or any(r.status in ("failed", "unverified") for r in outcome.records)):
        return ExitCode.ROWS_FAILED
    return ExitCode.ROWS_FAILED if remaining else ExitCode.OK
