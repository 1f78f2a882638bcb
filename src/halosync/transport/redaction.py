"""Secrets kept out of every message: what in a URL is a credential, where a URL may point, and blanking them out."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by `***`, the longest first (a secret may contain a shorter one)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def url_secrets(url: str, *, path: bool = False) -> list[str]:
    """The credentials a URL can carry: user and password (as written and decoded), every query value,
    and with `path` the path itself (a ping or webhook URL's path is its token)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [parts.username, parts.password]
    found += [unquote(p) for p in (parts.username, parts.password) if p]
    netloc_user = parts.netloc.rpartition("@")[0]
    found += [netloc_user, *netloc_user.split(":", 1)] if netloc_user else []
    found += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
    found += [v for v in parts.query.split("&")] if parts.query else []
    if path and parts.path not in ("", "/"):
        found += [parts.path, unquote(parts.path)]
    return [secret for secret in found if secret]


def safe_host(url: str) -> str:
    """Host and port of a URL: all a message may say about where it points."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "?"


def shown_url(url: str) -> str:
    """A configured URL as a message may show it: scheme, host, port and path; a user or password and any
    query or fragment (where tokens ride) are left out."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an address that could not be read)"
    hidden = "?…" if parts.query or parts.fragment else ""
    return f"{parts.scheme}://{host}{port}{parts.path}{hidden}"
