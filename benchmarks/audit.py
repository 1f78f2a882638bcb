"""Requests and wall time of `halosync audit` from 10 to 10,000 organizations.

The audit adds to the sync's reads one Huntress organization listing per 500
organizations and one read of Huntress's latest invoice; on the HaloPSA side a token,
the licence pages and the recurring-invoice pages. Runs the installed command against a
generated sandbox after a first sync, and prints the requests beside that bound.

Run: python benchmarks/audit.py [--sizes 10,100,1000,10000] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

from halosync.huntress.client import PAGE_LIMIT
from halosync.sandbox import Sandbox, State, serve
from halosync.sandbox.config import sandbox_config

HALOSYNC = Path(sys.executable).with_name("halosync")
PAGE_SIZE = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    print(f"halosync audit benchmark · sandbox latency {args.latency * 1000:.0f} ms")
    print(f"{'orgs':>6} {'Huntress':>8} {'bound':>6} {'Halo':>6} {'bound':>6} {'wall s':>7}")
    for orgs in (int(n) for n in args.sizes.split(",")):
        sandbox = Sandbox(State.generated(orgs))
        sandbox.faults.huntress_rate_limit = 0
        with tempfile.TemporaryDirectory() as tmp, serve(sandbox) as url:
            data = sandbox_config(url, str(Path(tmp) / "results.jsonl"), sandbox.state)
            data["huntress"] |= {"counts": "summary", "requests_per_minute": 10_000}
            data["halo"] |= {"requests_per_minute": 10_000}
            config = Path(tmp) / "config.toml"
            config.write_text(tomli_w.dumps(data))
            config.chmod(0o600)
            sync = subprocess.run([str(HALOSYNC), "run", "--force", "--config", str(config)], capture_output=True)
            if sync.returncode != 0:
                raise SystemExit(f"the sync failed: {sync.stderr.decode()[-2000:]}")
            sandbox.faults.latency = args.latency
            mark = len(sandbox.requests)
            start = time.perf_counter()
            result = subprocess.run([str(HALOSYNC), "audit", "--json", "--config", str(config)], capture_output=True, text=True)
            wall = time.perf_counter() - start
            payload = json.loads(result.stdout)
            sent = sandbox.requests[mark:]
            huntress = sum(1 for r in sent if r.service == "huntress")
            halo = sum(1 for r in sent if r.service == "halo")
            assert (huntress, halo) == (payload["requests"]["huntress"], payload["requests"]["halo"])
            licences = len(sandbox.state.live_licences())
            huntress_bound = math.ceil(orgs / PAGE_LIMIT) + 1
            halo_bound = 1 + max(1, math.ceil(licences / PAGE_SIZE)) + max(1, math.ceil(len(sandbox.state.invoices) / PAGE_SIZE))
            print(f"{orgs:>6} {huntress:>8} {huntress_bound:>6} {halo:>6} {halo_bound:>6} {wall:>7.1f}")


if __name__ == "__main__":
    main()
