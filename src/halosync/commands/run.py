"""`halosync run`: the cron job."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from halosync.commands.options import ConfigOption, exit_on_error
from halosync.formats import console

if TYPE_CHECKING:
    from halosync.run.result import RunResult


def command(
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option("--force", help="Sync now even if not due (the 'Sync Now' button).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and show the plan; write nothing to HaloPSA.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Machine output on stdout, nothing else on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Nothing on stdout unless something failed.")] = False,
) -> None:
    """Sync Huntress counts into HaloPSA licences if a sync is due (run it hourly from cron)."""
    from halosync.config.schema import load_config
    from halosync.run.runner import run

    with exit_on_error():
        _, cfg = load_config(config, warn=console.warn)
        result = run(cfg, force=force, dry_run=dry_run, progress=None if quiet or json_output else _progress,
                     warn=console.warn)

    report(result, json_output=json_output, quiet=quiet)
    raise typer.Exit(result.exit_code)


def report(result: RunResult, *, json_output: bool, quiet: bool) -> None:
    if json_output:
        from halosync.formats.table import as_json

        sys.stdout.writelines(as_json(result))
    elif not result.due:
        if not quiet:
            console.say(f"Not due: next sync on {result.next_due:%Y-%m-%d}. Use --force to sync now.")
    elif not quiet or result.exit_code != 0:
        from halosync.formats.table import print_results

        print_results(console.stdout, result, only_failed=quiet)
    for unmapped in result.unmapped:  # warnings go to stderr in every mode
        console.warn(unmapped.warning())
    if result.record is not None and result.record.error:
        console.error(result.record.error)
    if result.log_error:
        written = "HaloPSA was written, but " if result.record and not result.record.dry_run else ""
        console.error(f"{written}{result.log_error}. The {len(result.unsaved)} records it should hold follow as JSON "
                      "lines: keep them (append them to the log once it has room).")
        for record in result.unsaved:
            sys.stderr.write(json.dumps(record.dump(), ensure_ascii=False) + "\n")


def _progress(message: str) -> None:
    console.warn(message)
