"""What `audit` shows: the managed licences and the lines that bill them, the findings, or one JSON document."""

from __future__ import annotations

import dataclasses

from halosync.core.audit import AuditReport
from halosync.formats import console
from halosync.formats.json_output import document
from halosync.formats.text import fits_table, wrap, wrap_parts


def show_audit(report: AuditReport, exit_code: int, *, json_output: bool) -> None:
    if json_output:
        payload = {
            "licences": [dataclasses.asdict(m) for m in report.managed],
            "findings": [dataclasses.asdict(f) for f in report.findings],
            "requests": {"halo": report.requests},
            "exit_code": exit_code,
        }
        if exit_code:
            payload["error"] = {"message": f"{len(report.findings)} finding(s) to act on", "exit_code": exit_code}
        console.say(document(payload))
        return
    from rich.table import Table

    from halosync.core.products import PRODUCTS

    out = console.stdout
    title = "halosync audit: managed licences and the invoice lines that bill them"
    billed = {id(m): ", ".join(m.billed_by) or ("NOT BILLED" if (m.count or 0) > 0 else "(count 0)") for m in report.managed}
    if fits_table(out):
        table = Table(title=title, title_justify="left")
        for name in ("Client", "Product", "Licence", "Count", "Billed by"):
            table.add_column(name, justify="right" if name in ("Client", "Licence", "Count") else "left")
        for m in report.managed:
            table.add_row(str(m.client_id), PRODUCTS[m.product].display_name, str(m.licence_id), str(m.count), billed[id(m)])
        out.print(table)
    else:
        out.print(title, markup=False, highlight=False)
        for m in report.managed:
            out.print(wrap_parts([f"client {m.client_id}", PRODUCTS[m.product].display_name, f"licence {m.licence_id}",
                                  f"count {m.count}", f"billed by: {billed[id(m)]}"], out.width),
                      markup=False, highlight=False, soft_wrap=True)
    for finding in report.findings:
        console.say(wrap(f"- {finding.kind.replace('_', ' ')}: {finding.detail}", out.width))
    console.say(f"{len(report.managed)} managed licences, {len(report.findings)} findings"
                + (": all billed." if not report.findings else "."))
