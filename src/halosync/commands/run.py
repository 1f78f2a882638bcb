"""`halosync run`: the cron job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from halosync.commands.options import ConfigOption, exit_on_error
from halosync.formats import console

if TYPE_CHECKING:
    pass


def command(
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option("--force", help="Sync now even if not due; a forced sync counts as this period's sync.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and show the plan; write nothing to HaloPSA.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Machine output on stdout, nothing else on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Nothing on stdout unless something failed or was held (warnings still go to stderr).")] = False,
) -> None:
    """Sync Huntress counts into HaloPSA licences if a sync is due (run it hourly from cron)."""
    from halosync.config.load import load_config
    from halosync.formats.notify import people_message
    from halosync.formats.run import show_run
    from halosync.run.interrupt import AfterSignals
    from halosync.run.runner import sync_if_due

    with AfterSignals() as late:  # a signal while the summary is printed still ends the run 130/143
        with exit_on_error(json_output=json_output):
            _, cfg = load_config(config, warn=console.warn)
            result = sync_if_due(cfg, force=force, dry_run=dry_run, progress=None if quiet or json_output else _progress,
                                 warn=console.warn, people_message=people_message)
        if late.exit_code(result.exit_code) != result.exit_code:  # arrived after the record: the output says so
            result.exit_code = late.exit_code(result.exit_code)
            result.late_signal = late.message()
        show_run(result, json_output=json_output, quiet=quiet)
    raise typer.Exit(late.exit_code(result.exit_code))


def _progress(message: str) -> None:
    console.warn(message)
