"""What tests share: config files aimed at the mocked vendors or the sandbox, and the results log as records.

Fixtures live in tests/conftest.py; everything a test imports lives here (`from tests.support import ...`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tomli_w

from halosync.sandbox import Sandbox
from tests.support.contract import Sent

REPO = Path(__file__).resolve().parents[2]  # the checkout: config.example.toml, tests/contracts
HUNTRESS = "https://api.huntress.io"
HALO = "https://acme.halopsa.com"
SANDBOX_HOST = "https://sandbox.test"


def write_config(path: Path, data: dict[str, Any], mode: int = 0o600) -> Path:
    path.write_text(tomli_w.dumps(data))
    path.chmod(mode)
    return path


def basic_config(**overrides: Any) -> dict[str, Any]:
    """A small valid config aimed at the respx-mocked vendors."""
    config: dict[str, Any] = {
        "huntress": {"api_key": "hk_test_key", "api_secret": "hs_test_secret"},
        "halo": {"url": HALO, "client_id": "halo-client", "client_secret": "halo-secret-value"},
        "sync": {"frequency": "monthly", "day_of_month": 1},
        "products": {"edr": 1001, "sat": 1003},
        "organizations": [
            {"huntress_id": 101, "halo_client_id": 12, "name": "Acme Dental"},
            {"huntress_id": 102, "halo_client_id": 12},
            {"huntress_id": 104, "halo_client_id": 14},
        ],
    }
    for section, values in overrides.items():
        if isinstance(values, dict) and isinstance(config.get(section), dict):
            config[section] = {**config[section], **values}
        else:
            config[section] = values
    return config


def recorded(sandbox: Sandbox) -> list[Sent]:
    """What the sandbox was sent, in the form the contract checker reads."""
    return [Sent(r.service, r.method, r.path, r.query, r.form, r.json) for r in sandbox.requests]


def add_northwind(sandbox: Sandbox) -> Sandbox:
    """A sub-account, Northwind (account 2), with two organizations (201 Clinic, 202 Dental Lab) and a HaloPSA
    client for it (40, Northwind Group)."""
    state = sandbox.state
    state.accounts[2] = {"id": 2, "name": "Northwind", "subdomain": "northwind", "status": "enabled"}
    for org_id, name, edr in ((201, "Clinic", 5), (202, "Dental Lab", 7)):
        state.add_organization(org_id, name, edr=edr, itdr=[0, 0], sat=2, siem=0, ispm=[0])
        state.organizations[org_id]["account_id"] = 2
    state.clients[40] = {"id": 40, "name": "Northwind Group", "inactive": False, "toplevel_id": 1}
    return sandbox


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
