"""The command line: creates the Typer app and registers the commands."""

from __future__ import annotations

from typing import Annotated

import typer

from halosync import __version__
from halosync.commands import audit, check_permissions, demo, history, map, run, sandbox

app = typer.Typer(
    name="halosync",
    help="Bill customers for exactly what Huntress bills you: sync Huntress counts into HaloPSA Software Licences.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich's help renderer alone costs ~150 ms of start-up
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"halosync {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """halosync: Huntress -> HaloPSA billing sync."""


app.command("run")(run.command)
app.command("check-permissions")(check_permissions.command)
app.command("map")(map.command)
app.command("history")(history.command)
app.command("audit")(audit.command)
app.command("demo")(demo.command)
app.command("sandbox")(sandbox.command)


def main() -> None:
    app()
