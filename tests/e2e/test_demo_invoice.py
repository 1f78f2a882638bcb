"""`halosync demo --invoice`, run as the installed command as cron would (80 columns): invoice mode shown.
(The default demo, without invoice mode, is e2e/test_installed.py's.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.installed import HALOSYNC


def test_demo_invoice_shows_one_request_per_not_due_call_and_the_next_invoice_billed(isolated: Path):
    before = sorted(isolated.rglob("*"))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # no terminal, no COLUMNS: cron mail's 80
    result = subprocess.run([str(HALOSYNC), "demo", "--invoice"], capture_output=True, text=True, timeout=120,
                            env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line for line in (result.stdout + result.stderr).splitlines() if len(line) > 80] == []
    out = " ".join(result.stdout.split())
    assert "the next sync runs once Huntress issues a newer invoice. Use --force to sync now." in out
    assert "invoice 8003, 2026-11-01 to 2026-11-30" in out  # the next invoice bills the next month
    assert "Not due: the last sync followed Huntress invoice 8002" in out
    assert "That call cost 1 Huntress request." in out
    assert "client Delta Logistics (15) · Managed EDR · 128 → 131 · update (ok) · invoice 8003" in out
    steps = [line.split(")")[0] for line in result.stdout.splitlines() if line[:1].isdigit() and ")" in line[:3]]
    assert steps == sorted(set(steps), key=int) and steps[-3:] == ["5", "6", "7"]  # each step once, in order
    assert "0 created, 2 updated, 38 unchanged, 0 failed · 2 Huntress" in out
    assert all(len(line) <= 80 for line in result.stdout.splitlines() if line.startswith("   client"))
    assert sorted(isolated.rglob("*")) == before

