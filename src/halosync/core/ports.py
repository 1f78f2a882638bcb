"""The two ports the core works through: a source of counts (Huntress) and a store of licences (HaloPSA).

The sync and the applier take these, so tests run them on in-memory fakes and the
vendors' clients stay at the edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from halosync.core.models import Counts, Licence, Organization
from halosync.core.products import CountMode

Progress = Callable[[str], None]


class CountSource(Protocol):
    @property
    def requests(self) -> int:
        """Requests sent so far: what the vendor's rate limit counts."""
        ...

    def organizations(self, progress: Progress | None = None) -> list[Organization]: ...

    def counts(self, organizations: dict[int, Organization], wanted: Iterable[int], products: Iterable[str],
               mode: CountMode, progress: Progress | None = None) -> Counts: ...


class LicenceStore(Protocol):
    @property
    def requests(self) -> int: ...

    def authenticate(self) -> None: ...

    def licences(self, *, client_id: int | None = None,
                 keep: Callable[[Licence], bool] | None = None) -> list[Licence]: ...

    def post_licences(self, licences: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One write of several licences (an id updates, no id creates); what the store answered.
        Raises ServiceError, with `ambiguous` set when the write may have happened anyway."""
        ...
