"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from halosync.errors import AuthError, HalosyncError
from halosync.formats import console
from halosync.halo.menus import APPLICATION_PERMISSIONS

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file. Default: $HALOSYNC_CONFIG, else the platform's config dir (halosync/config.toml).",
        show_default=False,
        dir_okay=False,
    ),
]


@contextmanager
def exit_on_error(extra_scopes: str = "") -> Iterator[None]:
    """A halosync failure becomes one line on stderr and its exit code. `extra_scopes` names the
    scopes this command asks for beyond the sync's, to explain a token or read the application refuses."""
    try:
        yield
    except AuthError as exc:
        refused_scope = "invalid_scope" in str(exc) or exc.status == 403
        hint = (f" This command also needs {extra_scopes}: allow it in {APPLICATION_PERMISSIONS}, and give the "
                "agent access to it." if extra_scopes and refused_scope else "")
        console.error(f"{exc}{hint}")
        raise typer.Exit(exc.exit_code) from None
    except HalosyncError as exc:
        console.error(str(exc))
        raise typer.Exit(exc.exit_code) from None
