"""Which ends of a run count for what: done (this period's sync happened) and completed (it judged every pair). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from halosync.errors import ExitCode


class Judged(Protocol):
    """A row as the exit code sees it (core.models.Row): models import this module, so no import back."""

    @property
    def status(self) -> str: ...

# A run that ended so counts as this period's sync (6: done, some changes held for a person). The due check,
# the invoice a run followed and the people's notification all ask this.
DONE_EXIT_CODES = frozenset({ExitCode.OK, ExitCode.HELD})

# A sync that ended so read and judged every pair it has a row for: its held rows are proposals. Any other
# end (2-5: stopped before writing; 70: a bug; 130/143: interrupted; a run record missing: killed) proposes
# nothing and hides nothing. (74 is never on record: a log that refused the run record did not keep it.)
COMPLETED_EXIT_CODES = frozenset({ExitCode.OK, ExitCode.ROWS_FAILED, ExitCode.HELD})


def is_done(exit_code: object) -> bool:
    return exit_code in DONE_EXIT_CODES


def counts_as_sync(record: dict[str, Any]) -> bool:
    """A logged run record that was this period's sync: done, and not a dry run."""
    return is_done(record.get("exit_code")) and record.get("dry_run") is False


def is_completed(record: dict[str, Any]) -> bool:
    """A logged run record whose held rows are proposals: completed, and not a dry run."""
    return not record.get("dry_run") and record.get("exit_code") in COMPLETED_EXIT_CODES


def sync_exit_code(rows: Sequence[Judged], *, refused_before_writing: bool, interrupted: int | None) -> int:
    """How a sync that planned ends: interrupted (130/143) above all, then HaloPSA refusing every write (3),
    then a failed row (1), then a held row (6), else 0. A refusal after some writes is 1 only if a row failed."""
    if interrupted is not None:
        return interrupted
    if refused_before_writing:
        return ExitCode.AUTH
    if any(row.status == "failed" for row in rows):
        return ExitCode.ROWS_FAILED
    if any(row.status == "held" for row in rows):
        return ExitCode.HELD
    return ExitCode.OK
