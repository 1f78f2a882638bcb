"""End to end: the documented rehearsal of a switch, `halosync sandbox --huntress-sync on`, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.support.installed import HALOSYNC


def halosync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "80"})


def test_the_rehearsal_shows_an_adoption_and_then_an_outside_change(tmp_path: Path):
    process = subprocess.Popen([str(HALOSYNC), "sandbox", "--port", "0", "--huntress-sync", "on"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("# (end of config)")):
            lines.append(process.stdout.readline())  # type: ignore[union-attr]
        config = tmp_path / "sandbox.toml"
        config.write_text("".join(lines))
        config.chmod(0o600)

        dry = halosync("run", "--config", str(config), "--force", "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        tally = json.loads(dry.stdout)["run"]["rows"]
        assert tally["create"] == 0 and tally["update"] >= 3  # its licences are adopted, none is made

        first = halosync("run", "--config", str(config), "--force")
        assert first.returncode == 0, first.stderr
        assert "0 created" in first.stdout and "changed outside halosync" not in first.stderr

        second = halosync("run", "--config", str(config), "--force")  # the built-in sync wrote in between
        assert second.returncode == 0, second.stderr
        assert "1 licence changed outside halosync" in second.stderr
        assert "changed outside halosync: halosync left it at" in second.stdout
    finally:
        process.terminate()
        process.wait(timeout=10)
