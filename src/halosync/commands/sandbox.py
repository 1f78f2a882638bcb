"""`halosync sandbox`: serve the simulated Huntress and HaloPSA in the foreground, to rehearse a config."""

from __future__ import annotations

import contextlib
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from halosync.commands.options import NoConfigOption, refuse_config
from halosync.errors import ExitCode
from halosync.formats import console


def _set_count(spec: str, port: int) -> None:
    import re

    from halosync.commands.options import exit_on_error, fail
    from halosync.errors import ServiceError, UnreachableError
    from halosync.sandbox.control import COUNTED, set_count, unknown_product

    # Any word as the product, so that a known format with an unknown product blames the product.
    found = re.fullmatch(r"\s*(\d+)\s*:\s*([\w-]+)\s*=\s*(\d+)\s*", spec)
    if not found:
        fail(f"--set-count takes ORGANIZATION:PRODUCT=COUNT, such as 104:edr=0, not {spec!r}", ExitCode.USAGE)
    org_id, product, count = int(found[1]), found[2], int(found[3])
    if product not in COUNTED:
        fail(unknown_product(product), ExitCode.USAGE)
    with exit_on_error():
        try:
            answer = set_count(f"http://127.0.0.1:{port}", org_id, product, count)
        except ServiceError as exc:
            if isinstance(exc, UnreachableError):
                raise UnreachableError(exc.service, f"{exc}: is `halosync sandbox --port {port}` running?") from None
            fail(str(exc), ExitCode.USAGE)  # the sandbox refused the values: no such organization or product
    console.say_wrapped(f"The sandbox now counts {count} {product} for organization {org_id} {answer.get('name', '')!r}; "
                "the next halosync run --force sees it.")


def command(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).", min=0, max=65535)] = 8765,
    latency: Annotated[float, typer.Option(help="Seconds to wait before each answer.", min=0, max=30)] = 0.0,
    organizations: Annotated[int | None, typer.Option(help="Generate this many organizations instead of the small seeded MSP.", min=1, max=100_000)] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every request to stderr.")] = False,
    set_count: Annotated[str | None, typer.Option(
        "--set-count", metavar="ORG:PRODUCT=N", help="Tell the sandbox already running (at --port) to give an "
        "organization a new count, e.g. 104:edr=0, then exit: the next run sees the change.")] = None,
    huntress_sync: Annotated[str, typer.Option(
        "--huntress-sync", metavar="off|left|on",
        help="Play Huntress's own HaloPSA billing sync: 'left' starts with the licences it leaves (a switch to "
             "rehearse: halosync adopts them); 'on' also keeps it writing (an agent more each time halosync asks "
             "for a token), so runs report changes from outside.")] = "off",
    no_config: NoConfigOption = None,
) -> None:
    """Serve the sandbox on 127.0.0.1 until Ctrl-C, and print a config that points at it.

    With --set-count, change a count on the sandbox already running instead (a rehearsal of the guard)."""
    refuse_config("sandbox", no_config)
    if set_count is not None:
        _set_count(set_count, port)
        return
    from halosync.sandbox import Sandbox, serve
    from halosync.sandbox.builtin import sync_once
    from halosync.sandbox.config import sandbox_config_toml, session_log_name
    from halosync.sandbox.state import State

    if huntress_sync not in ("off", "left", "on"):
        console.error(f"--huntress-sync must be off, left or on, not {huntress_sync!r}")
        raise typer.Exit(ExitCode.USAGE)
    sandbox = Sandbox(State.generated(organizations) if organizations else None)
    sandbox.faults.latency = latency
    if huntress_sync != "off":
        sync_once(sandbox.state, stale=2)  # its last sync was a while ago: some EDR counts lag
        sandbox.faults.huntress_sync_on = huntress_sync == "on"
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(serve(sandbox, port=port, verbose=verbose))
        except OSError as exc:
            console.error(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}")
            raise typer.Exit(ExitCode.USAGE) from None
        console.say(f"# halosync sandbox at {url}: save this as a config file and run halosync against it.\n"
                    f"# Huntress and HaloPSA here are simulated; nothing leaves this machine.\n")
        # Absolute: the printed config may be saved anywhere, and run from anywhere.
        # One log per session (port and start time in its name): a new rehearsal starts with no history.
        log = Path(session_log_name(int(url.rsplit(":", 1)[1]), datetime.now(UTC))).absolute()
        console.say(sandbox_config_toml(url, str(log), sandbox.state))
        console.say("# (end of config)")
        sys.stdout.flush()
        console.warn("Serving; press Ctrl-C to stop.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
