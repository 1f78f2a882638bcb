"""What `check-permissions` shows: the checklist as a table or as lines, the verdict, or one JSON document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from halosync.formats import console
from halosync.formats.json_output import document, error_object
from halosync.formats.text import fits_table, visible, wrap

if TYPE_CHECKING:
    from rich.table import Table

    from halosync.run.checks import CheckReport


def show_checks(report: CheckReport, *, json_output: bool) -> None:
    if json_output:
        payload = {"checks": [c.model_dump(mode="json") for c in report.checks], "requests": report.requests,
                   "licences": report.licences, "exit_code": report.exit_code}
        if report.exit_code:
            names = [c.name for c in report.checks if c.status == "fail"]
            payload["error"] = error_object(f"{len(names)} check(s) failed: {', '.join(names)}", report.exit_code)
        console.say(document(payload))
        return
    out = console.stdout
    if fits_table(out):
        out.print(_table(report))
    else:
        out.print("halosync check-permissions", markup=False, highlight=False)
        for check in report.checks:
            first, *more = check.detail.split("\n")  # a detail of several lines keeps them (one per client)
            out.print(wrap(f"{check.status.upper():<4} {check.name}: {first}", out.width, indent="     "),
                      markup=False, highlight=False, soft_wrap=True)
            for line in more:
                out.print(wrap(line, out.width, first="     ", indent="       "), markup=False, highlight=False,
                          soft_wrap=True)
            if check.fix and check.status != "pass":
                out.print(wrap(f"Fix: {check.fix}", out.width, first="     ", indent="     "), markup=False,
                          highlight=False, soft_wrap=True)
    failed = sum(c.status == "fail" for c in report.checks)
    warned = sum(c.status == "warn" for c in report.checks)
    if failed:
        verdict = "fix the failures above, then run this again"
    elif report.unmapped:
        verdict = (f"the credentials work, but nothing will sync until {' and '.join(report.unmapped)} are mapped: "
                   "run halosync map")
    else:
        verdict = "ready to sync"
    console.say(wrap(f"{failed} failed, {warned} warning{'s' if warned != 1 else ''}: {verdict}.", out.width))


def _table(report: CheckReport) -> Table:
    from rich.table import Table
    from rich.text import Text

    mark = {"pass": Text("pass", style="green"), "fail": Text("FAIL", style="bold red"), "warn": Text("warn", style="yellow")}
    table = Table(title="halosync check-permissions", title_justify="left")
    table.add_column("Check", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Detail")
    for check in report.checks:
        detail = Text(visible(check.detail))  # details quote vendor names: shown, never obeyed
        if check.fix and check.status != "pass":
            detail.append("\nFix: ", style="bold")
            detail.append(visible(check.fix))
        table.add_row(visible(check.name), mark[check.status], detail)
    return table
