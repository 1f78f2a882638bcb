"""`halosync report`: what each customer used, month over month, from the results log (with --money, what it earns)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from halosync.commands.options import ConfigOption, JsonOption, check_products, exit_on_error, fail
from halosync.errors import ExitCode
from halosync.formats import console

if TYPE_CHECKING:
    from halosync.config.schema import Config
    from halosync.core.report import Report


def command(
    config: ConfigOption = None,
    months: Annotated[int, typer.Option("--months", metavar="N", help="How many calendar months (1-120), up to the newest with a "
                                        "completed sync.")] = 12,
    client: Annotated[list[int] | None, typer.Option("--client", metavar="ID", help="Only this HaloPSA client id (repeatable).")] = None,
    product: Annotated[list[str] | None, typer.Option("--product", metavar="KEY", help="Only this product: edr, itdr, ispm, sat, siem, "
                                                      "edr_servers, edr_workstations (repeatable).")] = None,
    money: Annotated[bool, typer.Option("--money", help="Revenue, cost and margin at today's prices: reads the recurring "
                                        "invoices and items once (needs read:invoices and read:items).")] = False,
    csv_file: Annotated[Path | None, typer.Option("--csv", metavar="FILE", help="Also write one row per month, client and product to "
                                                  "this CSV file.", dir_okay=False)] = None,
    html_file: Annotated[Path | None, typer.Option("--html", metavar="FILE", help="Also write a self-contained page with charts to this "
                                                   "file.", dir_okay=False)] = None,
    json_output: JsonOption = False,
) -> None:
    """Show what each customer was billed, month over month: sparklines, totals and the biggest movers."""
    import sys

    from halosync.config.load import load_config
    from halosync.formats.report import check_writable, page_width, show_report, write_json
    from halosync.run.report import MONEY_SCOPES

    if not 1 <= months <= 120:  # checked here, not by typer, so that --json still gets its error document
        fail(f"--months must be 1 to 120, not {months}", ExitCode.USAGE, json_output=json_output)
    check_products(product or [], json_output=json_output)
    with exit_on_error(f"the scopes {' and '.join([*MONEY_SCOPES, 'read:items'])}", json_output=json_output):
        _, cfg = load_config(config, warn=console.warn)
        if csv_file is not None and html_file is not None and csv_file.resolve() == html_file.resolve():
            fail(f"--csv and --html name the same file ({csv_file}): give each its own", ExitCode.USAGE, json_output=json_output)
        for target in (csv_file, html_file):
            if target is not None:
                check_writable(target)
        report = _build(cfg, months, client or [], product or [], money)
        _write_files(report, cfg.log_path, csv_file, html_file)
    if json_output:
        write_json(report, sys.stdout)
    else:
        show_report(report, cfg.log_path, page_width())
    raise typer.Exit(ExitCode.OK)


def _build(cfg: Config, months: int, clients: list[int], products: list[str], money: bool) -> Report:
    """The months from the log (warning of lines it skipped and runs dated in the future), named by the one rule
    with or without --money (the config's name, else the newest name the log's rows carry), priced with --money."""
    from halosync.core.report import build
    from halosync.formats.report import future_warning
    from halosync.run.names import client_names_for
    from halosync.run.report import collect, fetch_prices

    collected, unreadable = collect(cfg.log_path, months, clients=clients, products=products)
    if unreadable:
        console.warn(f"warning: skipped {unreadable} unreadable line(s) in {cfg.log_path}")
    if collected.future:
        console.warn(future_warning(cfg.log_path, collected.future))
    names = client_names_for(cfg, logged=collected.names)
    prices = None
    if money and collected.newest is not None:
        prices = fetch_prices(cfg, collected)
    report = build(collected, names, prices if money else None, unreadable)
    if money and prices is None:
        report.money = True
    return report


def _write_files(report: Report, log_path: Path, csv_file: Path | None, html_file: Path | None) -> None:
    """--csv and --html, each written whole beside its target, then renamed into place."""
    from halosync.formats.report import write_file

    if csv_file is not None:
        from halosync.formats.report_csv import csv_chunks

        write_file(csv_file, csv_chunks(report))
        console.warn(f"wrote {csv_file}" + (" (money estimated with today's prices)" if report.money else ""))
    if html_file is not None:
        from halosync.formats.report_html import html_chunks

        write_file(html_file, html_chunks(report, log_path))
        console.warn(f"wrote {html_file}")
