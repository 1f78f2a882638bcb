"""The installed `halosync` command run as a subprocess, its waits shortened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from halosync.sandbox import Sandbox

HALOSYNC = Path(sys.executable).with_name("halosync")


WAIT_SCALE = 0.02  # retry waits (back-off, Retry-After) run at 2%: the suite does not sleep through them


def child_env(columns: int = 200) -> dict[str, str]:
    return {**os.environ, "COLUMNS": str(columns), "HALOSYNC_TEST_WAIT_SCALE": str(WAIT_SCALE)}


def halosync(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert HALOSYNC.exists(), f"halosync is not installed beside {sys.executable}"
    return subprocess.run([str(HALOSYNC), *args], capture_output=True, text=True, timeout=timeout,
                          env=child_env(), stdin=subprocess.DEVNULL)


def start_during_a_licence_write(sandbox: Sandbox, *args: str, latency: float) -> subprocess.Popen[str]:
    """Start the installed command (`args`) and return once its first licence write has reached the sandbox,
    which holds the answer for `latency` seconds: the write is in flight, ready to be signalled."""
    sandbox.faults.latency = latency
    posts = len(sandbox.licence_post_arrivals)
    process = subprocess.Popen([str(HALOSYNC), *args], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, env=child_env())
    deadline = time.monotonic() + 60
    while len(sandbox.licence_post_arrivals) == posts and time.monotonic() < deadline:
        time.sleep(0.01)  # the request has arrived; its answer waits out the latency
    return process


def interrupted_twice(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[str, str]:
    """Ask the running command to stop, and 0.2 s later ask again (stop at once); its (stdout, stderr)."""
    process.send_signal(signum)
    time.sleep(0.2)
    process.send_signal(signum)
    return process.communicate(timeout=60)
