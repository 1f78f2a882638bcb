"""Report benchmark: `halosync report` over 24 months of monthly syncs of 10,000 clients × 4 products.

Run: python benchmarks/report.py [--clients N] [--months M]
Writes the log (about a million lines) and a config mapping every client into a temporary
folder, then times the installed command (a subprocess) in each form, with its peak RSS.
`--money` reads prices from the sandbox (a generated MSP: prices from its items).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HALOSYNC = Path(sys.executable).with_name("halosync")
PRODUCTS = {"edr": 1001, "itdr": 1002, "sat": 1003, "siem": 1004}
# A forked child's peak RSS starts at its parent's size: halosync is started from a small wrapper that reports its own.
WRAPPER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
sys.stderr.write(f"\\nPEAK_RSS_KB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} EXIT {code}\\n")
"""


def write_log(path: Path, clients: int, months: int) -> int:
    from halosync.sandbox.history import history_lines

    current = {(20_000 + c, p): (item, 10 + c % 50) for c in range(1, clients + 1) for p, item in PRODUCTS.items()}
    first_year, first_month = divmod(2026 * 12 + 10 - months, 12)  # the last month: 2026-11
    lines = 0
    with path.open("w") as f:
        for line in history_lines(f"{first_year:04d}-{first_month + 1:02d}", months, current):
            f.write(line)
            lines += 1
    return lines


def write_config(path: Path, log: Path, clients: int, base_url: str) -> None:
    from halosync.sandbox.config import sandbox_config_toml
    from halosync.sandbox.state import State

    state = State.generated(clients)
    text = sandbox_config_toml(base_url, str(log), state)
    path.write_text(text)
    path.chmod(0o600)


def timed(args: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", WRAPPER, str(HALOSYNC), *args], capture_output=True, text=True,
                           env={**os.environ, "COLUMNS": "80"})
    wall = time.perf_counter() - start
    tail = child.stderr.rsplit("PEAK_RSS_KB", 1)[1].split()
    return wall, int(tail[0]) / 1024, int(tail[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=24)
    options = parser.parse_args()

    from halosync.sandbox import Sandbox, serve
    from halosync.sandbox.state import State

    sandbox = Sandbox(State.generated(options.clients))
    with tempfile.TemporaryDirectory(prefix="halosync-report-bench-") as tmp, serve(sandbox) as url:
        folder = Path(tmp)
        log, config = folder / "results.jsonl", folder / "config.toml"
        started = time.perf_counter()
        lines = write_log(log, options.clients, options.months)
        made = time.perf_counter() - started
        write_config(config, log, options.clients, url)
        print(f"halosync report benchmark · {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"log: {lines:,} lines, {log.stat().st_size / 1e6:.0f} MB ({options.months} months × {options.clients:,} "
              f"clients × {len(PRODUCTS)} products; written in {made:.1f} s); config maps {options.clients:,} clients")
        print(f"{'command':<50} {'wall s':>7} {'peak MiB':>9} {'exit':>5}  files written")
        print("-" * 96)
        out = folder / "out"
        out.mkdir()
        cases = [
            ("report", []),
            ("report --months 24", ["--months", "24"]),
            ("report --json", ["--json"]),
            ("report --months 24 --json", ["--months", "24", "--json"]),
            ("report --csv F --html F", ["--csv", str(out / "r.csv"), "--html", str(out / "r.html")]),
            ("report --months 24 --csv F --html F", ["--months", "24", "--csv", str(out / "r.csv"), "--html",
                                                    str(out / "r.html")]),
            ("report --money --csv F --html F (sandbox prices)", ["--money", "--csv", str(out / "r.csv"), "--html",
                                                                str(out / "r.html")]),
        ]
        for name, args in cases:
            wall, peak, code = timed(["report", "--config", str(config), *args])
            files = ", ".join(f"{p.suffix[1:]} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(out.iterdir()))
            print(f"{name:<50} {wall:>7.2f} {peak:>9.1f} {code:>5}  {files}")
            for made in out.iterdir():
                made.unlink()


if __name__ == "__main__":
    main()
