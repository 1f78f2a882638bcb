"""The installed `halosync` command run as a subprocess, its waits shortened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from halosync.sandbox.config import sandbox_config
from tests.support import write_config

if TYPE_CHECKING:
    from halosync.sandbox import Sandbox, State

HALOSYNC = Path(sys.executable).with_name("halosync")


WAIT_SCALE = 0.02  # retry waits (back-off, Retry-After) run at 2%: the suite does not sleep through them


def child_env(columns: int = 200) -> dict[str, str]:
    return {**os.environ, "COLUMNS": str(columns), "HALOSYNC_TEST_WAIT_SCALE": str(WAIT_SCALE)}


def halosync(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert HALOSYNC.exists(), f"halosync is not installed beside {sys.executable}"
    return subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, timeout=timeout,
                          env=child_env(), stdin=subprocess.DEVNULL)


def start(*args: str) -> subprocess.Popen[str]:
    """The installed command started with `args`, its output captured, not waited for."""
    return subprocess.Popen([str(HALOSYNC), *args], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=child_env())


def wait_for(condition: Callable[[], object], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def summary_config(url: str, folder: Path, state: State | None = None, suffix: str = "") -> Path:
    """A config in `folder` (config{suffix}.toml, results{suffix}.jsonl) for the sandbox served at `url` that reads
    the counts in one Huntress request: the tests that use it are about the writes."""
    data = sandbox_config(url, str(folder / f"results{suffix}.jsonl"), state)
    data["huntress"]["counts"] = "summary"
    return write_config(folder / f"config{suffix}.toml", data)


def start_during_a_licence_write(sandbox: Sandbox, *args: str, latency: float) -> subprocess.Popen[str]:
    """Start the installed command (`args`) and return once its first licence write has reached the sandbox,
    which holds the answer for `latency` seconds: the write is in flight, ready to be signalled."""
    sandbox.faults.latency = latency
    posts = len(sandbox.licence_post_arrivals)
    process = start(*args)
    deadline = time.monotonic() + 60
    while len(sandbox.licence_post_arrivals) == posts and time.monotonic() < deadline:
        time.sleep(0.01)  # the request has arrived; its answer waits out the latency
    return process


def start_fixing_during_an_invoice_write(sandbox: Sandbox, config: Path, latency: float) -> subprocess.Popen[str]:
    """Sync once, then start `audit --fix --yes --json` and return once its first invoice write has reached the
    sandbox, whose answers are slow (`latency` seconds) from the audit's invoice read on: the write is in flight."""
    assert halosync("run", "--config", str(config)).returncode == 0
    sandbox.faults.invoice_hook = lambda state: setattr(sandbox.faults, "latency", latency)
    process = start("audit", "--fix", "--yes", "--json", "--config", str(config))
    wait_for(lambda: sandbox.invoice_write_arrivals)
    return process


def interrupted_twice(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[str, str]:
    """Ask the running command to stop, and 0.2 s later ask again (stop at once); its (stdout, stderr)."""
    process.send_signal(signum)
    time.sleep(0.2)
    process.send_signal(signum)
    return process.communicate(timeout=60)
