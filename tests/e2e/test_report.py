"""`halosync report` end to end: the installed command as a subprocess, after real syncs against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from halosync.sandbox import Sandbox, serve
from halosync.sandbox.config import sandbox_config
from tests.support import recorded, write_config
from tests.support.contract import assert_conforms
from tests.support.installed import HALOSYNC


def halosync(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # no terminal, no COLUMNS: cron mail's 80
    return subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)


def test_report_after_real_syncs_with_money_as_cron_would_run_it(tmp_path: Path):
    sandbox = Sandbox()
    with serve(sandbox) as url:
        data = sandbox_config(url, str(tmp_path / "results.jsonl"))
        data["report"] = {"unit_cost": {"sat": 1.1}}
        config = write_config(tmp_path / "config.toml", data)
        assert halosync("run", "--force", "--config", str(config)).returncode == 0
        sandbox.state.set_count(106, "edr", 20)
        assert halosync("run", "--force", "--config", str(config)).returncode == 0
        synced = len(sandbox.requests)
        plain = halosync("report", "--config", str(config))
        assert plain.returncode == 0, plain.stderr
        assert all(len(line) <= 80 for line in plain.stdout.splitlines())
        assert "Evergreen Veterinary" in plain.stdout and "Traceback" not in plain.stderr
        assert len(sandbox.requests) == synced  # without --money, `report` sends nothing
        money = halosync("report", "--config", str(config), "--money", "--json", "--csv", str(tmp_path / "r.csv"),
                         "--html", str(tmp_path / "r.html"))
        assert money.returncode == 0, money.stderr
    assert_conforms(recorded(sandbox))
    document = json.loads(money.stdout)
    month = document["months"][-1]
    evergreen = next(r for r in document["rows"] if (r["halo_client_id"], r["product"]) == (16, "edr"))
    assert (evergreen["month"], evergreen["billed_units"], evergreen["unit_price"]) == (month, 20, 6.0)
    assert evergreen["revenue"] == 120.0 and evergreen["margin"] == 120.0 - 20 * 3.5
    assert (tmp_path / "r.html").read_text().count('<g class="entry"') == 4
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 1 + len(document["rows"])
