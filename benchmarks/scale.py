"""Requests, wall time and peak memory of `halosync run` from 10 to 10,000 organizations.

Runs the installed `halosync run --force --json` as a subprocess against the sandbox
(generated MSP: organization i -> client i, 4 products), with simulated latency, for a
first run (every licence created) and a steady-state run (nothing changed), in both
count modes. Prints the requests of each service beside their lower bound, the wall
time beside what the request pool allows, and the child's peak RSS.

Run: python benchmarks/scale.py [--sizes 10,100,1000,10000] [--latency 0.02] [--default-limits]
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

from halosync.halo.apply import BATCH_SIZE
from halosync.huntress.client import PAGE_LIMIT
from halosync.sandbox import Sandbox, State, serve
from halosync.sandbox.config import sandbox_config
from halosync.transport.pool import POOL_SIZE

HALOSYNC = Path(sys.executable).with_name("halosync")
PRODUCTS = {"edr": 1001, "itdr": 1002, "sat": 1003, "siem": 1004}
SPLIT_PRODUCTS = {"edr_servers": 1006, "edr_workstations": 1007, "itdr": 1002, "sat": 1003, "siem": 1004}
PAGE_SIZE = 100


def write_config(path: Path, url: str, sandbox: Sandbox, mode: str, log: Path, per_minute: int,
                 products: dict[str, int] = PRODUCTS) -> Path:
    """The sandbox's own ready config (every organization mapped), tuned for the benchmark."""
    config = sandbox_config(url, str(log), sandbox.state)
    config["huntress"].update(counts=mode, requests_per_minute=per_minute)
    config["halo"].update(requests_per_minute=per_minute, page_size=PAGE_SIZE)
    config["products"] = dict(products)
    path.write_text(tomli_w.dumps(config))
    path.chmod(0o600)
    return path


# A forked child's peak RSS starts at its parent's size, and this process holds the whole
# sandbox: so halosync is started from a small wrapper that reports its child's peak alone.
WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
sys.stderr.write(f"\\nPEAK_RSS_KB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n")
sys.exit(code)
"""


def peak_rss_mb(args: list[str]) -> tuple[str, float, float, int]:
    """(stdout, or stdout and stderr on failure; wall seconds; halosync's peak RSS in MB; exit code)."""
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", WRAPPER, *args], capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_kb = int(child.stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
    out = child.stdout + ("\n" + child.stderr if child.returncode else "")
    return out, wall, peak_kb / 1024, child.returncode


def bounds(orgs: int, mode: str, licences_before: int, writes: int, agents: list[int] | None = None) -> tuple[int, int]:
    """Lower bounds. With `agents` (each organization's agent count), the EDR split adds the cheaper of
    one agent listing per organization and one listing of the whole account."""
    huntress = math.ceil(orgs / PAGE_LIMIT) + (orgs if mode == "billable" else 0)
    if agents is not None:
        huntress += min(sum(max(1, math.ceil(a / PAGE_LIMIT)) for a in agents), max(1, math.ceil(sum(agents) / PAGE_LIMIT)))
    halo = 1 + max(1, math.ceil(licences_before / PAGE_SIZE)) + math.ceil(writes / BATCH_SIZE)
    return huntress, halo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the sandbox waits before each answer")
    parser.add_argument("--modes", default="billable,summary")
    parser.add_argument("--split-edr", action="store_true",
                        help="also map edr_servers and edr_workstations (counted from /v1/agents)")
    parser.add_argument("--default-limits", action="store_true",
                        help="also run 100 organizations in billable mode under the default 60-per-minute limits, both sides enforcing them")
    args = parser.parse_args()
    print(f"halosync scale benchmark · {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()} · "
          f"sandbox latency {args.latency * 1000:.0f} ms · pool {POOL_SIZE} · batch {BATCH_SIZE} · Halo page {PAGE_SIZE}")
    header = (f"{'orgs':>6} {'mode':<14} {'run':<7} {'Huntress':>8} {'bound':>6} {'Halo':>6} {'bound':>6} "
              f"{'over':>5} {'wall s':>8} {'ideal s':>8} {'peak MB':>8}")
    print(header)
    print("-" * len(header))
    cases = [(int(n), mode, False) for n in args.sizes.split(",") for mode in args.modes.split(",")]
    if args.split_edr:
        cases += [(int(n), mode, True) for n in args.sizes.split(",") for mode in args.modes.split(",")]
    for orgs, mode, split in cases:
        if True:
            sandbox = Sandbox(State.generated(orgs))
            sandbox.faults.latency = args.latency
            sandbox.faults.huntress_rate_limit = 0  # measured here: requests and the pool; limits below
            with serve(sandbox) as url, tempfile.TemporaryDirectory() as tmp:
                config = write_config(Path(tmp) / "config.toml", url, sandbox, mode, Path(tmp) / "results.jsonl",
                                      per_minute=10_000, products=SPLIT_PRODUCTS if split else PRODUCTS)
                for phase in ("first", "steady"):
                    before = len(sandbox.live_licences())
                    mark = len(sandbox.requests)
                    out, wall, peak, code = peak_rss_mb([str(HALOSYNC), "run", "--force", "--json", "--config", str(config)])
                    if code != 0:
                        raise SystemExit(f"halosync exited {code}: {out[-2000:]}")
                    run = json.loads(out)["run"]
                    writes = run["rows"]["create"] + run["rows"]["update"]
                    sent = sandbox.requests[mark:]
                    huntress = sum(1 for r in sent if r.service == "huntress")
                    halo = sum(1 for r in sent if r.service == "halo")
                    assert (huntress, halo) == (run["requests"]["huntress"], run["requests"]["halo"])
                    agent_counts = [len(sandbox.state.agents(o)) for o in sandbox.state.organizations] if split else None
                    hb, lb = bounds(orgs, mode, before, writes, agent_counts)
                    ideal = (huntress + halo) * args.latency / POOL_SIZE
                    label = mode + ("+split" if split else "")
                    print(f"{orgs:>6} {label:<14} {phase:<7} {huntress:>8} {hb:>6} {halo:>6} {lb:>6} "
                          f"{huntress + halo - hb - lb:>+5} {wall:>8.2f} {ideal:>8.2f} {peak:>8.1f}", flush=True)

    if args.default_limits:
        orgs = 100
        sandbox = Sandbox(State.generated(orgs))
        sandbox.faults.latency = args.latency
        sandbox.faults.huntress_rate_limit = 60
        with serve(sandbox) as url, tempfile.TemporaryDirectory() as tmp:
            config = write_config(Path(tmp) / "config.toml", url, sandbox, "billable", Path(tmp) / "results.jsonl",
                                  per_minute=60)
            out, wall, peak, code = peak_rss_mb([str(HALOSYNC), "run", "--force", "--json", "--config", str(config)])
            too_many = sum(1 for r in sandbox.requests if r.status == 429)
            print(f"\nDefault limits (60/min each side, the sandbox enforcing Huntress's): {orgs} organizations, billable, "
                  f"first run: exit {code}, {wall:.1f} s, {too_many} answers 429")


if __name__ == "__main__":
    main()
