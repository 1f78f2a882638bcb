"""`halosync audit`: which managed licences are billed by a recurring invoice, and which are not."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import typer

from halosync.commands.options import ConfigOption, exit_on_error
from halosync.formats import console


def command(
    config: ConfigOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="The audit as JSON on stdout.")] = False,
) -> None:
    """Check HaloPSA recurring invoices against the licences halosync manages; exit 1 when something is off."""
    from halosync.config.schema import load_config
    from halosync.run.audit import fetch_and_audit

    with exit_on_error("the scope read:invoices"):
        _, cfg = load_config(config, warn=console.warn)
        report = fetch_and_audit(cfg)

    code = 1 if report.findings else 0
    if json_output:
        console.say(json.dumps({
            "licences": [dataclasses.asdict(m) for m in report.managed],
            "findings": [dataclasses.asdict(f) for f in report.findings],
            "requests": {"halo": report.requests},
            "exit_code": code,
        }))
        raise typer.Exit(code)

    from rich.table import Table

    from halosync.core.products import PRODUCTS

    table = Table(title="halosync audit: managed licences and the invoice lines that bill them", title_justify="left")
    for name in ("Client", "Product", "Licence", "Count", "Billed by"):
        table.add_column(name, justify="right" if name in ("Client", "Licence", "Count") else "left")
    for m in report.managed:
        table.add_row(str(m.client_id), PRODUCTS[m.product].display_name, str(m.licence_id), str(m.count),
                      ", ".join(m.billed_by) or ("NOT BILLED" if (m.count or 0) > 0 else "(count 0)"))
    console.stdout.print(table)
    for finding in report.findings:
        console.say(f"- {finding.kind.replace('_', ' ')}: {finding.detail}")
    console.say(f"{len(report.managed)} managed licences, {len(report.findings)} findings"
                + (": all billed." if not report.findings else "."))
    raise typer.Exit(code)
