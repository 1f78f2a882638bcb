"""A Huntress client aimed at the respx-mocked vendor, and agent listings to answer with."""

from __future__ import annotations

from typing import Any

from halosync.config.schema import Config
from halosync.huntress.client import HuntressClient
from tests.support import basic_config


def huntress_client() -> HuntressClient:
    return HuntressClient.from_config(Config.model_validate(basic_config()))


def agents(org_id: int, servers: int, workstations: int) -> list[dict[str, Any]]:
    return ([{"id": org_id * 100 + n, "organization_id": org_id, "os": "Windows Server 2019", "platform": "windows"} for n in range(servers)]
            + [{"id": org_id * 100 + 50 + n, "organization_id": org_id, "os": "Windows 10 Pro", "platform": "windows"} for n in range(workstations)])
