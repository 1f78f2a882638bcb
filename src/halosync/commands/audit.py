"""`halosync audit`: both ends of the money, and with --fix the link from licence to invoice."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from halosync.commands.options import ConfigOption, JsonOption, asking, exit_on_error, fail
from halosync.errors import ExitCode
from halosync.formats import console


def command(
    config: ConfigOption = None,
    json_output: JsonOption = False,
    fix: Annotated[bool, typer.Option("--fix", help="Link unbilled licences to the client's one recurring invoice, and "
                                      "switch fixed-quantity lines to bill from the licence (needs edit:invoices).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --fix: show every change, make none.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="With --fix: make the changes without asking (no terminal).")] = False,
) -> None:
    """Check Huntress usage against the licences, and the licences against recurring invoices; --fix links them."""
    from halosync.config.load import load_config
    from halosync.formats.audit import show_audit
    from halosync.run.audit import apply_fixes, exit_code, fetch_and_audit, remaining_findings

    if dry_run and not fix:  # silently ignored, it would read as "this audit changed nothing because of --dry-run"
        fail("--dry-run goes with --fix (audit without --fix never changes anything): use audit --fix --dry-run", ExitCode.USAGE,
             json_output=json_output)
    from halosync.run.interrupt import AfterSignals, Interrupt, Interrupted

    scopes = "the scopes read:invoices and edit:invoices" if fix else "the scope read:invoices"
    # A signal once the fixes are recorded (or, without fixes, once the reads are done) is noted, not obeyed
    # at once: the report, a --json document, is printed whole, and audit still exits 130/143.
    with AfterSignals() as late:
        with exit_on_error(scopes, json_output=json_output):
            _, cfg = load_config(config, warn=console.warn)
            if fix and not dry_run and not yes and not sys.stdin.isatty():
                fail("audit --fix without a terminal needs --yes (or --dry-run to see the changes)", ExitCode.USAGE,
                     json_output=json_output)
            if fix and not dry_run:  # fixes are recorded in the log: a log that cannot take them is exit 2 up front
                from halosync.run.resultslog import ensure_writable

                ensure_writable(cfg.log_path)
            outcome = None
            try:
                # SIGINT / SIGTERM while reading (or asking) stop at once: nothing was written. The fixes install
                # their own handling (the write in flight finishes and is recorded).
                with Interrupt() as interrupt:
                    report, services = fetch_and_audit(cfg, fix=fix)
                    with services:
                        if fix and report.fixes and not dry_run:
                            with asking("no invoice was changed"):
                                go = yes or typer.confirm(f"Make these {len(report.fixes)} change(s) to recurring "
                                                          "invoices?\n  " + "\n  ".join(f.describe() for f in report.fixes)
                                                          + "\n", err=True)
                            if go:
                                interrupt.writing = True  # from here on, never "nothing was written"
                                outcome = apply_fixes(cfg, services, report.fixes)
                        report.requests = services.requests
            except Interrupted as stopped:
                fail(f"{stopped}: nothing was written, no invoice was changed", stopped.exit_code, json_output=json_output)
        remaining = remaining_findings(report, outcome)
        code = exit_code(remaining, outcome)
        why = outcome.error if outcome else ""
        if late.exit_code(code) != code:  # arrived once the fixes were recorded: the output says so
            code, why = late.exit_code(code), late.message()
        show_audit(report, code, json_output=json_output, fix=fix, dry_run=dry_run,
                   applied=outcome.records if outcome else [], remaining=remaining,
                   stopped=why)
    raise typer.Exit(late.exit_code(code))
