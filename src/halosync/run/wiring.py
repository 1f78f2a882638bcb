"""The one place that builds things from the config: the mapping, and both vendors' clients (closed when done)."""

from __future__ import annotations

from collections import defaultdict
from types import TracebackType
from typing import Any

from halosync.config.schema import Config
from halosync.core.mapping import Mapping
from halosync.halo.client import HaloClient
from halosync.huntress.client import HuntressClient


def mapping_from_config(config: Config) -> Mapping:
    clients: dict[int, list[int]] = defaultdict(list)
    for org in config.organizations:
        clients[org.halo_client_id].append(org.huntress_id)
    products = config.products.mapped()
    return Mapping(
        clients=dict(clients),
        products=products,
        licence_names={key: config.sync.render_licence_name(key) for key in products},
        ignored=frozenset(config.sync.ignore_organizations),
        client_products={c.halo_client_id: frozenset(c.products) for c in config.clients if c.products is not None},
        minimums={c.halo_client_id: c.minimum.given() for c in config.clients if c.minimum.given()},
        licence_name_template=config.sync.licence_name,
    )


def clients_without_organizations(config: Config) -> list[str]:
    """A warning for each [[clients]] entry whose client no [[organizations]] entry maps to: its minimum or
    product list bills nothing, which its author surely did not mean (a typo in an id, a removed mapping)."""
    mapped = {org.halo_client_id for org in config.organizations}
    warnings = []
    for n, client in enumerate(config.clients, start=1):
        if client.halo_client_id not in mapped:
            named = f" ({client.name})" if client.name else ""
            warnings.append(f"warning: [[clients]] #{n}, HaloPSA client {client.halo_client_id}{named}: no organization "
                            "in [[organizations]] maps to this client, so nothing is billed for it (its minimum "
                            "too); map an organization to it (halosync map), or fix or remove the entry")
    return warnings


class Services:
    """Both vendors' clients for one command, made on first use and all closed on exit.

    `extra_scopes` are asked of HaloPSA on top of [halo] scope (map: read:customers,
    audit: read:invoices). `service_options` reach the HTTP layer (transport, clock,
    sleep, retry, notice): the sandbox and the tests use them.
    """

    def __init__(self, config: Config, extra_scopes: tuple[str, ...] = (), **service_options: Any):
        self.config = config
        self.extra_scopes = extra_scopes
        self.service_options = service_options
        self._huntress: HuntressClient | None = None
        self._halo: dict[tuple[str, ...], HaloClient] = {}

    @property
    def huntress(self) -> HuntressClient:
        if self._huntress is None:
            self._huntress = HuntressClient.from_config(self.config, **self.service_options)
        return self._huntress

    @property
    def halo(self) -> HaloClient:
        return self.halo_with(self.extra_scopes)

    def halo_with(self, extra_scopes: tuple[str, ...]) -> HaloClient:
        """A HaloPSA client whose token asks for these scopes too (a token of its own)."""
        if extra_scopes not in self._halo:
            self._halo[extra_scopes] = HaloClient.from_config(self.config, extra_scopes=extra_scopes,
                                                              **self.service_options)
        return self._halo[extra_scopes]

    @property
    def requests(self) -> dict[str, int]:
        return {"huntress": self._huntress.requests if self._huntress else 0,
                "halo": sum(client.requests for client in self._halo.values())}

    def close(self) -> None:
        from halosync.run import interrupt

        if interrupt.raised_into_running_code:
            return  # a lock the signal's exception left held would make closing wait forever (a hung cron job)
        if self._huntress is not None:
            self._huntress.close()
        for client in self._halo.values():
            client.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
