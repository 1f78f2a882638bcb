"""What `approve` shows: each held change in words, the decisions taken, or one JSON document."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from halosync.formats import console
from halosync.formats.json_output import document, error_object
from halosync.formats.labels import client_label, count_change, percent_label, product_label
from halosync.formats.text import wrap

if TYPE_CHECKING:
    from halosync.core.models import Decision
    from halosync.run.approve import Pending


def describe_change(change: Pending, client_names: dict[int, str] | None = None) -> str:
    row = change.row
    return (f"client {client_label(row.halo_client_id, client_names or {})} · {product_label(row.product)} · "
            f"licence {row.licence_id}: {count_change(row.previous_count, row.count)}{percent_label(row.previous_count, row.count)} "
            f"(held by run {change.held_run_id}). {row.message}")


def describe_for_prompt(change: Pending, n: int, total: int, width: int,
                        client_names: dict[int, str] | None = None) -> tuple[str, str]:
    """The change and its choices, for the question `approve` asks on a terminal, wrapped to the terminal.
    The row's own "`halosync approve` writes it, ..." is left out: the choices below say it, in numbers."""
    row = change.row
    text = _without_instructions(describe_change(change, client_names))
    choices = [f"a: approve (write {row.count})", f"r: reject (keep {'-' if row.previous_count is None else row.previous_count})", "s: skip", "q: quit"]
    lines: list[str] = []
    line = " "
    for choice in choices:  # two spaces between choices, a choice never split
        if len(line) + 2 + len(choice) > max(width, 20) and line.strip():
            lines.append(line)
            line = " "
        line += " " + choice if not line.strip() else "  " + choice
    lines.append(line)
    return wrap(f"[{n}/{total}] {text}", width, indent="  "), "\n".join(lines) + "\n  choice"


def held_reason(row_message: str) -> str:
    """Why a run held the change, from its row's message: without the approve/reject instructions."""
    return _without_instructions(row_message).removeprefix("held for approval: ")


def _without_instructions(text: str) -> str:
    """`text` less the held row's closing "; `halosync approve` writes ..." (the choices offered say it)."""
    return re.sub(r";\s*`halosync approve` writes .*$", "", text)


def show_decisions(decisions: list[Decision], exit_code: int, *, json_output: bool, dry_run: bool = False,
                   error: str = "", note: str = "", client_names: dict[int, str] | None = None,
                   reasons: dict[tuple[str, int, str], str] | None = None) -> None:
    """`reasons`: (held run, client, product) -> the held row's message, so an approver deciding with --all hears
    why each change was held (an outside edit, the guard's limit) before reading what was written."""
    if json_output:
        payload: dict[str, object] = {"decisions": [d.dump() for d in decisions], "exit_code": exit_code}
        if dry_run:
            payload["dry_run"] = True
        if exit_code:
            payload["error"] = error_object(error or "some decisions were stale or failed", exit_code)
        console.say(document(payload))
        return
    width = console.stdout.width
    if note:
        console.say(note)
    for d in decisions:
        verb = {"approved": "approved", "rejected": "rejected"}[d.decision]
        outcome = {"ok": "", "stale": " — STALE", "failed": " — FAILED"}[d.status]
        prefix = "would be " if dry_run else ""
        client = client_label(d.halo_client_id, client_names or {})
        reason = (reasons or {}).get((d.held_run_id, d.halo_client_id, d.product))
        held = f" (held: {held_reason(reason)})" if reason else ""
        console.say(wrap(f"{prefix}{verb}{outcome}: client {client} {product_label(d.product)} licence {d.licence_id} "
                         f"{count_change(d.previous_count, d.count)}: {d.message}{held}", width))
    if decisions:
        console.say(f"{len(decisions)} decision(s){' (dry run: nothing written or recorded)' if dry_run else ''}.")
    if error:
        console.error(error)
