"""How each HaloPSA client is named wherever people read it (run, history, approve, the notification): one rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # history and approve load this module without the models' pydantic
    from halosync.config.schema import Config
    from halosync.core.models import Licence


def client_names_for(config: Config, licences: Iterable[Licence] = ()) -> dict[int, str]:
    """The `[[clients]]` name from the config first (the MSP's own word, and the one name every command knows:
    the results log keeps ids only), else HaloPSA's name from `licences` when this command read them; a client
    in neither is shown by its id (formats/labels.py words the label)."""
    names = {l.client_id: l.client_name for l in licences if l.client_name}
    names.update({c.halo_client_id: c.name for c in config.clients if c.name})
    return names
