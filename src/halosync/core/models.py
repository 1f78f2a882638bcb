"""The records halosync produces: one row per (client, product), unmapped organizations, one run summary.

The same models feed the results table, `--json` and the results log, so the three never drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, Self, cast

from pydantic import TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass

from halosync.core.runs import COMPLETED_EXIT_CODES


@dataclass
class Organization:
    """A Huntress organization as the list gives it: id, name and the count fields the list carries."""

    id: int
    name: str
    summary: dict[str, Any] = field(default_factory=dict, repr=False)
    account_id: int | None = None  # the Huntress account it belongs to, where the listing says


@dataclass(frozen=True)
class Counts:
    """What the count source read for the mapped organizations."""

    counts: dict[int, dict[str, int]]  # per mapped organization that exists: product -> count
    errors: dict[int, str] = field(default_factory=dict)  # organizations whose counts could not be read at all
    bad: dict[tuple[int, str], str] = field(default_factory=dict)  # (organization, product) -> why its value was refused


@dataclass(frozen=True, slots=True)
class Licence:
    """A HaloPSA Software Licence, reduced to what matching and planning need."""

    id: int
    client_id: int
    name: str
    count: int | None
    item_id: int | None  # None where this Halo build does not report it
    deleted: bool = False
    client_name: str = ""


Action = Literal["create", "update", "unchanged"]
RowStatus = Literal["ok", "failed", "held"]


class _Record:
    """What the three records share: a JSON dict out, validation back in, and changed copies."""

    __slots__ = ()

    def dump(self) -> dict[str, Any]:
        return cast(dict[str, Any], _adapter(type(self)).dump_python(self, mode="json"))

    @classmethod
    def load(cls, data: dict[str, Any]) -> Self:
        return cast(Self, _adapter(cls).validate_python(data))

    def replace(self, **changes: Any) -> Self:
        return cast(Self, dataclasses.replace(cast(Any, self), **changes))


INVOICE_ROW_FIELDS = ("huntress_invoice_id", "period_start", "period_end")


def _without_unset(record: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Invoice fields appear only where a run followed an invoice: other logs keep their shape."""
    for key in keys:
        if record.get(key) is None:
            record.pop(key, None)
    return record


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    """One validator per record class, made on first use (building one costs milliseconds)."""
    if cls not in _ADAPTERS:
        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class OutsideChange:
    """A licence's count changed since halosync last wrote or confirmed it: someone else writes it too."""

    was: int  # what halosync last wrote or confirmed
    now: int  # what the licence held at the start of this run
    since: str  # when halosync wrote or confirmed `was`


# Pydantic dataclasses with slots: validated like models, but a run of 10,000 organizations
# holds 40,000 rows, and a model's per-instance dict and field set would triple their size.
@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class Row(_Record):
    type: Literal["row"] = "row"
    run_id: str = ""
    time: str = ""
    dry_run: bool = False
    halo_client_id: int
    huntress_organization_ids: list[int]
    product: str
    halo_item_id: int
    licence_id: int | None
    previous_count: int | None
    count: int | None  # None only on a failed row whose count could not be known
    actual_count: int | None = None  # what Huntress counted, when a contract minimum raised `count` above it
    action: Action
    status: RowStatus
    message: str = ""
    # The client's name as the run knew it (run/names.py's rule), for readers whose config has none; logs
    # written before it have no such key.
    client_name: str | None = None
    outside_change: OutsideChange | None = None  # the count changed from outside since halosync wrote it
    # counts = "invoiced": the Huntress invoice the count came from, and its organizations' billing period
    huntress_invoice_id: int | None = None
    period_start: str | None = None
    period_end: str | None = None

    def dump(self) -> dict[str, Any]:
        return _without_unset(_Record.dump(self), (*INVOICE_ROW_FIELDS, "client_name"))

    @classmethod
    def load(cls, data: dict[str, Any]) -> Self:
        """A logged row; a `client_name` that is not a string (a hand-edited log) is dropped, not fatal: the row
        is still a write that happened, and readers show the client by id as for a log written before names."""
        name = data.get("client_name")
        if name is not None and not isinstance(name, str):
            data = {key: value for key, value in data.items() if key != "client_name"}
        return cast(Self, _adapter(cls).validate_python(data))  # no super(): slots=True makes a new class

    @property
    def is_write(self) -> bool:
        return self.status == "ok" and self.action in ("create", "update")


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class Unmapped(_Record):
    type: Literal["unmapped"] = "unmapped"
    run_id: str = ""
    time: str = ""
    huntress_organization_id: int
    name: str

    def warning(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return (f"warning: Huntress organization {self.huntress_organization_id}{name} is not mapped: "
                "add it to [[organizations]], or to [sync] ignore_organizations if it is not billed")


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord(_Record):
    type: Literal["run"] = "run"
    run_id: str
    started: str
    finished: str
    dry_run: bool
    forced: bool
    exit_code: int
    rows: dict[str, int]
    requests: dict[str, int]
    error: str = ""  # why a run ended before it could plan (exit 3 or 5)
    huntress_invoice: dict[str, Any] | None = None  # {id, created_at, quantity, plan}: the invoice this run followed

    def dump(self) -> dict[str, Any]:
        return _without_unset(_Record.dump(self), ("huntress_invoice",))

    def summary(self) -> str:
        """One line: what the run did, what it cost, how it ended."""
        rows = self.rows
        if self.dry_run:
            parts = [f"{rows['create']} to create", f"{rows['update']} to update"]
        else:
            parts = [f"{rows['create']} created", f"{rows['update']} updated"]
        parts += [f"{rows['unchanged']} unchanged", f"{rows['failed']} failed"]
        if rows.get("held"):
            parts.append(f"{rows['held']} {'a real run would hold' if self.dry_run else 'held'} for approval")
        requests = f"{self.requests.get('huntress', 0)} Huntress + {self.requests.get('halo', 0)} HaloPSA requests"
        mode = "dry run, nothing written" if self.dry_run else f"exit {self.exit_code}"
        if self.exit_code not in COMPLETED_EXIT_CODES:
            # Ended early (a wrong tenant, a service gone, an interrupt): zeros would read as success.
            if not any(rows.get(k) for k in ("create", "update", "unchanged", "failed", "held")):
                parts = ["ended early: nothing was " + ("planned" if self.dry_run else "written")]
            else:
                parts.append("ended early")
            mode = f"dry run, exit {self.exit_code}" if self.dry_run else f"exit {self.exit_code}"
        return f"{', '.join(parts)} · {requests} · {mode}"


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class Decision(_Record):
    """A person's decision on a held change (`halosync approve`)."""

    type: Literal["decision"] = "decision"
    time: str
    held_run_id: str
    halo_client_id: int
    product: str
    licence_id: int
    previous_count: int
    count: int
    decision: Literal["approved", "rejected"]
    status: Literal["ok", "stale", "failed"]
    message: str = ""


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceFix(_Record):
    """A change `audit --fix` made (or tried) on a recurring invoice."""

    type: Literal["invoice_fix"] = "invoice_fix"
    time: str
    halo_client_id: int
    invoice_id: int
    line_id: int | None
    licence_id: int
    action: Literal["add_line", "bill_from_licence"]
    # skipped: not needed any more when re-read just before the write (nothing written);
    # unverified: written, but the invoice could not be read back to check it
    status: Literal["ok", "failed", "unverified", "skipped"]
    message: str = ""


def tally(rows: list[Row]) -> dict[str, int]:
    """Rows by outcome: a failed or held row counts there, not under its action."""
    counts = {"create": 0, "update": 0, "unchanged": 0, "failed": 0, "held": 0}
    for row in rows:
        counts[row.status if row.status in ("failed", "held") else row.action] += 1
    return counts
