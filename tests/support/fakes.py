"""In-memory fakes of the core's two ports: a count source and a licence store. No HTTP at all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from halosync.core.models import Counts, Licence, Organization
from halosync.core.products import CountMode
from halosync.errors import ServiceError


class FakeSource:
    """Huntress as a dict: organization id -> (name, {product: count})."""

    def __init__(self, organizations: dict[int, tuple[str, dict[str, int]]]):
        self.data = organizations
        self.requests = 0

    def organizations(self, progress: Callable[[str], None] | None = None) -> list[Organization]:
        self.requests += 1
        return [Organization(org_id, name) for org_id, (name, _) in self.data.items()]

    def counts(self, organizations: dict[int, Organization], wanted: Iterable[int], products: Iterable[str],
               mode: CountMode, progress: Callable[[str], None] | None = None) -> Counts:
        products = list(products)
        return Counts(counts={o: {p: self.data[o][1].get(p, 0) for p in products} for o in wanted if o in self.data})


class FakeStore:
    """HaloPSA's licences as a dict. `on_post(n, batch)` may raise to simulate a failure on the n-th write
    (after `apply_first` decides whether the write happened anyway)."""

    def __init__(self, licences: Iterable[Licence] = ()):
        self.licences_by_id = {licence.id: licence for licence in licences}
        self.posts: list[list[dict[str, Any]]] = []
        self.requests = 0
        self.next_id = 9000
        self.on_post: Callable[[int, list[dict[str, Any]]], None] | None = None
        self.apply_first = False  # with on_post raising: the write happened, then the answer failed
        self.read_error: ServiceError | None = None

    def authenticate(self) -> None:
        self.requests += 1

    def licences(self, *, client_id: int | None = None, keep: Callable[[Licence], bool] | None = None) -> list[Licence]:
        self.requests += 1
        if self.read_error is not None:
            raise self.read_error
        return [l for l in self.licences_by_id.values()
                if (client_id is None or l.client_id == client_id) and (keep is None or keep(l))]

    def post_licences(self, licences: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.requests += 1
        self.posts.append(licences)
        if self.on_post is not None and not self.apply_first:
            self.on_post(len(self.posts), licences)
        answer = [self._apply(body) for body in licences]
        if self.on_post is not None and self.apply_first:
            self.on_post(len(self.posts), licences)
        return answer

    def _apply(self, body: dict[str, Any]) -> dict[str, Any]:
        if "id" in body:
            old = self.licences_by_id[body["id"]]
            new = Licence(old.id, old.client_id, old.name, body["count"], old.item_id)
        else:
            self.next_id += 1
            new = Licence(self.next_id, body["client_id"], body["name"], body["count"], body["item_id"])
        self.licences_by_id[new.id] = new
        return {"id": new.id, "client_id": new.client_id, "item_id": new.item_id, "count": new.count}
