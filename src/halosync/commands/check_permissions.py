"""`halosync check-permissions`: prove the setup before the first sync, without writing anything."""

from __future__ import annotations

from typing import Annotated

import typer

from halosync.commands.options import ConfigOption, JsonOption, exit_on_error
from halosync.formats import console


def command(
    config: ConfigOption = None,
    json_output: JsonOption = False,
    audit_fix: Annotated[bool, typer.Option("--audit-fix", help="Also check the scopes `audit --fix` needs "
                                            "(read:invoices, edit:invoices).")] = False,
) -> None:
    """Verify both sets of credentials, every permission the sync needs, and the mapping; writes nothing."""
    from halosync.config.load import load_config
    from halosync.formats.checks import show_checks
    from halosync.run.checks import check_permissions

    with exit_on_error(json_output=json_output):
        _, cfg = load_config(config, warn=console.warn)
        report = check_permissions(cfg, audit_fix=audit_fix)
    show_checks(report, json_output=json_output)
    raise typer.Exit(report.exit_code)
