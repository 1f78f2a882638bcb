"""A ready config for the sandbox: the demo writes it, `halosync sandbox` prints it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from halosync.sandbox.state import (
    HALO_CLIENT_ID,
    HALO_CLIENT_SECRET,
    HALO_TENANT,
    HUNTRESS_KEY,
    HUNTRESS_SECRET,
    SEED_CLIENTS,
    SEED_MAPPING,
    State,
)

SANDBOX_PRODUCTS = {"edr": 1001, "itdr": 1002, "sat": 1003, "siem": 1004}


RECOMMENDED_GUARD = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}


def sandbox_config(base_url: str, log_path: str | None = None, state: State | None = None,
                   guard: bool = False) -> dict[str, Any]:
    """A config for a sandbox at `base_url`, mapping its organizations as `state` suggests (default: the seeded MSP)."""
    mapping = SEED_MAPPING if state is None else state.suggested_mapping
    config: dict[str, Any] = {
        "huntress": {"api_key": HUNTRESS_KEY, "api_secret": HUNTRESS_SECRET, "base_url": f"{base_url}/huntress"},
        "halo": {"url": f"{base_url}/halo", "client_id": HALO_CLIENT_ID, "client_secret": HALO_CLIENT_SECRET,
                 "tenant": HALO_TENANT},
        "sync": {"frequency": "monthly", "day_of_month": 1},
        "products": dict(SANDBOX_PRODUCTS),
        "organizations": [{"huntress_id": o, "halo_client_id": c, "name": n} for o, c, n in mapping],
    }
    if log_path:
        config["log"] = {"path": log_path}
    if guard:
        config["guard"] = dict(RECOMMENDED_GUARD)
    return config


def session_log_name(port: int, started: datetime) -> str:
    """The results log of one `halosync sandbox` session: its own file, so a fresh rehearsal inherits no
    earlier rehearsal's history (which would show the seeded counts as changes from outside)."""
    return f"halosync-sandbox-{port}-{started.astimezone(UTC):%Y%m%dT%H%M%SZ}.jsonl"


def sandbox_config_toml(base_url: str, log_path: str | None = None, state: State | None = None,
                        guard: bool = False) -> str:
    """The same config as TOML a person would write: [[organizations]] as tables, last."""
    import tomli_w

    config = sandbox_config(base_url, log_path, state, guard)
    organizations = config.pop("organizations")
    text = tomli_w.dumps(config)
    for org in organizations:
        text += "\n[[organizations]]\n" + tomli_w.dumps(org)
    return text


def clients_toml(state: State | None = None) -> str:
    """`[[clients]]` naming every mapped client as HaloPSA does: a config that names its clients shows names from
    the first sync on (a client with no licence yet has no HaloPSA name the sync reads)."""
    import tomli_w

    mapping = SEED_MAPPING if state is None else state.suggested_mapping
    names = dict(SEED_CLIENTS) if state is None else {c: str(v.get("name", "")) for c, v in state.clients.items()}
    text = ""
    for client in sorted({c for _, c, _ in mapping}):
        if names.get(client):
            text += "\n[[clients]]\n" + tomli_w.dumps({"halo_client_id": client, "name": names[client]})
    return text
