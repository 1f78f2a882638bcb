"""`halosync approve`: write or reject the changes the guard held for a person."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from halosync.commands.options import ConfigOption, JsonOption, asking, check_products, exit_on_error, fail
from halosync.core.products import PRODUCT_KEYS
from halosync.errors import ExitCode
from halosync.formats import console

if TYPE_CHECKING:
    from halosync.run.approve import Pending


def command(
    config: ConfigOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Every pending change.")] = False,
    client: Annotated[list[int] | None, typer.Option("--client", metavar="ID", help="Changes of this HaloPSA client id (repeatable).")] = None,
    product: Annotated[list[str] | None, typer.Option(
        "--product", metavar="KEY", help=f"Changes of this product: {', '.join(PRODUCT_KEYS)} (repeatable).")] = None,
    reject: Annotated[bool, typer.Option("--reject", help="Reject the selected changes: keep the licence's count.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be decided; write nothing.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Approve (write) or reject the changes the guard held; on a terminal, asks change by change."""
    from halosync.config.load import load_config
    from halosync.formats.approve import show_decisions
    from halosync.run.approve import decide, pending, select
    from halosync.run.names import client_names_for

    check_products(product or [], json_output=json_output)
    with exit_on_error(json_output=json_output):
        _, cfg = load_config(config, warn=console.warn)
        changes = pending(cfg)
        names = client_names_for(cfg, logged={c.row.halo_client_id: c.row.client_name for c in changes
                                              if c.row.client_name})
        if not changes:
            show_decisions([], ExitCode.OK, json_output=json_output, note="Nothing is waiting for approval.")
            raise typer.Exit(ExitCode.OK)
        selected = select(changes, client or [], product or [])
        choices: list[tuple[Pending, Literal["approved", "rejected"]]]
        if all_ or client or product:
            choices = [(change, "rejected" if reject else "approved") for change in selected]
        elif sys.stdin.isatty() and not json_output:
            choices = _ask(changes, names)
        else:
            fail("approve without a terminal needs a selection: --all, --client ID or --product KEY "
                 f"({len(changes)} change(s) pending; add --reject to reject them)", ExitCode.USAGE, json_output=json_output)
        if not choices:
            asked = not (all_ or client or product)  # at the terminal, every change was skipped
            note = (f"Nothing decided: {len(changes)} change(s) still pending." if asked
                    else f"No pending change matches the selection ({len(changes)} pending).")
            show_decisions([], ExitCode.OK, json_output=json_output, note=note)
            raise typer.Exit(ExitCode.OK)
        from halosync.run.interrupt import AfterSignals

        with AfterSignals() as late:  # a signal while the decisions are printed still ends approve 130/143
            outcome = decide(cfg, choices, dry_run=dry_run)
            if late.exit_code(outcome.exit_code) != outcome.exit_code:
                outcome.exit_code, outcome.error = late.exit_code(outcome.exit_code), late.message()
            show_decisions(outcome.decisions, outcome.exit_code, json_output=json_output, dry_run=dry_run,
                           error=outcome.error, client_names=names,
                           reasons={(c.held_run_id, *c.key): c.row.message for c, _ in choices})
    raise typer.Exit(late.exit_code(outcome.exit_code))


def _ask(changes: list[Pending], names: dict[int, str]) -> list[tuple[Pending, Literal["approved", "rejected"]]]:
    """Change by change on a terminal; the end of input or Ctrl-C stops, keeping what was decided."""
    from halosync.formats.approve import describe_for_prompt
    from halosync.formats.text import wrap

    choices: list[tuple[Pending, Literal["approved", "rejected"]]] = []
    width = console.stdout.width
    console.say(wrap("For each held change: a approves (writes it), r rejects (keeps the licence's count), s or "
                     "Enter skips, q stops and carries out what was chosen so far; Ctrl-C decides nothing.",
                     width, indent=""))
    for n, change in enumerate(changes, start=1):
        description, question = describe_for_prompt(change, n, len(changes), width, names)
        console.say(f"\n{description}")
        while True:
            with asking("nothing was decided"):  # Ctrl-C decides nothing; q carries out what was chosen so far
                answer = typer.prompt(question, default="", show_default=False).strip().lower()
            if answer in ("a", "r"):
                choices.append((change, "approved" if answer == "a" else "rejected"))
                break
            if answer in ("", "s"):
                break
            if answer == "q":
                return choices
            console.say(f"  {answer!r} is not one of the choices")
    return choices
