"""The two consoles: results on stdout, progress, warnings and errors on stderr."""

from __future__ import annotations

from rich.console import Console

stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    stderr.print(message, markup=False, style="yellow")


def error(message: str) -> None:
    stderr.print(f"halosync: error: {message}", markup=False, style="red")
