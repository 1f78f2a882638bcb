"""`halosync history`: what past runs did, from the results log."""

from __future__ import annotations

from typing import Annotated

import typer

from halosync.commands.options import ConfigOption, JsonOption, check_products, exit_on_error
from halosync.core.products import PRODUCT_KEYS
from halosync.errors import ExitCode


def command(
    config: ConfigOption = None,
    last: Annotated[int, typer.Option("--last", "-n", min=1, metavar="N", help="How many runs to show (newest first).")] = 10,
    client: Annotated[int | None, typer.Option("--client", metavar="ID", help="Only rows of this HaloPSA client id (shows rows).")] = None,
    product: Annotated[str | None, typer.Option("--product", metavar="KEY", help=f"Only rows of this product: {', '.join(PRODUCT_KEYS)} (shows rows).")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only runs that failed (exit other than 0 and 6, or a failed "
                                         "row), failed rows and failed decisions.")] = False,
    held: Annotated[bool, typer.Option("--held", help="Only runs that held changes for approve (exit 6), and held "
                                       "rows.")] = False,
    rows: Annotated[bool, typer.Option("--rows", help="Show the rows of each run instead of run summaries.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Show past runs, or their rows, from the results log, newest first."""
    from halosync.config.load import load_config
    from halosync.formats.history import show_history
    from halosync.run.history import read_history
    from halosync.run.names import client_names_for

    check_products([product] if product is not None else [], json_output=json_output)
    want_rows = rows or client is not None or product is not None
    with exit_on_error(json_output=json_output):  # a log that is a folder or unreadable: exit 2 naming it
        _, cfg = load_config(config)
        history = read_history(cfg.log_path, last=last, client=client, product=product, failed=failed, held=held,
                               want_rows=want_rows)
    names = {o.huntress_id: o.name for o in cfg.organizations if o.name}
    client_names = client_names_for(cfg, logged=history.client_names)
    show_history(history, cfg.log_path, want_rows=want_rows, json_output=json_output, names=names,
                 client_names=client_names, kind=" or ".join(k for k, on in (("failed", failed), ("held", held)) if on))
    raise typer.Exit(ExitCode.OK)
