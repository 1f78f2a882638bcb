"""`halosync init`: write a starter config (0600) with the credentials, then point at the next steps."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from halosync.commands.options import ConfigOption, asking, fail
from halosync.formats import console

HEADER = """\
# halosync config, written by `halosync init`. Full reference: docs/configuration.md in the project.
# Next: `halosync check-permissions`, then `halosync map` to map organizations and products.
"""


def command(
    config: ConfigOption = None,
    huntress_key: Annotated[str | None, typer.Option("--huntress-key", envvar="HALOSYNC_HUNTRESS_API_KEY", show_envvar=True,
                                                     help="Huntress API key.")] = None,
    huntress_secret: Annotated[str | None, typer.Option("--huntress-secret", envvar="HALOSYNC_HUNTRESS_API_SECRET",
                                                        show_envvar=True, help="Huntress API secret.")] = None,
    halo_url: Annotated[str | None, typer.Option("--halo-url", help="Your HaloPSA address, e.g. https://acme.halopsa.com.")] = None,
    halo_client_id: Annotated[str | None, typer.Option("--halo-client-id", envvar="HALOSYNC_HALO_CLIENT_ID", show_envvar=True,
                                                       help="HaloPSA API application client id.")] = None,
    halo_client_secret: Annotated[str | None, typer.Option("--halo-client-secret", envvar="HALOSYNC_HALO_CLIENT_SECRET",
                                                           show_envvar=True, help="HaloPSA API application secret.")] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="HaloPSA tenant (hosted instances only).")] = None,
) -> None:
    """Write a starter config with your credentials (asks on a terminal; never overwrites a config)."""
    from halosync.config.paths import config_path

    path = config_path(config)
    if path.exists():
        fail(f"{path} already exists; init never overwrites a config. Edit it, or pass --config for a new file", 2)
    on_terminal = sys.stdin.isatty()
    answers: dict[str, str | None] = {}
    # Secrets are better typed at the prompt (or set in the environment) than passed as options: ps shows options.
    for key, value, question, secret in (
        ("huntress_key", huntress_key, "Huntress API key (<your subdomain>.huntress.io > API Credentials)", True),
        ("huntress_secret", huntress_secret, "Huntress API secret", True),
        ("halo_url", halo_url, "HaloPSA address (https://yourcompany.halopsa.com)", False),
        ("halo_client_id", halo_client_id, "HaloPSA client id (Configuration > Integrations > HaloPSA API > Applications)", True),
        ("halo_client_secret", halo_client_secret, "HaloPSA client secret", True),
    ):
        if value is None and on_terminal:
            with asking("nothing was written"):
                value = typer.prompt(question, hide_input=secret).strip() or None
        answers[key] = value.strip() if value else None
    if tenant is None and on_terminal:
        with asking("nothing was written"):
            tenant = typer.prompt("HaloPSA tenant (hosted instances; Enter if none)", default="",
                                  show_default=False).strip() or None
    missing = [f"--{k.replace('_', '-')}" for k, v in answers.items() if not v]
    if missing:
        fail(f"init needs {', '.join(missing)} (on a terminal it asks for them)", 2)

    data: dict[str, Any] = {
        "huntress": {"api_key": answers["huntress_key"], "api_secret": answers["huntress_secret"]},
        "halo": {"url": answers["halo_url"], "client_id": answers["halo_client_id"],
                 "client_secret": answers["halo_client_secret"], **({"tenant": tenant} if tenant else {})},
        "sync": {"frequency": "monthly", "day_of_month": 1},
    }
    _check(path, data)
    _write(path, data)
    console.say(f"Wrote {path} (readable by you only).\n"
                f"Next: halosync check-permissions{_config_flag(config)} proves the credentials and permissions; "
                f"halosync map{_config_flag(config)} maps organizations to clients and products to items.")


def _config_flag(config: Path | None) -> str:
    return f" --config {config}" if config is not None else ""


def _check(path: Path, data: dict[str, Any]) -> None:
    """Validate before writing: a starter config that does not load would only move the error."""
    from pydantic import ValidationError

    from halosync.config.messages import describe
    from halosync.config.schema import Config

    try:
        Config.model_validate(data)
    except ValidationError as exc:
        fail(describe(path, exc).replace("config file", "the config init would write to", 1) + "; nothing was written", 2)


def _write(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    text = HEADER + "\n" + tomli_w.dumps(data) + "\n[products]  # halosync map fills this in\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # O_EXCL: never over an existing file
    except FileExistsError:
        fail(f"{path} already exists; init never overwrites a config", 2)
    except OSError as exc:
        fail(f"could not write {path} ({exc.strerror or exc}); nothing was written", 2)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)  # half a config would block the next init and load as nothing useful
        fail(f"could not write {path} ({exc.strerror or exc}); nothing was written", 2)
