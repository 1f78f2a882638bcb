"""`halosync demo --invoice`: billing from Huntress's invoice (a reseller's line items), against the sandbox."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from halosync.formats import console

if TYPE_CHECKING:
    from halosync.run.result import RunResult
    from halosync.sandbox import Sandbox

# What Huntress's next invoice shows: (organization, product, units, why)
NEXT_INVOICE = [
    (105, "edr", 131, "Delta Logistics ended the cycle with 3 more agents"),
    (112, "sat", 7, "Kestrel Accounting had 2 fewer SAT learners on the last day"),
]


def invoice_demo(sandbox: Sandbox, url: str, tmp: Path) -> int:
    """Three calls of `halosync run`, as hourly cron makes them; returns the worst exit code seen (0 expected)."""
    import tomli_w

    from halosync.config.load import load_config
    from halosync.formats.run import show_run
    from halosync.run.runner import sync_if_due
    from halosync.sandbox.config import sandbox_config

    data = sandbox_config(url, str(tmp / "results-invoice.jsonl"), guard=True)
    data["huntress"]["counts"] = "invoiced"
    data["sync"] = {"frequency": "invoice"}
    organizations = data.pop("organizations")
    text = tomli_w.dumps(data) + "".join("\n[[organizations]]\n" + tomli_w.dumps(o) for o in organizations)
    config_path = tmp / "config-invoice.toml"
    fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    _, config = load_config(config_path)

    console.say_wrapped('\nInvoice mode: [huntress] counts = "invoiced", [sync] frequency = "invoice" (a reseller\'s '
                        "credentials).\n5) Huntress has issued invoice 8002. halosync run (hourly from cron) bills each "
                        "customer the units on its line items:")
    sandbox.state.set_count(111, "edr", 340)  # the glitch of step 3 is over
    codes = []
    before = sandbox.count("huntress")
    first = sync_if_due(config)
    codes.append(first.exit_code)
    _show(first)
    console.say_wrapped(f"   {sandbox.count('huntress') - before} Huntress requests: the invoice, then its line items "
                        "(500 a page), whatever the number of organizations.")

    console.say_wrapped("\n6) An hour later, no new invoice:")
    before = sandbox.count("huntress")
    second = sync_if_due(config)
    codes.append(second.exit_code)
    show_run(second, json_output=False, quiet=False)  # the not-due line
    console.say_wrapped(f"   That call cost {sandbox.count('huntress') - before} Huntress request.")

    console.say_wrapped("\n7) Next month Huntress issues invoice 8003:\n"
                        + "\n".join(f"   - {why}" for _, _, _, why in NEXT_INVOICE))
    for org_id, product, units, _ in NEXT_INVOICE:
        sandbox.state.set_count(org_id, product, units)
    sandbox.state.reseller_invoice_id += 1
    third = sync_if_due(config)
    codes.append(third.exit_code)
    _show(third)
    return max(codes)


def _show(result: RunResult) -> None:
    """The changed rows and the summary: the full table is the first steps' (and `halosync run`'s) business.
    Clients and products are named as everywhere else (the config's and HaloPSA's client names)."""
    from halosync.formats.labels import client_label, product_label
    from halosync.formats.text import wrap

    for row in result.rows:
        if row.action != "unchanged" or row.status != "ok":
            change = f"{row.previous_count} → {row.count}" if row.previous_count is not None else f"new, {row.count}"
            console.say(wrap(f"client {client_label(row.halo_client_id, result.client_names)} · "
                             f"{product_label(row.product)} · {change} · {row.action} "
                             f"({row.status}) · invoice {row.huntress_invoice_id}, {(row.period_start or '')[:10]} to "
                             f"{(row.period_end or '')[:10]}", 80, first="   ", indent="     "))
    if result.record is not None:
        console.say(wrap(result.record.summary(), 80, first="   ", indent="     "))
