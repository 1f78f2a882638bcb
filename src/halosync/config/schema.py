"""The config file: its schema, validation and the environment overrides for secrets."""

from __future__ import annotations

import os
import stat
import string
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from halosync.config.paths import config_path, default_log_path
from halosync.core.products import PRODUCT_KEYS, PRODUCTS, CountMode, ProductKey
from halosync.errors import ConfigError

# (section, key) -> environment variable that overrides it.
SECRET_ENV: dict[tuple[str, str], str] = {
    ("huntress", "api_key"): "HALOSYNC_HUNTRESS_API_KEY",
    ("huntress", "api_secret"): "HALOSYNC_HUNTRESS_API_SECRET",
    ("halo", "client_id"): "HALOSYNC_HALO_CLIENT_ID",
    ("halo", "client_secret"): "HALOSYNC_HALO_CLIENT_SECRET",
}

DEFAULT_SCOPE = "read:softwarelicensing edit:softwarelicensing read:items"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class HuntressConfig(_Model):
    api_key: SecretStr | None = Field(default=None, strict=False)
    api_secret: SecretStr | None = Field(default=None, strict=False)
    base_url: str = "https://api.huntress.io"
    requests_per_minute: int = Field(default=60, ge=1, le=10_000)
    counts: CountMode = "billable"

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)


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
        return None if value is None else _check_url(value)

    @property
    def token_url(self) -> str:
        return (self.auth_url or f"{self.url}/auth") + "/token"


class SyncConfig(_Model):
    frequency: Literal["daily", "monthly"] = "monthly"
    day_of_month: int | Literal["last"] = 1
    licence_name: str = "Huntress {product}"
    ignore_organizations: list[int] = []

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
    rotate_mb: float | None = Field(default=None, gt=0, strict=False)  # rename the log aside at this size; never deletes

    @property
    def rotate_bytes(self) -> int | None:
        return int(self.rotate_mb * 1_000_000) if self.rotate_mb else None


class NotifyConfig(_Model):
    healthcheck_url: str | None = None  # Healthchecks.io style: {url}/start, {url} on success, {url}/fail
    webhook_url: str | None = None  # receives the run record as JSON after each sync
    timeout: float = Field(default=10.0, gt=0, le=120, strict=False)

    @property
    def enabled(self) -> bool:
        return bool(self.healthcheck_url or self.webhook_url)

    @field_validator("healthcheck_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)


class OrganizationMapping(_Model):
    huntress_id: int
    halo_client_id: int
    name: str | None = None


class Config(_Model):
    huntress: HuntressConfig
    halo: HaloConfig
    sync: SyncConfig = SyncConfig()
    log: LogConfig = LogConfig()
    notify: NotifyConfig = NotifyConfig()
    products: ProductsConfig = ProductsConfig({})
    organizations: list[OrganizationMapping] = []
    clients: list[ClientConfig] = []

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        """What no single table can check: unique organizations and clients, [[clients]] against [products]."""
        seen: set[int] = set()
        for org in self.organizations:
            if org.huntress_id in seen:
                raise ValueError(f"huntress_id {org.huntress_id} is mapped more than once in [[organizations]]")
            seen.add(org.huntress_id)
        mapped = self.products.mapped()
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
    def log_path(self) -> Path:
        return Path(self.log.path).expanduser() if self.log.path else default_log_path()

    def secret(self, section: str, key: str) -> str:
        value = getattr(getattr(self, section), key)
        assert isinstance(value, SecretStr), "load_config guarantees every secret is present"
        return value.get_secret_value()


def load_config(explicit: Path | None = None, *, warn: Callable[[str], None] | None = None) -> tuple[Path, Config]:
    """Read, merge the environment into, and validate the config file.

    Raises ConfigError with a message naming the file and the key. `warn`
    receives warnings (a world-readable file holding secrets, blanks around a secret).
    Relative paths inside the file are taken from the file's folder.
    """
    path = config_path(explicit)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found. Copy config.example.toml there, or pass --config PATH "
            f"or set HALOSYNC_CONFIG."
        ) from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None

    secrets_in_file = _resolve_secrets(path, data, warn)
    _anchor_log_path(path, data)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None

    for (section, key), env in SECRET_ENV.items():
        if getattr(getattr(config, section), key) is None:
            raise ConfigError(
                f"config file {path}: [{section}] {key} is missing: set it in the file (or {key}_file), "
                f"or in the environment variable {env} (or {env}_FILE)"
            )
    if secrets_in_file and warn is not None and _readable_by_others(path):
        warn(
            f"config file {path} holds secrets and is readable by group or others; "
            f"run: chmod 600 {path}"
        )
    return path, config


def _resolve_secrets(path: Path, data: dict[str, Any], warn: Callable[[str], None] | None = None) -> bool:
    """Put each secret in place, by precedence; return whether the config file itself holds a secret.

    For each secret X: env HALOSYNC_X, then env HALOSYNC_X_FILE (a path), then X in the file,
    then X_file in the file (a path: systemd credentials, Docker secrets).
    """
    in_file = False
    for (section, key), env in SECRET_ENV.items():
        table = data.get(section)
        if table is not None and not isinstance(table, dict):
            continue  # validation reports the wrong type
        table = table if table is not None else {}
        file_key = f"{key}_file"
        if table.get(key) is not None and table.get(file_key) is not None:
            raise ConfigError(f"config file {path}: [{section}] has both {key} and {file_key}; keep one")
        in_file = in_file or bool(table.get(key))
        value: str | None = None
        if os.environ.get(env):
            value, source = os.environ[env], f"environment variable {env}"
        elif os.environ.get(f"{env}_FILE"):
            value = _read_secret(os.environ[f"{env}_FILE"], f"environment variable {env}_FILE")
            source = f"the secret file named by {env}_FILE"
        elif table.get(file_key) is not None:
            where = table[file_key]
            if not isinstance(where, str):
                raise ConfigError(f"config file {path}: [{section}] {file_key}: should be a path (a string)")
            value = _read_secret(where, f"config file {path}: [{section}] {file_key}", base=Path(os.path.abspath(path)).parent)
            source = f"the secret file named by [{section}] {file_key}"
        elif isinstance(table.get(key), str):
            value, source = table[key], f"config file {path}: [{section}] {key}"
        table.pop(file_key, None)
        if value is not None:
            stripped = value.strip()
            if stripped != value and warn is not None:
                # A pasted secret often carries a line break or spaces; they are never part of a key.
                warn(f"warning: {source}: spaces or a line break around the secret were removed")
            if stripped:
                table[key] = stripped
            else:
                table.pop(key, None)  # blank: reported as missing
        if table:
            data[section] = table
    return in_file


def _anchor_log_path(path: Path, data: dict[str, Any]) -> None:
    """A relative [log] path is relative to the config file's folder, never to wherever cron started:
    two runs from different folders must share one log and one lock."""
    log = data.get("log")
    if isinstance(log, dict) and isinstance(log.get("path"), str) and log["path"]:
        log_path = Path(log["path"]).expanduser()
        if not log_path.is_absolute():
            log["path"] = str(Path(os.path.abspath(path)).parent / log_path)


def _read_secret(where: str, named_by: str, base: Path | None = None) -> str:
    """A secret from a file; a relative path in the config file is relative to the config's folder."""
    secret_path = Path(os.path.expandvars(where)).expanduser()
    if base is not None and not secret_path.is_absolute():
        secret_path = base / secret_path
    try:
        value = secret_path.read_text(encoding="utf-8").rstrip("\r\n")  # `echo secret > file` adds one
    except FileNotFoundError:
        raise ConfigError(f"{named_by}: the secret file {secret_path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{named_by}: the secret file {secret_path} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    if not value:
        raise ConfigError(f"{named_by}: the secret file {secret_path} is empty")
    return value


def _readable_by_others(path: Path) -> bool:
    if sys.platform == "win32":
        return False
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def _describe(path: Path, exc: ValidationError) -> str:
    """One line per distinct key, e.g. `[sync] day_of_month: must be 1-28 or "last"`."""
    lines: list[str] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False, include_input=False):
        key = _key_name(error["loc"])
        if key in seen:
            continue  # a union reports one error per branch; the first says enough
        seen.add(key)
        lines.append(f"{key}: {_message(error)}")
    header = f"config file {path} is invalid:" if len(lines) > 1 else f"config file {path}:"
    if len(lines) == 1:
        return f"{header} {lines[0]}"
    return header + "".join(f"\n  {line}" for line in lines)


_UNION_TAGS = {"int", "str", "bool", "float"}


def _key_name(loc: tuple[Any, ...]) -> str:
    # Drop union branch labels such as 'int' or "literal['last']" that pydantic appends.
    parts = [p for p in loc if not (isinstance(p, str) and (p in _UNION_TAGS or "[" in p))]
    if not parts:
        return "(top level)"
    section, rest = parts[0], parts[1:]
    if rest and isinstance(rest[0], int):  # an array of tables: [[organizations]], [[clients]]
        name = f"[[{section}]] #{rest[0] + 1}"
        rest = rest[1:]
    else:
        name = f"[{section}]" if rest else str(section)
    return " ".join([name, *map(str, rest)]) if rest else name


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "literal_error" and (error["loc"][0] == "products" or "minimum" in error["loc"]):
        return f"unknown product; the products are {', '.join(PRODUCTS)}"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config.example.toml)"
    if kind == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "should be")


def _check_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("should be a URL starting with https://")
    return value.rstrip("/")
