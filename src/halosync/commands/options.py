"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from halosync.errors import AuthError, ExitCode, HalosyncError, LogWriteError
from halosync.formats import console
from halosync.halo.menus import APPLICATION_PERMISSIONS

# Replaced in --help by the platform's actual path (cli.py), computed only then: platformdirs costs start-up time.
DEFAULT_CONFIG_HELP = "the platform's config dir (halosync/config.toml)"

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help=f"Config file. Default: $HALOSYNC_CONFIG, else {DEFAULT_CONFIG_HELP}.",
        show_default=False,
        dir_okay=False,
    ),
]

# demo and sandbox make their own config: --config is refused with that reason, not click's "No such option".
NoConfigOption = Annotated[Path | None, typer.Option("--config", "-c", hidden=True, dir_okay=False)]


def refuse_config(command: str, config: Path | None) -> None:
    if config is not None:
        fail(f"{command} takes no --config: it makes its own config for the simulated vendors", ExitCode.USAGE)


JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout, also when it fails.")]


@contextmanager
def exit_on_error(extra_scopes: str = "", *, json_output: bool = False) -> Iterator[None]:
    """The one error funnel: a halosync failure becomes one line on stderr (and with --json one
    error document on stdout) and its exit code. `extra_scopes` names the scopes this command asks
    for beyond the sync's, to explain a token or read the application refuses."""
    try:
        yield
    except AuthError as exc:
        refused_scope = "invalid_scope" in str(exc) or exc.status == 403
        hint = (f" This command also needs {extra_scopes}: allow it in {APPLICATION_PERMISSIONS}, and give the "
                "agent access to it." if extra_scopes and refused_scope else "")
        said = str(exc)
        if hint and not said.endswith("."):  # two sentences, never run together
            said += "."
        fail(f"{said}{hint}", exc.exit_code, json_output=json_output)
    except LogWriteError as exc:
        import sys

        from halosync.formats.json_output import error_document, unsaved_records_follow

        message = f"{exc}. {unsaved_records_follow(len(exc.unsaved))}"
        if json_output:

            console.say(error_document(message, exc.exit_code))
        console.error(message)
        sys.stderr.writelines(line + "\n" for line in exc.unsaved)
        raise typer.Exit(exc.exit_code) from None
    except HalosyncError as exc:
        fail(str(exc), exc.exit_code, json_output=json_output)


@contextmanager
def asking(what_is_kept: str) -> Iterator[None]:
    """Around a question: Ctrl-C means stop and change nothing (exit 130), not click's "Aborted!" and 1;
    the end of input without an answer is a usage error (exit 2)."""
    try:
        yield
    except typer.Abort as stopped:
        if isinstance(stopped.__context__, KeyboardInterrupt):
            fail(f"interrupted: {what_is_kept}", ExitCode.SIGINT)
        fail(f"no answer (end of input): {what_is_kept}", ExitCode.USAGE)


def check_products(keys: list[str], *, json_output: bool = False) -> None:
    """`--product KEY`, as every command that takes it checks it: a key halosync does not know is a usage error."""
    from halosync.core.products import PRODUCTS

    for key in keys:
        if key not in PRODUCTS:
            fail(f"--product must be one of {', '.join(PRODUCTS)}, not {key!r}", ExitCode.USAGE, json_output=json_output)


def fail(message: str, exit_code: int, *, json_output: bool = False) -> NoReturn:
    if json_output:
        from halosync.formats.json_output import error_document

        console.say(error_document(message, exit_code))
    console.error(message)
    raise typer.Exit(exit_code)
