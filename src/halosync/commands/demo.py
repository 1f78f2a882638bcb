"""`halosync demo`: the real sync pipeline against the built-in sandbox, in a temporary directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from halosync.commands.options import NoConfigOption, refuse_config
from halosync.errors import ExitCode
from halosync.formats import console

if TYPE_CHECKING:
    from halosync.config.schema import Config
    from halosync.sandbox import Sandbox

# What changes in Huntress between the two runs: (organization, product, new count, why)
CHANGES = [
    (106, "edr", 16, "Evergreen Veterinary deployed 2 more agents"),
    (108, "sat", 168, "Granite Credit Union removed 7 SAT learners"),
]
# The third step's glitch: (organization, product, count, what happened, its Halo client, its item)
# The sandbox's SAT item has no cost in HaloPSA (as many don't): the report takes it from here.
DEMO_COSTS = "\n[report]\nunit_cost = { sat = 1.10 }\n"
GLITCH = (111, "edr", 0, "Juniper School District's 340 EDR agents read 0 for a day", 21, 1001)


def command(
    latency: Annotated[float, typer.Option(help="Seconds the sandbox waits before each answer.", min=0, max=5)] = 0.0,
    invoice: Annotated[bool, typer.Option("--invoice", help="Then bill from Huntress's invoice, as a reseller: "
                                          'counts = "invoiced", frequency = "invoice".')] = False,
    no_config: NoConfigOption = None,
) -> None:
    """Run the real sync against a simulated Huntress and HaloPSA on 127.0.0.1 (no credentials needed)."""
    refuse_config("demo", no_config)
    from halosync.sandbox import Sandbox, serve

    sandbox = Sandbox()
    sandbox.faults.latency = latency
    with tempfile.TemporaryDirectory(prefix="halosync-demo-") as tmp, serve(sandbox) as url:
        config = _write_config(Path(tmp), url, sandbox)
        console.say_wrapped(f"Simulated Huntress and HaloPSA (the sandbox) at {url}: 12 Huntress organizations, "
                            "12 HaloPSA clients.\n"
                            "1) First sync (halosync run --force): licences are created, one stale count is updated.")
        first, second = _sync_steps(sandbox, config)
        third, approved = _guard_step(sandbox, config)
        _report_step(config)
        invoiced = 0
        if invoice:
            from halosync.commands.demo_invoice import invoice_demo

            invoiced = invoice_demo(sandbox, url, Path(tmp))

        console.say_wrapped(f"\nThe results log of these runs was {config.log_path} (deleted with the demo's temp directory).\n"
                            "Next: `halosync init` writes your config with your credentials; then `halosync check-permissions`, "
                            "`halosync map` and `halosync run --force --dry-run` (--force: it previews whenever you ask; a plain run "
                            "is due only once a period); `halosync audit` checks that the recurring invoices "
                            "bill every licence.")
    raise typer.Exit(demo_exit_code(first, second, third, approved, invoiced))


def demo_exit_code(first: int, second: int, third: int, approved: int, invoiced: int) -> int:
    """0 when every step ended as the demo expects (the guard's hold is the third sync's exit 6), else the worst,
    and at least ROWS_FAILED: a demo that went otherwise never ends 0."""
    if (first, second, third, approved, invoiced) == (ExitCode.OK, ExitCode.OK, ExitCode.HELD, ExitCode.OK, ExitCode.OK):
        return ExitCode.OK
    return max(first, second, third, approved, invoiced, ExitCode.ROWS_FAILED)


def _write_config(tmp: Path, url: str, sandbox: Sandbox) -> Config:
    """The sandbox's config (with the guard and the demo's SAT cost) written 0600 into the demo's temp directory."""
    from halosync.config.load import load_config
    from halosync.sandbox.config import clients_toml, sandbox_config_toml

    config_path = tmp / "config.toml"
    fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(sandbox_config_toml(url, str(tmp / "results.jsonl"), guard=True))
        f.write(clients_toml(sandbox.state))  # names from the first sync on, before any licence exists
        f.write(DEMO_COSTS)
    _, config = load_config(config_path)
    return config


def _sync_steps(sandbox: Sandbox, config: Config) -> tuple[int, int]:
    """Steps 1 and 2: the first sync, then the changes in Huntress and the second sync; their exit codes."""
    from halosync.formats.run import show_run
    from halosync.run.runner import sync_if_due

    first = sync_if_due(config, force=True)
    show_run(first, json_output=False, quiet=False)

    console.say_wrapped("\n2) Meanwhile in Huntress:\n" + "\n".join(f"   - {why}" for _, _, _, why in CHANGES))
    for org_id, product, count, _ in CHANGES:
        sandbox.state.set_count(org_id, product, count)
    console.say_wrapped("   Second sync: only the changed counts are written.")
    second = sync_if_due(config, force=True)
    show_run(second, json_output=False, quiet=False, changes_only=True)
    return first.exit_code, second.exit_code


def _guard_step(sandbox: Sandbox, config: Config) -> tuple[int, int]:
    """Step 3: the glitch, the guard holding it, the rejection; the third sync's and the approval's exit codes."""
    from halosync.formats.approve import show_decisions
    from halosync.formats.run import show_run
    from halosync.run.approve import decide, pending
    from halosync.run.names import client_names_for
    from halosync.run.runner import sync_if_due

    console.say_wrapped(f"\n3) A Huntress glitch: {GLITCH[3]}. The config has a [guard] (hold a drop of more than "
                        "20%, a rise of more than 50%, of 5 units or more).\n   Third sync: the guard holds that change "
                        "instead of billing it (exit 6); everything else is written as usual.")
    sandbox.state.set_count(GLITCH[0], GLITCH[1], GLITCH[2])
    third = sync_if_due(config, force=True)
    show_run(third, json_output=False, quiet=False, changes_only=True)

    console.say_wrapped("\n   The billing lead looks, sees an outage, and rejects it: halosync approve --all --reject")
    changes = pending(config)
    outcome = decide(config, [(change, "rejected") for change in changes])
    show_decisions(outcome.decisions, outcome.exit_code, json_output=False, client_names=client_names_for(config))
    kept = next(l["count"] for l in sandbox.state.live_licences(GLITCH[4]) if l["item_id"] == GLITCH[5])
    console.say_wrapped(f"   The licence still bills {kept}: the invoice stays right.")
    return third.exit_code, outcome.exit_code


SIMULATED_MONTHS = 5


def _report_step(config: Config) -> None:
    """Step 4: `halosync report --money` over this month's real runs and five months of SIMULATED history
    before them, written as a rotated log file into the demo's temporary directory (and nowhere else)."""
    from datetime import UTC, datetime

    from halosync.core.report import build, month_name
    from halosync.formats.report import page_width, show_report
    from halosync.run import resultslog
    from halosync.run.names import client_names_for
    from halosync.run.report import collect, fetch_prices
    from halosync.sandbox.history import history_lines

    now = datetime.now(UTC)
    this_month = now.year * 12 + now.month - 1
    current: dict[tuple[int, str], tuple[int, int]] = {}
    for record in resultslog.records_backwards(config.log_path):
        if record["type"] == "row" and record["status"] == "ok" and record["count"] is not None:
            current.setdefault((record["halo_client_id"], record["product"]), (record["halo_item_id"], record["count"]))
    first = month_name(this_month - SIMULATED_MONTHS)
    rotated = config.log_path.with_name(f"{config.log_path.name}.{first.replace('-', '')}01T000000Z")
    with rotated.open("w", encoding="utf-8") as f:
        f.writelines(history_lines(first, SIMULATED_MONTHS, current))
    console.say_wrapped(f"\n4) The billing lead's view, month over month: halosync report --money --months {SIMULATED_MONTHS + 1}\n"
                        f"   SIMULATED: the {SIMULATED_MONTHS} months before this one are made-up history (written only into "
                        "the demo's temp directory); this month is the real runs above. Prices come from the sandbox's "
                        "recurring invoices and items.\n")
    collected, unreadable = collect(config.log_path, SIMULATED_MONTHS + 1)
    prices = fetch_prices(config, collected)
    report = build(collected, client_names_for(config, logged=collected.names), prices, unreadable)
    show_report(report, config.log_path, page_width())
