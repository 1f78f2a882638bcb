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
GUARD_COMMENT = """\
# The guard holds an update that moves a count too far (an outage reading 0 agents, a duplicate-agent
# spike) until a person runs `halosync approve`. These are the recommended limits; remove [guard] to
# write every change unattended.
"""


def command(
    config: ConfigOption = None,
    huntress_key: Annotated[str | None, typer.Option("--huntress-key", help="Huntress API key (or leave it in HALOSYNC_HUNTRESS_API_KEY).")] = None,
    huntress_secret: Annotated[str | None, typer.Option("--huntress-secret", help="Huntress API secret (or leave it "
                                                        "in HALOSYNC_HUNTRESS_API_SECRET).")] = None,
    halo_url: Annotated[str | None, typer.Option("--halo-url", help="Your HaloPSA address, e.g. https://acme.halopsa.com.")] = None,
    halo_client_id: Annotated[str | None, typer.Option("--halo-client-id", help="HaloPSA API application client id "
                                                       "(or leave it in HALOSYNC_HALO_CLIENT_ID).")] = None,
    halo_client_secret: Annotated[str | None, typer.Option("--halo-client-secret", help="HaloPSA API application secret "
                                                           "(or leave it in HALOSYNC_HALO_CLIENT_SECRET).")] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="HaloPSA tenant (hosted instances only).")] = None,
    huntress_url: Annotated[str | None, typer.Option("--huntress-url", help="Huntress API address, if not "
                                                     "https://api.huntress.io (a sandbox: its address + /huntress).")] = None,
) -> None:
    """Write a starter config with your credentials (asks on a terminal; never overwrites a config).

    A secret set in its HALOSYNC_* environment variable (or HALOSYNC_*_FILE) stays there: the file
    does not get a copy, and halosync reads it from the environment on every run."""
    from halosync.config.paths import config_path
    from halosync.config.schema import RECOMMENDED_GUARD

    path = config_path(config)
    if path.exists():
        fail(f"{path} already exists; init never overwrites a config. Edit it, or pass --config PATH for a new file", 2)
    on_terminal = sys.stdin.isatty()
    answers: dict[str, str | None] = {}
    from_environment: list[str] = []
    left_in_environment: set[str] = set()
    # Secrets are better typed at the prompt (or set in the environment) than passed as options: ps shows options.
    for key, value, question, env in (
        ("huntress_key", huntress_key, "Huntress API key (<your subdomain>.huntress.io > API Credentials)",
         "HALOSYNC_HUNTRESS_API_KEY"),
        ("huntress_secret", huntress_secret, "Huntress API secret", "HALOSYNC_HUNTRESS_API_SECRET"),
        ("halo_url", halo_url, "HaloPSA address (https://yourcompany.halopsa.com)", None),
        ("halo_client_id", halo_client_id, "HaloPSA client id (Configuration > Integrations > HaloPSA API > Applications)",
         "HALOSYNC_HALO_CLIENT_ID"),
        ("halo_client_secret", halo_client_secret, "HaloPSA client secret", "HALOSYNC_HALO_CLIENT_SECRET"),
    ):
        if value is None and env is not None and (os.environ.get(env) or os.environ.get(f"{env}_FILE")):
            from_environment.append(env if os.environ.get(env) else f"{env}_FILE")
            answers[key] = env  # present, but never written: load_config reads it from the environment each run
            left_in_environment.add(key)
            continue
        if value is None and on_terminal:
            with asking("nothing was written"):
                value = typer.prompt(question, hide_input=env is not None).strip() or None
        answers[key] = value.strip() if value else None
    if tenant is None and on_terminal:
        with asking("nothing was written"):
            tenant = typer.prompt("HaloPSA tenant (hosted instances; Enter if none)", default="",
                                  show_default=False).strip() or None
    missing = [f"--{k.replace('_', '-')}" for k, v in answers.items() if not v]
    if missing:
        fail(f"init needs {', '.join(missing)} (on a terminal it asks for them; a secret may instead be left in its "
             "HALOSYNC_* environment variable)", 2)

    def given(**values: str | None) -> dict[str, str]:
        """What goes into the file: the values given, never those left in the environment."""
        return {key: value for key, value in values.items() if value}

    def answer(key: str) -> str | None:
        return None if key in left_in_environment else answers[key]

    data: dict[str, Any] = {
        "huntress": given(api_key=answer("huntress_key"), api_secret=answer("huntress_secret"), base_url=huntress_url),
        "halo": given(url=answer("halo_url"), client_id=answer("halo_client_id"),
                      client_secret=answer("halo_client_secret"), tenant=tenant),
        "sync": {"frequency": "monthly", "day_of_month": 1},
        "guard": dict(RECOMMENDED_GUARD),
    }
    _check(path, data)
    _write(path, data)
    kept = (f"\nLeft in the environment, not written to the file: {', '.join(from_environment)} (set it for every "
            "run, cron's too)." if from_environment else "")
    console.say_wrapped(f"Wrote {path} (readable by you only).{kept}\n"
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

    guard = data.pop("guard")
    text = (HEADER + "\n" + tomli_w.dumps(data) + "\n" + GUARD_COMMENT + tomli_w.dumps({"guard": guard})
            + "\n[products]  # halosync map fills this in\n")
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
