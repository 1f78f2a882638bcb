"""Text for narrow pages: when a table fits, and wrapping that never cuts a word or drops a datum."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

TABLES_FROM = 120  # columns; narrower (cron mail and pipes get 80), a table would squash or drop data


def fits_table(console: Console) -> bool:
    return console.width >= TABLES_FROM


def wrap(text: str, width: int, indent: str = "  ", first: str = "") -> str:
    """Wrapped at spaces, never inside a word, never cut: a word longer than the line stays whole."""
    return textwrap.fill(" ".join(text.split()), width=max(width, 20), initial_indent=first, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


_KEEP = "\u00a0"  # textwrap breaks only at ASCII spaces: within a part, spaces become this until wrapped


def wrap_parts(parts: list[str], width: int, indent: str = "  ") -> str:
    """Parts joined by ' · ', lines broken only between parts (a part alone wider than the line stays whole)."""
    glued = " · ".join(" ".join(part.split()).replace(" ", _KEEP) for part in parts)
    return textwrap.fill(glued, width=max(width, 20), subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False).replace(_KEEP, " ")


