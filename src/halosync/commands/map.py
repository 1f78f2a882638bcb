"""`halosync map`: map organizations to clients and products to items, without typing ids."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import typer

from halosync.commands.options import ConfigOption, exit_on_error
from halosync.errors import ExitCode
from halosync.formats import console

if TYPE_CHECKING:
    from halosync.config.editor import ConfigEditor
    from halosync.core.matching import Candidate
    from halosync.run.mapper import Inventory, MappingState

HELP = ("number: choose · Enter: skip · /text: search · /: back to the suggestions · i: ignore (not billed) · "
        "q: save and quit · x: quit without saving")
HELP_PRODUCTS = ("number: choose · Enter: skip · /text: search · /: back to the suggestions · q: save and quit · "
                 "x: quit without saving")


class _Ignore:
    """The answer 'ignore this organization' (not billed)."""


IGNORE = _Ignore()


class _Quit(Exception):
    def __init__(self, save: bool, interrupted: bool = False):
        self.save = save
        self.interrupted = interrupted


def command(
    config: ConfigOption = None,
    auto: Annotated[bool, typer.Option("--auto", help="Non-interactive: accept only unambiguous matches at or above --min-score.")] = False,
    min_score: Annotated[int, typer.Option("--min-score", min=0, max=100, help="Lowest score --auto accepts.")] = 90,
    show: Annotated[bool, typer.Option("--show", help="Print the mapping report and exit.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the change to the config as a diff; write nothing.")] = False,
) -> None:
    """Edit the organization -> client and product -> item mappings, with fuzzy name suggestions."""
    from halosync.config.editor import ConfigEditor
    from halosync.config.load import load_config
    from halosync.formats.mapping import show_auto, show_state
    from halosync.run.mapper import auto_map, build_report, fetch_inventory

    with exit_on_error("the scopes read:customers and read:items"):
        path, cfg = load_config(config, warn=console.warn)
        editor = ConfigEditor(path)
        if not (show or dry_run):
            _check_writable(editor)  # before a single question: choices that cannot be saved are not asked for
        inventory = fetch_inventory(cfg)

    report = build_report(cfg, inventory)
    show_state(report, inventory, label="Before --auto: " if auto and not show else "")
    if show:
        raise typer.Exit(0)

    added: list[tuple[int, int]] = []
    if auto:
        result = auto_map(cfg, inventory, report, min_score)
        for org, choice in result.organizations:
            editor.map_organization(org, choice.id, inventory.organizations[org])
            added.append((org, choice.id))
        for product, choice in result.products:
            editor.map_product(product, choice.id)
        show_auto(result, inventory, min_score, report)
    else:
        try:
            _interactive(editor, inventory, report, added)
        except _Quit as stop:
            if not stop.save:
                console.say("Quit without saving; the config is unchanged.")
                raise typer.Exit(ExitCode.SIGINT if stop.interrupted else 0) from None

    for client, orgs in build_report(cfg, inventory, added).shared_clients.items():
        if any(org in dict(added) for org in orgs):
            console.warn(f"note: organizations {', '.join(map(str, orgs))} all map to client {client}: their counts are summed")
    if not editor.changed:
        console.say("Nothing to change.")
    elif dry_run:
        sys.stdout.write(editor.diff())
    else:
        _save(editor)
        console.say(f"Saved {path}.")
    raise typer.Exit(0)


def _check_writable(editor: ConfigEditor) -> None:
    from halosync.errors import ConfigError

    try:
        editor.check_writable()
    except OSError as exc:
        raise ConfigError(f"the config file {editor.path} cannot be rewritten: its folder refuses new files "
                          f"({exc.strerror or exc}); run map where it can save, or use --dry-run to see the change "
                          "without saving") from None


def _save(editor: ConfigEditor) -> None:
    """Save, and if that fails keep the choices: beside the config, else on stdout. Exit 1 either way."""
    try:
        editor.save()
        return
    except OSError as exc:
        reason = exc.strerror or str(exc)
    beside = editor.save_elsewhere()
    if beside is not None:
        console.error(f"could not save {editor.path} ({reason}); your choices are in {beside}: review it, then move "
                      "it over the config")
    else:
        console.error(f"could not save {editor.path} ({reason}), nor a copy beside it; the new config follows on "
                      "stdout: save it as the config")
        sys.stdout.write(editor.text)
    raise typer.Exit(1)


def _interactive(editor: ConfigEditor, inventory: Inventory, report: MappingState, added: list[tuple[int, int]]) -> None:
    from halosync.core.mapping import excludes
    from halosync.core.products import PRODUCTS
    from halosync.run.mapper import client_candidates, item_candidates

    try:
        for n, org in enumerate(report.unmapped, start=1):
            name = inventory.organizations[org]
            console.say(f"\n[{n}/{len(report.unmapped)}] Huntress organization {org} {name!r}")
            choice = _choose(client_candidates(inventory, org), inventory.clients.items(), HELP, allow_ignore=True)
            if isinstance(choice, _Ignore):
                editor.ignore_organization(org)
                console.say(f"  ignored {org}")
            elif choice is not None:
                editor.map_organization(org, choice.id, name)
                added.append((org, choice.id))
                console.say(f"  {name!r} -> client {choice.id} {choice.name!r}")
        chosen = set(report.products_mapped)
        for product in report.products_unmapped:
            if excludes(product, chosen):
                continue  # EDR is billed whole or split, never both
            console.say(f"\nProduct {product} ({PRODUCTS[product].display_name}) -> which HaloPSA item?")
            choice = _choose(item_candidates(inventory, product), inventory.active_items(), HELP_PRODUCTS, allow_ignore=False)
            if choice is not None and not isinstance(choice, _Ignore):
                editor.map_product(product, choice.id)
                chosen.add(product)
                console.say(f"  {product} -> item {choice.id} {choice.name!r}")
    except (typer.Abort, EOFError) as stopped:
        # click turns both Ctrl-C and the end of input into Abort; what it caught is still the context.
        interrupted = isinstance(stopped.__context__, KeyboardInterrupt)
        console.say("\nInterrupted." if interrupted else "\nEnd of input.")
        raise _Quit(save=False, interrupted=interrupted) from None
    raise _Quit(save=True)


def _choose(candidates: list[Candidate], options: Iterable[tuple[int, str]], help_text: str, *,
            allow_ignore: bool) -> Candidate | _Ignore | None:
    """A candidate, IGNORE, or None (skip)."""
    from halosync.core.matching import search
    from halosync.formats.mapping import wrapped

    suggestions = candidates
    while True:
        for i, c in enumerate(candidates, start=1):
            console.say(f"  {i}) {c.name} ({c.id})  score {c.score}")
        if not candidates:
            console.say("  (no candidates)")
        answer = typer.prompt(f"{wrapped('  ' + help_text)}\n  >", default="", show_default=False).strip()
        if answer == "":
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(candidates):
            return candidates[int(answer) - 1]
        if answer == "/":
            candidates = suggestions
            continue
        if answer.startswith("/"):
            candidates = search(answer[1:], options)
            continue
        if answer.lower() == "i" and allow_ignore:
            return IGNORE
        if answer.lower() in ("q", "x"):
            raise _Quit(save=answer.lower() == "q")
        console.say(f"  {answer!r} is not one of the choices")


