"""How each HaloPSA client is named wherever people read it (run, history, approve, the notification): one rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # history and approve load this module without the models' pydantic
    from halosync.config.schema import Config
    from halosync.core.models import Licence, Row


def client_names_for(config: Config, licences: Iterable[Licence] = (), logged: dict[int, str] | None = None
                     ) -> dict[int, str]:
    """The `[[clients]]` name from the config first (the MSP's own word, and the one name every command knows),
    else HaloPSA's name from `licences` when this command read them, else the name a logged row carries
    (`logged`: the newest the log has, as the run that wrote it knew it: commands that read only the log); a
    client in none is shown by its id (formats/labels.py words the label)."""
    names = dict(logged or {})
    names.update({l.client_id: l.client_name for l in licences if l.client_name})
    names.update({c.halo_client_id: c.name for c in config.clients if c.name})
    return names


def named_rows(rows: Iterable[Row], names: dict[int, str]) -> list[Row]:
    """The rows as the log keeps them: each with its client's name, when the run knew one."""
    return [row.replace(client_name=names[row.halo_client_id]) if names.get(row.halo_client_id) else row
            for row in rows]


def logged_name(record: dict[str, Any]) -> str | None:
    """A row record's `client_name`, if it has a usable one (older logs have none)."""
    name = record.get("client_name")
    return name if isinstance(name, str) and name.strip() else None


def logged_names(records: Iterable[dict[str, Any]]) -> dict[int, str]:
    """Client id -> name from row records, newest first (the first name met wins)."""
    names: dict[int, str] = {}
    for record in records:
        name, client = logged_name(record), record.get("halo_client_id")
        if name is not None and isinstance(client, int):
            names.setdefault(client, name)
    return names
