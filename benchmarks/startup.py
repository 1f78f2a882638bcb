"""Start-up and log-growth benchmark: `halosync --help` and a not-due `halosync run` with a 1,000,000-line log.

Run: python benchmarks/startup.py [--lines N] [--repeat R]
Prints the median, best and worst wall time of each, as the installed command (a subprocess).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HALOSYNC = Path(sys.executable).with_name("halosync")


def write_log(path: Path, lines: int) -> None:
    """About two years of hourly history: per run 40 rows and a run record, the newest a success this month."""
    now = datetime.now(UTC)
    per_run = 42
    runs = lines // per_run
    with path.open("w") as f:
        for n in range(runs):
            started = (now - timedelta(hours=runs - n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            run_id = f"bench-{n}"
            for i in range(per_run - 1):
                f.write(json.dumps({"type": "row", "run_id": run_id, "time": started, "dry_run": False,
                                    "halo_client_id": i, "huntress_organization_ids": [i], "product": "edr",
                                    "halo_item_id": 1001, "licence_id": i, "previous_count": 3, "count": 3,
                                    "action": "unchanged", "status": "ok", "message": ""}) + "\n")
            f.write(json.dumps({"type": "run", "run_id": run_id, "started": started, "finished": started,
                                "dry_run": False, "forced": False, "exit_code": 0 if n % 7 else 1,
                                "rows": {"create": 0, "update": 0, "unchanged": 41, "failed": 0},
                                "requests": {"huntress": 12, "halo": 2}}) + "\n")


def timed(args: list[str], repeat: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        assert result.returncode == 0, result.stderr
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "results.jsonl"
        write_log(log, args.lines)
        config = Path(tmp) / "config.toml"
        config.write_text(f'''[huntress]\napi_key = "k"\napi_secret = "s"\n[halo]\nurl = "https://unreachable.invalid"
client_id = "c"\nclient_secret = "d"\n[sync]\nfrequency = "monthly"\nday_of_month = 1\n[log]\npath = "{log}"\n''')
        config.chmod(0o600)
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": tmp, "XDG_STATE_HOME": tmp}
        size = log.stat().st_size / 1e6
        lines = sum(1 for _ in log.open())
        print(f"halosync start-up on {os.cpu_count()} cores, Python {sys.version.split()[0]}, log of {lines:,} lines ({size:.0f} MB)")
        print(f"{'command':<34} {'median':>8} {'best':>8} {'worst':>8}")
        for label, argv in (("halosync --help", ["--help"]), ("halosync --version", ["--version"]),
                            ("halosync run (not due)", ["run", "--config", str(config)]),
                            ("halosync history --last 10", ["history", "--config", str(config), "--last", "10"])):
            times = timed(argv, args.repeat, env)
            print(f"{label:<34} {statistics.median(times):>7.3f}s {min(times):>7.3f}s {max(times):>7.3f}s")


if __name__ == "__main__":
    main()
