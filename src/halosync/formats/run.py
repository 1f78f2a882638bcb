"""What `run` shows, kept light: a not-due run prints one line and must not load rich or the models."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from halosync.formats import console

if TYPE_CHECKING:
    from halosync.run.result import RunResult


def show_run(result: RunResult, *, json_output: bool, quiet: bool, changes_only: bool = False) -> None:
    """Everything `run` (and the demo) prints about one run: stdout the results, stderr the rest.
    `changes_only` (the demo's later syncs): the rows that changed, were held or failed, and a count of the rest."""
    if json_output:
        from halosync.formats.json_output import as_json

        sys.stdout.writelines(as_json(result))
        sys.stdout.flush()  # the whole document into the pipe now, while a signal can only be noted
    elif not result.due:
        if not quiet:
            console.say_wrapped(not_due_message(result))
    elif not quiet or result.exit_code != 0:
        from halosync.formats.results import print_results  # rich and the models: only when there is a table

        print_results(console.stdout, result, only_failed=quiet, changes_only=changes_only)
    for unmapped in result.unmapped:  # warnings go to stderr in every mode
        console.warn(unmapped.warning())
    if result.rows:
        from halosync.core.outside import warning
        from halosync.formats.labels import client_label, product_label

        names = result.client_names
        if (outside := warning(result.rows, lambda r: f"client {client_label(r.halo_client_id, names)}, "
                                                      f"{product_label(r.product)}")) is not None:
            console.warn(outside)
    if result.record is not None and result.record.error:
        console.error(result.record.error)
    if result.late_signal:
        console.error(result.late_signal)
    if result.log_error:
        from halosync.formats.json_output import unsaved_records_follow

        written = "HaloPSA was written, but " if result.record and not result.record.dry_run else ""
        console.error(f"{written}{result.log_error}. {unsaved_records_follow(len(result.unsaved))}.")
        sys.stderr.writelines(line + "\n" for line in result.unsaved)


def not_due_message(result: RunResult) -> str:
    if result.next_due is not None:
        return f"Not due: next sync on {result.next_due:%Y-%m-%d}. Use --force to sync now."
    if result.huntress_invoice is None:
        return ("Not due: Huntress has no invoice yet; the first sync runs once it issues one. "
                "Use --force to sync now.")
    return (f"Not due: the last sync followed {result.huntress_invoice.describe()}, still Huntress's newest; "
            "the next sync runs once Huntress issues a newer invoice. Use --force to sync now.")
