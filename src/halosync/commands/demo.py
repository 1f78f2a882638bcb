"""`halosync demo`: the real sync pipeline against the built-in sandbox, in a temporary directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from halosync.formats import console

# What changes in Huntress between the two runs: (organization, product, new count, why)
CHANGES = [
    (106, "edr", 16, "Evergreen Veterinary deployed 2 more agents"),
    (108, "sat", 168, "Granite Credit Union removed 7 SAT learners"),
]


def command(
    latency: Annotated[float, typer.Option(help="Seconds the sandbox waits before each answer.", min=0, max=5)] = 0.0,
) -> None:
    """Run the real sync against a simulated Huntress and HaloPSA on 127.0.0.1 (no credentials needed)."""
    from halosync.config.load import load_config
    from halosync.formats.results import show_run
    from halosync.run.runner import run
    from halosync.sandbox import Sandbox, serve
    from halosync.sandbox.config import sandbox_config_toml

    sandbox = Sandbox()
    sandbox.faults.latency = latency
    with tempfile.TemporaryDirectory(prefix="halosync-demo-") as tmp, serve(sandbox) as url:
        config_path = Path(tmp) / "config.toml"
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(sandbox_config_toml(url, str(Path(tmp) / "results.jsonl")))
        _, config = load_config(config_path)

        console.say(f"Sandbox running at {url}: 12 Huntress organizations, 12 HaloPSA clients.\n"
             "1) First sync (halosync run --force): licences are created, one stale count is updated.")
        first = run(config, force=True)
        show_run(first, json_output=False, quiet=False)

        console.say("\n2) Meanwhile in Huntress:\n" + "\n".join(f"   - {why}" for _, _, _, why in CHANGES))
        for org_id, product, count, _ in CHANGES:
            sandbox.state.set_count(org_id, product, count)
        console.say("   Second sync: only the changed counts are written.")
        second = run(config, force=True)
        show_run(second, json_output=False, quiet=False)

        console.say(f"\nThe results log of both runs was {config.log_path} (deleted with the demo's temp directory).\n"
             "Next: `halosync init` writes your config with your credentials; then `halosync check-permissions` and "
             "`halosync run --dry-run`.")
    raise typer.Exit(max(first.exit_code, second.exit_code))

