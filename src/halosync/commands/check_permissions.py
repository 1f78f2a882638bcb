"""`halosync check-permissions`: prove the setup before the first sync, without writing anything."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from halosync.commands.options import ConfigOption, exit_on_error
from halosync.formats import console

if TYPE_CHECKING:
    from rich.table import Table

    from halosync.run.checks import CheckReport


def command(
    config: ConfigOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="The checks as JSON on stdout.")] = False,
) -> None:
    """Verify both sets of credentials, every permission the sync needs, and the mapping; writes nothing."""
    from halosync.config.schema import load_config
    from halosync.run.checks import check_permissions

    with exit_on_error():
        _, cfg = load_config(config, warn=console.warn)
        report = check_permissions(cfg)

    if json_output:
        payload = {"checks": [c.model_dump(mode="json") for c in report.checks], "requests": report.requests,
                   "exit_code": report.exit_code}
        console.say(json.dumps(payload))
    else:
        console.stdout.print(_table(report))
        failed = sum(c.status == "fail" for c in report.checks)
        warned = sum(c.status == "warn" for c in report.checks)
        verdict = "ready to sync" if failed == 0 else "fix the failures above, then run this again"
        console.say(f"{failed} failed, {warned} warnings: {verdict}.")
    raise typer.Exit(report.exit_code)


def _table(report: CheckReport) -> Table:
    from rich.table import Table
    from rich.text import Text

    mark = {"pass": Text("pass", style="green"), "fail": Text("FAIL", style="bold red"), "warn": Text("warn", style="yellow")}
    table = Table(title="halosync check-permissions", title_justify="left")
    table.add_column("Check", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Detail")
    for check in report.checks:
        detail = Text(check.detail)
        if check.fix and check.status != "pass":
            detail.append("\nFix: ", style="bold")
            detail.append(check.fix)
        table.add_row(check.name, mark[check.status], detail)
    return table
