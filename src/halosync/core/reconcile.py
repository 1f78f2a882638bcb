"""Where every unit Huntress invoiced went (the reconciliation), and licences nothing maintains any more. Pure.

invoiced = mapped + unmapped + ignored − Neighborhood Watch + subscription minimum + unexplained:
the organizations use mapped, unmapped and ignored units; Huntress does not bill Neighborhood Watch
seats (so they are subtracted) and bills a reseller's subscription minimum even where nobody uses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from halosync.core.models import Licence


@dataclass(frozen=True)
class ProductUnits:
    product: str
    invoiced: int | None  # None: this invoice does not say (a direct partner's invoice counts EDR agents only)
    mapped: int
    unmapped: int
    ignored: int
    neighborhood_watch: int
    subscription_minimum: int
    unexplained: int | None  # what nothing above explains; None when the invoice does not say

    @property
    def explained(self) -> int:
        return self.mapped + self.unmapped + self.ignored - self.neighborhood_watch + self.subscription_minimum


@dataclass
class Reconciliation:
    invoice: dict[str, Any] | None  # {id, created_at, quantity, plan}
    source: str  # where the organizations' units come from: "invoice line items" or "organization list"
    products: list[ProductUnits] = field(default_factory=list)
    error: str = ""  # why it could not be made (information only: the audit goes on)

    def as_json(self) -> dict[str, Any]:
        return {"invoice": self.invoice, "source": self.source, "error": self.error or None,
                "products": {p.product: {k: v for k, v in asdict(p).items() if k != "product"} for p in self.products}}


def reconcile(invoiced: dict[str, int], usage: dict[int, dict[str, int]], mapped: set[int], ignored: set[int],
              neighborhood_watch: dict[str, int], minimum: dict[str, int], products: Iterable[str]) -> list[ProductUnits]:
    """Each product's invoiced units beside the units of mapped, unmapped and ignored organizations."""
    found = []
    for product in products:
        groups = {"mapped": 0, "unmapped": 0, "ignored": 0}
        for org, units in usage.items():
            group = "mapped" if org in mapped else "ignored" if org in ignored else "unmapped"
            groups[group] += units.get(product, 0)
        line = ProductUnits(product=product, invoiced=invoiced.get(product), **groups,
                            neighborhood_watch=neighborhood_watch.get(product, 0),
                            subscription_minimum=minimum.get(product, 0), unexplained=None)
        unexplained = None if line.invoiced is None else line.invoiced - line.explained
        found.append(ProductUnits(**{**asdict(line), "unexplained": unexplained}))
    return found


@dataclass(frozen=True)
class OrphanedLicence:
    licence_id: int
    client_id: int
    client_name: str
    product: str
    count: int
    last_written: str | None  # when halosync last wrote it (from the results log); None: never, as far as the log goes
    retired: bool = False  # the client is mapped, but the licence's product is no longer in [products]

    def message(self) -> str:
        client = f"{self.client_name} ({self.client_id})" if self.client_name else str(self.client_id)
        when = (f"halosync last wrote it {self.last_written}" if self.last_written
                else "halosync's log has no write of it")
        if self.retired:
            return (f"licence {self.licence_id} ({self.product}) of client {client} bills {self.count} every month, "
                    f"but {self.product} is no longer in [products], so nothing updates it; {when}. In HaloPSA: end "
                    f"the licence (Software Licences > the licence > End date), or map {self.product} again")
        return (f"licence {self.licence_id} ({self.product}) of client {client} bills {self.count} every month, but no "
                f"mapping maintains that client any more; {when}. In HaloPSA: end the licence (Software Licences > "
                "the licence > End date), or map the client's organizations again")


def orphaned_licences(licences: Iterable[Licence], maintained: set[int], items: dict[int, str], names: dict[str, str],
                      last_written: dict[int, str]) -> list[OrphanedLicence]:
    """Live licences of ours (our item; where HaloPSA gives no item, our rendered name) with a count above 0 on a
    client no [[organizations]] or [[accounts]] entry maps: nothing updates them. `items` is item -> product,
    `names` licence name -> product."""
    found = []
    for licence in licences:
        if licence.deleted or licence.client_id in maintained or not licence.count or licence.count <= 0:
            continue
        product = items.get(licence.item_id) if licence.item_id is not None else names.get(licence.name)
        if product is None:
            continue
        found.append(OrphanedLicence(licence.id, licence.client_id, licence.client_name, product, licence.count,
                                     last_written.get(licence.id)))
    return sorted(found, key=lambda o: (o.client_id, o.licence_id))


def retired_licences(licences: Iterable[Licence], maintained: set[int], mapped_items: set[int], managed: set[int],
                     written: dict[int, str], names: dict[str, str], last_written: dict[int, str]) -> list[OrphanedLicence]:
    """Live licences of ours with a count above 0 of a product taken out of [products] (on any client; on a client
    still maintained, not on an item still mapped): nothing updates them. Ours: halosync wrote the licence for that product (`written`, licence ->
    product, from the results log) or it carries the rendered licence name of the product (`names`, name ->
    product). A licence on an item still mapped, or one the audit manages, is not one of them."""
    found = []
    for licence in licences:
        if (licence.deleted or not licence.count or licence.count <= 0 or licence.id in managed
                or (licence.client_id in maintained and licence.item_id in mapped_items)):
            continue
        product = written.get(licence.id) or names.get(licence.name)
        if product is None:
            continue
        found.append(OrphanedLicence(licence.id, licence.client_id, licence.client_name, product, licence.count,
                                     last_written.get(licence.id), retired=True))
    return sorted(found, key=lambda o: (o.client_id, o.licence_id))
