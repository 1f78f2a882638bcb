"""The starter config `halosync init` writes: which answer goes into which table, and which results log it names. Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from halosync.config.schema import RECOMMENDED_GUARD


def environment_variable(env: str | None, environ: Mapping[str, str]) -> str | None:
    """The variable that already holds this secret (`env`, else `env`_FILE), so init leaves it there; None when
    neither is set or the answer has no variable (a URL)."""
    if env is None:
        return None
    if environ.get(env):
        return env
    if environ.get(f"{env}_FILE"):
        return f"{env}_FILE"
    return None


def missing_options(answers: Mapping[str, str | None], left_in_environment: Collection[str]) -> list[str]:
    """The options (--<key with dashes>) still without a value, in the answers' order; a secret left in the
    environment has one."""
    return [f"--{key.replace('_', '-')}" for key, value in answers.items()
            if key not in left_in_environment and not value]


def config_data(answers: Mapping[str, str | None], *, left_in_environment: Collection[str],
                huntress_url: str | None, tenant: str | None, log: Path | None) -> dict[str, Any]:
    """The config's tables from init's answers, with the recommended guard and a monthly sync.

    A secret left in the environment is present but never written: load_config reads it from the
    environment on every run. A value not given leaves its key out, so the schema's default applies."""
    def given(**values: str | None) -> dict[str, str]:
        return {key: value for key, value in values.items() if value}

    def answer(key: str) -> str | None:
        return None if key in left_in_environment else answers.get(key)

    data: dict[str, Any] = {
        "huntress": given(api_key=answer("huntress_key"), api_secret=answer("huntress_secret"), base_url=huntress_url),
        "halo": given(url=answer("halo_url"), client_id=answer("halo_client_id"),
                      client_secret=answer("halo_client_secret"), tenant=tenant),
        "sync": {"frequency": "monthly", "day_of_month": 1},
        "guard": dict(RECOMMENDED_GUARD),
    }
    if log is not None:
        data["log"] = {"path": str(log)}
    return data


def is_loopback(url: str | None) -> bool:
    """Whether `url` points at this machine (the sandbox): 127.0.0.0/8 in any form the resolver accepts (127.1,
    2130706433, 0x7f.1), ::1, an IPv4-mapped loopback, localhost (with or without a trailing dot) or a
    .localhost name; the unspecified 0.0.0.0 and :: count too, as connecting to them reaches this machine.
    No DNS lookup: the address is judged as written."""
    from urllib.parse import urlsplit

    if not url:
        return False
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return _is_local_host(host)


def _is_local_host(host: str) -> bool:
    import ipaddress
    import socket

    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if ":" in host:
            return False
        try:  # the numeric IPv4 forms inet_aton accepts and ip_address does not (127.1, 2130706433, 0x7f000001)
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def log_path(config: Path, given: Path | None, halo_url: str | None, huntress_url: str | None) -> Path | None:
    """[log] path to write: --log-path, else beside the config for a rehearsal (a loopback URL), else none
    (the default log, the real config's). A rehearsal sharing the real log would make the real run "Not due"
    this month and judge the sandbox's held changes against the real HaloPSA."""
    if given is not None:
        return given.expanduser().absolute()
    if is_loopback(halo_url) or is_loopback(huntress_url):
        return config.expanduser().absolute().with_name(f"{config.stem}-results.jsonl")
    return None
