"""Carry out a plan's writes in HaloPSA: batched, with per-licence retry and no duplicate creates."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from halosync.core.mapping import Mapping, ours
from halosync.core.models import Licence, Row
from halosync.errors import AuthError, ServiceError
from halosync.halo.invoices import as_id
from halosync.halo.menus import EDIT_LICENCES
from halosync.transport.pool import POOL_SIZE, concurrently

if TYPE_CHECKING:
    from halosync.core.ports import LicenceStore

BATCH_SIZE = 50
NOT_STARTED = "not written: the run was interrupted before this write; the next run writes it"
IN_FLIGHT = "interrupted while the write was in flight"  # a second signal: the write's outcome is unknown
UNKNOWN = "an internal error stopped the run while the write was in flight"  # a bug: its outcome is unknown too
NOT_STARTED_BUG = "not written: an internal error stopped the run before this write; the next run writes it"


@dataclass
class Applied:
    rows: list[Row]
    written: int  # licences created or updated
    denied: AuthError | None = None  # Halo refused writes outright; nothing after it was tried

    @property
    def denial_message(self) -> str:
        if self.denied is None:
            return ""
        return f"HaloPSA refused the write: {self.denied}. To write licences, {EDIT_LICENCES}"


class Applier:
    def __init__(self, halo: LicenceStore, mapping: Mapping, batch_size: int = BATCH_SIZE,
                 progress: Callable[[str], None] | None = None, workers: int = POOL_SIZE,
                 stop: threading.Event | None = None):
        self.halo = halo
        self.stop = stop or threading.Event()  # set: start no new write (the run was interrupted)
        self.mapping = mapping
        self.batch_size = batch_size
        self.progress = progress
        self.workers = workers
        self._lock = threading.Lock()
        self._denied: AuthError | None = None
        self._sent = 0
        self._total = 0
        self._in_flight: set[int] = set()  # rows whose batch has started and not ended
        self._ended: set[int] = set()
        self._abandoned = False  # asked twice: batches still in flight can no longer change a row or report

    def apply(self, rows: list[Row]) -> Applied:
        """Write every create and update, a few batches at a time. Replaces each written row in `rows`
        with its outcome, in place: the rows of a large run are not held twice."""
        pending = [i for i, row in enumerate(rows) if row.is_write]
        batches = [pending[start:start + self.batch_size] for start in range(0, len(pending), self.batch_size)]
        self._total = len(pending)
        try:
            written = sum(concurrently(lambda batch: self._tracked(rows, batch), batches, self.workers))
        except BaseException as exc:
            # Asked twice (KeyboardInterrupt): stop now, without waiting for the writes in flight in other threads;
            # or a bug in a batch. The rows are taken as they are now: a batch still in flight has an unknown
            # outcome, whatever it may answer later (which can no longer change a row), and one never started
            # was not written. Every row goes on record as what is known, never as planned.
            stopped = isinstance(exc, KeyboardInterrupt)
            self.mark_unfinished(rows, IN_FLIGHT if stopped else UNKNOWN, NOT_STARTED if stopped else NOT_STARTED_BUG)
            if not stopped:
                raise
            written = sum(1 for i in pending if rows[i].is_write)  # what is left of the writes: the finished ones
        return Applied(rows=rows, written=written, denied=self._denied)

    def mark_unfinished(self, rows: list[Row], in_flight_reason: str = IN_FLIGHT,
                        not_started: str = NOT_STARTED) -> None:
        """Once stopped (or broken) outside the batches' own handling: every write row no batch finished is not
        written, or, if its batch was in flight, of unknown outcome. No batch changes a row after this."""
        with self._lock:
            self._abandoned = True
            in_flight, ended = set(self._in_flight), set(self._ended)
        for i, row in enumerate(rows):
            if i in ended or not row.is_write:
                continue  # its outcome is in the row, or it is no write
            if i in in_flight:
                rows[i] = self._interrupted(row, in_flight_reason)
            else:
                rows[i] = row.replace(status="failed", message=not_started)

    def _tracked(self, rows: list[Row], batch: list[int]) -> int:
        with self._lock:
            self._in_flight.update(batch)
        written = self._batch(rows, batch)
        with self._lock:  # only once the batch's rows hold their outcome; ended first: a signal between the two
            self._ended.update(batch)  # statements (one batch runs in the main thread) must find it ended
            self._in_flight.difference_update(batch)
        return written

    def _interrupted(self, row: Row, reason: str = IN_FLIGHT) -> Row:
        name = self.mapping.licence_names[row.product]
        what = (f"licence {name!r} may have been created" if row.action == "create"
                else f"licence {row.licence_id} ({name!r}) may hold {row.count} now")
        checks = ("The next run checks it too (it adopts a created licence, never creates a second)"
                  if row.action == "create" else "The next run checks it too")
        return row.replace(status="failed", message=(
            f"{reason}: {what} on HaloPSA client {row.halo_client_id}; check it in HaloPSA. {checks}"))

    def _batch(self, rows: list[Row], batch: list[int]) -> int:
        """One batch; each batch owns its rows' slots, so batches can run side by side. Returns licences written."""
        if self._denied is not None:
            return self._mark_denied(rows, batch)
        if self.stop.is_set():
            return self._mark_stopped(rows, batch)
        try:
            answer = self.halo.post_licences([self._body(rows[i]) for i in batch])
        except AuthError as exc:
            self._denied = self._denied or exc
            return self._mark_denied(rows, batch)
        except ServiceError as exc:
            return self._one_by_one_batch(rows, batch, exc)
        for i, licence_id in zip(batch, _created_ids([rows[i] for i in batch], answer), strict=True):
            if rows[i].action == "create":
                self._put(rows, i, rows[i].replace(licence_id=licence_id))
        self._report(len(batch))
        return len(batch)

    def _one_by_one_batch(self, rows: list[Row], batch: list[int], exc: ServiceError) -> int:
        # One bad licence must fail one row, not the batch: try each on its own. After an answer
        # that leaves the outcome unknown, creates first look at a fresh read of their client
        # (once per client): they may have happened. A create is sent again only when that read
        # shows it absent; when the read fails too, its row fails and the next run adopts it.
        creates = {rows[i].halo_client_id for i in batch if rows[i].action == "create"}
        existing = self._reread(creates) if exc.ambiguous else {}
        written = 0
        for n, i in enumerate(batch):
            if self._denied is not None:
                return written + self._mark_denied(rows, batch[n:])
            if self.stop.is_set():
                return written + self._mark_stopped(rows, batch[n:])
            row = rows[i]
            if row.action == "create" and exc.ambiguous and existing.get(row.halo_client_id) is None:
                self._put(rows, i, self._unknown(row, exc))
                continue
            found = self._match(existing.get(row.halo_client_id), row) if row.action == "create" else None
            try:
                outcome = _confirmed(row, found, exc) if found else self._one_by_one(row)
            except AuthError as denied:
                self._denied = self._denied or denied
                return written + self._mark_denied(rows, batch[n:])
            self._put(rows, i, outcome)
            written += outcome.status == "ok"
        self._report(len(batch))
        return written

    def _put(self, rows: list[Row], i: int, row: Row) -> None:
        """A batch's outcome for one row, unless the batch was abandoned (asked twice): then its row stays unknown."""
        with self._lock:
            if not self._abandoned:
                rows[i] = row

    def _report(self, done: int) -> None:
        if self.progress and self._total > self.batch_size:
            with self._lock:
                if self._abandoned:
                    return
                self._sent += done
                self.progress(f"HaloPSA: {self._sent} of {self._total} licences written")

    def _one_by_one(self, row: Row) -> Row:
        try:
            answer = self.halo.post_licences([self._body(row)])
        except AuthError:
            raise  # the caller stops writing altogether
        except ServiceError as exc:
            if row.action == "create" and exc.ambiguous:
                licences = self._reread({row.halo_client_id})[row.halo_client_id]
                if licences is None:
                    return self._unknown(row, exc)
                found = self._match(licences, row)
                if found is not None:
                    return _confirmed(row, found, exc)
            return self._failed(row, exc)
        if row.action == "create":
            return row.replace(licence_id=_created_ids([row], answer)[0], message="")
        return row

    def _reread(self, client_ids: set[int]) -> dict[int, list[Licence] | None]:
        """Each client's licences as Halo has them now; None where the read failed (refused included):
        then what was created is unknown, and nothing is sent again."""
        found: dict[int, list[Licence] | None] = {}
        failing = False
        for client_id in sorted(client_ids):
            if failing:  # a read that failed after every retry: the others would only wait out the same outage
                found[client_id] = None
                continue
            try:
                found[client_id] = self.halo.licences(client_id=client_id)
            except ServiceError:
                found[client_id], failing = None, True
        return found

    def _match(self, licences: list[Licence] | None, row: Row) -> Licence | None:
        """halosync's licence for this row among `licences`, if exactly one."""
        if not licences:
            return None
        matches = ours(licences, row.halo_client_id, row.halo_item_id, self.mapping.licence_names[row.product])
        return matches[0] if len(matches) == 1 else None

    def _body(self, row: Row) -> dict[str, Any]:
        if row.action == "create":
            return {
                "client_id": row.halo_client_id,
                "item_id": row.halo_item_id,
                "name": self.mapping.licence_names[row.product],
                "count": row.count,
            }
        # An update sends only what halosync owns: never name, price or what a person edited.
        return {"id": row.licence_id, "client_id": row.halo_client_id, "count": row.count}

    def _failed(self, row: Row, exc: ServiceError) -> Row:
        name = self.mapping.licence_names[row.product]
        what = (f"creating licence {name!r}" if row.action == "create"
                else f"updating licence {row.licence_id} ({name!r})")
        return row.replace(status="failed", message=f"{what} on HaloPSA client {row.halo_client_id} failed: {exc}")

    def _unknown(self, row: Row, exc: ServiceError) -> Row:
        name = self.mapping.licence_names[row.product]
        return row.replace(status="failed", message=(
            f"creating licence {name!r} on HaloPSA client {row.halo_client_id}: HaloPSA answered {exc}, and "
            "re-reading the client's licences failed too, so it may have been created: not sent again; "
            "the next run checks, and adopts it if it is there"))

    def _mark_stopped(self, rows: list[Row], indices: list[int]) -> int:
        for i in indices:
            self._put(rows, i, rows[i].replace(status="failed", message=NOT_STARTED))
        return 0

    def _mark_denied(self, rows: list[Row], indices: list[int]) -> int:
        for i in indices:
            self._put(rows, i, rows[i].replace(status="failed", message=f"HaloPSA refused the write: {self._denied}"))
        return 0


def _confirmed(row: Row, licence: Licence, exc: ServiceError) -> Row:
    if licence.count != row.count:
        return row.replace(status="failed", licence_id=licence.id,
                           message=f"HaloPSA answered {exc}, and re-reading found licence {licence.id} "
                                   f"with count {licence.count}, not {row.count}; the next run will update it")
    return row.replace(licence_id=licence.id,
                       message="HaloPSA answered an error, but re-reading showed the licence was created")


def _created_ids(rows: list[Row], answer: list[dict[str, Any]]) -> list[int | None]:
    """Ids of created licences from Halo's answer: by position when it echoes the batch, else by content. An id
    that is no whole number (true, 7.5) is none: a truncated one would put another licence's id on record."""
    def id_of(obj: dict[str, Any]) -> int | None:
        return as_id(obj.get("id")) if isinstance(obj, dict) else None

    if len(answer) == len(rows):
        return [id_of(obj) for obj in answer]
    ids: list[int | None] = []
    for row in rows:
        same = [obj for obj in answer if obj.get("client_id") == row.halo_client_id and obj.get("item_id") == row.halo_item_id]
        ids.append(id_of(same[0]) if len(same) == 1 else None)
    return ids
