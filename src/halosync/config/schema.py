"""The config file's schema: every table and key, with the checks one table can make on its own and across tables."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, RootModel, SecretStr, field_validator, model_validator

from halosync.config.paths import default_log_path
from halosync.core.products import PRODUCT_KEYS, PRODUCTS, CountMode, ProductKey
from halosync.transport.redaction import shown_url

# (section, key) -> environment variable that overrides it.
DEFAULT_SCOPE = "read:softwarelicensing edit:softwarelicensing read:items"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class HuntressConfig(_Model):
    api_key: SecretStr | None = Field(default=None, strict=False)
    api_secret: SecretStr | None = Field(default=None, strict=False)
    base_url: str = "https://api.huntress.io"
    requests_per_minute: int = Field(default=60, ge=1, le=10_000)
    counts: CountMode = "billable"
    sub_accounts: bool = False  # also list the organizations of every account the credentials see (resellers)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_base_url(value)


class HaloConfig(_Model):
    url: str
    client_id: SecretStr | None = Field(default=None, strict=False)
    client_secret: SecretStr | None = Field(default=None, strict=False)
    tenant: str | None = None
    auth_url: str | None = None
    scope: str = DEFAULT_SCOPE
    requests_per_minute: int = Field(default=60, ge=1, le=10_000)
    page_size: int = Field(default=100, ge=1, le=1000)

    @field_validator("url", "auth_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_base_url(value)

    @field_validator("url")
    @classmethod
    def _not_the_api(cls, value: str) -> str:
        # The API's own address, pasted from Halo's API settings, would make every request go to
        # /api/api/... and the token request fail as if the credentials were wrong.
        if value.lower().endswith(("/api", "/auth")):
            base = shown_url(value.rsplit("/", 1)[0])  # never repeat a user:password@ given in it
            raise ValueError(f"should be your HaloPSA address without /api or /auth (halosync adds them): {base}, "
                             "the address you open in the browser, such as https://acme.halopsa.com")
        return value

    @property
    def token_url(self) -> str:
        return (self.auth_url or f"{self.url}/auth") + "/token"


class SyncConfig(_Model):
    frequency: Literal["daily", "monthly", "invoice"] = "monthly"  # invoice: when Huntress issues a newer invoice
    day_of_month: int | Literal["last"] = 1
    licence_name: str = "Huntress {product}"
    ignore_organizations: list[int] = []
    # A licence whose count changed since halosync wrote it (a second writer): "warn", or "hold" its update
    outside_changes: Literal["warn", "hold"] = "warn"

    @field_validator("day_of_month")
    @classmethod
    def _day(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 28:
            raise ValueError('must be 1-28 or "last" (29-31 do not exist in every month)')
        return value

    @field_validator("licence_name")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"is not a valid template: {exc}") from None
        if fields - {"product"}:
            raise ValueError(f"may only use {{product}}, not {', '.join('{' + f + '}' for f in sorted(fields - {'product'}))}")
        if not value.strip():
            raise ValueError("must not be empty")
        try:  # a format spec or conversion ("{product:d}") parses, then fails on a real name: try one
            value.format(product=PRODUCTS["edr"].display_name)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise ValueError(f"is not a valid template: {exc}") from None
        return value

    def render_licence_name(self, product: str) -> str:
        return self.licence_name.format(product=PRODUCTS[product].display_name)


class ProductsConfig(RootModel[dict[ProductKey, int]]):
    """[products]: Huntress product -> HaloPSA item id; only the products listed here are synced.
    (edr_servers and edr_workstations count agents from /v1/agents: a server edition or Linux is a server.)"""

    model_config = ConfigDict(strict=True, frozen=True)

    def mapped(self) -> dict[str, int]:
        """Product key -> item id, in the product table's order."""
        return {key: self.root[key] for key in PRODUCT_KEYS if key in self.root}


class MinimumConfig(RootModel[dict[ProductKey, Annotated[int, Field(ge=0)]]]):
    """[[clients]] minimum: contract minimums; the licence count is max(actual, minimum)."""

    model_config = ConfigDict(strict=True, frozen=True)

    def given(self) -> dict[str, int]:
        return {key: self.root[key] for key in PRODUCT_KEYS if key in self.root}


class ClientConfig(_Model):
    """Billing choices for one HaloPSA client."""

    halo_client_id: int
    name: str | None = None
    minimum: MinimumConfig = MinimumConfig({})
    products: list[ProductKey] | None = None  # only these products sync for this client

    @field_validator("products")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("lists a product twice")
        return value


class LogConfig(_Model):
    path: str | None = None
    rotate_mb: float | None = Field(default=None, gt=0, allow_inf_nan=False, strict=False)  # rename the log aside at this size; never deletes

    @property
    def rotate_bytes(self) -> int | None:
        return int(self.rotate_mb * 1_000_000) if self.rotate_mb else None


class NotifyConfig(_Model):
    healthcheck_url: str | None = None  # Healthchecks.io style: {url}/start, {url} on success, {url}/fail
    webhook_url: str | None = None  # receives the run record as JSON after each sync
    timeout: float = Field(default=10.0, gt=0, le=120, strict=False)
    urls: list[str] = []  # Apprise URLs (msteams://, slack://, mailtos://, ntfy://, json://...): messages for people
    on: Literal["problems", "always"] = "problems"  # when `urls` hear of a sync

    @property
    def enabled(self) -> bool:
        return bool(self.healthcheck_url or self.webhook_url or self.urls)

    @field_validator("urls")
    @classmethod
    def _apprise_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if "://" not in url:
                raise ValueError("each entry should be an Apprise URL such as msteams://… or mailtos://…")
        return value

    @field_validator("healthcheck_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)


# What `halosync init` writes: hold a fall of more than a fifth or a rise of more than half, when at least 5 units.
RECOMMENDED_GUARD = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}


class GuardConfig(_Model):
    """[guard]: hold an update that moves a count too far, for a person to approve."""

    max_decrease_percent: float | None = Field(default=None, ge=0, allow_inf_nan=False, strict=False)
    max_increase_percent: float | None = Field(default=None, ge=0, allow_inf_nan=False, strict=False)
    min_units: int = Field(default=0, ge=0)


class ReportConfig(_Model):
    """[report]: what `halosync report --money` cannot read from HaloPSA."""

    # Cost of one unit of a product to you (per month), where neither the invoice line nor the item carries one.
    unit_cost: dict[ProductKey, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = {}


class OrganizationMapping(_Model):
    huntress_id: int
    halo_client_id: int
    name: str | None = None


class AccountMapping(_Model):
    """[[accounts]]: every organization of a Huntress (sub-)account billed to one HaloPSA client, summed."""

    huntress_account_id: int
    halo_client_id: int
    name: str | None = None


class Config(_Model):
    huntress: HuntressConfig
    halo: HaloConfig
    sync: SyncConfig = SyncConfig()
    log: LogConfig = LogConfig()
    notify: NotifyConfig = NotifyConfig()
    guard: GuardConfig | None = None
    report: ReportConfig = ReportConfig()
    products: ProductsConfig = ProductsConfig({})
    organizations: list[OrganizationMapping] = []
    accounts: list[AccountMapping] = []
    clients: list[ClientConfig] = []

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        """What no single table can check: unique organizations and clients, [[clients]] against [products]."""
        seen: set[int] = set()
        for org in self.organizations:
            if org.huntress_id in seen:
                raise ValueError(f"huntress_id {org.huntress_id} is mapped more than once in [[organizations]]")
            seen.add(org.huntress_id)
        accounts: set[int] = set()
        for account in self.accounts:
            if account.huntress_account_id in accounts:
                raise ValueError(f"huntress_account_id {account.huntress_account_id} is mapped more than once in [[accounts]]")
            accounts.add(account.huntress_account_id)
        mapped = self.products.mapped()
        if self.huntress.counts == "invoiced":
            split = [key for key in mapped if PRODUCTS[key].source == "agents"]
            if split:
                raise ValueError(f'[products] {", ".join(split)}: the EDR split counts agents, which an invoice\'s line '
                                 'items do not carry; with [huntress] counts = "invoiced" map edr instead')
        clients: set[int] = set()
        for n, client in enumerate(self.clients, start=1):
            where = f"[[clients]] #{n} (halo_client_id {client.halo_client_id})"
            if client.halo_client_id in clients:
                raise ValueError(f"{where}: halo_client_id {client.halo_client_id} has more than one [[clients]] entry")
            clients.add(client.halo_client_id)
            for product in [*(client.products or []), *client.minimum.given()]:
                if product not in mapped:
                    raise ValueError(f"{where}: {product} is not mapped to an item in [products]")
            if client.products is not None:
                for product in client.minimum.given():
                    if product not in client.products:
                        raise ValueError(f"{where}: a minimum for {product}, which its products list leaves out")
        return self

    @property
    def reads_sub_accounts(self) -> bool:
        """Whether the organization list covers every account the credentials see (costs a request per account)."""
        return self.huntress.sub_accounts or bool(self.accounts)

    @property
    def log_path(self) -> Path:
        return Path(self.log.path).expanduser() if self.log.path else default_log_path()

    # Where each secret came from, as a person would look for it: "HALOSYNC_HALO_CLIENT_SECRET" or
    # "[halo] client_secret" (set by load_config), so that a rejected one is named where it is set.
    _secret_sources: dict[tuple[str, str], str] = PrivateAttr(default_factory=dict)

    def secret_names(self, section: str) -> str:
        """The section's two credentials, named where they were set: "[halo] client_id and client_secret",
        or "HALOSYNC_HALO_CLIENT_ID and [halo] client_secret" when one came from the environment."""
        keys = {"huntress": ("api_key", "api_secret"), "halo": ("client_id", "client_secret")}[section]
        names = [self._secret_sources.get((section, key), f"[{section}] {key}") for key in keys]
        if all(name.startswith(f"[{section}] ") for name in names):
            return f"{names[0]} and {names[1].removeprefix(f'[{section}] ')}"
        return " and ".join(names)

    def secret(self, section: str, key: str) -> str:
        value = getattr(getattr(self, section), key)
        assert isinstance(value, SecretStr), "load_config guarantees every secret is present"
        return value.get_secret_value()


def _check_base_url(value: str) -> str:
    """An address halosync adds paths to: a query or fragment would end up in the middle of every request's
    URL (and may carry a token), so it is refused, without repeating it."""
    value = _check_url(value)
    if "?" in value or "#" in value:
        raise ValueError("must not have a query (?…) or fragment (#…): halosync adds paths to this address; "
                         "give it without them (credentials go in client_id/client_secret or api_key/api_secret)")
    return value


def _check_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("should be a URL starting with https://")
    return value.rstrip("/")
