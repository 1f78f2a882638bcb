"""A `map` session: which questions are asked in which order, what each answer changes in the config, what an
automatic pass adds, and what happens to the choices when the config cannot be saved. No printing, no prompt:
the command supplies the questions' asking (`MapQuestions`) and shows the outcomes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from halosync.core.mapping import excludes
from halosync.errors import ConfigError
from halosync.run.mapper import AutoResult, Inventory, MappingState, client_candidates, item_candidates, mapping_state

if TYPE_CHECKING:
    from halosync.config.editor import ConfigEditor
    from halosync.config.schema import Config
    from halosync.core.matching import Candidate


class Ignore:
    """The answer 'ignore this organization' (not billed)."""


IGNORE = Ignore()


class Quit(Exception):  # a way out of the questions, not an error
    """Stop asking: keep and save what was chosen (`save`), or change nothing."""

    def __init__(self, save: bool, interrupted: bool = False):
        self.save = save
        self.interrupted = interrupted


class NotAChoice:
    """An answer that is none of the choices: asked again."""


NOT_A_CHOICE = NotAChoice()


def interpret(answer: str, shown: list[Candidate], suggestions: list[Candidate], options: Iterable[tuple[int, str]],
              *, allow_ignore: bool) -> Candidate | Ignore | None | list[Candidate] | NotAChoice:
    """One typed answer: a number picks a shown candidate, Enter skips (None), `/text` searches every option and
    `/` goes back to the suggestions (a list: the candidates to show next), `i` ignores (where allowed), `q`
    quits saving and `x` quits without (Quit)."""
    from halosync.core.matching import search

    answer = answer.strip()
    if answer == "":
        return None
    if answer.isdigit() and 1 <= int(answer) <= len(shown):
        return shown[int(answer) - 1]
    if answer == "/":
        return suggestions
    if answer.startswith("/"):
        return search(answer[1:], options)
    if answer.lower() == "i" and allow_ignore:
        return IGNORE
    if answer.lower() in ("q", "x"):
        raise Quit(save=answer.lower() == "q")
    return NOT_A_CHOICE


class MapQuestions(Protocol):
    """How the questions are put to a person: each returns a candidate, IGNORE, None (skip), or raises Quit."""

    def organization(self, n: int, total: int, organization_id: int, name: str, candidates: list[Candidate],
                     inventory: Inventory) -> Candidate | Ignore | None: ...

    def product(self, product: str, candidates: list[Candidate], inventory: Inventory) -> Candidate | None: ...


def ask(editor: ConfigEditor, inventory: Inventory, state: MappingState, questions: MapQuestions) -> list[tuple[int, int]]:
    """Every unmapped organization, then every unmapped product (EDR whole or split, never both): each answer
    goes into the editor at once. Returns the (organization, client) pairs added, also when a Quit that saves
    stops the questions early; a Quit that does not save goes on to the caller."""
    added: list[tuple[int, int]] = []
    try:
        _ask(editor, inventory, state, questions, added)
    except Quit as stop:
        if not stop.save:
            raise
    return added


def _ask(editor: ConfigEditor, inventory: Inventory, state: MappingState, questions: MapQuestions,
         added: list[tuple[int, int]]) -> None:
    for n, org in enumerate(state.unmapped, start=1):
        name = inventory.organizations[org]
        choice = questions.organization(n, len(state.unmapped), org, name, client_candidates(inventory, org), inventory)
        if isinstance(choice, Ignore):
            editor.ignore_organization(org)
        elif choice is not None:
            editor.map_organization(org, choice.id, name)
            added.append((org, choice.id))
    chosen = set(state.products_mapped)
    for product in state.products_unmapped:
        if excludes(product, chosen):
            continue  # EDR is billed whole or split, never both
        item = questions.product(product, item_candidates(inventory, product), inventory)
        if item is not None:
            editor.map_product(product, item.id)
            chosen.add(product)


def apply_auto(editor: ConfigEditor, inventory: Inventory, result: AutoResult) -> list[tuple[int, int]]:
    """What --auto found, into the editor; the (organization, client) pairs added."""
    for org, choice in result.organizations:
        editor.map_organization(org, choice.id, inventory.organizations[org])
    for product, choice in result.products:
        editor.map_product(product, choice.id)
    return [(org, choice.id) for org, choice in result.organizations]


def newly_shared_clients(config: Config, inventory: Inventory, added: list[tuple[int, int]]) -> dict[int, list[int]]:
    """Clients that several organizations now map to, one of them just added: their counts are summed."""
    new = dict(added)
    return {client: orgs for client, orgs in mapping_state(config, inventory, added).shared_clients.items()
            if any(org in new for org in orgs)}


@dataclass(frozen=True)
class Saved:
    """Where the choices went: the config itself (`saved`), a copy beside it (`beside`), or nowhere (print
    `text` instead). A save that failed says why in `reason`."""

    saved: bool
    reason: str = ""
    beside: Path | None = None
    text: str = ""


def check_writable(editor: ConfigEditor) -> None:
    """Before a single question: choices that cannot be saved are not asked for."""
    try:
        editor.check_writable()
    except OSError as exc:
        raise ConfigError(f"the config file {editor.path} cannot be rewritten: its folder refuses new files "
                          f"({exc.strerror or exc}); run map where it can save, or use --dry-run to see the change "
                          "without saving") from None


def save(editor: ConfigEditor) -> Saved:
    """Save; if that fails, keep the choices: a copy beside the config, else the text to print."""
    try:
        editor.save()
        return Saved(saved=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    beside = editor.save_elsewhere()
    return Saved(saved=False, reason=reason, beside=beside, text="" if beside is not None else editor.text)
