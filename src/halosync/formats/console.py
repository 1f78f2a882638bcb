"""Output: results on stdout, progress, warnings and errors on stderr. Rich is loaded only when first used."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

_consoles: dict[str, Console] = {}


def __getattr__(name: str) -> Any:
    """`console.stdout` and `console.stderr`: rich Consoles, made on first use (importing rich costs ~50 ms)."""
    if name not in ("stdout", "stderr"):
        raise AttributeError(name)
    if name not in _consoles:
        from rich.console import Console

        # markup and emoji off: organization, client and item names come from the vendors and are printed
        # as they are ("Kestrel [/] Accounting", "[bold]x", ":smile:"); halosync's own styles are Text styles.
        _consoles[name] = (Console(highlight=False, soft_wrap=False, markup=False, emoji=False) if name == "stdout"
                           else Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False))
    return _consoles[name]


def say(message: str) -> None:
    """A plain line on stdout."""
    sys.stdout.write(message + "\n")


def say_wrapped(message: str) -> None:
    """Prose on stdout, wrapped at the console's width between words (never for JSON: use `say`)."""
    from halosync.formats.text import stream_width, wrap_lines

    sys.stdout.write(wrap_lines(message, stream_width(sys.stdout)) + "\n")


def warn(message: str) -> None:
    # Wrapped at the width of stderr (80 in a cron mail): a 200-character warning stays readable.
    from halosync.formats.text import stream_width, wrap_lines

    sys.stderr.write(wrap_lines(message, stream_width(sys.stderr)) + "\n")


def error(message: str) -> None:
    from halosync.formats.text import stream_width, wrap_lines

    sys.stderr.write(wrap_lines(f"halosync: error: {message}", stream_width(sys.stderr)) + "\n")
