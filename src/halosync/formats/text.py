"""Text for narrow pages: when a table fits, and wrapping that never cuts a word or drops a datum."""

from __future__ import annotations

import os
import re
import textwrap
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

TABLES_FROM = 120  # columns; narrower (cron mail and pipes get 80), a table would squash or drop data


# C0 controls but line feed and tab, DEL, and C1: from a vendor's name they would drive the reader's terminal
# (\x1b[31m colours it, \x9b opens a sequence on some terminals), even when piped into a mail or a file.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character shown as its escape (`\x1b`), never obeyed: the one rule for
    vendor text (organization, client and item names, messages quoting them) on every page halosync prints."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def fits_table(console: Console) -> bool:
    return console.width >= TABLES_FROM


def wrap(text: str, width: int, indent: str = "  ", first: str = "") -> str:
    """Wrapped at spaces, never inside a word, never cut: a word longer than the line stays whole."""
    return textwrap.fill(" ".join(visible(text).split()), width=max(width, 20), initial_indent=first, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


_KEEP = "\u00a0"  # textwrap breaks only at ASCII spaces: within a part, spaces become this until wrapped


def wrap_parts(parts: list[str], width: int, indent: str = "  ") -> str:
    """Parts joined by ' · ', lines broken only between parts (a part alone wider than the line stays whole)."""
    glued = " · ".join(" ".join(part.split()).replace(" ", _KEEP) for part in parts)
    return textwrap.fill(glued, width=max(width, 20), subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False).replace(_KEEP, " ")




def stream_width(stream: TextIO) -> int:
    """The columns a plain line on `stream` has: COLUMNS where set (as rich reads it), the terminal's width, or 80
    without a terminal (cron mail, a pipe)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
        if columns > 0:
            return columns
    except ValueError:
        pass
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        pass
    return 80


def wrap_lines(text: str, width: int, indent: str = "  ") -> str:
    """Each line of `text` that is wider than `width` wrapped between words (never cut, nothing dropped); its
    continuation lines indented past the line's own indentation. Lines that fit are left exactly as they are."""
    out = []
    for line in visible(text).split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip(" "))]
        out.append(wrap(line, width, indent=lead + indent, first=lead))
    return "\n".join(out)
