"""Huntress requests and wall time of `halosync run` billing from the invoice, beside billable and summary modes.

Runs the installed `halosync run --force --json` as a subprocess against the sandbox (generated MSP:
organization i -> client i, four products, every organization with usage, so one line item each) at
10 to 10,000 organizations, in `counts = "invoiced"` (the newest reseller invoice's line items),
"billable" and "summary" modes, plus one not-due call of `frequency = "invoice"`. Measured without a
rate limit; the time at Huntress's real 60-per-minute limit is computed from the requests (a sliding
window: the first 60 go at once, then 60 a minute). Checks the target: invoiced mode costs at most
ceil(line items / 500) + 1 Huntress requests.

Run: python benchmarks/invoice.py [--sizes 10,100,1000,10000] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

from halosync.sandbox import Sandbox, State, serve
from halosync.sandbox.config import sandbox_config
from halosync.sandbox.reseller import organization_line_items

HALOSYNC = Path(sys.executable).with_name("halosync")
PER_MINUTE = 60


def write_config(path: Path, url: str, sandbox: Sandbox, mode: str, frequency: str, log: Path) -> Path:
    config = sandbox_config(url, str(log), sandbox.state)
    config["huntress"].update(counts=mode, requests_per_minute=10_000)
    config["halo"].update(requests_per_minute=10_000)
    config["sync"] = {"frequency": frequency}
    path.write_text(tomli_w.dumps(config))
    path.chmod(0o600)
    return path


def at_limit(requests: int) -> float:
    """Seconds the requests need at 60 a minute (sliding window), ignoring latency: whole minutes of waiting."""
    return max(0, math.ceil(requests / PER_MINUTE) - 1) * 60.0


def huntress_run(url: str, sandbox: Sandbox, mode: str, frequency: str, tmp: Path,
                 *args: str) -> tuple[int, float, dict]:
    config = write_config(tmp / f"{mode}-{frequency}.toml", url, sandbox, mode, frequency, tmp / f"{mode}.jsonl")
    mark = sandbox.count("huntress")
    start = time.perf_counter()
    child = subprocess.run([str(HALOSYNC), "run", "--json", "--config", str(config), *args], capture_output=True,
                           text=True)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"halosync exited {child.returncode}: {child.stdout[-1500:]} {child.stderr[-1500:]}")
    return sandbox.count("huntress") - mark, wall, json.loads(child.stdout)


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the sandbox waits before each answer")
    args = parser.parse_args()
    print(f"halosync invoice benchmark · {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()} · sandbox latency {args.latency * 1000:.0f} ms · first run (every licence created)")
    header = (f"{'orgs':>6} {'mode':<9} {'line items':>10} {'Huntress':>8} {'target':>6} {'wall s':>7} "
              f"{'Huntress at 60/min':>18}")
    print(header)
    print("-" * len(header))
    for orgs in (int(n) for n in args.sizes.split(",")):
        for mode in ("invoiced", "billable", "summary"):
            sandbox = Sandbox(State.generated(orgs))
            sandbox.faults.latency = args.latency
            sandbox.faults.huntress_rate_limit = 0  # measured without the limit; the limit is computed
            items = len(organization_line_items(sandbox.state, sandbox.state.reseller_invoice_id) or [])
            with serve(sandbox) as url, tempfile.TemporaryDirectory() as tmp:
                frequency = "invoice" if mode == "invoiced" else "monthly"
                requests, wall, out = huntress_run(url, sandbox, mode, frequency, Path(tmp), "--force")
                assert requests == out["run"]["requests"]["huntress"]
                target = math.ceil(items / 500) + 1 if mode == "invoiced" else None
                if target is not None:
                    assert requests <= target, f"{requests} Huntress requests, target {target}"
                print(f"{orgs:>6} {mode:<9} {items if mode == 'invoiced' else '':>10} {requests:>8} "
                      f"{target if target else '':>6} {wall:>7.2f} {minutes(at_limit(requests)):>18}", flush=True)
                if mode == "invoiced":
                    requests, wall, out = huntress_run(url, sandbox, mode, frequency, Path(tmp))
                    assert "not_due" in out and requests == 1
                    print(f"{orgs:>6} {'not due':<9} {'':>10} {requests:>8} {1:>6} {wall:>7.2f} {minutes(0):>18}",
                          flush=True)


if __name__ == "__main__":
    main()
