"""`halosync map`: map organizations to clients and products to items, without typing ids."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from halosync.commands.options import ConfigOption, exit_on_error
from halosync.errors import ExitCode
from halosync.formats import console

if TYPE_CHECKING:
    from halosync.core.matching import Candidate
    from halosync.run.map_session import Ignore, Saved
    from halosync.run.mapper import Inventory

HELP = ("number: choose · Enter: skip · /text: search · /: back to the suggestions · i: ignore (not billed) · "
        "q: save and quit · x: quit without saving")
HELP_PRODUCTS = ("number: choose · Enter: skip · /text: search · /: back to the suggestions · q: save and quit · "
                 "x: quit without saving")


def command(
    config: ConfigOption = None,
    auto: Annotated[bool, typer.Option("--auto", help="Non-interactive: accept only unambiguous matches at or above --min-score.")] = False,
    min_score: Annotated[int, typer.Option("--min-score", min=0, max=100, help="Lowest score --auto accepts.")] = 90,
    show: Annotated[bool, typer.Option("--show", help="Print the mapping state and exit.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the change to the config as a diff; write nothing.")] = False,
) -> None:
    """Edit the organization -> client and product -> item mappings, with fuzzy name suggestions."""
    from halosync.config.editor import ConfigEditor
    from halosync.config.load import load_config
    from halosync.formats.mapping import show_auto, show_state
    from halosync.run import map_session
    from halosync.run.mapper import auto_map, fetch_inventory, mapping_state

    with exit_on_error("the scopes read:customers and read:items"):
        path, cfg = load_config(config, warn=console.warn)
        editor = ConfigEditor(path)
        if not (show or dry_run):
            map_session.check_writable(editor)
        inventory = fetch_inventory(cfg)

    state = mapping_state(cfg, inventory)
    show_state(state, inventory, label="Before --auto: " if auto and not show else "")
    if show:
        raise typer.Exit(ExitCode.OK)

    if auto:
        result = auto_map(cfg, inventory, state, min_score)
        added = map_session.apply_auto(editor, inventory, result)
        show_auto(result, inventory, min_score, state)
    else:
        try:
            added = _asked(lambda: map_session.ask(editor, inventory, state, _Questions()))
        except map_session.Quit as stop:  # only a quit without saving comes this far
            console.say("Quit without saving; the config is unchanged.")
            raise typer.Exit(ExitCode.SIGINT if stop.interrupted else ExitCode.OK) from None

    for client, orgs in map_session.newly_shared_clients(cfg, inventory, added).items():
        console.warn(f"note: organizations {', '.join(map(str, orgs))} all map to client {client}: their counts are summed")
    if not editor.changed:
        console.say("Nothing to change.")
    elif dry_run:
        sys.stdout.write(editor.diff())
    else:
        saved = map_session.save(editor)
        if not saved.saved:
            _show_unsaved(saved, path)
            raise typer.Exit(ExitCode.NOT_SAVED)
        console.say(f"Saved {path}.")
    raise typer.Exit(ExitCode.OK)


def _show_unsaved(saved: Saved, path: Path) -> None:
    """The save failed: where the choices are kept instead (beside the config, else on stdout)."""
    if saved.beside is not None:
        console.error(f"could not save {path} ({saved.reason}); your choices are in {saved.beside}: review it, then "
                      "move it over the config")
    else:
        console.error(f"could not save {path} ({saved.reason}), nor a copy beside it; the new config follows on "
                      "stdout: save it as the config")
        sys.stdout.write(saved.text)


def _asked(session: Callable[[], list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The session, with click's Abort (Ctrl-C, or the end of input) as a quit without saving."""
    from halosync.run.map_session import Quit

    try:
        return session()
    except (typer.Abort, EOFError) as stopped:
        # click turns both Ctrl-C and the end of input into Abort; what it caught is still the context.
        interrupted = isinstance(stopped.__context__, KeyboardInterrupt)
        console.say("\nInterrupted." if interrupted else "\nEnd of input.")
        raise Quit(save=False, interrupted=interrupted) from None


class _Questions:
    """The session's questions on a terminal: the candidates, a prompt, and a line on what was chosen."""

    def organization(self, n: int, total: int, organization_id: int, name: str, candidates: list[Candidate],
                     inventory: Inventory) -> Candidate | Ignore | None:
        from halosync.run.map_session import Ignore

        console.say(f"\n[{n}/{total}] Huntress organization {organization_id} {name!r}")
        choice = _choose(candidates, inventory.clients.items(), HELP, allow_ignore=True)
        if isinstance(choice, Ignore):
            console.say(f"  ignored {organization_id}")
        elif choice is not None:
            console.say(f"  {name!r} -> client {choice.id} {choice.name!r}")
        return choice

    def product(self, product: str, candidates: list[Candidate], inventory: Inventory) -> Candidate | None:
        from halosync.core.products import PRODUCTS
        from halosync.run.map_session import Ignore

        console.say(f"\nProduct {product} ({PRODUCTS[product].display_name}) -> which HaloPSA item?")
        choice = _choose(candidates, inventory.active_items(), HELP_PRODUCTS, allow_ignore=False)
        if choice is None or isinstance(choice, Ignore):
            return None
        console.say(f"  {product} -> item {choice.id} {choice.name!r}")
        return choice


def _choose(candidates: list[Candidate], options: Iterable[tuple[int, str]], help_text: str, *,
            allow_ignore: bool) -> Candidate | Ignore | None:
    """Show the candidates and ask until the answer is a candidate, IGNORE, or None (skip)."""
    from halosync.formats.mapping import wrapped
    from halosync.run.map_session import NotAChoice, interpret

    suggestions = candidates
    while True:
        for i, c in enumerate(candidates, start=1):
            console.say(f"  {i}) {c.name} ({c.id})  score {c.score}")
        if not candidates:
            console.say("  (no candidates)")
        answer = typer.prompt(f"{wrapped('  ' + help_text)}\n  >", default="", show_default=False)
        outcome = interpret(answer, candidates, suggestions, options, allow_ignore=allow_ignore)
        if isinstance(outcome, list):
            candidates = outcome
        elif isinstance(outcome, NotAChoice):
            console.say(f"  {answer.strip()!r} is not one of the choices")
        else:
            return outcome
