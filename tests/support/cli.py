"""typer's CliRunner, with the command tree built once per test process, as the installed command builds it once.

typer's runner rebuilds the whole click command from every command's signature on each `invoke` (about 25 ms,
paid ~500 times a suite). Importing this module (the root conftest does) makes it reuse one build per app.
"""

from __future__ import annotations

import typer.main
import typer.testing

_built: dict[int, tuple[typer.Typer, object]] = {}


def command_once(typer_instance: typer.Typer) -> object:
    """The click command for `app`, built on first use (the app is kept alive, so its id is never reused)."""
    entry = _built.get(id(typer_instance))
    if entry is None:
        entry = _built[id(typer_instance)] = (typer_instance, typer.main.get_command(typer_instance))
    return entry[1]


# The name typer.testing calls; if a release renames it this fails at import instead of silently costing time.
assert callable(getattr(typer.testing, "_get_command", None)), "typer.testing no longer builds with _get_command"
setattr(typer.testing, "_get_command", command_once)  # noqa: B010 (a private name: mypy rightly will not see it)
