"""`halosync demo --invoice`, run as the installed command: invoice mode shown, the default demo unchanged."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.installed import HALOSYNC


def test_demo_invoice_shows_one_request_per_not_due_call_and_the_next_invoice_billed(isolated: Path):
    before = sorted(isolated.rglob("*"))
    result = subprocess.run([str(HALOSYNC), "demo", "--invoice"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "80"}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert "Not due: the last sync followed Huntress invoice 8002" in out
    assert "That call cost 1 Huntress request." in out
    assert "client Delta Logistics (15) · Managed EDR · 128 → 131 · update (ok) · invoice 8003" in out
    steps = [line.split(")")[0] for line in result.stdout.splitlines() if line[:1].isdigit() and ")" in line[:3]]
    assert steps == sorted(set(steps), key=int) and steps[-3:] == ["5", "6", "7"]  # each step once, in order
    assert "0 created, 2 updated, 38 unchanged, 0 failed · 2 Huntress" in out
    assert all(len(line) <= 80 for line in result.stdout.splitlines() if line.startswith("   client"))
    assert sorted(isolated.rglob("*")) == before


def test_the_default_demo_does_not_show_invoice_mode(isolated: Path):
    result = subprocess.run([str(HALOSYNC), "demo"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "200"}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and "Invoice mode" not in result.stdout
