"""Loading the config file: TOML, secrets from the environment and files (by precedence), relative paths, validation."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from halosync.config.messages import describe
from halosync.config.paths import config_path
from halosync.config.schema import Config
from halosync.errors import ConfigError

# (section, key) -> environment variable that overrides it.
SECRET_ENV: dict[tuple[str, str], str] = {
    ("huntress", "api_key"): "HALOSYNC_HUNTRESS_API_KEY",
    ("huntress", "api_secret"): "HALOSYNC_HUNTRESS_API_SECRET",
    ("halo", "client_id"): "HALOSYNC_HALO_CLIENT_ID",
    ("halo", "client_secret"): "HALOSYNC_HALO_CLIENT_SECRET",
}

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
            f"config file {path} not found. Run `halosync init` to write a starter config there, or pass "
            "--config PATH or set HALOSYNC_CONFIG."
        ) from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None

    sources: dict[tuple[str, str], str] = {}
    _anchor_log_path(path, data)
    _refuse_log_on_own_files(path, data)
    secrets_in_file = _resolve_secrets(path, data, warn, sources)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(path, exc, raw.decode("utf-8"))) from None
    config._secret_sources.update(sources)

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


def _resolve_secrets(path: Path, data: dict[str, Any], warn: Callable[[str], None] | None = None,
                     sources: dict[tuple[str, str], str] | None = None) -> bool:
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
        if value is not None and sources is not None:
            sources[section, key] = (env if source.startswith("environment") else f"{env}_FILE"
                                     if source.startswith(f"the secret file named by {env}") else
                                     f"[{section}] {file_key}" if file_key in source else f"[{section}] {key}")
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


def _refuse_log_on_own_files(path: Path, data: dict[str, Any]) -> None:
    """[log] path naming the config file itself or a secret file is an error: the first run would append JSON
    lines to it, breaking the config (every later command refused) or the secret."""
    log = data.get("log")
    if not (isinstance(log, dict) and isinstance(log.get("path"), str) and log["path"]):
        return
    log_path = os.path.realpath(Path(log["path"]).expanduser())
    base = Path(os.path.abspath(path)).parent
    named: list[tuple[str, str]] = [("the config file itself", str(path))]
    for (section, key), env in SECRET_ENV.items():
        table = data.get(section)
        if isinstance(table, dict) and isinstance(table.get(f"{key}_file"), str):
            where = Path(os.path.expandvars(table[f"{key}_file"])).expanduser()
            named.append((f"the secret file [{section}] {key}_file", str(base / where)))
        if os.environ.get(f"{env}_FILE"):
            named.append((f"the secret file {env}_FILE", str(Path(os.path.expandvars(os.environ[f"{env}_FILE"])).expanduser())))
    for what, other in named:
        if log_path == os.path.realpath(other):
            raise ConfigError(f"config file {path}: [log] path {log['path']} is {what}; the results log must be a "
                              "file of its own (such as results.jsonl beside the config)")
    try:
        mode = os.stat(log_path).st_mode
    except OSError:
        return  # not there yet (it is created), or a folder in its path is missing: the writer names that
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a folder has its own message where the log is read
        # A device or a pipe: /dev/full reads forever (the run grew by a gigabyte a second), a FIFO blocks.
        raise ConfigError(f"config file {path}: [log] path {log['path']} is not a regular file (a device or a "
                          "pipe); the results log must be a file of its own (such as results.jsonl beside the config)")


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


