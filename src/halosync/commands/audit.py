"""`halosync audit`: which managed licences are billed by a recurring invoice, and which are not."""

from __future__ import annotations

import typer

from halosync.commands.options import ConfigOption, JsonOption, exit_on_error
from halosync.formats import console


def command(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Check HaloPSA recurring invoices against the licences halosync manages; exit 1 when something is off."""
    from halosync.config.load import load_config
    from halosync.formats.audit import show_audit
    from halosync.run.audit import fetch_and_audit

    with exit_on_error("the scope read:invoices", json_output=json_output):
        _, cfg = load_config(config, warn=console.warn)
        report = fetch_and_audit(cfg)
    code = 1 if report.findings else 0
    show_audit(report, code, json_output=json_output)
    raise typer.Exit(code)
