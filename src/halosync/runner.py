"""One `halosync run`: lock, due check, read both services, plan, apply, log. Returns data; prints nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from halosync import resultslog
from halosync.apply import Applier
from halosync.config import Config
from halosync.errors import AuthError, ExitCode, LockedError, ServiceError, UnreachableError
from halosync.halo import HaloClient
from halosync.huntress import HuntressClient
from halosync.models import Row, RunRecord, Unmapped, tally
from halosync.plan import Huntress, Mapping, build_plan
from halosync.schedule import is_due, next_due, period_start

Progress = Callable[[str], None]


@dataclass
class RunResult:
    exit_code: int
    due: bool = True
    next_due: date | None = None
    record: RunRecord | None = None
    rows: list[Row] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    organization_names: dict[int, str] = field(default_factory=dict)


def lock_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.name + ".lock")


def run(
    config: Config,
    *,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    service_options: dict[str, Any] | None = None,
    today: date | None = None,
) -> RunResult:
    """SPEC 'What a run does', steps 1-6 (config loading is the caller's)."""
    log = config.log_path
    log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = FileLock(str(lock_path(log)), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(f"another halosync run holds the lock {lock_path(log)}; this run did nothing") from None
    try:
        today = today or date.today()
        last = resultslog.last_success(log, period_start(config.sync, today))
        if not force and not is_due(config.sync, today, last):
            return RunResult(exit_code=ExitCode.OK, due=False, next_due=next_due(config.sync, today, last))
        return _sync(config, force=force, dry_run=dry_run, progress=progress, service_options=service_options or {})
    finally:
        lock.release()


def _sync(config: Config, *, force: bool, dry_run: bool, progress: Progress | None, service_options: dict[str, Any]) -> RunResult:
    started = _now()
    run_id = f"{started.replace(':', '').replace('-', '')}-{uuid.uuid4().hex[:6]}"
    mapping = Mapping.from_config(config)
    huntress = HuntressClient.from_config(config, **service_options)
    halo = HaloClient.from_config(config, **service_options)

    def record(exit_code: int, rows: list[Row], error: str = "") -> RunRecord:
        return RunRecord(
            run_id=run_id, started=started, finished=_now(), dry_run=dry_run, forced=force, exit_code=exit_code,
            rows=tally(rows), requests={"huntress": huntress.service.requests, "halo": halo.service.requests},
            error=error,
        )

    try:
        try:
            # Halo first: a wrong Halo secret should not cost a minute of the Huntress rate limit.
            halo.authenticate()
            organizations = {org.id: org for org in huntress.organizations(progress)}
            counts, errors = huntress.counts(
                organizations, mapping.organization_ids, mapping.products, config.huntress.counts, progress
            )
            licences = halo.licences(keep=mapping.is_candidate)
        except ServiceError as exc:
            code = exc.exit_code if isinstance(exc, (AuthError, UnreachableError)) else ExitCode.UNREACHABLE
            summary = record(code, [], error=str(exc))
            resultslog.append(config.log_path, [summary])
            return RunResult(exit_code=code, record=summary)

        names = {org_id: org.name for org_id, org in organizations.items()}
        plan = build_plan(mapping, Huntress(organizations=names, counts=counts, errors=errors), licences)
        rows = plan.rows
        exit_code, error = ExitCode.OK, ""
        if not dry_run:
            applied = Applier(halo, mapping, progress=progress).apply(rows)
            rows = applied.rows
            if applied.denied is not None:
                error = applied.denial_message
                if applied.written == 0:
                    exit_code = ExitCode.AUTH
        if exit_code == ExitCode.OK and any(row.status == "failed" for row in rows):
            exit_code = ExitCode.ROWS_FAILED

        finished = _now()
        stamp = {"run_id": run_id, "time": finished}
        rows = [row.model_copy(update={**stamp, "dry_run": dry_run}) for row in rows]
        unmapped = [u.model_copy(update=stamp) for u in plan.unmapped]
        summary = record(exit_code, rows, error)
        resultslog.append(config.log_path, [*rows, *unmapped, summary])
        return RunResult(exit_code=exit_code, record=summary, rows=rows, unmapped=unmapped, organization_names=names)
    finally:
        huntress.close()
        halo.close()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
