"""Simulated months of results-log history (monthly syncs), for the demo's report and the report benchmark.

Counts walk backwards from the given current ones, so the newest simulated month leads into
today's real counts. The lines have the shape `halosync run` writes; nothing here is real.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

RUN_ID = "sim-{month}"


def history_lines(first_month: str, months: int, current: dict[tuple[int, str], tuple[int, int]], *,
                  seed: int = 7, day: int = 1) -> Iterator[str]:
    """One completed monthly sync per month from `first_month` on, as JSON lines (newline included).

    `current`: (client, product) -> (item id, today's count). Each month's count changes by a few
    percent, and a few clients grow or shrink sharply, so that the movers have something to show.
    """
    rng = random.Random(seed)
    year, month = int(first_month[:4]), int(first_month[5:7])
    stamps = []
    for _ in range(months):
        stamps.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    # walk backwards from today's counts: counts[n] is month n's count
    series: dict[tuple[int, str], list[int]] = {}
    for key, (_, count) in current.items():
        counts = [count]
        for _ in range(months):
            step = rng.random()
            earlier = counts[-1]
            if step < 0.04:
                earlier = round(earlier * rng.uniform(0.5, 0.8))  # a customer who grew a lot
            elif step < 0.07:
                earlier = round(earlier * rng.uniform(1.2, 1.6))  # one who shrank
            elif step < 0.5:
                earlier = max(0, earlier + rng.choice((-2, -1, -1, 1, 1, 2)))
            counts.append(earlier)
        series[key] = counts[:0:-1]  # without today's: the newest simulated month leads into it
    keys = sorted(current)
    for n, stamp in enumerate(stamps):
        run_id = RUN_ID.format(month=stamp)
        time = f"{stamp}-{day:02d}T02:00:03Z"
        tally = {"create": 0, "update": 0, "unchanged": 0, "failed": 0, "held": 0}
        for client, product in keys:
            item, _ = current[(client, product)]
            count = series[(client, product)][n]
            previous: int | None = series[(client, product)][n - 1] if n else None
            action = "create" if previous is None else "unchanged" if previous == count else "update"
            tally[action] += 1
            was = "null" if previous is None else previous
            yield ('{"type": "row", "run_id": "' + run_id + '", "time": "' + time + '", "dry_run": false, '
                   f'"halo_client_id": {client}, "huntress_organization_ids": [{client}], "product": "{product}", '
                   f'"halo_item_id": {item}, "licence_id": {_licence_id(client, item)}, "previous_count": {was}, '
                   f'"count": {count}, "actual_count": null, "action": "{action}", "status": "ok", '
                   '"message": "simulated"}\n')
        yield json.dumps({"type": "run", "run_id": run_id, "started": time, "finished": time, "dry_run": False,
                          "forced": False, "exit_code": 0, "rows": tally, "requests": {"huntress": 0, "halo": 0},
                          "simulated": True}) + "\n"


def _licence_id(client: int, item: int) -> int:
    return 900_000_000 + client * 10 + item % 10
