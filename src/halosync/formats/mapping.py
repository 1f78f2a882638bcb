"""What `map` shows: the mapping's state, what --auto mapped and left, the prompt's legend, wrapped to the page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from halosync.formats import console
from halosync.formats.text import wrap

if TYPE_CHECKING:
    from halosync.run.mapper import AutoResult, Inventory, MappingState


def wrapped(text: str) -> str:
    """Wrapped at spaces to the terminal (80 columns in a pipe), keeping its indent."""
    indent = text[: len(text) - len(text.lstrip())]
    return indent + wrap(text, console.stdout.width - len(indent), indent=indent + "  ")


def show_state(state: MappingState, inventory: Inventory, label: str = "") -> None:
    """What is mapped, unmapped, ignored and stale, before any question. `label` says when (`--auto` prints the
    state after it too, so the one before must not read as the result)."""
    console.say(wrapped(f"{label}{'mapped' if label else 'Mapped'}: {len(state.mapped)} organizations · unmapped: {len(state.unmapped)} · "
                         f"ignored: {len(state.ignored)} · products unmapped: "
                         f"{', '.join(state.products_unmapped) or 'none'}"))
    for line in state.stale:
        console.warn(f"stale: {line}")
    for org in state.unmapped:
        console.say(f"  unmapped: {org} {inventory.organizations[org]!r}")



def show_auto(result: AutoResult, inventory: Inventory, min_score: int, before: MappingState | None = None) -> None:
    for org, choice in result.organizations:
        console.say(wrapped(f"mapped organization {org} {inventory.organizations[org]!r} -> client {choice.id} "
                            f"{choice.name!r} (score {choice.score})"))
    for product, choice in result.products:
        console.say(wrapped(f"mapped product {product} -> item {choice.id} {choice.name!r} (score {choice.score})"))
    for what, best in result.left:
        near = f"; best candidate {best.name!r} ({best.id}) scores {best.score}" if best else ""
        console.say(wrapped(f"left {what}: no unambiguous match at {min_score} or above{near}"))
    if before is not None:  # the state --auto leaves: the one printed first is from before it
        products = {product for product, _ in result.products}
        unmapped = [p for p in before.products_unmapped if p not in products]
        console.say(wrapped(f"After --auto: mapped: {len(before.mapped) + len(result.organizations)} organizations · "
                            f"unmapped: {len(before.unmapped) - len(result.organizations)} · ignored: "
                            f"{len(before.ignored)} · products unmapped: {', '.join(unmapped) or 'none'}"))
